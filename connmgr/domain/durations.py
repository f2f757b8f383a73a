"""Lengths of time for a person, in the two ways connmgr says them, from one table of units.

A countdown ("4m 10s") is read at a glance and goes approximate as it grows; a
duration in a sentence ("within 10 minutes") is a setting said exactly. Both
say 125 seconds as 125 seconds: "2m 5s" and "125 seconds".
"""

from __future__ import annotations

from itertools import pairwise

_UNITS = (  # (abbreviation, word, seconds), largest first
    ("y", "year", 365 * 86400),
    ("d", "day", 86400),
    ("h", "hour", 3600),
    ("m", "minute", 60),
    ("s", "second", 1),
)
# A countdown's steps, each unit with the next, unpacked once: every row's countdown is written every second.
_STEPS = tuple((size, abbr, next_size, next_abbr) for (abbr, _, size), (next_abbr, _, next_size) in pairwise(_UNITS))


def countdown(seconds: float | None) -> str:
    """'4m 10s', '2d 3h', 'never expires', 'expired 3m ago': the largest unit and the next, for a person, not a
    parser."""
    if seconds is None:
        return "never expires"
    whole = int(abs(seconds))
    for size, abbreviation, next_size, next_abbreviation in _STEPS:
        if whole >= size:
            text = f"{whole // size}{abbreviation} {whole % size // next_size}{next_abbreviation}"
            break
    else:
        text = f"{whole}s"
    return f"expired {text} ago" if seconds < 0 else text


def in_words(seconds: float) -> str:
    """'10 minutes', '1 minute', '90 seconds', '0.5 seconds': exact, in the largest unit that holds it whole."""
    count, word = seconds, "second"
    for _, unit_word, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            count, word = seconds // size, unit_word
            break
    number = str(int(count)) if count == int(count) else f"{count:g}"
    return f"{number} {word}{'' if count == 1 else 's'}"
