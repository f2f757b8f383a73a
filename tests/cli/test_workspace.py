"""`connmgr workspace ...` by two people on two machines (two homes, each with its device key in the real Secret
Service under its own home's entry) against the tests' real PostgreSQL: create, join, approve with the
fingerprints compared both ways, status, remove; the removed device opens nothing afterwards."""

import asyncio
import json
import os
import stat

import pytest

from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.members.codec import WorkspaceCodec
from connmgr.storage.members.device import KeyringDeviceKey
from connmgr.storage.sealing import Binding
from connmgr.storage.workspace.settings import load_settings, settings_path
from tests.cli.teams import fingerprint_in, joined, ok
from tests.storage.samples import connection, secret_strings, secrets


def test_two_machines_join_with_the_same_fingerprints_on_both_sides(team):
    alice, bob, uri = team
    created = ok(alice("workspace", "create", uri, "--name", "Support", "--member", "alice"))
    alice_print = fingerprint_in(created.out)

    asked = ok(bob("workspace", "join", uri, "--member", "bob"))
    bob_print = fingerprint_in(asked.out)
    assert "approve bob" in asked.out
    pending = json.loads(ok(alice("workspace", "status", "--json")).out)
    assert pending["online"] is True
    assert {m["name"]: (m["fingerprint"], m["approved"]) for m in pending["members"]} == {
        "alice": (alice_print, True),
        "bob": (bob_print, False),  # the admin's side shows the fingerprint bob's device printed
    }

    approved = ok(alice("workspace", "approve", "bob", "--fingerprint", bob_print))
    assert f"bob's device fingerprint: {bob_print}" in approved.out
    assert fingerprint_in(approved.out) == alice_print

    done = ok(bob("workspace", "join", uri, "--member", "bob", "--admin-fingerprint", alice_print))
    assert f"Approved by the admin device with the fingerprint: {alice_print}" in done.out
    assert "Joined the workspace 'Support' as bob." in done.out
    status = json.loads(ok(bob("workspace", "status", "--json")).out)
    assert status["this_device"] == {"member": "bob", "fingerprint": bob_print}
    assert [(m["name"], m["approved"], m["this_device"]) for m in status["members"]] == [
        ("alice", True, False),
        ("bob", True, True),
    ]
    # bob's home records the admin it trusts and the key it opened, privately, and never a password.
    settings = load_settings(bob.home)
    assert settings is not None and settings.generation == 1 and len(settings.trusted_admins) == 1
    assert stat.S_IMODE(os.stat(settings_path(bob.home)).st_mode) == 0o600


def test_a_different_fingerprint_stops_the_approval_and_the_trust(team):
    alice, bob, uri = team
    ok(alice("workspace", "create", uri, "--member", "alice"))
    bob_print = fingerprint_in(ok(bob("workspace", "join", uri, "--member", "bob")).out)

    refused = alice("workspace", "approve", "bob", "--fingerprint", "AAAA BBBB CCCC DDDD EEEE FFFF")
    assert refused.code == 1
    assert "the fingerprints differ" in refused.err
    assert not json.loads(ok(alice("workspace", "status", "--json")).out)["members"][1]["approved"]

    ok(alice("workspace", "approve", "bob", "--fingerprint", bob_print))
    distrust = bob("workspace", "join", uri, "--member", "bob", "--admin-fingerprint", "AAAA BBBB CCCC DDDD EEEE FFFF")
    assert distrust.code == 1
    assert "the fingerprints differ" in distrust.err
    settings = load_settings(bob.home)
    assert settings is not None and settings.trusted_admins == ()


def test_without_a_terminal_the_fingerprint_must_be_given(team):
    alice, bob, uri = team
    ok(alice("workspace", "create", uri, "--member", "alice"))
    ok(bob("workspace", "join", uri, "--member", "bob"))
    refused = alice("workspace", "approve", "bob")
    assert refused.code == 2
    assert "--fingerprint" in refused.err


