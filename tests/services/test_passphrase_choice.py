"""Where no keyring works, the services offer a passphrase instead: only for a store that allows one, and only
while nothing protects its data key yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from connmgr.services.connections import Connections
from connmgr.storage import KeyringDataKey, KeySourceKind, LocalStore, PassphraseDataKey, recorded_key_source
from tests.storage.samples import connection, secrets
from tests.support.providers import CATALOG


async def test_a_passphrase_protects_a_fresh_home_and_is_not_offered_again(home: Path, client) -> None:
    with LocalStore(home, KeyringDataKey(home)) as store:
        connections = Connections(store, CATALOG, client)
        assert connections.may_use_passphrase()
        connections.use_passphrase("correct horse")  # before the keyring was ever asked
        await store.save(connection(), secrets())

    assert recorded_key_source(home) is KeySourceKind.PASSPHRASE
    with LocalStore(home, PassphraseDataKey(home, "correct horse")) as store:
        assert not Connections(store, CATALOG, client).may_use_passphrase()
        assert (await store.read("Acme"))[1] == secrets()


class ElsewhereStore:
    """A store whose data key is not this person's to protect (a team workspace's): it offers no passphrase."""


def test_a_store_that_allows_no_passphrase_is_never_offered_one(client) -> None:
    connections = Connections(ElsewhereStore(), CATALOG, client)  # type: ignore[arg-type]
    assert not connections.may_use_passphrase()
    with pytest.raises(TypeError):
        connections.use_passphrase("correct horse")
