"""A sign-in window at URL in a process of its own, as the app opens one; prints what became of it, as JSON.

Usage: python -m tests.desktop.sign_in_page URL [-v]

-v configures logging as `connmgr -v` does. The JSON: whether the page loaded, the window's sandbox notice, and
the renderer's confinement (tests/support/renderer.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys

from connmgr import logs
from connmgr.gui.qt_start import start_application
from tests.support.renderer import confinement


def main(url: str, verbose: bool) -> None:
    logs.configure(logging.DEBUG if verbose else logging.WARNING)
    app = start_application()
    from connmgr.gui.signin.window import SignInWindow

    window = SignInWindow(url, "http://127.0.0.1:9/callback", "Acme")
    outcome: dict[str, object] = {}

    def loaded(ok: bool) -> None:
        renderer = confinement(window.page.renderProcessPid())
        outcome.update(loaded=ok, notice=window.address.sandbox_notice, renderer=dataclasses.asdict(renderer))
        window.reject()
        app.quit()

    window.page.loadFinished.connect(loaded)
    window.failed.connect(lambda sentence: (outcome.update(failed=sentence), app.quit()))
    window.show()
    app.exec()
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], "-v" in sys.argv[2:])
