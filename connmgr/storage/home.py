"""The directory that holds all of connmgr's state (database, key-source record, window settings, locks), kept
private to its owner.

Why it matters even though the secrets are sealed: in passphrase mode, keysource.json holds the sealed data key and
the scrypt salt, from which anyone who can copy it may guess the passphrase offline; and whoever can write the
database can make connmgr refuse its rows. So the directory is 0700 and every file in it 0600, also when the
person made the directory before connmgr did (`mkdir ~/x && CONNMGR_HOME=~/x connmgr ...`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from connmgr.storage.database import DB_NAME, reported_as_storage_errors
from connmgr.storage.keysource import RECORD_NAME

HOME_ENV = "CONNMGR_HOME"
PRIVATE_DIR = 0o700
_OTHERS = 0o077  # the group's and everyone else's permission bits
WINDOW_SETTINGS = "window.ini"
LOCKS_DIR = "locks"
# What connmgr keeps in a home, by name or its start (the WAL beside the database, a file being replaced, Qt's lock
# on the settings), the folder of the person's own templates and the parsed templates kept beside it
# (`templates.cache`), and the workspace's settings (`workspace.settings`), named here without importing them.
_CONNMGRS = (DB_NAME, RECORD_NAME, WINDOW_SETTINGS, LOCKS_DIR, "templates", "workspace.json")


@dataclass(frozen=True)
class Home:
    path: Path
    # Sentences for the person (the command line prints them, the window shows them): the directory was open to
    # others and has been closed, or it is not connmgr's to close (another user's, or holding more than connmgr's
    # data), or it is reached through a symbolic link. One that was closed is silent on the next start.
    notices: tuple[str, ...] = ()


def keep_files_private() -> None:
    """Make every file this process creates its user's alone (umask 077). Entry points call it first: SQLite
    creates the WAL and shared-memory files itself, and Qt its settings file and that file's lock."""
    os.umask(0o077)


def resolve_home(explicit: Path | None) -> Path:
    """The home (see `prepare_home`), for callers that have said its notices already or have none to say."""
    return prepare_home(explicit).path


def prepare_home(explicit: Path | None) -> Home:
    """`explicit` (the CLI's --home), else $CONNMGR_HOME, else the user's data directory: created private (0700),
    or made private if it already existed; connmgr's files in it always are. A directory of another user, or one
    that holds more than connmgr's data, keeps its mode."""
    from_env = os.environ.get(HOME_ENV)
    if explicit is not None:
        chosen = explicit
    elif from_env:
        chosen = Path(from_env)
    else:
        # appauthor=False: on Windows, %LOCALAPPDATA%\connmgr rather than %LOCALAPPDATA%\connmgr\connmgr.
        chosen = Path(platformdirs.user_data_dir("connmgr", appauthor=False))
    chosen = Path(os.path.abspath(chosen.expanduser()))
    home = chosen.resolve()
    notices = []
    if chosen.is_symlink():
        notices.append(f"Warning: {chosen} is a symbolic link to {home}; connmgr keeps its data there.")
    with reported_as_storage_errors(home):
        if not home.is_dir():
            home.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            home.chmod(PRIVATE_DIR)  # mkdir's mode is filtered by the umask
        elif os.name == "posix":
            notices.extend(_made_private(home))
    return Home(home, tuple(notices))


def _made_private(home: Path) -> list[str]:
    """Close an existing home to others where that is safe; what the person should know about it."""
    status = home.stat()
    if status.st_uid != os.geteuid():
        return [
            f"Warning: {home} belongs to another user (uid {status.st_uid}), who can read and replace what connmgr"
            " keeps there; connmgr leaves it as it is. Choose a directory of your own with --home or CONNMGR_HOME."
        ]
    was_open = bool(status.st_mode & _OTHERS)
    theirs, strangers = _close_contents(home)
    notices = []
    if was_open and theirs:
        # Not connmgr's own directory (a home folder, a project): its mode is the person's business.
        notices.append(
            f"Warning: {home} is open to other users (mode {stat.S_IMODE(status.st_mode):04o}) and holds more than"
            f" connmgr's data ({_listed(theirs)}), so connmgr made only its own files private. Keep connmgr's data"
            " in a directory of its own."
        )
    elif was_open:
        home.chmod(PRIVATE_DIR)
        notices.append(
            f"Warning: {home} was open to other users (mode {stat.S_IMODE(status.st_mode):04o}); it is private"
            " now, and so is everything in it."
        )
    if strangers:
        notices.append(
            f"Warning: {home} holds what another user put there ({_listed(strangers)}), which they can still read"
            " and replace; connmgr leaves it as it is. Move it out of the directory."
        )
    return notices


def _close_contents(home: Path) -> tuple[list[str], list[str]]:
    """connmgr's own entries in `home` closed to others, and everything in a folder of connmgr's that was open
    (never through a symbolic link, even one swapped in meanwhile; a folder that was closed let nobody reach what
    it holds). Returns, by path within `home`, the person's other entries there and what other users own there,
    both left as they are. Root's entries are neither: root reads everything anyway, and a `sudo connmgr` may have
    left some."""
    theirs: list[str] = []
    strangers: list[str] = []
    user = os.geteuid()
    for folder, folders, files, folder_fd in os.fwalk(home):
        opened = []
        for name in (*folders, *files):
            try:
                info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            except FileNotFoundError:  # removed meanwhile (a partial file replaced)
                continue
            path = os.path.relpath(os.path.join(folder, name), home)
            if info.st_uid != user:
                if info.st_uid != 0:
                    strangers.append(path)
            elif folder == os.fspath(home) and not name.startswith(_CONNMGRS):
                theirs.append(path)
            elif info.st_mode & _OTHERS and (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                _close(name, folder_fd)  # not a link, nor a socket or pipe: opening one could block or connect
                opened.append(name)
        folders[:] = [name for name in folders if name in opened]
    return theirs, strangers


def _close(name: str, folder_fd: int) -> None:
    """Take the group's and others' permissions from one file or directory, opened without following a link."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:  # a link swapped in since it was looked at, or nothing this user may open: nothing to close
        return
    try:
        info = os.fstat(fd)
        if info.st_uid == os.geteuid():
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & ~_OTHERS)
    finally:
        os.close(fd)


def _listed(paths: list[str]) -> str:
    return ", ".join(sorted(paths)[:3]) + (", ..." if len(paths) > 3 else "")
