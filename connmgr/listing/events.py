"""What the list of connections announces as its rows come, go, change and move.

The shape of napari's evented list: what Qt's models must hear of before it happens (rows coming, going, moving,
or all of them replaced) is announced twice, before and after; a change once, after. A position is a row's place
in the list's order when the event is announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from connmgr.domain.connection import Connection


class What(Enum):
    """What changed in the rows a `Changed` names."""

    CONNECTION = "connection"  # the stored connection itself was replaced: anything shown of it may differ
    HEALTH = "health"  # its health turned on the clock (connected -> expiring soon -> expired ...)
    BUSY = "busy"  # it began or ended being refreshed, revoked or checked (the label shown meanwhile)
    EXPIRY = "expiry"  # the clock moved: the time left, as a person reads it


class _Event:
    """A value, equal to an event of its kind with the same fields. Written out rather than as dataclasses, which
    take milliseconds of start-up to make, before the window's first paint."""

    __match_args__: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # equal by value, and not frozen

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self.__match_args__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__match_args__)
        return f"{type(self).__name__}({fields})"


class Inserting(_Event):
    __match_args__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position


class Inserted(_Event):
    __match_args__ = ("position", "connection")

    def __init__(self, position: int, connection: Connection) -> None:
        self.position, self.connection = position, connection


class Removing(_Event):
    __match_args__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position


class Removed(_Event):
    __match_args__ = ("position", "connection")

    def __init__(self, position: int, connection: Connection) -> None:
        self.position, self.connection = position, connection


class Changed(_Event):
    __match_args__ = ("first", "last", "what")

    def __init__(self, first: int, last: int, what: What) -> None:
        self.first, self.last, self.what = first, last, what  # the rows first..last, both included


class Reordering(_Event):
    pass


class Reordered(_Event):
    __match_args__ = ("order",)

    def __init__(self, order: Sequence[int]) -> None:
        self.order = order  # the rows' positions before, in their new order


class Resetting(_Event):
    pass


class Reset(_Event):
    pass


RowEvent = Inserting | Inserted | Removing | Removed | Changed | Reordering | Reordered | Resetting | Reset
