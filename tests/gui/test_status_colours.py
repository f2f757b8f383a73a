"""The Status column's colours keep WCAG AA contrast (4.5:1 for text) on the rows they are painted on, alternate
rows included: on Fusion's palette, and on a real X display whose desktop scheme turns light and then dark while
the window is open (which the window follows at once, its toolbar icons too)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from connmgr.listing import Column
from tests.gui.scheme_probe import ROWS
from tests.gui.table_rows import Clock, model_with, window_over

ROOT = Path(__file__).resolve().parents[2]
AA_TEXT = 4.5
AA_GRAPHICS = 3.0  # WCAG 1.4.11, for the icons' strokes


def luminance(colour: str) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    c = QColor(colour)
    return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF())


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def too_faint(colours: dict[str, str], *backgrounds: str, least: float = AA_TEXT) -> list[str]:
    return [
        f"{name} {colour} on {background}: {contrast(colour, background):.2f}"
        for name, colour in colours.items()
        for background in backgrounds
        if contrast(colour, background) < least
    ]


def test_on_fusions_palette(qtbot, tmp_path):
    model = model_with(Clock(), *ROWS.values())
    window = window_over(qtbot, tmp_path, model)
    palette = window.table.palette()
    position = model.rows.position_of
    colours = {
        health.value: model.data(model.index(position(row.name), Column.STATUS), Qt.ItemDataRole.ForegroundRole)
        for health, row in ROWS.items()
    }
    colours = {name: colour.name() for name, colour in colours.items()} | {"busy": model.colours.busy.name()}
    rows = [palette.color(role).name() for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase)]
    assert too_faint(colours, *rows) == []


def test_on_a_desktop_that_turns_dark_while_the_window_is_open():
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is needed (scripts/test installs it)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QTWEBENGINE")}
    env |= {"QT_QPA_PLATFORM": "xcb", "QT_QPA_PLATFORMTHEME": "gtk3"}
    probe = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1400x900x24", sys.executable, "-m", "tests.gui.scheme_probe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.splitlines()[-1])
    assert (seen["platform"], seen["light"]["reported"], seen["dark"]["reported"]) == ("xcb", "light", "dark")
    assert luminance(seen["dark"]["base"]) < 0.1 < luminance(seen["light"]["base"])  # the palette did turn
    for scheme in ("light", "dark"):
        shown = seen[scheme]
        colours = shown["status"] | {"busy": shown["busy"]}
        assert too_faint(colours, shown["base"], shown["alternate_base"]) == [], scheme
        assert too_faint({"icon": shown["icon"]}, shown["window"], least=AA_GRAPHICS) == [], scheme
