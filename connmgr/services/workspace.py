"""A team workspace's membership, as one member's device takes part in it: create, ask to join, approve, remove,
and what it looks like now.

The device's key pair wraps and unwraps the workspace key here, on the device; the database (`MemberDirectory`)
only keeps public keys and wrapped keys. What this device trusts (the admins whose fingerprints its person
compared, the newest key generation it has opened) is given by the caller, who keeps it where the database cannot
change it, and is never read from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from connmgr.domain.errors import ConnmgrError
from connmgr.storage.members.errors import WORKSPACE
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.publickeys import fingerprint
from connmgr.storage.members.records import MemberRecord, WorkspaceInfo
from connmgr.storage.members.rotation import Member, Rotation, SharedSecrets, rotate
from connmgr.storage.members.workspacekey import WorkspaceKey


class MemberDirectory(Protocol):
    """The member tables of one workspace (`storage.workspace.membership.Membership`)."""

    async def create(self, info: WorkspaceInfo, admin: str, public_key: bytes, wrapped: bytes) -> None: ...
    async def info(self) -> WorkspaceInfo: ...
    async def online(self) -> bool: ...
    async def request(self, name: str, public_key: bytes) -> None: ...
    async def members(self) -> list[MemberRecord]: ...
    async def wrapped_key(self, public_key: bytes) -> tuple[WorkspaceInfo, MemberRecord | None, bytes | None]: ...
    async def approve(self, name: str, approver: bytes, generation: int, wrapped: bytes) -> None: ...
    async def remove(self, name: str, admin: bytes, rotate: RotateFn) -> tuple[Rotation, dict[str, str]]: ...


class RotateFn(Protocol):
    def __call__(
        self, info: WorkspaceInfo, remaining: list[Member], shared: list[SharedSecrets], held: set[int]
    ) -> Rotation: ...


class MembershipRefused(ConnmgrError):
    def __init__(self, what: str, todo: str) -> None:
        super().__init__(WORKSPACE, what, todo)


@dataclass(frozen=True)
class Trust:
    """What this device trusts, kept outside the database: the admins' public keys its person compared, and the
    newest key generation it has opened (0: none yet)."""

    admins: Collection[bytes]
    generation: int = 0


@dataclass(frozen=True)
class Removal:
    member: str
    generation: int  # of the new key
    exposed: tuple[str, ...]  # names of the connections the removed member could have copied
    dropped: tuple[str, ...]  # names of the connections whose secrets did not open, and were dropped


@dataclass(frozen=True)
class MemberStatus:
    name: str
    fingerprint: str
    admin: bool
    approved: bool
    this_device: bool


class WorkspaceMembers:
    """One device's part in one workspace."""

    def __init__(self, directory: MemberDirectory, device: DeviceKeyPair) -> None:
        self._directory = directory
        self.device = device

    async def create(self, name: str, admin: str) -> WorkspaceInfo:
        """A new workspace with a first key, this device its first admin (as `admin`)."""
        info = WorkspaceInfo(str(uuid.uuid4()), name, 1)
        key = WorkspaceKey.first()
        wrapped = self.device.wrap(info.id, key, self.device.public_key)
        await self._directory.create(info, admin, self.device.public_key, wrapped)
        return info

    async def join(self, member: str) -> WorkspaceInfo:
        """This device's join request as `member`; its fingerprint is `self.device.fingerprint`."""
        await self._directory.request(member, self.device.public_key)
        return await self._directory.info()

    async def info(self) -> WorkspaceInfo:
        """The workspace's id, name and key generation, as its database says (a name to show, not to trust)."""
        return await self._directory.info()

    async def own_record(self) -> MemberRecord | None:
        _, record, _ = await self._directory.wrapped_key(self.device.public_key)
        return record

    async def workspace_key(self, trust: Trust) -> tuple[WorkspaceInfo, WorkspaceKey]:
        """The key in use, unwrapped on this device: only one wrapped by a trusted admin, of the generation this
        device last opened or later."""
        info, record, wrapped = await self._directory.wrapped_key(self.device.public_key)
        if record is None:
            raise MembershipRefused(
                "this device is not a member of the workspace", "ask to join with connmgr workspace join"
            )
        if wrapped is None:
            raise MembershipRefused(
                f"this device's request to join as {record.name!r} is not approved",
                "ask an admin to run connmgr workspace approve",
            )
        key = self.device.unwrap(info.id, wrapped, trust.admins, at_least=max(trust.generation, 1))
        return info, key

    async def requester(self, name: str) -> MemberRecord:
        """The member (or join request) called `name`, for an admin to compare its fingerprint."""
        for record in await self._directory.members():
            if record.name == name:
                return record
        raise MembershipRefused(f"no one asked to join as {name!r}", "check the name with connmgr workspace status")

    async def approve(self, record: MemberRecord, trust: Trust) -> None:
        """`record`'s device approved (its fingerprint compared by the caller): the key in use wrapped for it."""
        info, key = await self.workspace_key(trust)
        wrapped = self.device.wrap(info.id, key, record.public_key)
        await self._directory.approve(record.name, self.device.public_key, key.generation, wrapped)

    async def remove(self, name: str, trust: Trust) -> Removal:
        """`name` removed: a new key for those who remain, every shared secret sealed again under it."""
        _, current = await self.workspace_key(trust)
        admin = self.device

        def rotated(
            info: WorkspaceInfo, remaining: list[Member], shared: list[SharedSecrets], held: set[int]
        ) -> Rotation:
            if info.generation != current.generation:
                raise MembershipRefused("the workspace key changed meanwhile", "remove the member again")
            if admin.public_key not in {member.public_key for member in remaining}:
                raise MembershipRefused("an admin cannot remove their own device", "ask another admin to do it")
            return rotate(
                info.id, current, current.next(), admin=admin, remaining=remaining, shared=shared,
                removed_generations=held,
            )  # fmt: skip

        rotation, names = await self._directory.remove(name, admin.public_key, rotated)
        return Removal(name, rotation.key.generation, _named(rotation.exposed, names),
                       _named(rotation.unreadable, names))  # fmt: skip

    async def status(self) -> list[MemberStatus]:
        return [
            MemberStatus(r.name, fingerprint(r.public_key), r.admin, r.approved, r.public_key == self.device.public_key)
            for r in await self._directory.members()
        ]


def _named(ids: Sequence[str], names: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(names.get(i, i) for i in ids))
