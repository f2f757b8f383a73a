"""The web engine as the app starts it, in processes of their own: without user namespaces, and quiet unless -v."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connmgr.gui.qt_start import QT_NOISE
from tests.desktop.x_display import xvfb
from tests.simulators.server import LocalServer
from tests.simulators.wire import Response

pytestmark = pytest.mark.privileges

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PAGE = b"<!DOCTYPE html><title>Sign in - Acme</title><h1>Sign in</h1>"


@pytest.fixture
def page_url():
    server = LocalServer(lambda _request: Response(200, PAGE, "text/html"))
    server.start()
    yield server.base_url + "/login"
    server.stop()


def sign_in_page(url: str, *args: str, wrapper: tuple[str, ...] = (), platform: str = "offscreen"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTWEBENGINE_", "QT_"))}
    done = subprocess.run(
        [*wrapper, sys.executable, "-m", "tests.desktop.sign_in_page", url, *args],
        env={**env, "QT_QPA_PLATFORM": platform},
        cwd=ROOT,  # where -m finds tests.desktop
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr.splitlines()


def test_where_no_user_namespaces_may_be_made_the_seccomp_layer_stays_and_the_window_says_partly_off(page_url):
    # QtWebEngine 6.11 logs "No usable sandbox!" there and carries on with its seccomp filter: connmgr keeps that.
    outcome, err = sign_in_page(page_url, wrapper=(sys.executable, str(HERE / "no_user_namespaces.py")))
    assert outcome["loaded"] is True
    assert outcome["notice"] == "Sandbox partly off: this system allows no user namespaces"
    assert outcome["renderer"]["seccomp_filtered"] is True
    assert outcome["renderer"]["own_user_namespace"] is False
    assert [line.partition(": ")[2] for line in err if "chromium_setup" in line] == [
        "Chromium's sandbox is partly off for sign-in pages: this system allows no user namespaces; "
        "its seccomp filter stays, without its namespaces"
    ]


CHROMIUM_LOG_LINE = ":ERROR:"  # [pid:tid:time:ERROR:file.cc(line)] ...


@pytest.mark.parametrize("platform", ["offscreen", "xcb"])
def test_the_web_engine_says_nothing_of_the_gpu_vulkan_or_d_bus_it_lacks_unless_verbose(page_url, platform):
    with xvfb() as display:
        os.environ["DISPLAY"] = display.name
        try:
            quiet = sign_in_page(page_url, platform=platform)[1]
            verbose = sign_in_page(page_url, "-v", platform=platform)[1]
        finally:
            del os.environ["DISPLAY"]
    sandbox_line = ["Chromium's sandbox is off for sign-in pages: connmgr runs as root"] if os.geteuid() == 0 else []
    assert [line.partition(" connmgr.gui.chromium_setup: ")[2] or line for line in quiet] == sandbox_line
    # What the quiet run kept back, on this machine without a GPU or Vulkan: -v shows it.
    assert [line for line in verbose if CHROMIUM_LOG_LINE in line or line.startswith(QT_NOISE)] != []
