from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs
import pytest

from connmgr.storage import prepare_home, resolve_home
from connmgr.storage.home import HOME_ENV
from connmgr.templates.cache import CACHE_NAME


def test_explicit_beats_environment_beats_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "from-env"))
    assert resolve_home(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_home(None) == tmp_path / "from-env"

    monkeypatch.delenv(HOME_ENV)
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *_, **__: str(tmp_path / "platform"))
    assert resolve_home(None) == tmp_path / "platform"


def test_a_new_home_is_private(tmp_path: Path) -> None:
    home = resolve_home(tmp_path / "a" / "b")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _made(path: Path, mode: int, content: str = "") -> Path:
    path.write_text(content)
    path.chmod(mode)
    return path


def test_an_existing_shared_home_is_made_private_and_said_so_once(tmp_path: Path) -> None:
    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o755)  # mkdir ~/x, as a person does
    database = _made(home / "connections.db", 0o644)
    wal = _made(home / "connections.db-wal", 0o644)
    (home / "locks").mkdir(mode=0o755)
    lock = _made(home / "locks" / "id-acme.lock", 0o666)
    (home / "templates").mkdir(mode=0o775)
    template = _made(home / "templates" / "acme.toml", 0o664)
    parsed = _made(home / CACHE_NAME, 0o644)  # the parsed templates kept beside them
    outside = _made(tmp_path / "elsewhere.toml", 0o644)
    (home / "templates" / "linked.toml").symlink_to(outside)

    first = prepare_home(home)
    assert first.path == home
    assert first.notices == (
        f"Warning: {home} was open to other users (mode 0755); it is private now, and so is everything in it.",
    )
    closed = [home, database, wal, home / "locks", lock, home / "templates", template, parsed]
    assert [_mode(p) for p in closed] == [0o700, 0o600, 0o600, 0o700, 0o600, 0o700, 0o600, 0o600]
    assert _mode(outside) == 0o644  # a link inside is never followed
    assert prepare_home(home).notices == ()  # fixed, so the next start says nothing


def test_a_shared_directory_holding_more_than_connmgrs_data_keeps_its_mode(tmp_path: Path) -> None:
    home = tmp_path / "project"
    home.mkdir()
    home.chmod(0o755)
    database = _made(home / "connections.db", 0o644)
    script = _made(home / "build.sh", 0o755)
    (home / "docs").mkdir(mode=0o755)

    notices = prepare_home(home).notices
    assert notices == (
        f"Warning: {home} is open to other users (mode 0755) and holds more than connmgr's data (build.sh, docs),"
        " so connmgr made only its own files private. Keep connmgr's data in a directory of its own.",
    )
    assert [_mode(p) for p in (home, database, script, home / "docs")] == [0o755, 0o600, 0o755, 0o755]


def test_a_private_home_has_its_files_closed_silently(tmp_path: Path) -> None:
    home = tmp_path / "private"
    home.mkdir(mode=0o700)
    database = _made(home / "connections.db", 0o644)  # as an older connmgr left them
    assert prepare_home(home).notices == ()
    assert _mode(database) == 0o600


def _another_users(path: Path) -> Path:
    """`path`, made the property of another user: by chown as root, else the file system's root, which is."""
    if os.geteuid() != 0:
        return Path("/")
    path.mkdir(exist_ok=True)
    os.chown(path, NOBODY, NOBODY)
    return path


NOBODY = 65534


def test_a_home_of_another_user_is_said_and_left_alone(tmp_path: Path) -> None:
    theirs = _another_users(tmp_path / "theirs")
    if theirs != Path("/"):
        theirs.chmod(0o755)
    before = theirs.stat()

    notices = prepare_home(theirs).notices
    assert notices == (
        f"Warning: {theirs} belongs to another user (uid {before.st_uid}), who can read and replace what connmgr"
        " keeps there; connmgr leaves it as it is. Choose a directory of your own with --home or CONNMGR_HOME.",
    )
    assert theirs.stat().st_mode == before.st_mode


def test_what_another_user_put_in_a_shared_home_is_named_and_left_alone(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to make a file of another user")
    home = tmp_path / "shared"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    planted = _made(home / "connections.db", 0o666)
    os.chown(planted, NOBODY, NOBODY)

    notices = prepare_home(home).notices
    assert notices[1:] == (
        f"Warning: {home} holds what another user put there (connections.db), which they can still read and"
        " replace; connmgr leaves it as it is. Move it out of the directory.",
    )
    assert _mode(planted) == 0o666
    assert prepare_home(home).notices == notices[1:]  # said again on each start until it is moved


def test_a_linked_home_is_said(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    linked = prepare_home(link)
    assert linked.path == target
    assert linked.notices == (f"Warning: {link} is a symbolic link to {target}; connmgr keeps its data there.",)


def test_relative_and_user_paths_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert resolve_home(Path("~/state")) == tmp_path / "state"
    assert resolve_home(Path("relative")) == tmp_path / "relative"
