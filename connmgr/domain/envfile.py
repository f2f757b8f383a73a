"""`.env` text: variable names, quoting every reader agrees on, and merging into a file.

Three readers matter: python-dotenv, Node's dotenv and docker compose. Their
rules differ inside double quotes (escapes, `$` interpolation), but all three
read a single-quoted value literally, newlines included. So a value is
single-quoted; one holding a `'` is double-quoted, which all three read
literally as long as it holds no `"`, `$` or backslash. python-dotenv expands
`${...}` even in single quotes, so that sequence cannot be written at all. A value that fits
neither form would be read differently by some reader, so it is refused rather
than written wrong (no token, key or URL looks like that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from connmgr.domain.errors import ConfigError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


def env_prefix(name: str) -> str:
    """A variable prefix from a connection name: "Acme iOFFICE (prod)" -> "ACME_IOFFICE_PROD"."""
    prefix = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not prefix:
        raise ConfigError(name or "Export", "the name gives no usable variable prefix", "pass --prefix")
    return f"_{prefix}" if prefix[0].isdigit() else prefix


def quote(key: str, value: str) -> str:
    # python-dotenv expands ${...} even inside single quotes, and control characters split lines differently.
    if "${" not in value and not _CONTROL.search(value):
        # python-dotenv unescapes \\ and \' inside '...' (the closing quote counts).
        if "'" not in value and not re.search(r"\\[\\']", value + "'"):
            return f"'{value}'"
        if not re.search(r'["$\\]', value):
            return f'"{value}"'
    raise ConfigError("Export", f"no .env reader agrees on how to read the value of {key}", "export it another way")


def _value_end(lines: list[str], start: int, value: str) -> int:
    """The index of the last line of an assignment whose value may continue over several lines (quoted)."""
    if value[:1] not in ("'", '"'):
        return start
    quote_char = value[0]
    text = value[1:]
    index = start
    while True:
        if re.search(rf"(?<!\\){quote_char}", text):
            return index
        index += 1
        if index >= len(lines):
            return start  # unterminated: treat as one line and leave the rest alone
        text = lines[index]


def merge_env(existing: str, assignments: Mapping[str, str], *, header: str) -> str:
    """`existing` with our keys replaced in place (first occurrence) and new ones appended under `header`.

    Every other line, comment and blank line is kept byte for byte.
    """
    rendered = {key: f"{key}={quote(key, value)}" for key, value in assignments.items()}
    # Split on \n only: a CRLF file keeps its \r, and other line breaks inside values stay as they are.
    lines = existing.removesuffix("\n").split("\n") if existing else []
    out: list[str] = []
    written: set[str] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _ASSIGNMENT.match(line)
        if match and match.group(1) in rendered:
            key = match.group(1)
            end = _value_end(lines, index, match.group(2).strip())
            if key not in written:
                out.append(rendered[key])
                written.add(key)
            index = end + 1
            continue
        out.append(line)
        index += 1
    missing = [rendered[k] for k in rendered if k not in written]
    if missing:
        if out and out[-1].strip():
            out.append("")
        out.append(f"# {header}")
        out.extend(missing)
    return "\n".join(out) + "\n"
