"""Qt, QtWebEngine, their window-system plugins and the system libraries they need: a machine lacking some, for real.

The libraries are hidden from the dynamic loader in a private mount namespace (hidden_libraries.py): the
plugin files are Qt's own, and the loader finds the hidden ones nowhere, as on a fresh install without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from connmgr.gui.system_libraries import debian_package, platforms_qt_tries, plugin_file
from tests.desktop.hidden_libraries import run_without

pytestmark = pytest.mark.privileges  # as root the sentence says apt-get install, else sudo apt-get install

XCB_EXTRAS = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]  # what a fresh Debian 12 with an X server lacked
SUDO = "" if os.geteuid() == 0 else "sudo "
APP = [sys.executable, "-m", "connmgr"]


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONNMGR_", "QT_", "WAYLAND_", "XDG_SESSION"))}
    return {**env, "CONNMGR_HOME": str(tmp_path / "home"), "DISPLAY": ":99", **values}


SIGN_IN = ["connect", "vaultre", "--name", "Acme", "--set", "client_id=x", "--set", "redirect_uri=http://127.0.0.1/cb"]


@pytest.mark.parametrize("command", [[], SIGN_IN], ids=["window", "sign-in window"])
def test_the_app_names_what_its_x11_plugin_lacks_instead_of_aborting(tmp_path, command):
    env = environment(tmp_path, CONNMGR_API_KEY="not-a-real-key")
    done = run_without(XCB_EXTRAS, [*APP, *command], tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "connmgr's window: Qt needs libxcb-icccm.so.4 and libxcb-keysyms.so.1 for X11 (xcb), "
        f"which are not installed; install them with {SUDO}apt-get install libxcb-icccm4 libxcb-keysyms1."
    ]


def test_in_a_wayland_session_both_plugins_qt_tries_are_named(tmp_path):
    env = environment(tmp_path, WAYLAND_DISPLAY="wayland-9")
    done = run_without(["libwayland-client.so.0", "libxcb-icccm.so.4"], APP, tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "connmgr's window: Qt needs libwayland-client.so.0 and libxcb-icccm.so.4 for Wayland and X11 (xcb), "
        f"which are not installed; install them with {SUDO}apt-get install libwayland-client0 libxcb-icccm4."
    ]


def test_where_qt_itself_cannot_be_imported_the_window_names_what_it_lacks(tmp_path):
    # On a fresh Debian 12, importing PySide6 failed on the first of these, with a traceback.
    done = run_without(["libglib-2.0.so.0", "libgthread-2.0.so.0"], APP, tmp_path, env=environment(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "connmgr's window: Qt needs libglib-2.0.so.0 and libgthread-2.0.so.0, which are not installed; "
        f"install it with {SUDO}apt-get install libglib2.0-0."
    ]


def test_the_sign_in_window_names_what_qtwebengine_lacks(tmp_path):
    env = environment(tmp_path, CONNMGR_API_KEY="not-a-real-key", QT_QPA_PLATFORM="offscreen")
    done = run_without(["libnss3.so"], [*APP, *SIGN_IN], tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"connmgr's window: Qt needs libnss3.so, which is not installed; install it with {SUDO}apt-get install libnss3."
    ]


def test_the_setup_check_prints_the_packages_to_install_and_nothing_when_all_is_there(tmp_path):
    check = [sys.executable, "-m", "connmgr.gui.system_libraries", "xcb", "wayland"]
    lacking = run_without(XCB_EXTRAS, check, tmp_path, env=environment(tmp_path))
    assert (lacking.returncode, lacking.stdout) == (1, "libxcb-icccm4 libxcb-keysyms1\n")
    assert "libxcb-icccm.so.4 and libxcb-keysyms.so.1" in lacking.stderr
    complete = subprocess.run(check, env=environment(tmp_path), capture_output=True, text=True, check=False)
    assert (complete.returncode, complete.stdout, complete.stderr) == (0, "", "")


def test_without_a_display_the_window_says_so(tmp_path):
    env = environment(tmp_path)
    del env["DISPLAY"]
    done = subprocess.run(APP, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "connmgr's window: there is no display to show it on (DISPLAY is not set); "
        "start it from a desktop session, or use the command line (connmgr --help)."
    ]


PYSIDE = Path(PySide6.__file__).parent


@pytest.mark.parametrize(
    "qt_file",
    [plugin_file("xcb", {}), plugin_file("wayland", {}), PYSIDE / "QtWebEngineWidgets.abi3.so"],
    ids=["xcb", "wayland", "QtWebEngine"],
)
def test_each_library_qt_links_is_named_after_the_debian_package_that_holds_it(qt_file):
    listed = subprocess.run(["ldd", str(qt_file)], capture_output=True, text=True, check=True).stdout
    bundled = str(PYSIDE)  # PySide6's own Qt libraries
    for line in listed.splitlines():
        soname, arrow, path = line.strip().partition(" => ")
        path = path.rsplit(" (", 1)[0]
        if not arrow or path.startswith(bundled):
            continue
        real = os.path.realpath(path)
        owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True, check=False)
        if owner.returncode != 0:  # merged /usr: dpkg knows the file by its path in /lib
            owner = subprocess.run(["dpkg", "-S", real.removeprefix("/usr")], capture_output=True, text=True)
        assert owner.stdout.split(":")[0] == debian_package(soname), line


@pytest.mark.parametrize(
    ("environ", "tried"),
    [
        ({}, ("xcb",)),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, ("xcb",)),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, ("wayland", "xcb")),
        ({"XDG_SESSION_TYPE": "wayland"}, ("wayland", "xcb")),
        ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, ("xcb",)),
        ({"QT_QPA_PLATFORM": "wayland:nofocus;xcb"}, ("wayland", "xcb")),
    ],
)
def test_the_platforms_are_tried_in_qts_order(environ, tried):
    assert platforms_qt_tries(environ) == tried
