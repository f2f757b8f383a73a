"""One version, from connmgr.__version__: `connmgr --version`, the About dialog, the wheel, the AppStream release."""

import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from PySide6.QtWidgets import QLabel

from connmgr import __version__
from connmgr.gui.about import AboutDialog
from tests.gui.desktop import TIMEOUT_MS

ROOT = Path(__file__).resolve().parents[2]


def test_connmgr_version_prints_it_once():
    done = subprocess.run(
        [sys.executable, "-m", "connmgr", "--version"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout == f"connmgr {__version__}\n"


def test_the_about_dialog_shows_it_and_the_data_directory(desktop, tmp_path):
    (help_menu,) = [a.menu() for a in desktop.window.menuBar().actions() if a.text() == "&Help"]
    (about,) = [a for a in help_menu.actions() if a.text() == "&About connmgr"]
    about.trigger()
    dialog = desktop.wait_for(AboutDialog)
    text = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert f"Version {__version__}" in text
    assert f"Data directory: {tmp_path / 'home'}" in text
    dialog.reject()
    desktop.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT_MS)


def test_the_built_wheel_carries_it(tmp_path):
    # pip builds the wheel as any installer would: isolated, with the build-system requirements of pyproject.toml.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("connmgr-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = HeaderParser().parsestr(archive.read(f"connmgr-{__version__}.dist-info/METADATA").decode())
    assert metadata["Version"] == __version__


def test_the_newest_appstream_release_is_it():
    metainfo = ROOT / "packaging" / "linux" / "share" / "metainfo" / "io.connmgr.Connmgr.metainfo.xml"
    releases = ET.parse(metainfo).getroot().find("releases")
    assert releases is not None
    assert releases[0].get("version") == __version__
