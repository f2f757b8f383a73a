"""`.env` text: variable names, values every reader takes literally, and merging into a file.

Four readers matter, and a written value must read back as exactly the
vendor's string under each of them:

- python-dotenv (and Node's dotenv, which reads the same way);
- bash, `set -a; . .env`, where quotes, `$`, backticks and backslashes are
  shell syntax and `~` after the `=` or a `:` is the home directory;
- docker compose, whose reader (compose-go) drops a `" #..."` comment and
  trailing whitespace and expands `$VAR`;
- a reader that takes each line as `KEY=VALUE` literally, removing no
  quotes: `docker run --env-file`, and scripts that split lines on `=`.

The last one rules out quoting of any kind, and no quoting reads the same in
the other three anyway (bash runs backticks inside double quotes; dotenv
expands `${...}` inside single quotes; newlines inside quotes plant variables
for a line reader). So a value is written unquoted, and only when it keeps to
ASCII letters, digits and `-._~+/=:@%,#?[]`, without a `~` at its start or
after a `:`. Every reader takes those literally; real tokens (RFC 6750's
b64token, JWTs), ISO times, plain URLs and ids fit. Anything else is refused
with a sentence naming the variable, never written in a form some reader
would read differently or execute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from connmgr.domain.errors import ConfigError, clip

VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LITERAL_VALUE = re.compile(r"[A-Za-z0-9\-._~+/=:@%,#?\[\]]*")
_TILDE_EXPANDED = re.compile(r"(?:^|:)~")  # bash: ~ right after the assignment's `=` or after a `:`
# An assignment as python-dotenv and compose-go find one; the key as any of them may spell it, ours or not.
_ASSIGNMENT = re.compile(
    r"(?P<lead>[ \t]*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*(?P<value>[^\n]*)"
)
# A quoted value, which may span lines: both readers let a backslash escape any character while looking for its end.
_QUOTED = {q: re.compile(rf"{q}(?:\\.|[^{q}\\])*{q}", re.DOTALL) for q in ("'", '"')}
_COMMENT = re.compile(r"(?P<space>[ \t]+)(?P<comment>#.*)$")


def env_prefix(name: str) -> str:
    """A variable prefix from a connection name: "Acme iOFFICE (prod)" -> "ACME_IOFFICE_PROD"."""
    prefix = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not prefix:
        raise ConfigError(name or "Export", "the name gives no usable variable prefix", "pass --prefix")
    return f"_{prefix}" if prefix[0].isdigit() else prefix


def assignment(key: str, value: str) -> str:
    """`KEY=value`, or a `ConfigError` naming the variable (never the value) when no form reads back the same."""
    if not VARIABLE_NAME.fullmatch(key):
        raise ConfigError(
            "Export", f"{clip(key, 60)!r} is not a variable name", "use letters, digits and '_' only", field="prefix"
        )
    if not _LITERAL_VALUE.fullmatch(value) or _TILDE_EXPANDED.search(value):
        raise ConfigError(
            "Export",
            f"the value of {key} holds characters that some .env readers would read differently or run",
            "export it another way",
        )
    return f"{key}={value}"


@dataclass(frozen=True)
class _Line:
    """What a reader sees at one line of an existing file."""

    key: str | None = None  # the variable it assigns, when it starts an assignment
    lead: str = ""  # indentation and `export `
    trailer: str = ""  # whitespace and an inline comment after the value, and a CRLF file's \r
    spans: int = 1  # lines the assignment takes: a quoted value may go on over several


def _parse(lines: list[str], index: int) -> _Line:
    line = lines[index]
    body, cr = (line[:-1], "\r") if line.endswith("\r") else (line, "")
    match = _ASSIGNMENT.fullmatch(body)
    if match is None:
        return _Line()
    value, spans, after = match["value"], 1, match["value"]
    quoted = _QUOTED.get(value[:1])
    if quoted is not None:
        rest = "\n".join([value + cr, *lines[index + 1 :]])
        found = quoted.match(rest)
        if found is None:
            return _Line(match["key"], match["lead"], cr)  # unterminated: readers take (or refuse) this line
        spans = found.group().count("\n") + 1
        after, _, _ = rest[found.end() :].partition("\n")
        after, cr = (after[:-1], "\r") if after.endswith("\r") else (after, "")
    trailer = ""
    if comment := _COMMENT.search(after):
        # compose-go takes a comment only after a space, not a tab: keep its spacing, ending in a space.
        space = comment["space"] if comment["space"].endswith(" ") else comment["space"] + " "
        trailer = space + comment["comment"]
    return _Line(match["key"], match["lead"], trailer + cr, spans)


def merge_env(existing: str, assignments: Mapping[str, str], *, header: str) -> str:
    """`existing` with our keys replaced in place (first occurrence) and new ones appended under `header`.

    Every other line, comment and blank line is kept byte for byte, and so is every line of another variable's
    multi-line quoted value (it may look like one of ours). A replaced line keeps its `export` and its comment.
    """
    rendered = {key: assignment(key, value) for key, value in assignments.items()}
    # Split on \n only: a CRLF file keeps its \r, and other line breaks inside values stay as they are.
    lines = existing.removesuffix("\n").split("\n") if existing else []
    out: list[str] = []
    written: set[str] = set()
    index = 0
    while index < len(lines):
        line = _parse(lines, index)
        if line.key in rendered:
            if line.key not in written:
                out.append(line.lead + rendered[line.key] + line.trailer)
                written.add(line.key)
        else:
            out.extend(lines[index : index + line.spans])
        index += line.spans
    missing = [rendered[k] for k in rendered if k not in written]
    if missing:
        if out and out[-1].strip():
            out.append("")
        out.append(f"# {clip(header)}")
        out.extend(missing)
    return "\n".join(out) + "\n"
