"""The real app on a real X server: `connmgr connect` opens its sign-in window on the xcb platform under Xvfb,
a person signs in there with the keyboard and mouse (xdotool), and the app saves the connection and quits.

No Chromium flags are set here: as root and as an unprivileged user (scripts/test runs this file as both),
Chromium's sandbox is the app's own decision. The sign-in-only window of `connmgr connect` is the real app's
sign-in window, the part that differs by user and display; the Connect dialog before it is the same widgets
offscreen or not, and is driven in tests/gui.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.desktop.x_display import XDisplay, xvfb
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.simulators.vaultre import AUTHORIZE_USER_PATH, CONSENT_PATH, SIGN_IN_PATH
from tests.support.secrets import leaked

pytestmark = pytest.mark.privileges

# Where the page shows its heading in the sign-in window (x, y, width, height): a new heading there means the
# next page is on screen and takes the keys (the caret in a field never blinks there).
HEADING = (20, 75, 400, 80)
BELOW_THE_FORM = (280, 600)  # a click there gives the page the keyboard, and Tab then reaches its first field
SANDBOX_OFF_AS_ROOT = "Chromium's sandbox is off for sign-in pages: connmgr runs as root"


@pytest.fixture
def display():
    with xvfb() as started:
        yield started


def app_environment(home: Path, display: XDisplay, api_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONNMGR_", "QTWEBENGINE_", "QT_"))}
    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("this test needs a Secret Service: run it with scripts/test")
    return {**env, "CONNMGR_HOME": str(home), "CONNMGR_API_KEY": api_key, "DISPLAY": display.name,
            "QT_QPA_PLATFORM": "xcb"}  # fmt: skip


def test_a_person_signs_in_on_a_real_display_and_the_app_saves_and_quits(vaultre_sim, display, tmp_path):
    sim = vaultre_sim.sim
    env = app_environment(tmp_path / "home", display, sim.api_key)
    app = subprocess.Popen(
        [sys.executable, "-m", "connmgr", "connect", "vaultre", "--name", "Harbourside", "--json",
         "--set", f"client_id={CLIENT_ID}", "--set", "token_kind=user", "--set", f"redirect_uri={REDIRECT_URI}",
         "--set", f"login_host={sim.base_url}", "--set", f"api_host={sim.base_url}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        window = display.wait_for_window("Sign in to VaultRE")
        sim.wait_for_request(AUTHORIZE_USER_PATH, timeout=60)
        login = display.wait_until_shown(window, HEADING)
        display.click(window, *BELOW_THE_FORM)
        display.key("Tab")  # its first field
        display.type(USERNAME)
        display.key("Tab")
        display.type(PASSWORD)
        display.key("Return")
        sim.wait_for_request(SIGN_IN_PATH, timeout=30)
        display.wait_until_shown(window, HEADING, unlike=login)  # "Office Integrations"
        display.click(window, *BELOW_THE_FORM)
        display.key("Tab", "Return")  # the consent page's first button: Confirm
        sim.wait_for_request(CONSENT_PATH, timeout=30)
        out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert leaked([*sim.issued_secrets(), PASSWORD, sim.api_key], out + err) == []
    assert app.returncode == 0, err
    assert json.loads(out)["account"] == "alice@example.com"
    listed = subprocess.run(
        [sys.executable, "-m", "connmgr", "list", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert [(row["name"], row["status"]) for row in json.loads(listed.stdout)] == [("Harbourside", "connected")]
    # Quiet: no word of the GPU, Vulkan or D-Bus Chromium lacks under Xvfb; as root, why the sandbox is off.
    expected = [SANDBOX_OFF_AS_ROOT] if os.geteuid() == 0 else []
    assert [line.partition(" connmgr.gui.chromium_setup: ")[2] or line for line in err.splitlines()] == expected
