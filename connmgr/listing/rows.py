"""The connections as the window lists them, live: in the order asked for, each with its health read against the
clock, and the label of what is being done to it right now.

A tick moves every countdown and re-judges the rows whose health may have turned by now, no other; a change is
announced to the listeners as one of `connmgr.listing.events`, naming the rows and what changed in them.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from connmgr.domain.connection import Connection, Status
from connmgr.domain.health import Health, expiry_text, health, next_change
from connmgr.domain.template import TemplateCatalog
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

if TYPE_CHECKING:
    from connmgr.domain.sharing import Shared

REFRESHING = "Refreshing…"
WORKSPACE_OFFLINE = "Workspace offline"
_NEVER = float("inf")
_HEALTH_ORDER = {h: i for i, h in enumerate(Health)}  # by status: in the order Health lists them, connected first


class Column(IntEnum):
    NAME = 0
    VENDOR = 1
    ACCOUNT = 2
    STATUS = 3
    EXPIRES = 4


class _Row:
    __slots__ = ("connection", "health", "turns_at")  # not a dataclass: see events._Event

    def __init__(self, connection: Connection, health: Health, turns_at: float) -> None:
        self.connection = connection
        self.health = health
        self.turns_at = turns_at  # when its health may next turn (inf: never, on the clock alone)


class ConnectionRows:
    def __init__(self, catalog: TemplateCatalog, *, now: Callable[[], float] = time.time) -> None:
        self._catalog = catalog
        self._now = now
        self._rows: list[_Row] = []
        self._position_by_id: dict[str, int] = {}
        self._id_by_name: dict[str, str] = {}
        # Every row's `turns_at` in a heap of (when, connection id), so that a tick looks at the rows due and no
        # other (with 10,000 rows, a scan of them all cost more than the rest of a tick). An entry whose row has
        # gone or was judged again since is stale, and skipped.
        self._due: list[tuple[float, str]] = []
        self._busy: dict[str, str] = {}  # names being refreshed, revoked or checked right now: what the Status says
        self._shared: dict[str, Shared] = {}  # connection id -> its workspace's mark, for the shared ones
        self._sort_column: Column | None = None  # None: in the order given
        self._descending = False
        self._listeners: list[Callable[[RowEvent], None]] = []

    def listen(self, listener: Callable[[RowEvent], None]) -> None:
        """Have `listener` hear every event from now on, in order, as it happens."""
        self._listeners.append(listener)

    # -- reading

    def __len__(self) -> int:
        return len(self._rows)

    def connection(self, position: int) -> Connection:
        return self._rows[position].connection

    def connections(self) -> list[Connection]:
        return [row.connection for row in self._rows]

    def health(self, position: int) -> Health:
        """As judged at the last tick, or when the row last changed."""
        return self._rows[position].health

    def position_of(self, name: str) -> int | None:
        connection_id = self._id_by_name.get(name)
        return None if connection_id is None else self._position_by_id[connection_id]

    def position_of_id(self, connection_id: str) -> int | None:
        return self._position_by_id.get(connection_id)

    def now(self) -> float:
        """The list's clock: whatever shows times beside it reads the same one."""
        return self._now()

    def in_name_order(self) -> bool:
        """Whether the rows are shown by name, A to Z: the order the store lists them in."""
        return self._sort_column in (None, Column.NAME) and not self._descending

    def shared(self, position: int) -> Shared | None:
        """The workspace's mark of a shared row; None: the connection is this home's."""
        return self._shared.get(self._rows[position].connection.id)

    def any_shared(self) -> bool:
        return bool(self._shared)

    def is_busy(self, name: str) -> bool:
        return name in self._busy

    def any_busy(self) -> bool:
        return bool(self._busy)

    def text(self, position: int, column: Column) -> str:
        """The row's cell in `column`, as a person reads it."""
        return self._text(self._rows[position], column)

    def expires_text(self, position: int) -> str:
        """`text(position, Column.EXPIRES)`, asked straight: each tick repaints it for every visible row."""
        return expiry_text(self._rows[position].connection, self._now())

    def searched_text(self, position: int) -> str:
        """What a search looks in: the name, vendor, account and status, never the ticking countdown."""
        row = self._rows[position]
        connection = row.connection
        shared = self._shared.get(connection.id)
        words = (connection.name, self._vendor(connection), connection.account or "", self._status(row))
        return "\n".join((*words, shared.description) if shared is not None else words)

    # -- changing

    def reset(self, connections: Iterable[Connection]) -> None:
        """List `connections` instead of whatever was listed (in the order asked for)."""
        self._emit(Resetting())
        now = self._now()
        self._rows = [_Row(c, health(c, now), next_change(c, now)) for c in connections]
        self._put_in_order(self._sorted_order())
        self._id_by_name = {row.connection.name: row.connection.id for row in self._rows}
        self._rebuild_due()
        self._emit(Reset())

    def upsert(self, connection: Connection) -> int:
        """Add or replace a connection (by id: a new name renames it); returns its position."""
        position = self._position_by_id.get(connection.id)
        if position is None:
            position = len(self._rows)
            self._emit(Inserting(position))
            row = _Row(connection, Health.CONNECTED, _NEVER)
            self._rows.append(row)
            self._position_by_id[connection.id] = position
            self._id_by_name[connection.name] = connection.id
            self._judge(row, self._now())
            self._emit(Inserted(position, connection))
        else:
            row = self._rows[position]
            if row.connection.name != connection.name:  # renamed
                del self._id_by_name[row.connection.name]
            self._id_by_name[connection.name] = connection.id
            row.connection = connection
            self._judge(row, self._now())
            self._emit(Changed(position, position, What.CONNECTION))
        self._resort()
        return self._position_by_id[connection.id]

    def remove(self, name: str) -> None:
        position = self.position_of(name)
        if position is None:
            return
        self._emit(Removing(position))
        row = self._rows.pop(position)
        del self._id_by_name[name]
        self._shared.pop(row.connection.id, None)
        self._index_positions()
        self._emit(Removed(position, row.connection))

    def set_shared(self, connection_id: str, shared: Shared | None) -> None:
        """Mark the connection as the workspace's (None: this home's), before or after it is listed."""
        if shared is None:
            changed = self._shared.pop(connection_id, None) is not None
        else:
            changed = self._shared.get(connection_id) != shared
            self._shared[connection_id] = shared
        position = self._position_by_id.get(connection_id)
        if changed and position is not None:
            self._emit(Changed(position, position, What.CONNECTION))
            if self._sort_column is Column.STATUS:
                self._resort()

    def set_busy(self, name: str, busy: bool, *, label: str = REFRESHING) -> None:
        """Show `label` as the connection's status while `busy` (it may be busy before it is listed)."""
        if busy:
            self._busy[name] = label
        else:
            self._busy.pop(name, None)
        position = self.position_of(name)
        if position is not None:
            self._emit(Changed(position, position, What.BUSY))

    def sort(self, column: Column | None, *, descending: bool = False) -> None:
        """Order the rows by `column` (None: leave them as they are), and keep them so as rows come and change."""
        self._sort_column, self._descending = column, descending
        self._resort()

    def tick(self) -> None:
        """The clock moved: every countdown with it, and the health of each row whose moment came."""
        if not self._rows:
            return
        now = self._now()
        self._emit(Changed(0, len(self._rows) - 1, What.EXPIRY))
        turned = False
        while self._due and self._due[0][0] <= now:
            when, connection_id = heapq.heappop(self._due)
            position = self._position_by_id.get(connection_id)
            if position is None or self._rows[position].turns_at != when:
                continue  # stale: removed, or judged again since
            row = self._rows[position]
            before = row.health
            self._judge(row, now)
            if row.health is not before:
                turned = True
                self._emit(Changed(position, position, What.HEALTH))
        if turned and self._sort_column is Column.STATUS:
            self._resort()

    # -- internals

    def _emit(self, event: RowEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def _judge(self, row: _Row, now: float) -> None:
        row.health = health(row.connection, now)
        row.turns_at = next_change(row.connection, now)
        if row.turns_at != _NEVER:
            heapq.heappush(self._due, (row.turns_at, row.connection.id))
            if len(self._due) > 2 * len(self._rows) + 64:  # mostly stale entries (each upsert adds one)
                self._rebuild_due()

    def _rebuild_due(self) -> None:
        self._due = [(row.turns_at, row.connection.id) for row in self._rows if row.turns_at != _NEVER]
        heapq.heapify(self._due)

    def _index_positions(self) -> None:
        self._position_by_id = {row.connection.id: position for position, row in enumerate(self._rows)}

    def _sorted_order(self) -> list[int] | None:
        """The rows' positions in their sorted order; None when nothing would move."""
        column = self._sort_column
        if column is None:
            return None
        keys: list[Any] = [self._sort_key(row, column) for row in self._rows]  # one type a column
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=self._descending)  # stable both ways
        return None if order == list(range(len(order))) else order

    def _put_in_order(self, order: list[int] | None) -> None:
        if order is not None:
            self._rows = [self._rows[i] for i in order]
        self._index_positions()

    def _resort(self) -> None:
        order = self._sorted_order()
        if order is None:
            return
        self._emit(Reordering())
        self._put_in_order(order)
        self._emit(Reordered(order))

    def _text(self, row: _Row, column: Column) -> str:
        connection = row.connection
        if column == Column.NAME:
            return connection.name
        if column == Column.VENDOR:
            return self._vendor(connection)
        if column == Column.ACCOUNT:
            return connection.account or "—"
        if column == Column.STATUS:
            return self._busy.get(connection.name) or self._status(row)
        return expiry_text(connection, self._now())

    def _status(self, row: _Row) -> str:
        shared = self._shared.get(row.connection.id)
        return WORKSPACE_OFFLINE if shared is not None and shared.offline else row.health.label

    def _vendor(self, connection: Connection) -> str:
        template = self._catalog.templates.get(connection.template_id)
        return template.name if template else connection.template_id

    def _sort_key(self, row: _Row, column: Column) -> object:
        if column == Column.EXPIRES:
            # By time left; then the tokens that never expire, then the revoked, which have nothing left.
            connection = row.connection
            if connection.status is Status.REVOKED:
                return (2, 0.0)
            return (1, 0.0) if connection.expires_at is None else (0, connection.expires_at)
        if column == Column.STATUS:
            return _HEALTH_ORDER[row.health]
        return self._text(row, column).casefold()
