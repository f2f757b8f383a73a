"""The sign-in window driven offscreen in the real web view, against the vendor simulators and a real OpenID provider.

Every window a test opens is closed at teardown, which checks that its page
and profile were deleted in that order without a Qt warning (conftest.py).
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEngineLoadingInfo, QWebEngineProfile
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from connmgr.domain.callback import Denied
from connmgr.domain.provider import Provider, resolve_provider
from connmgr.oauth.client import OAuthClient
from connmgr.services.signin import Connected, SignIn, finish_sign_in, start_sign_in
from tests.gui.webdriver import TIMEOUT_MS, PageDriver
from tests.simulators.fixtures import PASSWORD, REDIRECT_URI, USERNAME
from tests.simulators.ioffice import LOGIN_PATH
from tests.support.oidc_fixtures import ACME, ALICE, APP_REDIRECT_URI, VAULT_DESKTOP
from tests.support.providers import CATALOG, provider_for

SCREENSHOT = Path("/tmp/signin.png")


def start(provider: Provider) -> SignIn:
    async def run() -> SignIn:
        async with OAuthClient() as client:
            return await start_sign_in(client, provider)

    return asyncio.run(run())


def finish(sign_in: SignIn, callback_url: str):
    async def run():
        async with OAuthClient() as client:
            return await finish_sign_in(client, sign_in, callback_url)

    return asyncio.run(run())


def record(signal) -> list[tuple]:
    """Every emission of `signal`, as a list of argument tuples."""
    calls: list[tuple] = []
    signal.connect(lambda *args: calls.append(args))
    return calls


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_vcita_sign_in_ends_with_a_token(qtbot, open_window, vcita_sim):
    sign_in = start(provider_for("vcita", vcita_sim))
    window = open_window(sign_in.request.url, sign_in.request.redirect_uri, sign_in.provider.vendor)
    person = PageDriver(qtbot, window.page)
    person.wait_for_page()
    assert window.address.host == vcita_sim.sim.base_url.removeprefix("http://")
    assert window.address.security.startswith("Not secure")
    person.sign_in(USERNAME, PASSWORD)
    person.wait_for_page()
    with qtbot.waitSignal(window.redirect_received, timeout=TIMEOUT_MS) as caught:
        person.click("Allow")
    assert not window.isVisible()
    connected = finish(sign_in, caught.args[0])
    assert isinstance(connected, Connected)
    assert connected.tokens.access_token and connected.account == "alice@example.com"


@pytest.mark.parametrize("mode", ["http", "javascript"])
def test_ioffice_fragment_is_caught_without_loading_the_redirect_host(qtbot, open_window, ioffice_sim, mode):
    ioffice_sim.sim.redirect_mode = mode
    sign_in = start(provider_for("ioffice", ioffice_sim))
    assert sign_in.request.redirect_uri == REDIRECT_URI  # http://127.0.0.1:8765/callback: nothing listens there
    window = open_window(sign_in.request.url, REDIRECT_URI, "iOFFICE")
    addresses = record(window.page.urlChanged)
    loads = record(window.page.loadingChanged)
    failures = record(window.failed)
    person = PageDriver(qtbot, window.page)
    person.wait_for_page()
    with qtbot.waitSignal(window.redirect_received, timeout=TIMEOUT_MS) as caught:
        person.sign_in(USERNAME, PASSWORD)
    redirect = caught.args[0]
    assert redirect.startswith(f"{REDIRECT_URI}#code=") and "&appCode=" in redirect
    assert failures == []
    assert not any(":8765" in url.toString() for (url,) in addresses)
    assert not any(info.status() == QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus for (info,) in loads)
    assert isinstance(finish(sign_in, redirect), Connected)


def test_vaultre_cancel_comes_back_as_denied(qtbot, open_window, vaultre_sim):
    sign_in = start(provider_for("vaultre", vaultre_sim))
    window = open_window(sign_in.request.url, REDIRECT_URI, "VaultRE")
    person = PageDriver(qtbot, window.page)
    person.wait_for_page()
    person.sign_in(USERNAME, PASSWORD)
    person.wait_for_page()
    with qtbot.waitSignal(window.redirect_received, timeout=TIMEOUT_MS) as caught:
        person.click("Cancel")
    assert "reason=User%20denied%20request" in caught.args[0]
    assert isinstance(finish(sign_in, caught.args[0]), Denied)


def test_cancel_button(qtbot, open_window, web_pages):
    window = open_window(web_pages.put("/login", "<h1>Sign in</h1>"), APP_REDIRECT_URI)
    cancel = window.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.waitSignal(window.cancelled):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_a_page_that_never_finishes_times_out(qtbot, open_window, ioffice_sim):
    ioffice_sim.sim.inject(LOGIN_PATH, status=200, delay=30)
    sign_in = start(provider_for("ioffice", ioffice_sim))
    window = open_window(sign_in.request.url, REDIRECT_URI, "iOFFICE", timeout=0.5)
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    assert failure.args == ["iOFFICE: the sign-in page did not finish within 0.5 seconds; try again."]
    assert not window.isVisible()


def test_no_session_reaches_the_next_sign_in(qtbot, open_window, oidc_server):
    provider = resolve_provider(
        CATALOG.get("docbyte"),
        {
            "account": "acme",
            "environment": "test",
            "tenant": ACME,
            "client_id": VAULT_DESKTOP.client_id,
            "redirect_uri": APP_REDIRECT_URI,
            "issuer": oidc_server.docbyte_issuer(ACME),
        },
        "authorization_code",
    )
    first_sign_in = start(provider)
    first = open_window(first_sign_in.request.url, APP_REDIRECT_URI, provider.vendor)
    cookies = record(first.page.private_profile.cookieStore().cookieAdded)
    person = PageDriver(qtbot, first.page)
    person.wait_for_page()
    person.sign_in(ALICE.username, ALICE.password)
    person.wait_for_page()
    with qtbot.waitSignal(first.redirect_received, timeout=TIMEOUT_MS) as caught:
        person.click("Allow")
    assert caught.args[0].startswith(f"{APP_REDIRECT_URI}?code=")
    # The provider did keep a session: in the same browser, the next sign-in would skip the password.
    assert "_session" in {cookie.name().data().decode() for (cookie,) in cookies}

    second_sign_in = start(provider)
    second = open_window(second_sign_in.request.url, APP_REDIRECT_URI, provider.vendor)
    person = PageDriver(qtbot, second.page)
    person.wait_for_page()
    assert person.has_field("password"), person.text()


def test_a_file_address_is_refused(qtbot, open_window, web_pages):
    window = open_window("file:///etc/hostname", APP_REDIRECT_URI, "Acme")
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    assert failure.args == [
        "Acme: the sign-in window refused to open a file: address, since it shows only web pages; "
        "check the connection settings and try again."
    ]


def test_an_untrusted_certificate_is_refused(qtbot, open_window, untrusted_https):
    window = open_window(f"{untrusted_https}/authorize", "https://app.connmgr.test/callback", "Acme")
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    host = untrusted_https.removeprefix("https://")
    assert failure.args[0].startswith(f"Acme: the certificate of {host} could not be verified (")


def test_an_unreachable_page_names_the_host(qtbot, open_window):
    host = f"127.0.0.1:{closed_port()}"
    window = open_window(f"http://{host}/authorize", "https://app.connmgr.test/callback", "Acme")
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    assert failure.args == [
        f"Acme: the sign-in page at {host} could not be loaded (connection refused); "
        "check the address and your network connection, then try again."
    ]


def test_a_page_refusing_embedded_browsers_offers_the_system_browser(qtbot, open_window, web_pages):
    page = "<title>Couldn't sign you in</title><h1>This browser or app may not be secure.</h1>"
    window = open_window(web_pages.put("/signin", page, status=403), APP_REDIRECT_URI, "Google")
    with qtbot.waitSignal(window.blocked_embedded, timeout=TIMEOUT_MS) as blocked:
        pass
    assert blocked.args == [
        "Google: the sign-in page does not allow signing in inside this window; use the system browser instead."
    ]
    offer = next(b for b in window.findChildren(QPushButton) if b.text() == "Sign in with the system browser")
    assert offer.isVisible()
    cancelled = record(window.cancelled)
    with qtbot.waitSignal(window.use_system_browser):
        qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    assert not window.isVisible() and cancelled == []


def test_downloads_are_refused(qtbot, open_window, web_pages):
    url = web_pages.put("/file", "secret", headers={"Content-Disposition": "attachment; filename=x.txt"})
    window = open_window(url, APP_REDIRECT_URI)
    with qtbot.waitSignal(window.page.private_profile.downloadRequested, timeout=TIMEOUT_MS) as requested:
        pass
    download: QWebEngineDownloadRequest = requested.args[0]
    cancelled = QWebEngineDownloadRequest.DownloadState.DownloadCancelled
    qtbot.waitUntil(lambda: download.state() == cancelled, timeout=TIMEOUT_MS)
    assert window.isVisible()  # a refused download does not end the sign-in


def test_each_sign_in_has_a_private_profile_with_the_usual_user_agent(open_window, web_pages):
    window = open_window(web_pages.put("/login", "<h1>Sign in</h1>"), APP_REDIRECT_URI)
    profile = window.page.private_profile
    assert profile.isOffTheRecord()
    assert profile.httpUserAgent() == QWebEngineProfile.defaultProfile().httpUserAgent()


def test_screenshot(qtbot, open_window, vcita_sim):
    sign_in = start(provider_for("vcita", vcita_sim))
    window = open_window(sign_in.request.url, REDIRECT_URI, sign_in.provider.vendor)
    person = PageDriver(qtbot, window.page)
    person.wait_for_page()
    qtbot.waitExposed(window)
    assert window.grab().save(str(SCREENSHOT))


def test_an_error_page_offers_the_way_back_to_the_settings(qtbot, open_window, web_pages):
    # The page echoes the sign-in's state, which is connmgr's own and not quoted back.
    page = "<title>Error</title><h1>Something went wrong</h1><p>Unknown client_id (request s3cr3t-state).</p>"
    web_pages.put("/ok", "<h1>Sign in</h1>")
    url = web_pages.put("/authorize", page, status=400) + "?client_id=x&state=s3cr3t-state"
    window = open_window(url, APP_REDIRECT_URI, "Acme")
    back = next(b for b in window.findChildren(QPushButton) if b.text() == "Back to the settings")
    qtbot.waitUntil(back.isVisible, timeout=TIMEOUT_MS)
    cancelled = record(window.cancelled)
    with qtbot.waitSignal(window.back_to_settings) as went_back:
        qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    said = "Something went wrong. Unknown client_id (request …)."
    sentence = f"Acme: the sign-in page said “{said}” (HTTP 400); check the settings and sign in again."
    assert went_back.args == [sentence, said]
    assert not window.isVisible() and cancelled == []


def test_the_way_back_is_offered_only_while_an_error_page_shows(qtbot, open_window, web_pages):
    web_pages.put("/ok", "<h1>Sign in</h1>")
    window = open_window(web_pages.put("/authorize", "<p>Nope</p>", status=403), APP_REDIRECT_URI)
    person = PageDriver(qtbot, window.page)
    back = next(b for b in window.findChildren(QPushButton) if b.text() == "Back to the settings")
    qtbot.waitUntil(back.isVisible, timeout=TIMEOUT_MS)
    person.wait_for_page()
    person.run("location.href = '/ok'")
    person.wait_for_page()
    assert person.text().endswith("Sign in")
    assert not back.isVisible()
