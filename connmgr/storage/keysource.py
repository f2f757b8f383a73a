"""keysource.json: which source protects a home's data key, recorded so that it is never switched silently.

For the keyring it records only that; for a passphrase it records the scrypt
salt and parameters and the data key sealed under the passphrase-derived key.
That sealed key doubles as the verifier: a wrong passphrase fails to open it
(and is reported as such), without touching any connection's secrets.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from connmgr.domain.nesting import TooDeep, loads_json
from connmgr.storage.database import reported_as_storage_errors, storage_error
from connmgr.storage.envelope import KEY_BYTES
from connmgr.storage.errors import KeySourceInvalid

RECORD_NAME = "keysource.json"
_FORMAT = 1
# scrypt cost: 2**16 * 8 * 128 bytes = 64 MiB of memory and a noticeable pause, once per process.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
SALT_BYTES = 16
# A record may name only the parameters connmgr writes: others come from a tampered or foreign file, and would
# cost a machine's memory (n = 2**40 asks for 128 TiB) or protect nothing (n = 2). A later connmgr that raises the
# cost adds its own set here, and keeps reading this one.
_ACCEPTED_SCRYPT = frozenset({(SCRYPT_N, SCRYPT_R, SCRYPT_P)})


class _Damaged(ValueError):
    """What is wrong with a record, in words fit for a sentence."""


class KeySourceKind(StrEnum):
    KEYRING = "keyring"
    PASSPHRASE = "passphrase"


@dataclass(frozen=True)
class ScryptParams:
    salt: bytes
    n: int
    r: int
    p: int

    def derive(self, passphrase: str) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # only a passphrase home needs it

        return Scrypt(salt=self.salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p).derive(passphrase.encode())


@dataclass(frozen=True)
class KeyringRecord:
    kind = KeySourceKind.KEYRING


@dataclass(frozen=True)
class PassphraseRecord:
    kind = KeySourceKind.PASSPHRASE
    scrypt: ScryptParams
    sealed_key: bytes


KeySourceRecord = KeyringRecord | PassphraseRecord


def read_record(home: Path) -> KeySourceRecord | None:
    """The recorded source, or None for a home that has no data key yet."""
    path = home / RECORD_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise storage_error(exc, home) from exc
    try:
        return _parse(loads_json(text))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        reason = str(exc) if isinstance(exc, _Damaged | TooDeep) else f"{type(exc).__name__}: {exc}"
        raise KeySourceInvalid(path, reason) from exc


def recorded_key_source(home: Path) -> KeySourceKind | None:
    """Which source protects `home`'s data key (None: it has none yet): tells the CLI and GUI whether to ask for a
    passphrase."""
    record = read_record(home)
    return None if record is None else record.kind


def write_record(home: Path, record: KeySourceRecord) -> None:
    """Replace the record atomically: a crash leaves the old file or the new one, never a torn one."""
    path = home / RECORD_NAME
    partial = path.with_name(RECORD_NAME + ".partial")
    with reported_as_storage_errors(home):
        partial.unlink(missing_ok=True)  # one left by a crash would keep the mode it was made with
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            json.dump(_unparse(record), file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
        if os.name == "posix":  # the rename must reach the disk too; Windows cannot open a directory to sync it
            directory = os.open(home, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def _parse(data: object) -> KeySourceRecord:
    if not isinstance(data, dict) or data["format"] != _FORMAT:
        raise ValueError("unknown format")
    kind = KeySourceKind(data["source"])
    if kind is KeySourceKind.KEYRING:
        return KeyringRecord()
    kdf = data["scrypt"]
    if not isinstance(kdf, dict):
        raise TypeError("scrypt")
    params = ScryptParams(_b64(kdf["salt"]), _int(kdf["n"]), _int(kdf["r"]), _int(kdf["p"]))
    if (params.n, params.r, params.p) not in _ACCEPTED_SCRYPT:
        raise _Damaged(
            f"its scrypt parameters n={params.n}, r={params.r}, p={params.p} are not ones connmgr writes"
            f" (n={SCRYPT_N}, r={SCRYPT_R}, p={SCRYPT_P})"
        )
    if len(params.salt) != SALT_BYTES:
        raise _Damaged(f"its scrypt salt has {len(params.salt)} bytes, not {SALT_BYTES}")
    return PassphraseRecord(params, _b64(data["sealed_key"]))


def _unparse(record: KeySourceRecord) -> dict[str, object]:
    data: dict[str, object] = {"format": _FORMAT, "source": record.kind.value}
    if isinstance(record, PassphraseRecord):
        kdf = record.scrypt
        data["scrypt"] = {"salt": _text(kdf.salt), "n": kdf.n, "r": kdf.r, "p": kdf.p}
        data["sealed_key"] = _text(record.sealed_key)
    return data


def _b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise _Damaged("a value that should be base64 text is not text")
    return base64.b64decode(value, validate=True)


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _Damaged("a scrypt parameter is not a positive whole number")
    return value


def _text(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
