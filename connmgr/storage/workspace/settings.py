"""Which workspace a home belongs to: `workspace.json` in the home (0600), never the password.

It also holds what the database must not be able to change: the public keys of the admins whose fingerprints
this device's person compared (only a workspace key wrapped by one of them is opened), and the newest key
generation this device has opened (an older wrapped key, put back, is refused). Read as hostile input: anything
but the exact shape below is refused with one sentence.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path

from connmgr.storage.errors import StorageError
from connmgr.storage.members.publickeys import PUBLIC_KEY_BYTES
from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.errors import WORKSPACE
from connmgr.storage.workspace.home_files import read_json, write_json

SETTINGS_NAME = "workspace.json"
_MAX_BYTES = 64 * 1024
_MAX_TRUSTED = 1000
_KEYS = {"version", "address", "workspace_id", "member", "trusted_admins", "generation"}


class SettingsInvalid(StorageError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            WORKSPACE,
            f"{path} is not a workspace settings file connmgr wrote ({reason})",
            "remove it, then join the workspace again",
        )


@dataclass(frozen=True)
class WorkspaceSettings:
    address: WorkspaceAddress
    member: str
    workspace_id: str | None = None  # known once this device opened the workspace
    trusted_admins: tuple[bytes, ...] = field(default=())
    generation: int = 0  # the newest key generation opened here; 0: none yet

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "address": self.address.uri,
            "workspace_id": self.workspace_id,
            "member": self.member,
            "trusted_admins": [base64.b64encode(key).decode("ascii") for key in self.trusted_admins],
            "generation": self.generation,
        }


def settings_path(home: Path) -> Path:
    return home / SETTINGS_NAME


def load_settings(home: Path) -> WorkspaceSettings | None:
    """The home's workspace, None if it belongs to none; `SettingsInvalid` for a file connmgr did not write."""
    path = settings_path(home)
    data = read_json(path, _MAX_BYTES, lambda reason: SettingsInvalid(path, reason))
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) != _KEYS or data["version"] != 1:
        raise SettingsInvalid(path, "its fields are not the expected ones")
    address, member, workspace_id = data["address"], data["member"], data["workspace_id"]
    trusted, generation = data["trusted_admins"], data["generation"]
    if not isinstance(address, str) or not isinstance(member, str) or not member.strip():
        raise SettingsInvalid(path, "its address or member name is not text")
    if workspace_id is not None and not isinstance(workspace_id, str):
        raise SettingsInvalid(path, "its workspace id is not text")
    if type(generation) is not int or not 0 <= generation < 2**32:
        raise SettingsInvalid(path, "its key generation is not a number of 0 to 2**32")
    if not isinstance(trusted, list) or len(trusted) > _MAX_TRUSTED:
        raise SettingsInvalid(path, "its trusted admins are not a list")
    keys = tuple(_public_key(path, text) for text in trusted)
    try:
        parsed = WorkspaceAddress.parse(address)
    except StorageError as error:
        raise SettingsInvalid(path, error.what) from None
    return WorkspaceSettings(parsed, member, workspace_id, keys, generation)


def _public_key(path: Path, text: object) -> bytes:
    try:
        if not isinstance(text, str):
            raise ValueError
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsInvalid(path, "a trusted admin's key is not base64") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise SettingsInvalid(path, "a trusted admin's key is not a public key")
    return key


def save_settings(home: Path, settings: WorkspaceSettings) -> None:
    """Written whole (a new file, then renamed over the old), private to its owner."""
    write_json(settings_path(home), settings.to_json(), indent=2)
