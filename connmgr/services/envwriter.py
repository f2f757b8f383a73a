"""Writing a `.env` file safely: merged, created 0600, replaced atomically, and checked against git.

A symbolic link at the chosen path is refused, not followed or replaced: following it would write tokens
wherever the link points (a link planted in a shared folder could name any file of the person's), and replacing
it would silently turn the link into a regular file. Refusing names both paths, so the person can export to the
target itself if that is what they meant.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from connmgr.domain.envfile import merge_env
from connmgr.domain.errors import ConnmgrError


class ExportError(ConnmgrError):
    """The .env file could not be written; the previous file is untouched."""


def write_atomically(path: Path, text: str) -> None:
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


def _read_existing(path: Path) -> str:
    """The file's text ("" when there is none), read without following a symbolic link."""
    if path.is_symlink():
        raise ExportError(
            "Export",
            f"{path} is a symbolic link (to {os.path.realpath(path)})",
            "export to the file it points to, or choose another file",
        )
    try:
        # O_NOFOLLOW: a link swapped in after the check is refused too; O_NONBLOCK: a FIFO is refused, not waited on.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return ""
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ExportError("Export", f"{path} is not a regular file", "choose a file")
        return handle.read().decode("utf-8")


def write_env(path: Path, assignments: Mapping[str, str], *, header: str) -> str | None:
    """Merge `assignments` into the file at `path`; returns a warning to show, if any."""
    path = path.expanduser().absolute()
    try:
        write_atomically(path, merge_env(_read_existing(path), assignments, header=header))
    except UnicodeDecodeError:
        raise ExportError("Export", f"{path} is not a UTF-8 text file", "choose another file") from None
    except OSError as exc:
        reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or "it failed")
        raise ExportError(
            "Export", f"{path} could not be written ({reason})", "fix that and retry (the file is unchanged)"
        ) from None
    return git_exposure(path)
