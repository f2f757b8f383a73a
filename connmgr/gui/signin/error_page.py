"""A vendor's error page in the sign-in window: whether a load is one, and what it says, fit to quote.

Qt-free; `page.py` hands over the HTTP status and the page's text.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from connmgr.domain.errors import clip

# Made up by connmgr for this one sign-in and sent in the authorize URL; a page echoing them gets nothing quoted.
_GENERATED = ("state", "nonce", "code_challenge")


def is_error_status(status: int) -> bool:
    """A 4xx answer to the page itself: the vendor refused the request, and its page usually says why."""
    return 400 <= status < 500


def page_words(text: str, authorize_url: str) -> str:
    """The page's words as one bounded line: its text, or its title when it has none (the first line of `text`
    is the title), each line a sentence, the sign-in's generated values cut out."""
    title, _, body = text.partition("\n")
    lines = [line.strip() for line in (body if body.strip() else title).splitlines() if line.strip()]
    said = " ".join(line if line[-1] in ".!?:;" else f"{line}." for line in lines)
    try:
        query = parse_qsl(urlsplit(authorize_url).query)
    except ValueError:
        query = []
    for name, value in query:
        if name in _GENERATED and value:
            said = said.replace(value, "…")
    return clip(said)
