"""The page's navigation hook called directly, and the address bar: the adapters around the Qt-free rules."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings

from connmgr.gui.signin.address_bar import AddressBar
from connmgr.gui.signin.page import SignInPage

REDIRECT = "http://127.0.0.1:8765/callback"
Navigation = QWebEnginePage.NavigationType


def record(signal) -> list[tuple]:
    calls: list[tuple] = []
    signal.connect(lambda *args: calls.append(args))
    return calls


@pytest.fixture
def page(qtbot):
    page = SignInPage(REDIRECT)
    yield page
    with qtbot.waitSignal(page.private_profile.destroyed):
        page.deleteLater()


def test_the_redirect_is_reported_once_and_then_nothing_loads(page):
    caught = record(page.redirect_caught)
    assert not page.acceptNavigationRequest(QUrl(f"{REDIRECT}#code=first"), Navigation.NavigationTypeRedirect, True)
    assert not page.acceptNavigationRequest(QUrl(f"{REDIRECT}#code=again"), Navigation.NavigationTypeRedirect, True)
    assert not page.acceptNavigationRequest(QUrl("https://vendor.example/"), Navigation.NavigationTypeTyped, True)
    assert caught == [(f"{REDIRECT}#code=first",)]


def test_a_frame_never_loads_the_redirect_and_never_reports_it(page):
    caught, refused = record(page.redirect_caught), record(page.navigation_refused)
    assert not page.acceptNavigationRequest(QUrl(f"{REDIRECT}?code=x"), Navigation.NavigationTypeRedirect, False)
    assert page.acceptNavigationRequest(QUrl("about:blank"), Navigation.NavigationTypeOther, False)
    assert caught == [] and refused == []


def test_a_near_miss_is_refused_and_named_beside_the_redirect_uri(page):
    caught, missed = record(page.redirect_caught), record(page.redirect_missed)
    other = QUrl("http://127.0.0.1:8765/other?code=x")
    assert not page.acceptNavigationRequest(other, Navigation.NavigationTypeRedirect, True)
    assert caught == [] and missed == [("http://127.0.0.1:8765/other", REDIRECT)]


def test_refused_main_frame_navigations_say_why(page):
    refused = record(page.navigation_refused)
    assert page.acceptNavigationRequest(QUrl("https://vendor.example/login"), Navigation.NavigationTypeTyped, True)
    assert not page.acceptNavigationRequest(QUrl("data:text/html,x"), Navigation.NavigationTypeLinkClicked, True)
    assert refused == [("a data: address",)]


def test_links_never_start_another_program(page):
    policy = QWebEngineSettings.UnknownUrlSchemePolicy.DisallowUnknownUrlSchemes
    assert page.settings().unknownUrlSchemePolicy() == policy


@pytest.mark.parametrize(
    ("url", "host", "security"),
    [
        ("https://login.vendor.example/authorize", "login.vendor.example", "Secure connection (HTTPS)"),
        ("http://127.0.0.1:8080/login", "127.0.0.1:8080", "Not secure: HTTP, not encrypted"),
        ("https://login.vendor.example:8443/", "login.vendor.example:8443", "Secure connection (HTTPS)"),
        ("about:blank", "", ""),
    ],
)
def test_the_address_bar_shows_host_and_encryption(qtbot, url, host, security):
    bar = AddressBar()
    qtbot.addWidget(bar)
    bar.show_address(QUrl(url))
    assert (bar.host, bar.security) == (host, security)
