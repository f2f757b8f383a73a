"""Removing a member: a new generation of the workspace key, wrapped for each member who remains, and every shared
secret sealed again under it, so that the removed device, which kept the old key, opens nothing stored afterwards.

Pure: it takes what the store read (in the transaction that will write the result) and returns what to write.
What the removed member could already have copied cannot be taken back: `exposed` names those connections, so
that an admin can reconnect them (a new grant, a new client secret).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.members.codec import WorkspaceCodec, generation_of
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.sealing import Binding


@dataclass(frozen=True)
class Member:
    member_id: str
    public_key: bytes


@dataclass(frozen=True)
class SharedSecrets:
    """A shared connection's sealed secrets as stored, with the settings stored beside them."""

    binding: Binding
    sealed: bytes

    @property
    def connection_id(self) -> str:
        return self.binding.connection_id


@dataclass(frozen=True)
class Rotation:
    key: WorkspaceKey
    wrapped: Mapping[str, bytes]  # member id -> the new key wrapped for that member
    resealed: Mapping[str, bytes]  # connection id -> its secrets sealed under the new key
    # Connections whose secrets did not open (changed outside connmgr, or sealed under an older key): they cannot
    # be sealed again, and must not stay under a key the removed member holds, so the store drops their secrets
    # (the connection needs a new sign-in).
    unreadable: tuple[str, ...]
    # Connections whose secrets the removed member could have opened: sealed under a generation it held.
    exposed: tuple[str, ...]


def rotate(
    workspace_id: str,
    current: WorkspaceKey,
    new: WorkspaceKey,
    *,
    admin: DeviceKeyPair,
    remaining: Sequence[Member],
    shared: Sequence[SharedSecrets],
    removed_generations: Collection[int],
) -> Rotation:
    """The rotation from `current` to `new`, made on the device of `admin` (who wraps the new key) for the
    `remaining` members (the admin among them) over every `shared` connection's secrets. `removed_generations`:
    the generations of the key the removed member ever had wrapped for it."""
    if new.generation <= current.generation or new.key == current.key:
        raise ValueError("a rotation needs a new key of a later generation")
    if len({member.member_id for member in remaining}) != len(remaining):
        raise ValueError("each remaining member is named once")
    if admin.public_key not in {member.public_key for member in remaining}:
        raise ValueError("the admin who rotates the key remains a member (another admin removes this one)")
    old, sealer = WorkspaceCodec(workspace_id, current), WorkspaceCodec(workspace_id, new)
    resealed: dict[str, bytes] = {}
    unreadable: list[str] = []
    exposed: list[str] = []
    for row in shared:
        try:
            if generation_of(row.sealed) in removed_generations:
                exposed.append(row.connection_id)
            resealed[row.connection_id] = sealer.seal(row.binding, old.open(row.binding, row.sealed))
        except EnvelopeUnreadable:
            unreadable.append(row.connection_id)
    wrapped = {member.member_id: admin.wrap(workspace_id, new, member.public_key) for member in remaining}
    return Rotation(new, wrapped, resealed, tuple(unreadable), tuple(exposed))
