"""Where the sign-in window lets a page go: catch the redirect back to the app, load web pages, refuse the rest.

Qt-free, so every rule is a plain call in a test; `page.py` turns Qt's
arguments into strings and asks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from connmgr.domain.callback import is_redirect_uri
from connmgr.domain.errors import clip

_WEB_SCHEMES = frozenset({"http", "https"})


class Verdict(Enum):
    CATCH = "catch"  # the redirect back to the app: report it, never load it
    LOAD = "load"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Navigation:
    verdict: Verdict
    reason: str = ""  # for REFUSE: what was refused, as a person reads it ("a file: address")


def judge_navigation(url: str, redirect_uri: str, *, main_frame: bool) -> Navigation:
    """What the window does with a navigation to `url` (fully encoded, fragment included)."""
    if is_redirect_uri(url, redirect_uri):
        if main_frame:
            return Navigation(Verdict.CATCH)
        # Whatever answers at the redirect address must never see a code, not even inside a frame.
        return Navigation(Verdict.REFUSE, "the app's redirect address inside a frame")
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


def is_fragment_redirect(address: str, redirect_uri: str) -> bool:
    """Whether a page's new address is the redirect URI with a fragment, reached without a navigation.

    For `urlChanged` addresses: navigations to the redirect URI never get that far
    (refused and caught as they start), so one reported there was set by script, by a
    history change and a `#code=...` on the page itself. Chromium may report such a
    pair of steps as one change, so only the end result is judged.
    """
    try:
        fragment = urlsplit(address).fragment
    except ValueError:
        return False
    return bool(fragment) and is_redirect_uri(address, redirect_uri)
