"""Connection names: what one may hold, and how stored or vendor text is shown on a terminal.

A name is typed once and then shown everywhere: the window's table, `connmgr
list`, every sentence about the connection, the header of a `.env` export.
One holding a control character, an escape sequence (ESC, CSI, OSC), a bidi
override or another invisible character could repaint a terminal, hide text
or show one name as another, so such names are refused, and so are names
longer than anyone reads.

What the command line prints from stored or vendor-supplied text (names from
before this rule, accounts, vendor names, sentences quoting a vendor) goes
through `for_terminal`, so nothing it prints is a terminal escape.
"""

from __future__ import annotations

from connmgr.domain.errors import ConfigError

MAX_NAME_LENGTH = 200


def name_problem(name: str) -> ConfigError | None:
    """Why `name` cannot name a connection, or None if it can."""

    def bad(what: str, todo: str) -> ConfigError:
        return ConfigError("Connection", what, todo, field="name")

    if not name.strip():
        return bad("the name is empty", "give the connection a name")
    if len(name) > MAX_NAME_LENGTH:
        return bad(f"the name is longer than {MAX_NAME_LENGTH} characters", "choose a shorter one")
    if not name.isprintable():  # Unicode's control, format (bidi, zero-width), separator and unassigned characters
        return bad(
            "the name holds a control character, an escape sequence or another invisible character",
            "type it with visible characters and spaces only",
        )
    return None


def check_name(name: str) -> None:
    """Raise the `ConfigError` of `name_problem`, if any."""
    if problem := name_problem(name):
        raise problem


def for_terminal(text: str) -> str:
    """`text` with every character a terminal would act on or hide written as its escape (`\\x1b`, `\\u202e`)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
