"""Devices, keys and sealed connections for the sealing's tests."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from connmgr.storage.members.keypair import DeviceKeyPair

WORKSPACE = "ws-0f3c"


def device() -> DeviceKeyPair:
    return DeviceKeyPair(X25519PrivateKey.generate())
