"""connmgr started as a person starts it, in a process of its own: first paint, the Connect dialog, one sign-in.

Usage: python -m tests.gui.warm_start_probe HOME AUTHORIZE_URL REDIRECT_URI

The page at AUTHORIZE_URL has an "Allow" button that sends the browser to the redirect. Prints, as one JSON line,
whether QtWebEngine was loaded at the window's first paint (`assembly.assemble` runs once it is painted) and at the
Connect dialog's; whether the warm-up finished before Sign in was clicked; Chromium's helper processes then; the
sign-in page's renderer's ancestors; and the redirect the sign-in window caught.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import psutil
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLineEdit, QPushButton

from connmgr.domain.dialect import Flow
from connmgr.gui.connect import ConnectDialog, ConnectRequest
from connmgr.gui.prompts import ConnectSession

seen: dict[str, object] = {}


def web_engine_loaded() -> bool:
    return "PySide6.QtWebEngineCore" in sys.modules or "PySide6.QtWebEngineWidgets" in sys.modules


class DialogEvents(QObject):
    """Notes whether QtWebEngine is loaded as the dialog is first painted; hands over its sign-in window once shown
    (polished as it is shown, so whole)."""

    def __init__(self) -> None:
        super().__init__()
        self.sign_in_window: asyncio.Future[QObject] = asyncio.get_running_loop().create_future()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and "web_engine_with_dialog_painted" not in seen:
            seen["web_engine_with_dialog_painted"] = web_engine_loaded()
        elif event.type() == QEvent.Type.ChildPolished and type(event.child()).__name__ == "SignInWindow":
            self.sign_in_window.done() or self.sign_in_window.set_result(event.child())
        return False


def engine_helpers() -> list[int]:
    return [child.pid for child in psutil.Process().children(recursive=True)]


async def sign_in(assembled: object, authorize_url: str, redirect_uri: str) -> None:
    controller = assembled.controller  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    sessions: asyncio.Future[ConnectSession] = loop.create_future()
    opened = controller.prompts.connection
    events = DialogEvents()

    def session(*args: object) -> ConnectSession:
        made = opened(*args)
        made.dialog.installEventFilter(events)  # the warm-up starts at the loop's turn after this paint
        sessions.set_result(made)
        return made

    controller.prompts.connection = session
    values = {"client_id": "acme-desk", "authorize_url": authorize_url, "redirect_uri": redirect_uri}
    values["token_url"] = authorize_url.replace("/authorize", "/token")
    filled = ConnectRequest("", "oauth2", Flow.AUTHORIZATION_CODE, values, use_system_browser=False)
    connecting = asyncio.ensure_future(controller.connect_account(filled=filled))
    dialog: ConnectDialog = (await sessions).dialog
    warm = loop.create_future()
    controller.web_engine.warm.connect(lambda: warm.done() or warm.set_result(None))
    await asyncio.wait_for(warm, 60)
    from connmgr.gui.signin.window import SignInWindow  # loaded by the warm-up

    seen["warm_before_sign_in"] = controller.web_engine.is_warm and not dialog.findChildren(SignInWindow)
    seen["engine_helpers_before_sign_in"] = engine_helpers()
    dialog.findChild(QLineEdit, "connection_name").setText("Acme")
    dialog.findChild(QPushButton, "primary").click()
    window = await asyncio.wait_for(events.sign_in_window, 60)
    assert isinstance(window, SignInWindow)
    redirect = loop.create_future()
    window.redirect_received.connect(lambda url: redirect.done() or redirect.set_result(url))
    loaded = loop.create_future()
    window.page.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
    if not await asyncio.wait_for(loaded, 60):
        raise RuntimeError("the sign-in page did not load")
    renderer = psutil.Process(window.page.renderProcessPid())
    seen["renderer_ancestors"] = [parent.pid for parent in renderer.parents()]
    window.page.runJavaScript("document.querySelector('button').click()")
    seen["redirect"] = await asyncio.wait_for(redirect, 60)
    print(json.dumps(seen), flush=True)
    del connecting  # held until here: a task nobody holds may be collected
    os._exit(0)  # what follows (the exchange, closing) is not this probe's


def main(home: str, authorize_url: str, redirect_uri: str) -> None:
    from connmgr import app
    from connmgr.gui.startup import assembly

    assemble = assembly.assemble

    def painted(*args: object, **kwargs: object) -> assembly.App:
        seen["web_engine_at_first_paint"] = web_engine_loaded()
        assembled = assemble(*args, **kwargs)  # type: ignore[arg-type]
        task = asyncio.ensure_future(sign_in(assembled, authorize_url, redirect_uri))
        task.add_done_callback(failed)
        return assembled

    def failed(task: asyncio.Future[None]) -> None:
        print(f"the probe failed: {task.exception()!r}", file=sys.stderr, flush=True)
        os._exit(1)

    assembly.assemble = painted  # start-up calls it once the window is painted
    sys.argv = ["connmgr", "--home", home]
    app.main()


if __name__ == "__main__":
    main(*sys.argv[1:4])
