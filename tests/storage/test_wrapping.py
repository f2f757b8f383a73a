"""The workspace key wrapped for a member's device opens on that device only, from an admin it trusts, for the
workspace and generation it was made for; any other blob is one typed error with one sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.storage.members.errors import NotAPublicKey, WrappedKeyUnreadable
from connmgr.storage.members.publickeys import fingerprint, parse_public_key
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.members.wrapping import WRAPPED_BYTES, generation_of
from tests.storage.members import WORKSPACE, device

ADMIN, MEMBER, OTHER = device(), device(), device()
KEY = WorkspaceKey.first()
WRAPPED = ADMIN.wrap(WORKSPACE, KEY, MEMBER.public_key)
TRUSTED = {ADMIN.public_key}
NOT_FOR_THIS_DEVICE = (
    "Workspace: the workspace key sealed for this device does not open (it was sealed for another device, workspace"
    " or key generation, or changed since); ask a workspace admin to approve this device again."
)


def test_the_member_opens_the_key_wrapped_for_it() -> None:
    assert len(WRAPPED) == WRAPPED_BYTES == 117
    assert MEMBER.unwrap(WORKSPACE, WRAPPED, TRUSTED) == KEY
    assert generation_of(WRAPPED) == 1
    assert KEY.key not in WRAPPED


def test_each_wrap_differs_and_the_admin_can_wrap_for_itself() -> None:
    again = ADMIN.wrap(WORKSPACE, KEY, MEMBER.public_key)
    assert again != WRAPPED  # a new ephemeral key each time
    assert ADMIN.unwrap(WORKSPACE, ADMIN.wrap(WORKSPACE, KEY, ADMIN.public_key), TRUSTED) == KEY


def test_another_device_cannot_open_it() -> None:
    with pytest.raises(WrappedKeyUnreadable) as error:
        OTHER.unwrap(WORKSPACE, WRAPPED, TRUSTED)
    assert error.value.sentence == NOT_FOR_THIS_DEVICE


def test_another_workspace_cannot_open_it() -> None:
    with pytest.raises(WrappedKeyUnreadable, match="sealed for another device"):
        MEMBER.unwrap("ws-other", WRAPPED, TRUSTED)


def test_a_key_wrapped_by_a_device_not_trusted_is_refused() -> None:
    """What a database admin could do without the admin's key in the agreement: wrap a key of their own."""
    theirs = OTHER.wrap(WORKSPACE, WorkspaceKey.first(), MEMBER.public_key)
    with pytest.raises(WrappedKeyUnreadable) as error:
        MEMBER.unwrap(WORKSPACE, theirs, TRUSTED)
    assert "(it was sealed by a device this one was never shown to trust)" in error.value.sentence


def _flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


@pytest.mark.parametrize(
    "index",
    [1, 4, 5 + 31, 5 + 32 + 31, WRAPPED_BYTES - 17, WRAPPED_BYTES - 1],
    ids=["generation high", "generation low", "sender key", "ephemeral key", "ciphertext", "tag"],
)
def test_any_changed_byte_is_refused(index: int) -> None:
    changed = _flipped(WRAPPED, index)
    # A changed sender key names a device not trusted; trusting it too shows the blob itself does not open.
    with pytest.raises(WrappedKeyUnreadable, match="sealed for another device"):
        MEMBER.unwrap(WORKSPACE, changed, {*TRUSTED, changed[5:37]})


def test_a_sender_swapped_for_another_trusted_admin_is_refused() -> None:
    second_admin = device()
    relabelled = WRAPPED[:5] + second_admin.public_key + WRAPPED[37:]
    with pytest.raises(WrappedKeyUnreadable, match="sealed for another device"):
        MEMBER.unwrap(WORKSPACE, relabelled, {ADMIN.public_key, second_admin.public_key})


