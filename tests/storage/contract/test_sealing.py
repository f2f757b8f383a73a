"""Sealed secrets: a codec opens only what it sealed, for the binding it sealed it with; a store keeps no secret in
the clear, and one whose settings or sealed secrets were changed behind its back does not open them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace

import pytest

from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.errors import SecretsUnreadable
from connmgr.storage.interface import ConnectionStore
from connmgr.storage.sealing import Binding, DataKeyCodec, SecretCodec
from tests.storage.contract.backends import Backend
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secret_strings, secrets

UNREADABLE = (
    "Connection store: the secrets of 'Acme' cannot be decrypted (its settings or its secrets were changed outside"
    " connmgr); sign in again to replace them; the connection itself is kept."
)

# Each codec, and another of its kind under another key.
CODECS: dict[str, Callable[[], tuple[SecretCodec, SecretCodec]]] = {
    "data key": lambda: (DataKeyCodec(FixedDataKey.KEY), DataKeyCodec(os.urandom(32))),
}


@pytest.fixture(params=sorted(CODECS))
def codecs(request: pytest.FixtureRequest) -> tuple[SecretCodec, SecretCodec]:
    return CODECS[request.param]()


def test_a_codec_opens_what_it_sealed(codecs: tuple[SecretCodec, SecretCodec]) -> None:
    codec, _ = codecs
    binding = Binding.of(connection("Acme"))
    assert codec.open(binding, codec.seal(binding, secrets())) == secrets()


@pytest.mark.parametrize(
    "changed",
    [{"id": "id-Zeta"}, {"template_id": "oauth2"}, {"flow": "client_credentials"},
     {"values": {"issuer": "https://evil.example", "client_id": "client-Acme"}}],
    ids=["id", "template", "flow", "values"],
)  # fmt: skip
def test_a_changed_binding_does_not_open(codecs: tuple[SecretCodec, SecretCodec], changed: dict[str, object]) -> None:
    codec, _ = codecs
    envelope = codec.seal(Binding.of(connection("Acme")), secrets())
    with pytest.raises(EnvelopeUnreadable) as error:
        codec.open(Binding.of(connection("Acme", **changed)), envelope)
    assert error.value.reason == "its settings or its secrets were changed outside connmgr"


def test_another_key_is_told_apart_from_a_change(codecs: tuple[SecretCodec, SecretCodec]) -> None:
    codec, another = codecs
    binding = Binding.of(connection("Acme"))
    with pytest.raises(EnvelopeUnreadable) as error:
        another.open(binding, codec.seal(binding, secrets()))
    assert error.value.reason == "it was sealed with another data key"


def test_a_changed_envelope_does_not_open(codecs: tuple[SecretCodec, SecretCodec]) -> None:
    codec, _ = codecs
    binding = Binding.of(connection("Acme"))
    envelope = bytearray(codec.seal(binding, secrets()))
    envelope[-1] ^= 1
    with pytest.raises(EnvelopeUnreadable):
        codec.open(binding, bytes(envelope))


async def test_no_secret_reaches_the_storage(backend: Backend, store: ConnectionStore) -> None:
    saved = {name: secrets(name) for name in ("Acme", "Zeta")}
    for name, value in saved.items():
        await store.save(connection(name), value)
    async with store.locked(connection("Acme")) as held:
        await held.save(replace(held.connection, issued_at=2.0), secrets("refreshed"))
    saved["refreshed"] = secrets("refreshed")

    while_open = backend.raw_contents()
    backend.close_all()
    for content in (while_open, backend.raw_contents()):
        assert b"alice@acme.example" in content  # the search does find what is stored in the clear
        for value in saved.values():
            for secret in secret_strings(value):
                assert secret.encode() not in content


async def test_settings_changed_behind_the_stores_back_make_the_secrets_unreadable(
    backend: Backend, store: ConnectionStore
) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    await store.save(connection("Zeta"), secrets("Zeta"))
    backend.set_settings("id-Acme", values_json=json.dumps({**connection().values, "token_url": "https://evil.example"}))
    backend.set_settings("id-Zeta", template_id="oauth2")

    fresh = backend.open()
    for name in ("Acme", "Zeta"):
        for reading in (fresh.read(name), fresh.read_many([name])):
            with pytest.raises(SecretsUnreadable) as error:
                await reading
            assert error.value.sentence == UNREADABLE.replace("'Acme'", repr(name))
    assert [c.name for c in await fresh.list_connections()] == ["Acme", "Zeta"]  # a failed read deletes nothing


async def test_a_sealed_blob_is_bound_to_its_row(backend: Backend, store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    await store.save(connection("Zeta"), secrets("Zeta"))
    backend.swap_secrets("id-Acme", "id-Zeta")  # an attacker, or a bug, swaps the two

    fresh = backend.open()
    with pytest.raises(SecretsUnreadable) as error:
        await fresh.read("Acme")
    assert error.value.sentence == UNREADABLE
    with pytest.raises(SecretsUnreadable):
        await fresh.read_many(["Zeta"])
    assert [c.name for c in await fresh.list_connections()] == ["Acme", "Zeta"]


async def test_the_holder_of_a_connection_whose_settings_changed_cannot_save_over_them(
    backend: Backend, store: ConnectionStore
) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    async with store.locked(connection("Acme")) as held:
        backend.set_settings("id-Acme", template_id="oauth2")
        with pytest.raises(SecretsUnreadable):
            await held.save(replace(held.connection, issued_at=2.0), secrets("new"))
    with pytest.raises(SecretsUnreadable):
        await store.read("Acme")
