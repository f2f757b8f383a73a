"""Run a command on this machine as it would be with some system libraries not installed.

The machine is shared, so nothing is uninstalled: the command runs in a private mount namespace in which
the library folder is replaced by a view of itself without those libraries (bind mounts; as root, or in an
unprivileged user namespace, inside which the command runs as the caller again). The dynamic loader then
really finds them nowhere, as on a fresh install.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

# After the two mounts, the command itself: "$@".
_SWAP_IN_VIEW = 'mount --bind "$1" "$2" && mount --bind "$3" "$1" && shift 3 && exec "$@"'


def library_path(soname: str) -> Path:
    """Where the loader finds `soname` on this machine (its real folder, symlinks resolved)."""
    listed = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    for line in listed.splitlines():
        name, _, path = line.strip().partition(" => ")
        if name.split(" ")[0] == soname:
            return Path(os.path.realpath(path))
    raise LookupError(f"{soname} is not installed here, so it cannot be hidden")


def run_without(
    sonames: Sequence[str], command: Sequence[str], tmp_path: Path, *, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    paths = [library_path(name) for name in sonames]
    folder = paths[0].parent
    assert all(path.parent == folder for path in paths), "the hidden libraries share one folder"
    hidden = {name for path, soname in zip(paths, sonames, strict=True) for name in (path.name, soname)}
    real, view = tmp_path / "real", tmp_path / "view"
    real.mkdir()
    view.mkdir()
    for entry in os.listdir(folder):
        if entry not in hidden:
            (view / entry).symlink_to(real / entry)
    if os.geteuid() == 0:
        isolate, as_caller = ["unshare", "--mount"], []
    else:  # root of a user namespace for the mounts, then the caller again, in one nested inside it
        isolate = ["unshare", "--user", "--map-root-user", "--mount"]
        as_caller = ["unshare", "--user", f"--map-user={os.geteuid()}", f"--map-group={os.getegid()}", "--"]
    return subprocess.run(
        [*isolate, "sh", "-c", _SWAP_IN_VIEW, "sh", str(folder), str(real), str(view), *as_caller, *command],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
