"""Recognising the pages with which identity providers turn embedded browsers away.

Google answers a sign-in inside an app's web view with "403 ...
disallowed_useragent", or with a page saying "This browser or app may not be
secure". Nothing in the window can get past that; the person has to sign in
with the system browser instead.
"""

from __future__ import annotations

_PHRASES = ("disallowed_useragent", "this browser or app may not be secure")


def is_embedded_browser_block(page_text: str) -> bool:
    """Whether a page's title and text say that it refuses embedded browsers."""
    flat = " ".join(page_text.split()).casefold()  # innerText breaks lines wherever the layout did
    return any(phrase in flat for phrase in _PHRASES)
