"""Reaching a workspace: TLS verified against the CA given (verify-full), the password from PGPASSWORD, ~/.pgpass,
the keyring or a prompt and never from the address; every refusal one sentence, none holding the password."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import keyring
import keyring.errors
import psycopg
import pytest

from connmgr.storage.interface import Change
from connmgr.storage.workspace import WorkspaceAddress
from connmgr.storage.workspace.errors import (
    AddressInvalid,
    CertificateRefused,
    CertificateUntrusted,
    ConnectionDropped,
    WorkspaceBusy,
    WorkspaceUnreachable,
    WrongPassword,
)
from connmgr.storage.workspace.password import KEYRING_SERVICE
from tests.storage.fakes import MemoryKeyring
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PASSWORD, PASSWORD_USER, PostgresServer, certificates, free_port

GUARD_S = 30.0


@pytest.fixture
def no_password_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither PGPASSWORD nor a ~/.pgpass of whoever runs the tests."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.fixture
def alices_database(postgres: PostgresServer, workspace_database: str) -> str:
    postgres.psql(f'ALTER DATABASE "{workspace_database}" OWNER TO {PASSWORD_USER}')  # she may make its tables
    return workspace_database


def asking(answer: str | None) -> tuple[list[str], Callable[[str], Awaitable[str | None]]]:
    asked: list[str] = []

    async def prompt(shown: str) -> str | None:
        asked.append(shown)
        return answer

    return asked, prompt


def shown(postgres: PostgresServer, database: str, host: str = "127.0.0.1") -> str:
    return f"{PASSWORD_USER}@{host}:{postgres.port}/{database}"


async def test_verify_full_with_the_workspaces_ca_connects_over_tls(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    store = workspaces.open(postgres.tls_uri(alices_database))
    await store.save(connection(), secrets())
    assert await store.read("Acme") == (connection(), secrets())
    sessions = postgres.psql(
        "SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
        f" WHERE a.usename = '{PASSWORD_USER}' AND a.datname = '{alices_database}'"
    )
    assert sessions.split() == ["t"]  # every one of its sessions is encrypted


async def test_a_certificate_for_another_host_name_is_refused_in_one_sentence(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    store = workspaces.open(postgres.tls_uri(alices_database, host="localhost"))  # the certificate names 127.0.0.1
    with pytest.raises(CertificateRefused) as error:
        await store.list_connections()
    assert error.value.sentence == (
        f"Workspace: the server of {shown(postgres, alices_database, 'localhost')} presented a certificate that is"
        " not valid for localhost; check the address, or ask your admin for the server's certificate."
    )


async def test_a_certificate_no_trusted_authority_signed_is_refused(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, tmp_path: Path
) -> None:
    other_ca = certificates(tmp_path, "another CA")
    uri = postgres.tls_uri(alices_database).replace(str(postgres.ca), str(other_ca))
    with pytest.raises(CertificateUntrusted) as error:
        await workspaces.open(uri).list_connections()
    assert "is not signed by a trusted authority; give its CA with sslrootcert= in the address" in error.value.sentence


async def test_a_wrong_password_is_refused_without_showing_it(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    monkeypatch.setenv("PGPASSWORD", "not-her-password-77")
    with pytest.raises(WrongPassword) as error:
        await workspaces.open(postgres.tls_uri(alices_database)).list_connections()
    assert error.value.sentence == (
        f"Workspace: the server of {shown(postgres, alices_database)} refused the password; type it again, or ask"
        " your admin."
    )
    assert "not-her-password-77" not in str(error.value.__cause__) + str(error.value.__context__)


async def test_without_any_password_the_sentence_says_where_one_comes_from(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, no_password_source: None,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    with pytest.raises(WrongPassword) as error:
        await workspaces.open(postgres.tls_uri(alices_database)).list_connections()
    assert error.value.sentence == (
        f"Workspace: the server of {shown(postgres, alices_database)} asks for a password; set PGPASSWORD, put it in"
        " ~/.pgpass, or type it when connmgr asks."
    )


async def test_pgpass_is_used_without_asking(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, no_password_source: None,
    memory_keyring: MemoryKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres.port}:{alices_database}:{PASSWORD_USER}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    asked, prompt = asking(None)
    await workspaces.open(postgres.tls_uri(alices_database), prompt=prompt).save(connection(), secrets())
    assert asked == [] and memory_keyring.calls == 0


async def test_a_typed_password_is_kept_in_the_keyring_and_not_asked_again(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, no_password_source: None,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    uri = postgres.tls_uri(alices_database)
    asked, prompt = asking(PASSWORD)
    await workspaces.open(uri, prompt=prompt).save(connection(), secrets())
    assert asked == [shown(postgres, alices_database)]
    assert memory_keyring.entries == {(KEYRING_SERVICE, shown(postgres, alices_database)): PASSWORD}

    asked_again, never = asking(None)
    assert await workspaces.open(uri, prompt=never).get("Acme") == connection()  # another process, say
    assert asked_again == []


async def test_a_kept_password_changed_since_is_asked_for_again(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, no_password_source: None,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    memory_keyring.entries[KEYRING_SERVICE, shown(postgres, alices_database)] = "the-old-one"
    asked, prompt = asking(PASSWORD)
    await workspaces.open(postgres.tls_uri(alices_database), prompt=prompt).list_connections()
    assert len(asked) == 1
    assert memory_keyring.entries[KEYRING_SERVICE, shown(postgres, alices_database)] == PASSWORD


@pytest.mark.parametrize(
    ("uri", "reason"),
    [("postgresql://alice:hunter2-secret@db.example/team", "it holds a password"),
     ("postgresql://alice@db.example/team?password=hunter2-secret", "it holds a password"),
     ("postgresql://alice:hunter2-secret@[db.example/team", "it is not a valid PostgreSQL URI"),
     ("host=db.example password=hunter2-secret", "it does not start with postgresql://")],
)  # fmt: skip
def test_an_address_is_refused_without_echoing_it(uri: str, reason: str) -> None:
    with pytest.raises(AddressInvalid) as error:
        WorkspaceAddress.parse(uri)
    assert error.value.sentence.startswith(f"Workspace: the workspace address cannot be used ({reason}")
    assert "hunter2" not in error.value.sentence


async def test_an_unreachable_server_is_one_sentence(workspaces: Workspaces) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(WorkspaceUnreachable) as error:
        await workspaces.open(f"postgresql://alice@127.0.0.1:{port}/team").list_connections()
    assert error.value.sentence == (
        f"Workspace: the server of alice@127.0.0.1:{port}/team cannot be reached; check the address and the network,"
        " and try again."
    )


async def test_a_server_with_no_connection_to_spare_says_so(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    postgres.psql(f'ALTER DATABASE "{workspace_database}" CONNECTION LIMIT 1')
    as_alice = uri.replace("user=connmgr", f"user={PASSWORD_USER}")  # a superuser is not held to the limit
    async with await psycopg.AsyncConnection.connect(as_alice):
        with pytest.raises(WorkspaceBusy) as error:
            await workspaces.open(as_alice).list_connections()
    assert error.value.sentence == (
        f"Workspace: the server of {PASSWORD_USER}@{postgres.socket_dir}:{postgres.port}/{workspace_database} has no"
        " connection to spare; close some other connmgr windows, or ask your admin to allow more connections, and"
        " try again."
    )


def end_sessions(postgres: PostgresServer, database: str) -> None:
    """The server ends every session on `database` (an admin's doing, a restart, a network gone); returns once
    they have ended."""
    ended = postgres.psql(
        f"SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE datname = '{database}'"
        " AND pid <> pg_backend_pid()"
    )
    assert int(ended) > 0


async def test_sessions_the_server_ended_while_idle_are_replaced_unseen(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    store = workspaces.open(postgres.uri(workspace_database))
    await store.save(connection(), secrets())
    end_sessions(postgres, workspace_database)
    assert await store.get("Acme") == connection()


async def test_a_connection_dropped_under_a_held_lock_is_a_typed_error_and_saves_nothing(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    store, other = workspaces.open(uri), workspaces.open(uri)
    await store.save(connection(), secrets())

    async def refresh_as_the_server_goes() -> None:
        async with store.locked(connection()) as held:
            end_sessions(postgres, workspace_database)
            await held.save(replace(held.connection, issued_at=2.0), secrets("new"))

    with pytest.raises(ConnectionDropped) as error:
        await refresh_as_the_server_goes()
    assert error.value.sentence == (
        f"Workspace: the connection to connmgr@{postgres.socket_dir}:{postgres.port}/{workspace_database} was lost;"
        " try again; whether the last change was saved is not known until it is read again."
    )
    async with other.try_locked(connection()) as free:  # the lock ended with its connection
        assert free is not None
    assert await store.read("Acme") == (connection(), secrets())


async def test_changes_are_heard_again_once_the_listening_connection_is_back(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    store, other = workspaces.open(uri), workspaces.open(uri)
    await store.save(connection("Acme"), secrets())
    heard: asyncio.Queue[Change] = asyncio.Queue()
    store.subscribe(heard.put_nowait)
    await store.list_connections()  # once this returns, it listens
    end_sessions(postgres, workspace_database)

    await other.save(connection("Zeta"), secrets())
    change = await asyncio.wait_for(heard.get(), GUARD_S)
    assert change == Change(None, connection("Zeta"))


@pytest.mark.secret_service
@pytest.mark.skipif(
    not os.environ.get("CONNMGR_TEST_SECRET_SERVICE"),
    reason="set CONNMGR_TEST_SECRET_SERVICE=1 in a D-Bus session with an unlocked Secret Service",
)
async def test_a_typed_password_is_kept_in_the_secret_service(
    postgres: PostgresServer, alices_database: str, workspaces: Workspaces, no_password_source: None
) -> None:
    uri, entry = postgres.tls_uri(alices_database), shown(postgres, alices_database)
    asked, prompt = asking(PASSWORD)
    try:
        await workspaces.open(uri, prompt=prompt).list_connections()
        assert keyring.get_password(KEYRING_SERVICE, entry) == PASSWORD
        never_asked, never = asking(None)
        await workspaces.open(uri, prompt=never).list_connections()
        assert (len(asked), never_asked) == (1, [])
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(KEYRING_SERVICE, entry)


async def test_a_server_that_restarts_is_used_again_and_heard_again(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    store, other = workspaces.open(uri), workspaces.open(uri)
    await store.save(connection("Acme"), secrets())
    heard: asyncio.Queue[Change] = asyncio.Queue()
    store.subscribe(heard.put_nowait)
    await store.list_connections()
    postgres.restart()

    assert await store.get("Acme") == connection("Acme")
    await other.save(connection("Zeta"), secrets())
    assert await asyncio.wait_for(heard.get(), GUARD_S) == Change(None, connection("Zeta"))
