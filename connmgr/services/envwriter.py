"""Writing a `.env` file safely: merged, created 0600, replaced atomically, and checked against git."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from connmgr.domain.envfile import merge_env
from connmgr.domain.errors import ConnmgrError


class ExportError(ConnmgrError):
    """The .env file could not be written; the previous file is untouched."""


def _write_atomically(path: Path, text: str) -> None:
    """Write a sibling temp file (0600 from birth), fsync it, then rename it over `path`."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def git_exposure(path: Path) -> str | None:
    """A warning when `path` is inside a git work tree and not ignored there, else None."""
    git = shutil.which("git")
    if git is None:
        return None
    folder = str(path.parent)
    inside = subprocess.run(
        [git, "-C", folder, "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, check=False
    )
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    ignored = subprocess.run([git, "-C", folder, "check-ignore", "-q", path.name], capture_output=True, check=False)
    if ignored.returncode == 0:
        return None
    return f"{path} is inside a git work tree and not ignored: add it to .gitignore before you commit"


def write_env(path: Path, assignments: Mapping[str, str], *, header: str) -> str | None:
    """Merge `assignments` into the file at `path`; returns a warning to show, if any."""
    path = path.expanduser().absolute()
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        _write_atomically(path, merge_env(existing, assignments, header=header))
    except UnicodeDecodeError:
        raise ExportError("Export", f"{path} is not a UTF-8 text file", "choose another file") from None
    except OSError as exc:
        reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or "it failed")
        raise ExportError(
            "Export", f"{path} could not be written ({reason})", "fix that and retry (the file is unchanged)"
        ) from None
    return git_exposure(path)
