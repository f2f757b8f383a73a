import os

# Before anything imports Qt: no display here, and Chromium refuses to run as root inside its sandbox.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")

pytest_plugins = [
    "tests.simulators.fixtures",
    "tests.support.oidc_fixtures",
    "tests.support.certificates",
    "tests.gui.desktop",
]
