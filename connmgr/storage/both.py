"""This home's connections and its workspace's as one `interface.ConnectionStore`, so that every command finds a
connection by its name wherever it is kept.

- Each call goes to the side that holds the connection: found by name (both sides asked, so that a name on both
  is said rather than one silently shadowing the other), or by id and name for a connection this object has seen
  (an id is unique on one side only). A new connection is saved on the side `new_side` names (this home's,
  unless the person asked for a shared one).
- A name is one connection's across both sides: a save or rename to a name the other side holds is `NameTaken`.
  (Two machines saving one name at the same moment on different sides cannot be stopped across two databases;
  nor can a move between them that stopped half-way; the name is then refused as on both sides, except by a
  rename, which renames this home's.)
- When the workspace cannot be used (offline, or this device not approved yet or removed), this home's
  connections work as ever, a listing holds them alone (`unlisted` says why), and a name found in neither is
  said to be perhaps in the workspace, which cannot be used (`WorkspaceUnavailable`). Once it failed, the
  workspace is not asked again for `OFFLINE_RETRY_S`, so a private command does not wait for it call after call.
- Each side keeps its own audit log, chained on its own: the log of all is this home's followed by the
  workspace's, two chains (`first_broken_link` checks each alone).
- Listeners hear both sides' changes (`side_of` then says which side a changed connection is on); a connection
  moved from one side to the other (saved on the other first) is heard as changed, not removed. A lock is the
  holding side's (a file lock here, an advisory lock in the workspace's database).
"""

from __future__ import annotations

import enum
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

from connmgr.domain.connection import Connection, Secrets
from connmgr.domain.errors import ConnmgrError
from connmgr.storage.audit import AuditAction
from connmgr.storage.errors import (
    ConnectionDamaged,
    ConnectionNotFound,
    NameOnBothSides,
    NameTaken,
    WorkspaceUnavailable,
)

if TYPE_CHECKING:
    from connmgr.storage.audit import AuditEntry
    from connmgr.storage.interface import Change, ConnectionStore, HeldConnection, Subscription

T = TypeVar("T")

OFFLINE_RETRY_S = 30.0  # how long a workspace that refused is taken to be offline before it is asked again


class Side(enum.Enum):
    HOME = "this home"
    WORKSPACE = "the workspace"


