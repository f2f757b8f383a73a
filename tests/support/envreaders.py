"""The four readers a `.env` file meets, to check what connmgr writes reads back as written.

python-dotenv and bash are the real ones. Docker compose's reader is Go code (compose-go's `dotenv` package);
neither it nor compose v2 is packaged for Debian (bookworm has only the Python docker-compose 1.29, whose rules
differ), so `compose_values` is a reference port of compose-go's parser (dotenv/parser.go, with the variable
expansion of template/template.go), made for these tests and kept to its rules line by line. `line_values` is the
literal reader of `docker run --env-file`: one `KEY=VALUE` per line, no quotes removed, nothing expanded.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from dotenv import dotenv_values


def dotenv_read(text: str) -> dict[str, str | None]:
    return dict(dotenv_values(stream=io.StringIO(text)))


def bash_read(path: Path, keys: Sequence[str], *, home: Path) -> dict[str, str]:
    """`set -a; . FILE` in a real bash with an empty environment and `home` as HOME and working directory; the
    values of `keys` as bash holds them afterwards (one bash for the whole file, however many keys)."""
    script = 'set -a; . "$1"; shift; for k in "$@"; do printf "%s\\0" "${!k-<unset>}"; done'
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script, "bash", str(path), *keys],
        env={"HOME": str(home), "PATH": os.defpath},
        cwd=home,
        capture_output=True,
        check=False,
    )
    values = result.stdout.decode("utf-8", "surrogateescape").split("\0")[: len(keys)]
    return dict(zip(keys, values, strict=False))


def bash_text_read(text: str, keys: Sequence[str]) -> dict[str, str]:
    """`bash_read` of `text`, in a throw-away home."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / ".env").write_text(text, encoding="utf-8")
        return bash_read(home / ".env", keys, home=home)


def line_values(text: str) -> dict[str, str]:
    """docker's `--env-file` reader (opts/file.go): lines split on \\n with a trailing \\r dropped, leading
    whitespace trimmed, blank and `#` lines skipped, split at the first `=`; the value taken as it stands."""
    values = {}
    for raw in text.split("\n"):
        line = raw.removesuffix("\r").lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or re.search(r"\s", key):
            raise ValueError(f"docker would refuse the line {line!r}")
        values[key] = value
    return values


# -- compose-go's dotenv parser, ported


def _is_space(ch: str) -> bool:  # parser.go isSpace: a space, but not a line break
    return ch in "\t\v\f\r \x85\xa0"


def _go_is_space(ch: str) -> bool:  # unicode.IsSpace
    return ch in "\t\n\v\f\r \x85\xa0" or (ch.isspace() and ch not in "\x1c\x1d\x1e\x1f")


_NAME = r"[_a-z][_a-z0-9]*"
_SUBSTITUTION = re.compile(
    rf"\$(?i:(?P<escaped>\$)|(?P<named>{_NAME})|{{(?:(?P<braced>{_NAME}(?::?[-+?](.*))?)}}|(?P<invalid>)))"
)
_ESCAPES = re.compile(r'(\\(?:[abcfnrtv$"\\]|0\d{0,3}))')


def _expand(value: str, env: Mapping[str, str]) -> str:
    """template.Substitute with plain names only; anything fancier is not needed to tell a literal value."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["named"] or match["braced"]
        if name is None:
            raise ValueError("compose: invalid template")
        if not re.fullmatch(_NAME, name, re.IGNORECASE):
            raise NotImplementedError("compose: ${VAR:-default} and friends are not modelled")
        return env.get(name, "")

    return _SUBSTITUTION.sub(replace, value)


def _expand_escapes(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        text = match.group()
        if text == "\\$":
            return "$$"
        if text.startswith("\\0"):  # Go reads `\0ddd` as the octal `\ddd`; anything else stays, less its 0
            digits = text[2:]
            if len(digits) == 3 and set(digits) <= set("01234567") and int(digits, 8) <= 255:
                return chr(int(digits, 8))
            return "\\" + digits
        return {"a": "\a", "b": "\b", "c": text, "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}.get(
            text[1], text[1]
        )

    return _ESCAPES.sub(replace, value)


def compose_values(text: str) -> dict[str, str]:
    src = text.removeprefix("\ufeff")
    out: dict[str, str] = {}
    while True:
        # getStatementStart: skip whitespace and comment lines
        while True:
            pos = next((i for i, ch in enumerate(src) if not _go_is_space(ch)), -1)
            if pos == -1:
                return out
            src = src[pos:]
            if src[0] != "#":
                break
            newline = src.find("\n")
            if newline == -1:
                return out
            src = src[newline:]
        # locateKeyName
        if re.match(r"export[\t\n\f\r ]", src):  # Go's \s
            src = src.removeprefix("export")
            while src and _is_space(src[0]):
                src = src[1:]
        key, offset, inherited = None, 0, False
        for i, ch in enumerate(src):
            if _is_space(ch):
                continue
            if ch in "=:\n":
                key, offset, inherited = src[:i], i + 1, ch == "\n"
                break
            if ch in "_.-[]" or ch.isalpha() or ch.isnumeric():
                continue
            raise ValueError(f"compose: unexpected character {ch!r} in variable name")
        if key is None:
            raise ValueError("compose: no '=' after the variable name")
        while key and _go_is_space(key[-1]):
            key = key[:-1]
        if " " in key:
            raise ValueError("compose: key cannot contain a space")
        src = src[offset:]
        while src and _is_space(src[0]):
            src = src[1:]
        if inherited:
            continue
        # extractVarValue
        if not src or src[0] not in "'\"":
            value, _, src = src.partition("\n")
            value = value.partition(" #")[0]
            while value and _go_is_space(value[-1]):
                value = value[:-1]
            out[key] = _expand(value, out)
            continue
        quote, chars, escaped, end = src[0], [], False, None
        for i in range(1, len(src)):
            ch = src[i]
            if ch != quote:
                if not escaped and ch == "\\":
                    escaped = True
                    continue
                if escaped:
                    escaped = False
                    chars.append("\\")
                chars.append(ch)
                continue
            if escaped:
                escaped = False
                chars.append(ch)
                continue
            end = i
            break
        if end is None:
            raise ValueError("compose: unterminated quoted value")
        value = "".join(chars)
        out[key] = _expand(_expand_escapes(value), out) if quote == '"' else value
        src = src[end + 1 :]
