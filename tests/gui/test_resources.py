import subprocess
import sys
from pathlib import Path

from connmgr.gui.resources import action_icon, app_icon, vendor_icon
from connmgr.gui.row_actions import _SPECS
from connmgr.templates import load_catalog

ROOT = Path(__file__).resolve().parents[2]


def test_the_compiled_resources_match_the_resources_folder(tmp_path):
    """connmgr/gui/resources_rc.py is generated; it must not drift from resources/ (scripts/build-resources).
    Format 1 carries no file times, so a fresh clone compiles to the same bytes."""
    fresh = tmp_path / "resources_rc.py"
    rcc = Path(sys.executable).parent / "pyside6-rcc"
    subprocess.run(
        [rcc, "--format-version", "1", "--compress-algo", "zlib", ROOT / "resources" / "connmgr.qrc", "-o", fresh],
        check=True,
        cwd=ROOT,
    )
    assert fresh.read_bytes() == (ROOT / "connmgr" / "gui" / "resources_rc.py").read_bytes()


def test_every_vendor_and_action_has_an_icon(qtbot):
    assert not app_icon().isNull()
    for template in load_catalog().catalog:
        assert not vendor_icon(template.id).pixmap(32, 32).isNull()
    for spec in _SPECS.values():  # those without one are in the menus only
        assert spec.icon is None or not action_icon(spec.icon).pixmap(24, 24).isNull()