class HomeAndWorkspace:
    """`home` (this home's store) and `workspace` (its workspace's, at `where`) as one store; both are the
    caller's to close."""

    def __init__(
        self,
        home: ConnectionStore,
        workspace: ConnectionStore,
        *,
        where: str,
        new_side: Callable[[Connection], Side] = lambda _: Side.HOME,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stores = {Side.HOME: home, Side.WORKSPACE: workspace}
        self.where = where
        self._new_side = new_side
        self._clock = clock
        # (id, name) -> the side a connection was last found on. By id and name, as each side's rows are found: an
        # id is unique on one side only (a workspace row may be given the id of a connection moved out of it).
        self._sides: dict[tuple[str, str], Side] = {}
        self._offline: tuple[float, ConnmgrError] | None = None  # when the workspace last failed, and how
        self.unlisted: WorkspaceUnavailable | None = None  # why the last listing lacks the workspace's connections

    # -- reading

    async def list_connections(self) -> list[Connection]:
        """Both sides' connections; this home's alone while the workspace is offline (`unlisted` says why)."""
        home = await self._stores[Side.HOME].list_connections()
        try:
            shared = await self._from_workspace(lambda store: store.list_connections())
            self.unlisted = None
        except WorkspaceUnavailable as offline:
            shared, self.unlisted = [], offline
        self._note(Side.HOME, home)
        self._note(Side.WORKSPACE, shared)
        return sorted([*home, *shared], key=_by_name)

    async def workspace_listing(self) -> list[Connection]:
        """The workspace's connections, asked now even if it failed lately (for a caller that waits between tries
        itself); `WorkspaceUnavailable` if it cannot be used."""
        self._offline = None
        listed = await self._from_workspace(lambda store: store.list_connections())
        self._note(Side.WORKSPACE, listed)
        return listed

    async def get(self, name: str) -> Connection:
        side = await self._side_named(name)
        return self._noted(side, await self._stores[side].get(name))

    async def read(self, name: str) -> tuple[Connection, Secrets]:
        side = await self._side_named(name)
        connection, secrets = await self._stores[side].read(name)
        return self._noted(side, connection), secrets

    async def read_many(self, names: Sequence[str]) -> dict[str, tuple[Connection, Secrets]]:
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        sides = await self._sides_named(wanted)
        read: dict[str, tuple[Connection, Secrets]] = {}
        for side in Side:
            on_side = [name for name in wanted if sides[name] is side]
            if on_side:
                read |= await self._stores[side].read_many(on_side)
        return {name: read[name] for name in wanted}

    # -- writing

    async def save(self, connection: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> None:
        side = await self._side_for_save(connection)
        await self._refuse_name_elsewhere(connection.name, side)
        await self._stores[side].save(connection, secrets, audit=audit)
        self._noted(side, connection)

    async def save_metadata(self, connection: Connection, *, audit: AuditAction | None = None) -> None:
        side = await self._side_holding(connection)
        await self._refuse_name_elsewhere(connection.name, side)
        await self._stores[side].save_metadata(connection, audit=audit)

    async def rename(self, old: str, new: str, *, updated_at: float, audit: AuditAction | None = None) -> Connection:
        try:
            side = await self._side_named(old)
        except NameOnBothSides:
            side = Side.HOME  # the way out `NameOnBothSides` says: this home's is the person's own, and renamed back
        await self._refuse_name_elsewhere(new, side)
        return self._noted(side, await self._stores[side].rename(old, new, updated_at=updated_at, audit=audit))

    async def remove(self, name: str, *, audit: AuditAction | None = None) -> Connection | None:
        side = await self._side_named(name)
        return await self._stores[side].remove(name, audit=audit)

    async def move(self, name: str, to: Side) -> Connection:
        """The connection named `name` moved to side `to` in one step (shared into the workspace, or back into this
        home), under its lock on the side it leaves, so that no refresh spends its refresh token meanwhile: saved on
        `to` first, and removed from the other side only once that committed."""
        leaving = Side.HOME if to is Side.WORKSPACE else Side.WORKSPACE
        connection = await self._ask(leaving, lambda store: store.get(name), name)
        async with self._stores[leaving].locked(connection) as held:
            await self._stores[to].save(held.connection, held.secrets, audit=AuditAction.CONNECT)
            self._sides[connection.id, connection.name] = to
            await self._stores[leaving].remove(name, audit=AuditAction.REMOVE)
        return held.connection

    # -- the per-connection lock: the holding side's

    def locked(self, connection: Connection) -> AbstractAsyncContextManager[HeldConnection]:
        return self._held(connection, lambda store: store.locked(connection))  # type: ignore[return-value]

    def try_locked(self, connection: Connection) -> AbstractAsyncContextManager[HeldConnection | None]:
        return self._held(connection, lambda store: store.try_locked(connection))

    @asynccontextmanager
    async def _held(
        self,
        connection: Connection,
        lock: Callable[[ConnectionStore], AbstractAsyncContextManager[HeldConnection | None]],
    ) -> AsyncIterator[HeldConnection | None]:
        side = await self._side_holding(connection)
        async with lock(self._stores[side]) as held:
            yield held

    # -- change notifications: both sides'

    def subscribe(self, listener: Callable[[Change], None]) -> Subscription:
        def heard_on(side: Side) -> Callable[[Change], None]:
            def heard(change: Change) -> None:
                if change.after is not None:  # before the listener asks `side_of`
                    self._sides[change.after.id, change.after.name] = side
                elif (
                    change.before is not None
                    and self._sides.get((change.before.id, change.before.name), side) is not side
                ):
                    return  # moved to the other side (shared, or unshared), which was heard first: not gone
                listener(change)

            return heard

        return _Subscriptions([store.subscribe(heard_on(side)) for side, store in self._stores.items()])

    def side_of(self, connection: Connection) -> Side | None:
        """The side the connection was last seen on (listed, read, saved, or heard of); None: never seen."""
        return self._sides.get((connection.id, connection.name))

    # -- the audit log: each side's own

    async def record(self, action: AuditAction, connections: Sequence[Connection], *, detail: str = "") -> None:
        by_side: dict[Side, list[Connection]] = {}
        for connection in connections:
            by_side.setdefault(await self._side_holding(connection), []).append(connection)
        for side, recorded in by_side.items():
            await self._stores[side].record(action, recorded, detail=detail)

    async def audit_log(self, connection_id: str | None = None) -> list[AuditEntry]:
        sides = self._seen_sides(connection_id)
        if len(sides) == 1:
            (side,) = sides
            return await self._stores[side].audit_log(connection_id)
        home = await self._stores[Side.HOME].audit_log(connection_id)
        return home + await self._from_workspace(lambda store: store.audit_log(connection_id), name=None)

    async def audit_chains(self) -> list[list[AuditEntry]]:
        """Each side's whole log, a chain of its own: this home's, then the workspace's (while it can be read)."""
        home = await self._stores[Side.HOME].audit_log()
        try:
            return [home, await self._from_workspace(lambda store: store.audit_log())]
        except WorkspaceUnavailable:
            return [home]

    # -- finding the side

    async def _side_named(self, name: str) -> Side:
        """The side holding `name`: `NameOnBothSides` if both do, `ConnectionNotFound` if neither does, and
        `WorkspaceUnavailable` if this home does not and the workspace cannot be asked."""
        at_home = await _holds(self._stores[Side.HOME], name)
        try:
            shared = await self._from_workspace(lambda store: _holds(store, name), name=name)
        except WorkspaceUnavailable:
            if at_home:
                return Side.HOME  # a private connection works without the workspace
            raise
        if at_home and shared:
            raise NameOnBothSides(name, self.where)
        if not (at_home or shared):
            raise ConnectionNotFound(name)
        return Side.HOME if at_home else Side.WORKSPACE

    async def _sides_named(self, names: Sequence[str]) -> dict[str, Side]:
        """Each name's side; the first name missing is `ConnectionNotFound`."""
        try:
            return await self._sides_listed(names)
        except ConnectionDamaged:  # a row that cannot be listed: each name asked alone, so only a damaged one fails
            return {name: await self._side_named(name) for name in names}

    async def _sides_listed(self, names: Sequence[str]) -> dict[str, Side]:
        """Each name's side, from one listing of each side."""
        home = {c.name for c in await self._stores[Side.HOME].list_connections()}
        try:
            shared = {c.name for c in await self._from_workspace(lambda store: store.list_connections())}
            offline: WorkspaceUnavailable | None = None
        except WorkspaceUnavailable as error:
            shared, offline = set(), error
        sides: dict[str, Side] = {}
        for name in names:
            if name in home and name in shared:
                raise NameOnBothSides(name, self.where)
            if name in home or name in shared:
                sides[name] = Side.HOME if name in home else Side.WORKSPACE
            elif offline is not None:
                raise WorkspaceUnavailable(self.where, name, offline.cause) from offline
            else:
                raise ConnectionNotFound(name)
        return sides

    async def _side_holding(self, connection: Connection) -> Side:
        """The side that holds `connection` (by its id), or `ConnectionNotFound`."""
        side = await self._side_of_id(connection)
        if side is None:
            raise ConnectionNotFound(connection.name)
        return side

    async def _side_for_save(self, connection: Connection) -> Side:
        """Where `connection` is kept, or for a new one, where new ones go. A workspace that cannot be asked
        holds no connection this object has not seen there."""
        try:
            side = await self._side_of_id(connection)
        except WorkspaceUnavailable:  # one seen on one side under another name (a reconnect renaming it) stays there
            seen = self._seen_sides(connection.id)
            side = seen.pop() if len(seen) == 1 else None
        return self._new_side(connection) if side is None else side

    async def _side_of_id(self, connection: Connection) -> Side | None:
        known = self._sides.get((connection.id, connection.name))
        if known is not None:
            return known
        for side in Side:  # by its name first (one row), then by listing
            try:
                found = await self._ask(side, lambda store: store.get(connection.name), connection.name)
                if found.id == connection.id:
                    self._noted(side, found)
                    return side
            except ConnectionNotFound:
                pass
            except ConnectionDamaged as damaged:
                if damaged.connection_id == connection.id:
                    return side
        for side in Side:
            listed = await self._ask(side, lambda store: store.list_connections(), connection.name)
            self._note(side, listed)
            if any(c.id == connection.id for c in listed):
                return side
        return None

    async def _refuse_name_elsewhere(self, name: str, side: Side) -> None:
        """`NameTaken` if the side other than `side` holds `name` (unknown while the workspace is offline)."""
        other = Side.WORKSPACE if side is Side.HOME else Side.HOME
        try:
            taken = await self._ask(other, lambda store: _holds(store, name), name)
        except WorkspaceUnavailable:
            return
        if taken:
            raise NameTaken(name)

    async def _ask(self, side: Side, call: Callable[[ConnectionStore], Awaitable[T]], name: str | None) -> T:
        if side is Side.HOME:
            return await call(self._stores[Side.HOME])
        return await self._from_workspace(call, name=name)

    async def _from_workspace(self, call: Callable[[ConnectionStore], Awaitable[T]], *, name: str | None = None) -> T:
        """`call`'s answer from the workspace; `WorkspaceUnavailable` if the workspace failed now or lately (but
        what it says of one connection, that it is not there or damaged, as it says it)."""
        if self._offline is not None and self._clock() - self._offline[0] < OFFLINE_RETRY_S:
            raise WorkspaceUnavailable(self.where, name, self._offline[1])
        try:
            answer = await call(self._stores[Side.WORKSPACE])
        except (ConnectionNotFound, ConnectionDamaged):
            raise
        except ConnmgrError as failed:
            self._offline = (self._clock(), failed)
            raise WorkspaceUnavailable(self.where, name, failed) from failed
        self._offline = None
        return answer

    def _seen_sides(self, connection_id: str | None) -> set[Side]:
        return {side for (id_, _), side in self._sides.items() if id_ == connection_id}

    def _note(self, side: Side, connections: Sequence[Connection]) -> None:
        for connection in connections:
            self._sides[connection.id, connection.name] = side

    def _noted(self, side: Side, connection: Connection) -> Connection:
        self._sides[connection.id, connection.name] = side
        return connection


async def _holds(store: ConnectionStore, name: str) -> bool:
    try:
        await store.get(name)
    except ConnectionNotFound:
        return False
    except ConnectionDamaged:
        return True  # damaged, but there: removing it is the way out
    return True


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _by_name(connection: Connection) -> tuple[str, str]:
    """The stores' order: ASCII letters folded (SQLite's NOCASE), then by code point (UTF-8's byte order)."""
    return connection.name.translate(_ASCII_LOWER), connection.name


class _Subscriptions:
    def __init__(self, subscriptions: Sequence[Subscription]) -> None:
        self._subscriptions = subscriptions

    def close(self) -> None:
        for subscription in self._subscriptions:
            subscription.close()
