"""Removing a member rotates the workspace key: those who remain open everything, sealed again; the removed device,
with every key it ever held, opens nothing stored afterwards; the admin learns what it could have copied."""

from __future__ import annotations

from dataclasses import replace

import pytest

from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.members.codec import WorkspaceCodec, generation_of
from connmgr.storage.members.errors import WrappedKeyUnreadable
from connmgr.storage.members.rotation import Member, Rotation, SharedSecrets, rotate
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.sealing import Binding
from tests.storage.members import WORKSPACE, device
from tests.storage.samples import connection, secrets

NAMES = ["Acme", "Globex", "Initech"]


class Workspace:
    """What a workspace's database would hold: members' wrapped keys and sealed secrets, in memory."""

    def __init__(self) -> None:
        self.admin, self.bob, self.carol = device(), device(), device()
        self.key = WorkspaceKey.first()
        self.members = {
            name: Member(name, pair.public_key)
            for name, pair in (("admin", self.admin), ("bob", self.bob), ("carol", self.carol))
        }
        self.wrapped = {name: self.admin.wrap(WORKSPACE, self.key, m.public_key) for name, m in self.members.items()}
        codec = WorkspaceCodec(WORKSPACE, self.key)
        self.shared = [
            SharedSecrets(Binding.of(connection(n)), codec.seal(Binding.of(connection(n)), secrets(n))) for n in NAMES
        ]

    def remove(self, name: str) -> Rotation:
        remaining = [member for member_name, member in self.members.items() if member_name != name]
        return rotate(
            WORKSPACE,
            self.key,
            self.key.next(),
            admin=self.admin,
            remaining=remaining,
            shared=self.shared,
            removed_generations={self.key.generation},
        )


@pytest.fixture
def workspace() -> Workspace:
    return Workspace()


def test_the_members_who_remain_open_every_secret_sealed_again(workspace: Workspace) -> None:
    rotation = workspace.remove("carol")

    assert rotation.key.generation == 2
    assert set(rotation.wrapped) == {"admin", "bob"}
    for pair, name in ((workspace.admin, "admin"), (workspace.bob, "bob")):
        key = pair.unwrap(WORKSPACE, rotation.wrapped[name], {workspace.admin.public_key})
        assert key == rotation.key
        codec = WorkspaceCodec(WORKSPACE, key)
        for row in workspace.shared:
            assert codec.open(row.binding, rotation.resealed[row.connection_id]) == secrets(row.connection_id[3:])
    assert {generation_of(sealed) for sealed in rotation.resealed.values()} == {2}
    assert rotation.unreadable == ()


def test_the_removed_device_opens_nothing_afterwards(workspace: Workspace) -> None:
    old_key = workspace.carol.unwrap(WORKSPACE, workspace.wrapped["carol"], {workspace.admin.public_key})
    rotation = workspace.remove("carol")

    old_codec = WorkspaceCodec(WORKSPACE, old_key)
    for row in workspace.shared:
        with pytest.raises(EnvelopeUnreadable) as error:
            old_codec.open(row.binding, rotation.resealed[row.connection_id])
        assert error.value.reason == "it was sealed under the workspace key of generation 2, and this is generation 1"
        # Even with the generation relabelled to the one its key claims, the blob does not open.
        relabelled = rotation.resealed[row.connection_id]
        relabelled = relabelled[:1] + (1).to_bytes(4, "big") + relabelled[5:]
        with pytest.raises(EnvelopeUnreadable):
            old_codec.open(row.binding, relabelled)
    # Nor does any newly wrapped key open for it.
    for wrapped in rotation.wrapped.values():
        with pytest.raises(WrappedKeyUnreadable):
            workspace.carol.unwrap(WORKSPACE, wrapped, {workspace.admin.public_key})


def test_the_admin_is_told_what_the_removed_member_could_have_copied(workspace: Workspace) -> None:
    assert workspace.remove("carol").exposed == ("id-Acme", "id-Globex", "id-Initech")
    # A member who only ever held a later generation saw none of the secrets sealed under this one.
    later_only = rotate(
        WORKSPACE,
        workspace.key,
        workspace.key.next(),
        admin=workspace.admin,
        remaining=[workspace.members["admin"]],
        shared=workspace.shared,
        removed_generations={5},
    )
    assert later_only.exposed == ()


def test_secrets_that_no_longer_open_are_named_to_be_dropped_not_left_under_the_old_key(workspace: Workspace) -> None:
    acme, globex, initech = workspace.shared
    edited = replace(acme.binding, values={**acme.binding.values, "token_url": "https://evil.example/token"})
    workspace.shared = [SharedSecrets(edited, acme.sealed), globex, replace(initech, sealed=b"")]

    rotation = workspace.remove("carol")

    assert rotation.unreadable == ("id-Acme", "id-Initech")
    assert set(rotation.resealed) == {"id-Globex"}
    assert rotation.exposed == ("id-Acme", "id-Globex")  # the one with no blob exposed nothing


def test_a_rotation_needs_a_later_generation_and_each_member_once(workspace: Workspace) -> None:
    admin = workspace.members["admin"]
    for new in (workspace.key, WorkspaceKey(1, bytes(32)), WorkspaceKey(2, workspace.key.key)):
        with pytest.raises(ValueError, match="a new key of a later generation"):
            rotate(
                WORKSPACE,
                workspace.key,
                new,
                admin=workspace.admin,
                remaining=[admin],
                shared=[],
                removed_generations=(),
            )
    with pytest.raises(ValueError, match="each remaining member is named once"):
        rotate(
            WORKSPACE,
            workspace.key,
            workspace.key.next(),
            admin=workspace.admin,
            remaining=[admin, admin],
            shared=[],
            removed_generations=(),
        )
    with pytest.raises(ValueError, match="the admin who rotates the key remains a member"):
        rotate(
            WORKSPACE,
            workspace.key,
            workspace.key.next(),
            admin=workspace.admin,
            remaining=[workspace.members["bob"]],
            shared=[],
            removed_generations=(),
        )


def test_an_older_wrapped_key_put_back_is_refused_by_a_device_that_opened_a_newer_one(workspace: Workspace) -> None:
    """The database put back bob's key from before carol was removed: what bob sealed under it, carol could read."""
    rotation = workspace.remove("carol")
    trusted = {workspace.admin.public_key}
    newest = workspace.bob.unwrap(WORKSPACE, rotation.wrapped["bob"], trusted).generation

    with pytest.raises(WrappedKeyUnreadable) as error:
        workspace.bob.unwrap(WORKSPACE, workspace.wrapped["bob"], trusted, at_least=newest)
    assert "(it holds generation 1, older than the generation 2 this device has opened)" in error.value.sentence
    assert workspace.bob.unwrap(WORKSPACE, rotation.wrapped["bob"], trusted, at_least=newest) == rotation.key
