"""Nothing a sign-in page does reaches the redirect URI's host, in the real web view.

Whatever answers at the redirect address would receive the code. Every host
other than this machine is a local stand-in here (redirect_host.py), which
counts what reaches it: for the redirect host, nothing may, however the
registered URI is spelled and however the page tries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connmgr.domain.callback import CodeReceived, parse_callback
from tests.gui.redirect_host import OtherHosts, other_hosts_stand_in
from tests.gui.webdriver import TIMEOUT_MS
from tests.support.providers import CATALOG

APP_HOST = "app.connmgr.test"  # the redirect host; the stand-in answers for it
CONTROL_HOST = "elsewhere.connmgr.test"  # another host, which shows that the stand-in does see what is sent
CODE = "code=abc&state=xyz"


@pytest.fixture
def other_hosts() -> Iterator[OtherHosts]:
    with other_hosts_stand_in() as stand_in:
        yield stand_in


def redirecting_page(web_pages, target: str, how: str) -> str:
    """A vendor page that sends the browser to `target` (exactly as written) by `how`: "302" or "script"."""
    if how == "302":
        # On the wire as UTF-8, as a vendor writing the registered string into Location sends it.
        return web_pages.put("/authorize", "", status=302, headers={"Location": target.encode().decode("latin-1")})
    return web_pages.put("/authorize", f"<script>location.href = {json.dumps(target)};</script>")


SPELLINGS = [
    f"http://{APP_HOST}/%61/cb",
    f"http://{APP_HOST}/a%2fb/cb",
    f"http://{APP_HOST}/a/../cb",
    f"http://{APP_HOST}/rückruf",
    "http://APP.Connmgr.TEST/cb",
    f"http://{APP_HOST}:80/cb",
    "http://bücher.connmgr.test/cb",
]


@pytest.mark.parametrize("how", ["302", "script"])
@pytest.mark.parametrize("registered", SPELLINGS)
def test_the_redirect_is_caught_however_it_is_spelled(qtbot, open_window, web_pages, other_hosts, registered, how):
    window = open_window(redirecting_page(web_pages, f"{registered}?{CODE}", how), registered)
    with qtbot.waitSignal(window.redirect_received, timeout=TIMEOUT_MS) as caught:
        pass
    spec = CATALOG.get("oauth2").callback
    result = parse_callback(caught.args[0], registered=registered, state="xyz", vendor="Acme", spec=spec)
    assert result == CodeReceived("abc", {})
    assert other_hosts.requests_for(APP_HOST) == []
    assert other_hosts.requests_for("xn--bcher-kva.connmgr.test") == []


@pytest.mark.parametrize("how", ["302", "script"])
@pytest.mark.parametrize(
    ("target", "where"),
    [
        (f"http://{APP_HOST}/other?{CODE}", f"http://{APP_HOST}/other"),
        (f"http://{APP_HOST}/cb?tenant=evil&{CODE}", f"http://{APP_HOST}/cb"),  # the registered query differs
        (f"http://{APP_HOST}:80/cb/?tenant=acme&{CODE}", f"http://{APP_HOST}/cb/"),
    ],
)
def test_a_near_miss_is_refused_with_a_sentence(qtbot, open_window, web_pages, other_hosts, target, where, how):
    registered = f"http://{APP_HOST}/cb?tenant=acme"
    window = open_window(redirecting_page(web_pages, target, how), registered, "VaultRE")
    caught = []
    window.redirect_received.connect(caught.append)
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    assert failure.args == [
        f"VaultRE: the sign-in went to {where} instead of the Redirect URI http://{APP_HOST}/cb and was stopped "
        "before anything was sent; check that the Redirect URI is the one registered with VaultRE."
    ]
    assert caught == []
    assert other_hosts.requests_for(APP_HOST) == []


def test_a_sign_in_page_on_the_redirect_address_is_never_loaded(qtbot, open_window, other_hosts):
    window = open_window(f"http://{APP_HOST}/authorize", f"http://{APP_HOST}/cb")
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failure:
        pass
    assert failure.args[0].startswith(f"Acme: the sign-in went to http://{APP_HOST}/authorize instead of ")
    assert other_hosts.requests_for(APP_HOST) == []


# Every kind of request a page can make, to one host and then to the other; each awaited where the browser
# says when it is over, so that the control host's requests come after the redirect host's would have.
_REQUESTS = """
const ended = (element) => new Promise((done) => { element.onload = element.onerror = done; });
async function visit(host) {
  const image = new Image();
  const imaged = ended(image);
  image.src = `http://${host}/image.png`;
  const script = document.createElement("script");
  const scripted = ended(script);
  script.src = `http://${host}/app.js`;
  document.head.append(script);
  const prefetch = document.createElement("link");
  prefetch.rel = "prefetch";
  const prefetched = ended(prefetch);
  prefetch.href = `http://${host}/prefetch`;
  document.head.append(prefetch);
  const fetched = fetch(`http://${host}/fetch`, {mode: "no-cors"}).catch(() => null);
  const xhr = new XMLHttpRequest();
  const xhred = new Promise((done) => { xhr.onloadend = done; });
  xhr.open("GET", `http://${host}/xhr`);
  xhr.send();
  const socket = new WebSocket(`ws://${host}/socket`);
  const closed = new Promise((done) => { socket.onclose = done; });
  navigator.sendBeacon(`http://${host}/beacon`, "x");
  const frame = document.createElement("iframe");
  frame.src = `http://${host}/frame`;
  document.body.append(frame);
  await Promise.all([imaged, scripted, prefetched, fetched, xhred, closed]);
}
visit(%s).then(() => visit(%s)).then(() => { document.title = "done"; });
"""
KINDS = {f"http://{CONTROL_HOST}/{p}" for p in ("image.png", "app.js", "prefetch", "fetch", "xhr", "beacon", "frame")}


def test_no_request_of_any_kind_reaches_the_redirect_host(qtbot, open_window, web_pages, other_hosts):
    script = _REQUESTS % (json.dumps(APP_HOST), json.dumps(CONTROL_HOST))
    window = open_window(web_pages.put("/login", f"<body><script>{script}</script></body>"), f"http://{APP_HOST}/cb")
    qtbot.waitUntil(lambda: window.page.title() == "done", timeout=TIMEOUT_MS)

    def control_saw_every_kind() -> None:
        seen = {r.target for r in other_hosts.requests_for(CONTROL_HOST)}
        assert seen >= KINDS | {f"{CONTROL_HOST}:80"}  # the WebSocket comes as a CONNECT

    qtbot.waitUntil(control_saw_every_kind, timeout=TIMEOUT_MS)
    assert other_hosts.requests_for(APP_HOST) == []
    assert window.isVisible()  # blocked requests do not end the sign-in
