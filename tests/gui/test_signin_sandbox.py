"""Chromium's sandbox as connmgr decides it, and a renderer that dies: real processes, as root and not.

scripts/test runs these as root and again as an unprivileged user, with no Chromium flags set by anyone.
"""

from __future__ import annotations

import os
import signal

import pytest

from connmgr.gui.chromium_setup import prepare, user_namespaces_work
from tests.gui.webdriver import TIMEOUT_MS, PageDriver
from tests.support.renderer import confinement

pytestmark = pytest.mark.privileges

REDIRECT = "http://127.0.0.1:9/callback"
PAGE = "<!DOCTYPE html><title>Sign in - Acme</title><form><input name=username autofocus></form>"


def loaded_window(qtbot, open_window, web_pages):
    window = open_window(web_pages.put("/login", PAGE), REDIRECT)
    PageDriver(qtbot, window.page).wait_for_page()
    return window


def test_as_root_the_sandbox_is_off_and_the_window_says_so_elsewhere_the_renderer_is_sandboxed(
    qtbot, open_window, web_pages
):
    window = loaded_window(qtbot, open_window, web_pages)  # as root, Chromium ended the process here before
    renderer = confinement(window.page.renderProcessPid())
    if os.geteuid() == 0:
        assert window.address.sandbox_notice == "Sandbox off: connmgr runs as root"
        assert (renderer.uid, renderer.own_user_namespace, renderer.seccomp_filtered) == (0, False, False)
    else:
        assert user_namespaces_work(), "this machine allows user namespaces; see tests/desktop for one that does not"
        assert prepare().weakened_because == ""
        assert window.address.sandbox_notice == ""
        assert renderer.own_user_namespace and renderer.seccomp_filtered
        assert renderer.uid == os.geteuid()


def test_a_renderer_killed_ends_that_sign_in_with_a_sentence_and_the_next_sign_in_works(qtbot, open_window, web_pages):
    window = loaded_window(qtbot, open_window, web_pages)
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT_MS) as failed:
        os.kill(window.page.renderProcessPid(), signal.SIGKILL)
    assert failed.args == ["Acme: the sign-in page's web process was killed, so this sign-in ended; try again."]
    assert not window.isVisible()
    # The app (this process) runs on, and its next sign-in gets a renderer of its own.
    again = loaded_window(qtbot, open_window, web_pages)
    assert again.page.renderProcessPid() > 0
    assert again.page.title() == "Sign in - Acme"
