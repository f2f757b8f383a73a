"""The Linux menu entry: valid files, icons that match the SVG, and an install that undoes itself."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.connmgr.Connmgr"
DESKTOP = LINUX / "share" / "applications" / f"{APP_ID}.desktop"
METAINFO = LINUX / "share" / "metainfo" / f"{APP_ID}.metainfo.xml"


def committed_icons(icons: Path) -> list[Path]:
    return sorted(p.relative_to(icons) for p in icons.rglob("*") if p.is_file())


def test_the_committed_icons_match_the_svg(tmp_path):
    """The PNGs are rendered from resources/icons/connmgr.svg by render-icons; pixels, not PNG bytes, must match."""
    subprocess.run([sys.executable, LINUX / "render-icons", tmp_path], check=True)
    committed = LINUX / "share" / "icons"
    assert committed_icons(tmp_path) == committed_icons(committed)
    for icon in committed_icons(committed):
        if icon.suffix == ".png":
            fresh, kept = QImage(str(tmp_path / icon)), QImage(str(committed / icon))
            assert fresh.convertToFormat(kept.format()) == kept, f"{icon} is stale: run packaging/linux/render-icons"
        else:
            assert (tmp_path / icon).read_bytes() == (committed / icon).read_bytes()


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: scripts/test installs it (Debian: desktop-file-utils, appstream)")
    return path


def test_the_desktop_entry_is_valid():
    done = subprocess.run([tool("desktop-file-validate"), DESKTOP], capture_output=True, text=True, check=False)
    # The one hint: Network and Utility are both main categories, which is what connmgr is.
    assert done.returncode == 0, done.stdout
    assert "error" not in done.stdout and "warning" not in done.stdout, done.stdout


def test_the_appstream_metainfo_is_valid():
    done = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", METAINFO], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


def install(script: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PATH without connmgr's venv: the script only notes that the command is missing.
    env = {**os.environ, "XDG_DATA_HOME": str(data), "PATH": "/usr/bin:/bin"}
    return subprocess.run([script, *args], env=env, capture_output=True, text=True, check=True)


def installed(data: Path) -> list[str]:
    return sorted(str(p.relative_to(data)) for p in data.rglob(f"{APP_ID}.*"))


def test_from_the_sources_the_entry_starts_connmgr_from_path_and_uninstalls(tmp_path):
    install(LINUX / "install-desktop-entry", tmp_path)
    entry = (tmp_path / "applications" / f"{APP_ID}.desktop").read_text()
    assert "\nExec=connmgr\n" in entry
    assert f"\nIcon={APP_ID}\n" in entry
    assert installed(tmp_path) == sorted(
        [
            f"applications/{APP_ID}.desktop",
            f"metainfo/{APP_ID}.metainfo.xml",
            f"icons/hicolor/scalable/apps/{APP_ID}.svg",
            *(f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in (16, 24, 32, 48, 64, 128, 256, 512)),
        ]
    )
    install(LINUX / "install-desktop-entry", tmp_path, "--uninstall")
    assert installed(tmp_path) == []


def test_from_an_app_folder_the_entry_starts_the_connmgr_beside_it(tmp_path):
    """As build-linux-app lays it out, moved to a path with a space."""
    folder = tmp_path / "my apps" / "connmgr"
    shutil.copytree(LINUX / "share", folder / "share")
    shutil.copy2(LINUX / "install-desktop-entry", folder)
    (folder / "connmgr").write_text("#!/bin/sh\n")
    (folder / "connmgr").chmod(0o755)
    data = tmp_path / "data"
    install(folder / "install-desktop-entry", data)
    assert f'\nExec="{folder}/connmgr"\n' in (data / "applications" / f"{APP_ID}.desktop").read_text()
    subprocess.run([tool("desktop-file-validate"), data / "applications" / f"{APP_ID}.desktop"], check=True)
