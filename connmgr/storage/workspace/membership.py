"""A workspace's members as its database keeps them: the workspace's id and key generation, each device's public
key (a join request until an admin approves it), and the workspace key wrapped for each member.

Only what the database may see: public keys and wrapped keys. Wrapping, unwrapping and rotating happen on a
member's device (`storage.members`); this module stores what they made, each change in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from connmgr.storage.audit import AuditAction
from connmgr.storage.errors import StorageError
from connmgr.storage.members.publickeys import fingerprint
from connmgr.storage.members.records import MemberRecord, WorkspaceInfo
from connmgr.storage.members.rotation import Member, Rotation, SharedSecrets
from connmgr.storage.rows import connection_from_columns
from connmgr.storage.sealing import Binding
from connmgr.storage.workspace import auditlog, lock
from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.connections import ServerConnections
from connmgr.storage.workspace.errors import WORKSPACE
from connmgr.storage.workspace.notifications import NOTIFY, ROTATED
from connmgr.storage.workspace.password import Credentials, Prompt
from connmgr.storage.workspace.schema import migrate

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db


class MembershipError(StorageError):
    def __init__(self, what: str, todo: str) -> None:
        super().__init__(WORKSPACE, what, todo)


class Membership:
    """The member tables of one workspace. Each call takes a server connection of its own."""

    def __init__(self, address: WorkspaceAddress, prompt: Prompt | None = None, *, actor: str | None = None) -> None:
        from connmgr.storage.local import local_actor

        self.address = address
        self._actor = actor or local_actor()  # who the audit log says made each change
        self._server = ServerConnections(Credentials(address, prompt))
        self._migrated = False

    def close(self) -> None:
        self._server.close()

    async def _rows(self, db: Db, sql: str, parameters: Sequence[object] = ()) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        cursor = db.cursor(row_factory=dict_row)
        await cursor.execute(sql, parameters)  # fixed text; values as parameters
        return await cursor.fetchall() if cursor.description else []

    async def _ready(self, db: Db) -> None:
        if not self._migrated:
            await migrate(db, self.address.shown)
            self._migrated = True

    async def online(self) -> bool:
        """Whether the server answers now."""
        from connmgr.domain.errors import ConnmgrError

        try:
            await self.info()
        except ConnmgrError:
            return False
        return True

    async def create(self, info: WorkspaceInfo, admin: str, public_key: bytes, wrapped: bytes) -> None:
        """The workspace made, with `admin` its first member and the first key wrapped for it."""
        async with self._server.connection() as db:
            await self._ready(db)
            async with db.transaction():
                await db.execute("LOCK TABLE workspace IN EXCLUSIVE MODE")  # two creates at once: one wins
                if await self._rows(db, "SELECT id FROM workspace"):
                    raise MembershipError(
                        f"{self.address.shown} already holds a workspace", "join it with connmgr workspace join"
                    )
                now = time.time()
                await db.execute(
                    "INSERT INTO workspace (id, name, generation, created_at) VALUES (%s, %s, %s, %s)",
                    (info.id, info.name, info.generation, now),
                )
                await db.execute(
                    "INSERT INTO members (name, public_key, admin, approved_by, requested_at, approved_at)"
                    " VALUES (%s, %s, true, %s, %s, %s)",
                    (admin, public_key, public_key, now, now),
                )
                await db.execute(
                    "INSERT INTO wrapped_keys (member, generation, wrapped) VALUES (%s, %s, %s)",
                    (admin, info.generation, wrapped),
                )

    async def info(self) -> WorkspaceInfo:
        async with self._server.connection() as db:
            await self._ready(db)
            return await self._info(db)

    async def _info(self, db: Db) -> WorkspaceInfo:
        rows = await self._rows(db, "SELECT id, name, generation FROM workspace")
        if not rows:
            raise MembershipError(
                f"{self.address.shown} holds no workspace yet", "create one with connmgr workspace create"
            )
        return WorkspaceInfo(str(rows[0]["id"]), str(rows[0]["name"]), int(rows[0]["generation"]))

    async def request(self, name: str, public_key: bytes) -> None:
        """A join request: `public_key` under `name`, waiting for an admin. Asking again with the same key is
        the same request."""
        async with self._server.connection() as db:
            await self._ready(db)
            await self._info(db)
            async with db.transaction():
                await db.execute("LOCK TABLE members IN SHARE ROW EXCLUSIVE MODE")
                for row in await self._rows(db, "SELECT * FROM members WHERE name = %s OR public_key = %s",
                                            (name, public_key)):  # fmt: skip
                    if row["name"] == name and bytes(row["public_key"]) == public_key:
                        return
                    if row["name"] == name:
                        raise MembershipError(f"the workspace already has a member {name!r}", "choose another name")
                    raise MembershipError(
                        f"this device is already in the workspace as {row['name']!r}", "use that name"
                    )
                await db.execute(
                    "INSERT INTO members (name, public_key, admin, requested_at) VALUES (%s, %s, false, %s)",
                    (name, public_key, time.time()),
                )
                await self._record(db, AuditAction.JOIN, f"{_device(name, public_key)} asked to join")

    async def members(self) -> list[MemberRecord]:
        async with self._server.connection() as db:
            await self._ready(db)
            return [_member(row) for row in await self._rows(db, "SELECT * FROM members ORDER BY name")]

    async def wrapped_key(self, public_key: bytes) -> tuple[WorkspaceInfo, MemberRecord | None, bytes | None]:
        """The workspace, the member whose device has `public_key` (None: no request of it), and the key in use
        wrapped for it (None: not approved, or removed)."""
        async with self._server.connection() as db:
            await self._ready(db)
            info = await self._info(db)
            rows = await self._rows(db, "SELECT * FROM members WHERE public_key = %s", (public_key,))
            if not rows:
                return info, None, None
            member = _member(rows[0])
            wrapped = await self._rows(
                db,
                "SELECT wrapped FROM wrapped_keys WHERE member = %s AND generation = %s",
                (member.name, info.generation),
            )
            return info, member, bytes(wrapped[0]["wrapped"]) if wrapped else None

    async def approve(self, name: str, approver: bytes, generation: int, wrapped: bytes) -> None:
        """`name`'s request approved by the admin device `approver`, with the key of `generation` wrapped for it."""
        async with self._server.connection() as db:
            await self._ready(db)
            async with db.transaction():
                info = await self._locked_info(db)
                await self._check_admin(db, approver)
                if info.generation != generation:
                    raise MembershipError("the workspace key changed meanwhile", "approve again")
                rows = await self._rows(db, "SELECT * FROM members WHERE name = %s FOR UPDATE", (name,))
                if not rows:
                    raise MembershipError(f"no one asked to join as {name!r}", "check the name")
                await db.execute(
                    "UPDATE members SET approved_by = %s, approved_at = %s WHERE name = %s",
                    (approver, time.time(), name),
                )
                await db.execute(
                    "INSERT INTO wrapped_keys (member, generation, wrapped) VALUES (%s, %s, %s)"
                    " ON CONFLICT (member, generation) DO UPDATE SET wrapped = excluded.wrapped",
                    (name, generation, wrapped),
                )
                await self._record(
                    db, AuditAction.APPROVE,
                    f"{_device(name, bytes(rows[0]['public_key']))} approved by admin device {fingerprint(approver)},"
                    f" with key {generation}",
                )  # fmt: skip

    async def remove(
        self, name: str, admin: bytes, rotate: Callable[[WorkspaceInfo, list[Member], list[SharedSecrets], set[int]],
                                                        Rotation],
    ) -> tuple[Rotation, dict[str, str]]:  # fmt: skip
        """`name` removed in one transaction: `rotate` (given the workspace, the members who remain, every shared
        connection's secrets and the generations `name` held) makes the new key's wraps and the secrets sealed
        again, which replace the old; every connection's lock is held meanwhile, so no refresh saves under the
        old key afterwards."""
        async with self._server.connection() as db:
            await self._ready(db)
            async with db.transaction():
                info = await self._locked_info(db)
                await self._check_admin(db, admin)
                rows = await self._rows(db, "SELECT * FROM members WHERE name = %s FOR UPDATE", (name,))
                if not rows:
                    raise MembershipError(f"the workspace has no member {name!r}", "check the name")
                held = {
                    int(row["generation"])
                    for row in await self._rows(db, "SELECT generation FROM wrapped_keys WHERE member = %s", (name,))
                }
                remaining = [
                    Member(row["name"], bytes(row["public_key"]))
                    for row in await self._rows(
                        db, "SELECT * FROM members WHERE name <> %s AND approved_by IS NOT NULL", (name,)
                    )
                ]
                ids = [row["id"] for row in await self._rows(db, "SELECT id FROM connections ORDER BY id")]
                for key in sorted(lock.connection_key(i) for i in ids):  # one order: no two removals deadlock
                    await db.execute(lock.WAIT, (key,))
                connections = [
                    (connection_from_columns(row), bytes(row["secrets"]))
                    for row in await self._rows(db, "SELECT * FROM connections")
                ]
                names = {connection.id: connection.name for connection, _ in connections}
                shared = [SharedSecrets(Binding.of(connection), sealed) for connection, sealed in connections]
                rotation = rotate(info, remaining, shared, held)
                for connection_id, sealed in rotation.resealed.items():
                    await db.execute("UPDATE connections SET secrets = %s WHERE id = %s", (sealed, connection_id))
                for connection_id in rotation.unreadable:  # under a key the removed member holds: dropped
                    await db.execute("UPDATE connections SET secrets = ''::bytea WHERE id = %s", (connection_id,))
                await db.execute("DELETE FROM members WHERE name = %s", (name,))
                await db.execute("DELETE FROM wrapped_keys WHERE generation < %s", (rotation.key.generation,))
                for member, wrapped in rotation.wrapped.items():
                    await db.execute(
                        "INSERT INTO wrapped_keys (member, generation, wrapped) VALUES (%s, %s, %s)",
                        (member, rotation.key.generation, wrapped),
                    )
                await db.execute("UPDATE workspace SET generation = %s", (rotation.key.generation,))
                for connection_id in ids:
                    await db.execute(NOTIFY, (connection_id,))
                await db.execute(NOTIFY, (ROTATED,))
                await self._record(  # last: every connection's lock is held already, as a refresh takes it first
                    db, AuditAction.REMOVE_MEMBER,
                    f"{_device(name, bytes(rows[0]['public_key']))} removed by admin device {fingerprint(admin)};"
                    f" key {rotation.key.generation}, {len(rotation.resealed)} connections sealed again,"
                    f" {len(rotation.unreadable)} dropped",
                )  # fmt: skip
        return rotation, names

    async def _record(self, db: Db, action: AuditAction, detail: str) -> None:
        """An entry of the workspace's audit log, in `db`'s transaction: committed with the change or not at all."""
        await auditlog.append(db, self._actor, [(action.value, "", "", detail)])

    async def _locked_info(self, db: Db) -> WorkspaceInfo:
        """The workspace's row, locked until the transaction ends: membership changes one at a time."""
        await db.execute("SELECT 1 FROM workspace FOR UPDATE")
        return await self._info(db)

    async def _check_admin(self, db: Db, public_key: bytes) -> None:
        rows = await self._rows(
            db, "SELECT 1 FROM members WHERE public_key = %s AND admin AND approved_by IS NOT NULL", (public_key,)
        )
        if not rows:
            raise MembershipError("this device is not an admin of the workspace", "ask an admin to do it")


def _device(name: str, public_key: bytes) -> str:
    """A member as the audit log names it: by name and by the fingerprint of its device's key, never more."""
    return f"member {name!r} (device {fingerprint(public_key)})"


def _member(row: dict[str, Any]) -> MemberRecord:
    approved_by = row["approved_by"]
    return MemberRecord(
        str(row["name"]),
        bytes(row["public_key"]),
        bool(row["admin"]),
        None if approved_by is None else bytes(approved_by),
        float(row["requested_at"]),
        None if row["approved_at"] is None else float(row["approved_at"]),
    )
