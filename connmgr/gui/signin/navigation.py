"""Where the sign-in window lets a page go: catch the redirect back to the app, load web pages, refuse the rest.

Nothing is ever loaded from the redirect URI's scheme, host and port: whatever
answers there (a stale app, a squatter on the port, a typo's owner) would see
the code, and VaultRE has no PKCE to make a stolen code useless. The redirect
URI itself is caught; any other address there is refused, in the main frame
with a sentence, and every other request to it (image, script, fetch,
WebSocket, prefetch, frame) is blocked before it is sent.

Qt-free, so every rule is a plain call in a test; `page.py` and
`interceptor.py` turn Qt's arguments into strings and ask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from connmgr.domain.callback import is_redirect_origin, is_redirect_uri, shown_address
from connmgr.domain.errors import clip

_WEB_SCHEMES = frozenset({"http", "https"})


class Verdict(Enum):
    CATCH = "catch"  # the redirect back to the app: report it, never load it
    LOAD = "load"
    REFUSE = "refuse"
    MISSED = "missed"  # the redirect's scheme, host and port, but not the redirect URI: refuse, say where it went


@dataclass(frozen=True)
class Navigation:
    verdict: Verdict
    # For REFUSE: what was refused, as a person reads it ("a file: address"); for MISSED: the address (no query).
    reason: str = ""


def judge_navigation(url: str, redirect_uri: str, *, main_frame: bool) -> Navigation:
    """What the window does with a navigation to `url` (fully encoded, fragment included)."""
    if is_redirect_origin(url, redirect_uri):
        if not main_frame:
            # Whatever answers at the redirect address must never see a code, not even inside a frame.
            return Navigation(Verdict.REFUSE, "the app's redirect address inside a frame")
        if is_redirect_uri(url, redirect_uri):
            return Navigation(Verdict.CATCH)
        return Navigation(Verdict.MISSED, shown_address(url))
    if not main_frame:
        # Frames use about:blank, data: and blob: for ordinary things (captchas, widgets);
        # Chromium already keeps web pages from opening file: addresses.
        return Navigation(Verdict.LOAD)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return Navigation(Verdict.REFUSE, "a malformed address")
    if scheme in _WEB_SCHEMES:
        return Navigation(Verdict.LOAD)
    if not scheme:
        return Navigation(Verdict.REFUSE, "an address without a scheme")
    article = "an" if scheme[0] in "aeiou" else "a"
    return Navigation(Verdict.REFUSE, f"{article} {clip(scheme, 20)}: address")


def may_request(url: str, redirect_uri: str) -> bool:
    """Whether the page may send a request (of any kind) to `url`: never to the redirect URI's origin."""
    return not is_redirect_origin(url, redirect_uri)