SHAPES = {
    "empty": (b"", "it is empty"),
    "truncated": (WRAPPED[:-1], "it has 116 bytes, not 117"),
    "over-long": (WRAPPED + b"\x00", "it has 118 bytes, not 117"),
    "header only": (WRAPPED[:69], "it has 69 bytes, not 117"),
    "newer format": (b"\x02" + WRAPPED[1:], "unknown format 02, perhaps from a newer connmgr"),
    "generation 0": (WRAPPED[:1] + bytes(4) + WRAPPED[5:], "it was sealed for another device"),
}


@pytest.mark.parametrize(("blob", "reason"), SHAPES.values(), ids=SHAPES.keys())
def test_a_blob_of_another_shape_is_one_typed_error(blob: bytes, reason: str) -> None:
    with pytest.raises(WrappedKeyUnreadable) as error:
        MEMBER.unwrap(WORKSPACE, blob, TRUSTED)
    assert error.value.sentence.startswith("Workspace: the workspace key sealed for this device does not open (")
    assert reason in error.value.sentence


@given(st.binary(max_size=2 * WRAPPED_BYTES))
def test_arbitrary_bytes_never_open_and_never_raise_anything_else(blob: bytes) -> None:
    with pytest.raises(WrappedKeyUnreadable):
        MEMBER.unwrap(WORKSPACE, blob, TRUSTED | {blob[5:37]})


@given(st.integers(0, WRAPPED_BYTES - 1), st.integers(1, 255))
def test_every_single_byte_change_is_refused(index: int, mask: int) -> None:
    changed = WRAPPED[:index] + bytes([WRAPPED[index] ^ mask]) + WRAPPED[index + 1 :]
    with pytest.raises(WrappedKeyUnreadable):
        MEMBER.unwrap(WORKSPACE, changed, TRUSTED | {changed[5:37]})


def test_a_low_order_public_key_cannot_be_wrapped_for() -> None:
    with pytest.raises(NotAPublicKey) as error:
        ADMIN.wrap(WORKSPACE, KEY, bytes(32))
    assert error.value.sentence == (
        "Workspace: the device key given is not an X25519 public key (it is a point no real key has); ask for the"
        " join request again."
    )


def test_the_fingerprint_is_six_groups_of_four_the_same_on_both_sides() -> None:
    seen_by_member = MEMBER.fingerprint
    seen_by_admin = fingerprint(parse_public_key(MEMBER.public_text))
    assert seen_by_member == seen_by_admin
    groups = seen_by_member.split(" ")
    assert [len(group) for group in groups] == [4] * 6
    assert set("".join(groups)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_fingerprint_is_stable_and_differs_between_keys() -> None:
    assert fingerprint(bytes(range(32))) == "M542 W2H6 DFVQ AUTZ UBZ4 FH5P"  # SHA-256 of the label and hex key, by hand
    assert fingerprint(bytes(range(1, 33))) != fingerprint(bytes(range(32)))
    assert len({device().fingerprint for _ in range(50)}) == 50


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not base64!", "it is not base64 text"),
        ("AAAA", "it has 3 bytes, not 32"),
        ("é", "it is not base64 text"),
    ],
)
def test_a_join_request_without_a_public_key_is_refused(text: str, reason: str) -> None:
    with pytest.raises(NotAPublicKey) as error:
        parse_public_key(text)
    assert f"is not an X25519 public key ({reason})" in error.value.sentence


def test_a_workspace_key_is_32_bytes_of_a_positive_generation_and_never_shown() -> None:
    assert KEY.next().generation == 2 and KEY.next().key != KEY.key
    assert KEY.key.hex() not in repr(KEY)
    assert "fingerprint" in repr(MEMBER) and MEMBER.public_text not in repr(MEMBER)
    for generation, key in ((0, bytes(32)), (1, bytes(31)), (2**32, bytes(32))):
        with pytest.raises(ValueError, match="a workspace key has 32 bytes"):
            WorkspaceKey(generation, key)
