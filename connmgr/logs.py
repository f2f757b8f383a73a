"""Logging that cannot leak a secret.

Every handler connmgr installs carries `RedactingFilter`: it replaces every
secret value the process has seen (tokens, codes, client secrets, API keys,
passwords: registered with `redact`) and, as a second net, anything in the
shape of a credential (Authorization headers, x-*-token headers,
`access_token=` query parameters, JSON token fields) before a line is written.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TextIO

MASK = "[redacted]"
_MIN_SECRET = 6  # shorter values (a "1", a "true") would redact ordinary words

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None
_stale = False  # _known has values _pattern lacks

_SHAPES = re.compile(
    r"""(?ix)
    (authorization\s*[:=]\s*)(?:bearer|basic)?\s*[^\s,'"]+        # Authorization: Bearer xyz
    | ((?:x-[a-z-]*(?:token|code|password|secret|key)[a-z-]*|x-api-key)['"]?\s*[:=]\s*['"]?)[^\s,'"&]+
    | ((?:access_token|refresh_token|id_token|client_secret|code|code_verifier|password|token|api_key)
       ['"]?\s*[:=]\s*['"]?)[^\s,'"&}]+
    """
)


def redact(*values: str | None) -> None:
    """Register secret values; from now on no log line shows them."""
    global _stale
    fresh = {v for v in values if v and len(v) >= _MIN_SECRET}
    with _lock:
        if fresh <= _known:
            return
        _known.update(fresh)
        # Rebuilt when a line is next scrubbed, not here: every refresh registers new tokens, and compiling an
        # alternation of all of them each time grows quadratically (minutes of CPU after a day of refreshes).
        _stale = True


def _known_pattern() -> re.Pattern[str] | None:
    global _pattern, _stale
    with _lock:
        if _stale:
            alternatives = sorted(_known, key=len, reverse=True)  # longest first: a token containing another
            _pattern = re.compile("|".join(map(re.escape, alternatives)))
            _stale = False
        return _pattern


def scrub(text: str) -> str:
    pattern = _known_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _SHAPES.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + MASK, text)


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
