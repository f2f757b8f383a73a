"""A shared connection's secrets sealed under the workspace key open only for the connection and settings they were
sealed with, under the key generation that sealed them: a database admin who edits `token_url` gets nothing."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.connection import Secrets
from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.members.codec import WorkspaceCodec, generation_of
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.sealing import SETTINGS_CHANGED, Binding, DataKeyCodec
from tests.storage.members import WORKSPACE
from tests.storage.samples import connection, secrets

KEY = WorkspaceKey.first()
CODEC = WorkspaceCodec(WORKSPACE, KEY)
BINDING = Binding.of(connection("Acme"))
SEALED = CODEC.seal(BINDING, secrets("Acme"))


def test_round_trip() -> None:
    assert CODEC.open(BINDING, SEALED) == secrets("Acme")
    assert WorkspaceCodec(WORKSPACE, WorkspaceKey(1, KEY.key)).open(BINDING, SEALED) == secrets("Acme")
    assert generation_of(SEALED) == 1
    assert b"REFRESH-Acme" not in SEALED and b"CLIENTSECRET-Acme" not in SEALED


def _settings_changed(binding: Binding, sealed: bytes = SEALED, codec: WorkspaceCodec = CODEC) -> None:
    with pytest.raises(EnvelopeUnreadable) as error:
        codec.open(binding, sealed)
    assert error.value.reason == SETTINGS_CHANGED


BINDINGS = {
    "token endpoint added": replace(BINDING, values={**BINDING.values, "token_url": "https://evil.example/token"}),
    "issuer changed": replace(BINDING, values={**BINDING.values, "issuer": "https://evil.example"}),
    "client id removed": replace(BINDING, values={"issuer": BINDING.values["issuer"]}),
    "a value not text": replace(BINDING, values={**BINDING.values, "client_id": 7}),  # type: ignore[dict-item]
    "another connection": replace(BINDING, connection_id="id-Zeta"),
    "template changed": replace(BINDING, template_id="oauth2"),
    "flow changed": replace(BINDING, flow="client_credentials"),
}


@pytest.mark.parametrize("binding", BINDINGS.values(), ids=BINDINGS.keys())
def test_a_bound_setting_changed_in_the_database_does_not_open(binding: Binding) -> None:
    _settings_changed(binding)


def test_a_token_url_edited_with_a_valid_key_still_does_not_redirect_the_client_secret() -> None:
    """The database admin's edit: the stored settings changed, the blob kept. Nothing opens, so nothing is sent."""
    edited = replace(BINDING, values={**BINDING.values, "token_url": "https://evil.example/token"})
    _settings_changed(edited)
    # Sealed again for the edited settings, it would open: the binding is all that stands between.
    assert CODEC.open(edited, CODEC.seal(edited, secrets("Acme"))) == secrets("Acme")


def test_another_workspace_or_key_does_not_open() -> None:
    _settings_changed(BINDING, codec=WorkspaceCodec("ws-other", KEY))
    _settings_changed(BINDING, codec=WorkspaceCodec(WORKSPACE, WorkspaceKey(1, bytes(32))))


def test_a_blob_of_another_generation_is_reported_as_such() -> None:
    newer = WorkspaceCodec(WORKSPACE, KEY.next())
    with pytest.raises(EnvelopeUnreadable) as error:
        newer.open(BINDING, SEALED)
    assert error.value.reason == "it was sealed under the workspace key of generation 1, and this is generation 2"
    relabelled = SEALED[:1] + (2).to_bytes(4, "big") + SEALED[5:]
    _settings_changed(BINDING, relabelled, newer)  # relabelling its generation does not make it open either


SHAPES = {
    "empty": (b"", "it is empty"),
    "local envelope": (DataKeyCodec(KEY.key).seal(BINDING, secrets()), "unknown format 02, not a workspace's sealed"),
    "truncated to a header": (SEALED[:20], "it has 20 bytes, fewer than any sealed secrets"),
    "truncated": (SEALED[:-1], SETTINGS_CHANGED),
    "over-long": (SEALED + b"\x00", SETTINGS_CHANGED),
    "nonce changed": (SEALED[:6] + bytes([SEALED[6] ^ 1]) + SEALED[7:], SETTINGS_CHANGED),
}


@pytest.mark.parametrize(("blob", "reason"), SHAPES.values(), ids=SHAPES.keys())
def test_a_blob_of_another_shape_is_one_typed_error(blob: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeUnreadable) as error:
        CODEC.open(BINDING, blob)
    assert error.value.reason.startswith(reason)


@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_open_and_never_raise_anything_else(blob: bytes) -> None:
    with pytest.raises(EnvelopeUnreadable):
        CODEC.open(BINDING, blob)


@given(st.integers(0, len(SEALED) - 1), st.integers(1, 255))
def test_every_single_byte_change_is_refused(index: int, mask: int) -> None:
    with pytest.raises(EnvelopeUnreadable):
        CODEC.open(BINDING, SEALED[:index] + bytes([SEALED[index] ^ mask]) + SEALED[index + 1 :])


def test_importing_the_codec_leaves_cryptography_for_the_first_seal() -> None:
    """A workspace store imports it before the window's first paint, which lists connections without a key."""
    probe = "import sys, connmgr.storage.members.codec; print('cryptography' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    assert result.stdout == "False\n", result.stderr


TEXT = st.text(max_size=40)


@given(
    values=st.dictionaries(TEXT, TEXT, max_size=5),
    tokens=st.tuples(st.none() | TEXT, st.none() | TEXT),
    fields=st.dictionaries(TEXT, TEXT, max_size=3),
    other=st.dictionaries(TEXT, TEXT, max_size=5),
)
def test_any_secrets_open_for_their_settings_only(
    values: dict[str, str], tokens: tuple[str | None, str | None], fields: dict[str, str], other: dict[str, str]
) -> None:
    binding = replace(BINDING, values=values)
    sealed_secrets = Secrets(access_token=tokens[0], refresh_token=tokens[1], fields=fields)
    sealed = CODEC.seal(binding, sealed_secrets)
    assert CODEC.open(binding, sealed) == sealed_secrets
    if other != values:
        _settings_changed(replace(BINDING, values=other), sealed)
