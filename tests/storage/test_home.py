from __future__ import annotations

import stat
from pathlib import Path

import platformdirs
import pytest

from connmgr.storage import resolve_home
from connmgr.storage.home import HOME_ENV


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


def test_an_existing_home_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o750)
    assert stat.S_IMODE(resolve_home(tmp_path / "shared").stat().st_mode) == 0o750


def test_relative_and_user_paths_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert resolve_home(Path("~/state")) == tmp_path / "state"
    assert resolve_home(Path("relative")) == tmp_path / "relative"
