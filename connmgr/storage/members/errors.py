"""The sealing's typed failures, each with the one sentence a person sees; none contains a key or a secret."""

from __future__ import annotations

from connmgr.domain.errors import clip
from connmgr.storage.errors import DataKeyError, StorageError

WORKSPACE = "Workspace"


class WrappedKeyUnreadable(StorageError):
    """A workspace key wrapped for this device does not open: damaged, changed, or wrapped for another device,
    workspace or key generation."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            WORKSPACE,
            f"the workspace key sealed for this device does not open ({reason})",
            "ask a workspace admin to approve this device again",
        )


class NotAPublicKey(StorageError):
    """What was given as a device's public key (in a join request) is not one."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            WORKSPACE,
            f"the device key given is not an X25519 public key ({clip(reason)})",
            "ask for the join request again",
        )


class DeviceKeyInvalid(DataKeyError):
    def __init__(self, where: str) -> None:
        super().__init__(
            WORKSPACE,
            f"{where} does not hold a valid connmgr device key",
            "remove that entry, then join the workspace again from this device",
        )
