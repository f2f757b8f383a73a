"""What the list of connections announces as its rows come, go, change and move.

The shape of napari's evented list: what Qt's models must hear of before it happens (rows coming, going, moving,
or all of them replaced) is announced twice, before and after; a change once, after. A position is a row's place
in the list's order when the event is announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from connmgr.domain.connection import Connection


class What(Enum):
    """What changed in the rows a `Changed` names."""

    CONNECTION = "connection"  # the stored connection itself was replaced: anything shown of it may differ
    HEALTH = "health"  # its health turned on the clock (connected -> expiring soon -> expired ...)
    BUSY = "busy"  # it began or ended being refreshed, revoked or checked (the label shown meanwhile)
    EXPIRY = "expiry"  # the clock moved: the time left, as a person reads it


@dataclass(frozen=True, slots=True)
class Inserting:
    position: int


@dataclass(frozen=True, slots=True)
class Inserted:
    position: int
    connection: Connection


@dataclass(frozen=True, slots=True)
class Removing:
    position: int


@dataclass(frozen=True, slots=True)
class Removed:
    position: int
    connection: Connection


@dataclass(frozen=True, slots=True)
class Changed:
    first: int  # the rows first..last, both included
    last: int
    what: What


@dataclass(frozen=True, slots=True)
class Reordering:
    pass


@dataclass(frozen=True, slots=True)
class Reordered:
    order: Sequence[int]  # the rows' positions before, in their new order


@dataclass(frozen=True, slots=True)
class Resetting:
    pass


@dataclass(frozen=True, slots=True)
class Reset:
    pass


RowEvent = Inserting | Inserted | Removing | Removed | Changed | Reordering | Reordered | Resetting | Reset
