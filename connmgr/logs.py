"""Logging that cannot leak a secret, and the same scrubbing for every sentence a person sees.

`scrub` replaces every secret value the process has seen (tokens, codes, client
secrets, API keys, passwords: registered with `redact`) and, as a second net,
anything in the shape of a credential: a header whose name says it carries one
(Authorization, Cookie, Set-Cookie, x-*-token, X-Api-Key, ...) in any of the
forms it is printed in (`Name: value`, httpcore's `(b'Name', b'value')`, a
dict's repr), `access_token=` and the like in a query or form, token fields in
JSON, and the user part of `https://user:password@host`. Every handler
connmgr installs carries `RedactingFilter`, which scrubs each line before it is
written; `ConnmgrError.sentence` and `clip` scrub what a person is shown.

`-v` keeps httpcore's DEBUG lines: they alone show how a connection was made or
failed (DNS, refused, TLS) and what the vendor answered in its headers
(WWW-Authenticate, Retry-After, a request id to quote to the vendor), and the
credential headers among them are masked like any other line.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from typing import TextIO

MASK = "[redacted]"
_MIN_SECRET = 6  # shorter values (a "1", a "true") would redact ordinary words

_lock = threading.Lock()  # for writers; a scrub reads without it, as each bucket is replaced whole
# Every registered secret under its first `_MIN_SECRET` characters, longest first (a token holding another is masked
# whole). Not one regular expression of them all: every refresh registers new tokens, and each rebuild of such an
# alternation cost time in proportion to all of them and stayed in `re`'s cache, hundreds deep.
_by_prefix: dict[str, tuple[str, ...]] = {}

# A header whose name says it carries a credential: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
# x-access-token, X-Api-Key, or any naming a token, secret, password, session or credential.
_CREDENTIAL_NAME = r"[\w-]*(?:authorization|cookie|token|secret|passw(?:or)?d|api-?key|session|credential)[\w-]*"

# Compiled with the first line scrubbed (`_shapes`): a window that starts with nothing to log does without it.
_SHAPES = rf"""(?ix)
    # A quoted name and its quoted value, to the closing quote: httpcore's header tuples (b'Set-Cookie', b'sid=1'),
    # a dict's repr {{'cookie': 'a=1; b=2'}}, JSON {{"refresh_token": "xyz"}}.
    ((['"]){_CREDENTIAL_NAME}\2\s*[,:]\s*b?(['"]))(?:\\.|(?!\3).)*
    # Unquoted, only names that read as nothing else (a connection may be called "github-token": "github-token: ...")
    | (\b(?:proxy-)?authorization\s*[:=]\s*)(?:bearer|basic)?\s*[^\s,'"]+              # Authorization: Bearer xyz
    | (\b(?:set-)?cookie\s*[:=]\s*)[^\r\n'"]+                                         # Cookie: a=1; b=2
    | (\bx-[\w-]*(?:token|code|passw(?:or)?d|secret|key|session)[\w-]*\s*[:=]\s*)[^\s,'"&]+  # x-access-token: xyz
    | (\b(?:access_token|refresh_token|id_token|client_secret|client_assertion|code|code_verifier|password|token
          |api_?key)=)[^\s,'"&]+                                                     # a query or form: code=xyz
    | (\b[a-z][a-z0-9+.-]*://)[^\s/?#@'"]+(?=@)                      # https://user:password@host: all of the user part
    """
_KEPT = (1, 4, 5, 6, 7, 8)  # the groups holding what comes before the secret, kept as it was


def redact(*values: str | None) -> None:
    """Register secret values; from now on no log line shows them."""
    for value in {v for v in values if v and len(v) >= _MIN_SECRET}:
        prefix = value[:_MIN_SECRET]
        with _lock:
            bucket = _by_prefix.get(prefix, ())
            if value not in bucket:
                _by_prefix[prefix] = tuple(sorted((*bucket, value), key=len, reverse=True))


def _mask_known(text: str) -> str:
    """`text` with every registered secret masked wherever it starts: one look-up per position. Secrets that overlap
    (one's tail another's head) are masked as one, so that no part of either shows."""
    spans: list[list[int]] = []  # [start, end) of what to mask, in order, none touching
    for at in range(len(text) - _MIN_SECRET + 1):
        for secret in _by_prefix.get(text[at : at + _MIN_SECRET], ()):
            if text.startswith(secret, at):  # the longest starting here
                end = at + len(secret)
                if spans and at <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], end)
                else:
                    spans.append([at, end])
                break
    if not spans:
        return text
    pieces: list[str] = []
    kept = 0
    for start, end in spans:
        pieces += (text[kept:start], MASK)
        kept = end
    return "".join((*pieces, text[kept:]))


@cache
def _shapes() -> re.Pattern[str]:
    return re.compile(_SHAPES)


def scrub(text: str) -> str:
    if _by_prefix:
        text = _mask_known(text)
    return _shapes().sub(lambda m: next(kept for g in _KEPT if (kept := m.group(g))) + MASK, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def configure(level: int = logging.WARNING, stream: TextIO | None = None) -> logging.Handler:
    """Install one redacting handler on the root logger (CLI and GUI entry points call this)."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
