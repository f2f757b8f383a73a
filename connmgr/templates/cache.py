"""The templates as parsed, kept between starts in one private file beside the person's templates, each under its
file's modification time and size: the window's start then neither imports a TOML parser nor parses a file.

The file is outside data when it is read back: one that is too large, nested too deep, not this format, or holds
anything but tables under whole-number stamps is left unused, and the TOML is parsed as if there were none. What
it holds is then only what the files held, and goes through the same checks (`build_catalog`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connmgr.domain.nesting import loads_json

CACHE_NAME = "templates.cache.json"  # beside the `templates` folder; the home counts it as connmgr's by that start
MAX_CACHE_BYTES = 2 * 1024 * 1024  # every shipped template parsed is 11 KiB
_FORMAT = 1

Raw = dict[str, Any]
Stamp = tuple[int, int]  # the file's st_mtime_ns and st_size


def stamp_of(path: Path) -> Stamp:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


class ParsedTemplates:
    """What `path` kept of the last start's parsing, and what this one parsed, written back if it differs."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._kept = _read(path)
        self._seen: dict[str, tuple[Stamp, Raw]] = {}

    def parsed(self, file: Path, parse: Callable[[], Raw]) -> Raw:
        """`file`'s tables: as kept, if it has the same stamp as then; else `parse()`d (its errors raised)."""
        try:
            stamp = stamp_of(file)
        except OSError:  # not a file this process can look at: parsed as ever, and not kept
            return parse()
        kept = self._kept.get(str(file))
        raw = kept[1] if kept is not None and kept[0] == stamp else parse()
        self._seen[str(file)] = (stamp, raw)
        return raw

    def save(self) -> None:
        """Keep what this start parsed, if it differs from what was kept; a cache that cannot be written is no loss."""
        if self._seen == self._kept:
            return
        files = {}
        for file, ((mtime_ns, size), raw) in self._seen.items():
            try:
                json.dumps(raw)
            except (TypeError, ValueError):  # a TOML date or time, which JSON has not: that file is parsed each start
                continue
            files[file] = {"mtime_ns": mtime_ns, "size": size, "raw": raw}
        with contextlib.suppress(OSError):
            _write(self._path, json.dumps({"format": _FORMAT, "files": files}))


def _read(path: Path) -> dict[str, tuple[Stamp, Raw]]:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CACHE_BYTES + 1)
        document = loads_json(data) if len(data) <= MAX_CACHE_BYTES else None
    except (OSError, ValueError):  # none yet, unreadable, not JSON (UnicodeDecodeError is a ValueError), too deep
        return {}
    files = document.get("files") if isinstance(document, dict) and document.get("format") == _FORMAT else None
    if not isinstance(files, dict):
        return {}
    kept = {}
    for file, entry in files.items():
        match entry:
            case {"mtime_ns": int(mtime_ns), "size": int(size), "raw": dict(raw)} if _as_from_toml(raw):
                kept[file] = ((mtime_ns, size), raw)
    return kept


def _as_from_toml(value: object) -> bool:
    """Whether `value` holds only what TOML parses to (JSON's null it has not), so that the checks made of a parsed
    file hold for it too."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif not isinstance(item, str | int | float):  # bool is an int
            return False
    return True


def _write(path: Path, text: str) -> None:
    """Replace `path` at once (a start reading it meanwhile reads the old one or the new), private to its user."""
    handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)  # 0600, whatever the umask
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
