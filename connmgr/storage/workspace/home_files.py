"""The workspace's small files in the home (its settings, the last-known listing): JSON written whole (a new file,
then renamed over the old), private to its owner, and read back as hostile input, bounded in size."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path


def write_json(path: Path, data: object, *, indent: int | None = None) -> None:
    temporary = path.with_name(f"{path.name}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=indent)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def read_json(path: Path, max_bytes: int, unreadable: Callable[[str], Exception]) -> object | None:
    """The file's JSON; None if there is no file; `unreadable(reason)` raised for one that cannot be read, is
    larger than `max_bytes` or holds no JSON."""
    try:
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise unreadable(error.strerror or "it cannot be read") from None
    if len(raw) > max_bytes:
        raise unreadable("it is too large")
    try:
        data: object = json.loads(raw)
    except (ValueError, RecursionError):
        raise unreadable("it is not JSON") from None
    return data