async def _open_as(home):
    """What the CLI's shared store opens on `home`'s device: the workspace id and key."""
    from connmgr.team import members_of, trust_of

    settings = load_settings(home)
    device = KeyringDeviceKey(home).load_or_create()
    async with members_of(settings.address, device, None, member=settings.member) as members:
        return await members.workspace_key(trust_of(settings))


async def _save_shared(home, names):
    """Shared connections saved as alice's window would: sealed under the workspace key on her device."""
    from connmgr.team import shared_store

    async with shared_store(home, load_settings(home), None) as store:
        for name in names:
            await store.save(connection(name), secrets(name))


def test_a_removed_member_opens_nothing_afterwards(team, postgres, workspace_database):
    alice, bob, _ = team
    joined(team)
    asyncio.run(_save_shared(alice.home, ["Acme", "Globex"]))
    info, bobs_old_key = asyncio.run(_open_as(bob.home))
    old = WorkspaceCodec(info.id, bobs_old_key)
    sealed_before = postgres.psql("SELECT secrets FROM connections ORDER BY id", workspace_database)
    assert old.open(Binding.of(connection("Acme")), _blob(postgres, workspace_database, "id-Acme")) == secrets("Acme")

    removed = ok(alice("workspace", "remove", "bob"))
    assert "Removed bob" in removed.out
    assert "bob could have copied the secrets of: Acme, Globex." in removed.out

    # bob's device, with the key it had, opens none of what is stored now.
    assert postgres.psql("SELECT secrets FROM connections ORDER BY id", workspace_database) != sealed_before
    for name in ("Acme", "Globex"):
        with pytest.raises(EnvelopeUnreadable):
            old.open(Binding.of(connection(name)), _blob(postgres, workspace_database, f"id-{name}"))
    # Through the command line: bob is no member any more, and is told so in one sentence.
    status = json.loads(ok(bob("workspace", "status", "--json")).out)
    assert [m["name"] for m in status["members"]] == ["alice"]
    audit = bob("audit")
    assert audit.code == 1
    assert "this device is not a member of the workspace" in audit.err
    # alice opens everything, sealed again under the new generation.
    info, new_key = asyncio.run(_open_as(alice.home))
    assert new_key.generation == 2
    codec = WorkspaceCodec(info.id, new_key)
    assert codec.open(Binding.of(connection("Globex")), _blob(postgres, workspace_database, "id-Globex")) == secrets(
        "Globex"
    )
    assert load_settings(alice.home).generation == 2


def _blob(server, database, connection_id):
    text = server.psql(f"SELECT encode(secrets, 'hex') FROM connections WHERE id = '{connection_id}'", database)
    return bytes.fromhex(text.strip())


def test_audit_shows_and_verifies_the_workspace_log_beside_the_local_one(team, postgres, workspace_database):
    alice, _, _ = team
    joined(team)
    asyncio.run(_save_shared(alice.home, ["Acme"]))
    asyncio.run(_record_copy(alice.home))

    listed = json.loads(ok(alice("audit", "Acme", "--json")).out)
    assert [(e["store"], e["action"], e["connection"], e["actor"]) for e in listed] == [
        ("workspace", "copy", "Acme", "alice")
    ]
    verified = ok(alice("audit", "--verify"))
    assert "The local audit log is intact." in verified.err
    assert "The workspace audit log is intact." in verified.err

    # A database admin who gets past the trigger and edits an entry is found out.
    postgres.psql(
        "ALTER TABLE audit DISABLE TRIGGER audit_is_not_changed; UPDATE audit SET actor = 'mallory';"
        " ALTER TABLE audit ENABLE TRIGGER audit_is_not_changed",
        workspace_database,
    )
    broken = alice("audit", "--verify")
    assert broken.code == 1
    assert "The workspace audit log is broken: entry 1 of the audit log was changed after it was written." in (
        broken.err
    )
    missing = alice("audit", "Nowhere")
    assert missing.code == 1
    assert "Nowhere" in missing.err


async def _record_copy(home):
    from connmgr.storage.audit import AuditAction
    from connmgr.team import shared_store

    async with shared_store(home, load_settings(home), None) as store:
        await store.record(AuditAction.COPY, [await store.get("Acme")])


