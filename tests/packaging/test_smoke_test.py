"""packaging/smoke-test checks a built app; here it checks this checkout run from source, so the smoke mode
(connmgr/gui/smoke.py) and the keeper mode of a frozen build (connmgr/app.py) are tested on every run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_test_passes_on_connmgr_from_source(tmp_path):
    # A program to hand the script, running this checkout's connmgr whatever the venv has installed.
    app = tmp_path / "connmgr"
    app.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m connmgr "$@"\n')
    app.chmod(0o755)
    done = subprocess.run(
        [sys.executable, ROOT / "packaging" / "smoke-test", app],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke: sign-in page loaded: Sign in - VaultRE" in done.stdout
