"""The connections as the window lists them, without Qt: ordered, judged against the clock, marked busy, each
change announced as an event (the Qt model under the table only translates them). Imports only `connmgr.domain`."""

from connmgr.listing.events import (
    Changed,
    Inserted,
    Inserting,
    Removed,
    Removing,
    Reordered,
    Reordering,
    Reset,
    Resetting,
    RowEvent,
    What,
)
from connmgr.listing.rows import REFRESHING, WORKSPACE_OFFLINE, Column, ConnectionRows

__all__ = [
    "REFRESHING",
    "WORKSPACE_OFFLINE",
    "Changed",
    "Column",
    "ConnectionRows",
    "Inserted",
    "Inserting",
    "Removed",
    "Removing",
    "Reordered",
    "Reordering",
    "Reset",
    "Resetting",
    "RowEvent",
    "What",
]