def test_a_tampered_settings_file_is_refused_in_one_sentence(team):
    alice, _, uri = team
    ok(alice("workspace", "create", uri, "--member", "alice"))
    path = settings_path(alice.home)
    data = json.loads(path.read_text())
    data["trusted_admins"] = ["not base64!"]
    path.write_text(json.dumps(data))
    refused = alice("workspace", "status")
    assert refused.code == 1
    assert refused.err.strip().count("\n") == 0
    assert "is not a workspace settings file connmgr wrote (a trusted admin's key is not base64)" in refused.err


def test_the_settings_file_counts_as_connmgrs_own_in_the_home(team):
    alice, _, uri = team
    ok(alice("workspace", "create", uri, "--member", "alice"))
    os.chmod(alice.home, 0o755)  # opened by the person: connmgr closes it, naming nothing as the person's own
    listed = ok(alice("workspace", "status"))
    assert "workspace.json" not in listed.err
    assert stat.S_IMODE(os.stat(alice.home).st_mode) == 0o700


async def _save_private(home, name):
    from connmgr.storage import KeyringDataKey, LocalStore

    with LocalStore(home, KeyringDataKey(home)) as store:
        await store.save(connection(name), secrets(name))


async def _read_shared(home, name):
    from connmgr.team import shared_store

    async with shared_store(home, load_settings(home), None) as store:
        return await store.read(name)


def test_share_moves_a_connection_into_the_workspace_and_unshare_back(team, postgres, workspace_database):
    alice, bob, _ = team
    joined(team)
    asyncio.run(_save_private(alice.home, "Acme"))
    asyncio.run(_save_private(alice.home, "Private"))

    ok(alice("share", "Acme"))
    listed = {row["name"]: row for row in json.loads(ok(alice("list", "--json")).out)}
    assert {name: (row["shared"], row["connected_by"]) for name, row in listed.items()} == {
        "Acme": (True, "alice"),
        "Private": (False, None),
    }
    # The database holds only the blob sealed under the workspace key; bob's machine opens it.
    assert "REFRESH-Acme" not in postgres.psql("SELECT * FROM connections", workspace_database)
    assert asyncio.run(_read_shared(bob.home, "Acme")) == (connection("Acme"), secrets("Acme"))
    (bobs,) = json.loads(ok(bob("list", "--json")).out)
    assert (bobs["name"], bobs["shared"], bobs["connected_by"]) == ("Acme", True, "alice")
    refused = alice("share", "Acme")  # no private copy was kept
    assert refused.code == 1
    assert "Acme" in refused.err

    ok(bob("unshare", "Acme"))
    assert postgres.psql("SELECT count(*) FROM connections", workspace_database).strip() == "0"
    (moved,) = json.loads(ok(bob("list", "--json")).out)
    assert (moved["name"], moved["shared"]) == ("Acme", False)
    assert [row["name"] for row in json.loads(ok(alice("list", "--json")).out)] == ["Private"]
    for result in (*alice.log, *bob.log):  # no secret reached a terminal on either machine
        for secret in secret_strings(secrets("Acme")):
            assert secret not in result.out + result.err


def test_list_and_status_while_the_workspace_is_offline(team, tmp_path):
    alice, _, _ = team
    uri = f"postgresql:///nowhere?host={tmp_path}&port=1"
    from connmgr.storage.workspace.address import WorkspaceAddress
    from connmgr.storage.workspace.settings import WorkspaceSettings, save_settings

    alice.home.mkdir(parents=True, exist_ok=True)
    save_settings(alice.home, WorkspaceSettings(WorkspaceAddress.parse(uri), "alice"))
    asyncio.run(_save_private(alice.home, "Private"))
    listed = ok(alice("list", "--json"))
    assert [row["name"] for row in json.loads(listed.out)] == ["Private"]
    assert "Workspace offline" in listed.err
    status = json.loads(ok(alice("workspace", "status", "--json")).out)
    assert (status["online"], status["members"], status["this_device"]["member"]) == (False, [], "alice")
    assert "cannot be reached" in status["offline_reason"]
