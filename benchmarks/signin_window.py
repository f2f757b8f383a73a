"""Sign-in window: from clicking Sign in to the vendor's page painted, cold (the first sign-in of a process) and
warm (the second), beside a bare QWebEngineView loading the same page (budget: cold <= 1.2x warm).

Each process measures one cold and one warm figure, so cold is always a fresh process; the processes of the three
kinds take turns. The kinds:
- `app`: connmgr as `connmgr --home HOME` starts it (one hook on `assembly.assemble`, as in benchmarks.memory).
  The Connect dialog opens filled in for a generic OAuth 2.0 vendor at a local page, the person takes a few
  seconds over it (the web engine warms meanwhile), then the dialog's Sign in button is clicked. The window is
  cancelled, which returns to the dialog, and Sign in is clicked again: the warm figure.
- `app_unwarmed`: the same, with the Connect dialog's warm-up turned off: the sign-in window as it was before.
- `bare`: a QWebEngineView made and told to load the page, the clock started just before; then a second one.
- `closed`: memory (this process's and Chromium's helper processes') idle, then after the Connect dialog was
  opened, warmed up and closed without a sign-in: what a person who changes their mind keeps paying.

Painted: QtWebEngine draws a page through the view's render widget (its focus proxy), which paints a frame into
the window whenever Chromium hands it one. After each paint of that widget once the page has loaded, the view is
grabbed; the first paint in which the page's own background colour shows stops the clock, at that paint. (A page
that has loaded is not yet drawn: its first frame comes one to three frames later.)

    .venv/bin/python -m benchmarks.signin_window
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING

import psutil

from benchmarks.common import Figure, emit, fresh_home, in_mib, rotated
from tests.simulators.server import LocalServer
from tests.simulators.wire import Response

if TYPE_CHECKING:
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QDialog

PROCESSES = 9  # of each kind that times a sign-in
MEMORY_PROCESSES = 3  # of the kind that measures memory after a Connect dialog closed unsigned
IDLE_S = 3.0  # idle before a memory figure: painted, laid out, helper processes settled
BUDGET = 1.2  # cold / warm
THINKING_S = 2.5  # a person's time at the dialog before Sign in; ample for the warm-up (about 0.2 s)
COLOUR = (0x12, 0xAB, 0x34)  # the page's background: no other pixel of the window has it
PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in - Bench</title></head>'
    f'<body style="background: #{"".join(f"{c:02x}" for c in COLOUR)}"><h1>Sign in to Bench</h1>'
    "<form><label>Username <input name=username></label><button>Sign in</button></form></body></html>"
)
KINDS = ("app", "app_unwarmed", "bare")
RESULT = "SIGNIN-WINDOW "  # the child's line of figures


def _when_painted(view: QWebEngineView, started: float, done: Callable[[float], None]) -> None:
    """Call `done` with the seconds from `started` to the first paint of `view` that shows the page (see above)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Frames(QObject):
        def __init__(self) -> None:
            super().__init__(view)
            self.loaded = self.over = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.loaded and not self.over:
                painted_at = time.perf_counter()
                QTimer.singleShot(0, self, lambda: self.check(painted_at))  # once this paint is done
            return False

        def check(self, painted_at: float) -> None:
            image = view.grab().toImage()
            pixel = image.pixelColor(image.width() // 2, image.height() - 8)
            if not self.over and (pixel.red(), pixel.green(), pixel.blue()) == COLOUR:
                self.over = True
                done(painted_at - started)

        def watch_render_widget(self) -> None:
            widget = view.focusProxy()  # made once the view is shown
            if widget is None:
                QTimer.singleShot(1, self, self.watch_render_widget)
            else:
                widget.installEventFilter(self)

    frames = Frames()
    view.loadFinished.connect(lambda _ok: setattr(frames, "loaded", True))  # type: ignore[attr-defined]
    frames.watch_render_widget()


def _page_server() -> LocalServer:
    server = LocalServer(lambda _request: Response(200, PAGE.encode(), "text/html; charset=utf-8"))
    server.start()
    return server


# -- the children


def _bare(url: str) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QApplication

    from connmgr.gui.chromium_setup import prepare

    app = QApplication(sys.argv[:1])
    prepare()  # the same Chromium flags as connmgr's (no sandbox as root): not counted, as for connmgr
    figures: list[float] = []
    views: list[object] = []

    def one() -> None:
        started = time.perf_counter()
        from PySide6.QtWebEngineWidgets import QWebEngineView  # the cold view pays for the import, as connmgr's

        view = QWebEngineView()
        view.resize(560, 620)
        views.append(view)
        _when_painted(view, started, painted)
        view.load(QUrl(url))
        view.show()

    def painted(seconds: float) -> None:
        figures.append(seconds)
        if len(figures) == 1:
            views[0].close()  # type: ignore[attr-defined]
            one()
        else:
            _report(figures)

    one()
    app.exec()


class _Arrivals:
    """Futures for what the benchmark waits on at the Connect dialog: a sign-in window shown, the dialog ready."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, watched: QObject, event: QEvent) -> bool:
                self.seen(watched, event)
                return False

        self.filter = Filter()
        self.window: asyncio.Future[object] | None = None
        self.ready: asyncio.Future[None] | None = None

    def seen(self, watched: object, event: object) -> None:
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QPushButton

        assert isinstance(event, QEvent)
        kind = event.type()
        if (
            kind == QEvent.Type.ChildPolished
            and self.window
            and type(child := event.child()).__name__ == "SignInWindow"
        ):
            self.window.done() or self.window.set_result(child)  # polished as it is shown: made whole
        elif (
            kind == QEvent.Type.EnabledChange
            and self.ready
            and isinstance(watched, QPushButton)
            and watched.isEnabled()
        ):
            self.ready.done() or self.ready.set_result(None)


class _LoopTurns:
    """The longest the event loop went without turning while the dialog was open: how long a key pressed then
    waited at most. A timer due every millisecond notes each of its turns."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._last = time.perf_counter()
        self._longest = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start(1)

    def _on_timeout(self) -> None:
        now = time.perf_counter()
        self._longest = max(self._longest, now - self._last)
        self._last = now

    def longest(self) -> float:
        self._timer.stop()
        return self._longest


async def _connect_dialog(controller: object, url: str) -> tuple[QDialog, asyncio.Future[None]]:
    """The Connect dialog as the Connect button opens it, filled in for a generic OAuth 2.0 vendor at `url`."""
    from PySide6.QtWidgets import QLineEdit

    from connmgr.domain.dialect import Flow
    from connmgr.gui.connect import ConnectRequest
    from connmgr.gui.prompts import ConnectSession

    values = {
        "client_id": "bench-client",
        "authorize_url": url,
        "token_url": url.replace("/authorize", "/token"),
        "redirect_uri": "https://app.example.com/oauth/callback",
    }
    sessions: asyncio.Future[ConnectSession] = asyncio.get_running_loop().create_future()
    connection = controller.prompts.connection  # type: ignore[attr-defined]

    def opened(*args: object) -> ConnectSession:
        session = connection(*args)
        sessions.set_result(session)
        return session

    controller.prompts.connection = opened  # type: ignore[attr-defined]
    filled = ConnectRequest("", "oauth2", Flow.AUTHORIZATION_CODE, values, use_system_browser=False)
    connecting = asyncio.ensure_future(controller.connect_account(filled=filled))  # type: ignore[attr-defined]
    dialog = (await sessions).dialog
    dialog.findChild(QLineEdit, "connection_name").setText("Bench")
    return dialog, connecting


async def _warm(controller: object) -> None:
    warm_up = controller.web_engine  # type: ignore[attr-defined]
    if not warm_up.is_warm:
        warm = asyncio.get_running_loop().create_future()
        warm_up.warm.connect(lambda: warm.done() or warm.set_result(None))
        await asyncio.wait_for(warm, 30)


async def _sign_ins(assembled: object, url: str, warmed: bool) -> None:
    from PySide6.QtWidgets import QPushButton

    controller = assembled.controller  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    dialog, _connecting = await _connect_dialog(controller, url)  # held: a task nobody holds may be collected
    arrivals = _Arrivals()
    primary = dialog.findChild(QPushButton, "primary")
    dialog.installEventFilter(arrivals.filter)
    primary.installEventFilter(arrivals.filter)
    turns = _LoopTurns()
    await asyncio.sleep(THINKING_S)  # a person reading the form (no figure waits on this)
    if warmed:
        await _warm(controller)
    stall = turns.longest()
    figures: list[float] = []
    for _ in range(2):
        arrivals.window, arrivals.ready = loop.create_future(), loop.create_future()
        painted: asyncio.Future[float] = loop.create_future()
        started = time.perf_counter()
        primary.click()  # "Sign in…"
        sign_in_window = await asyncio.wait_for(arrivals.window, 30)
        from PySide6.QtWebEngineWidgets import QWebEngineView  # loaded by the sign-in window: nothing to time

        _when_painted(sign_in_window.findChild(QWebEngineView), started, painted.set_result)  # type: ignore[attr-defined]
        figures.append(await asyncio.wait_for(painted, 30))
        sign_in_window.reject()  # type: ignore[attr-defined]  # Cancel: back to the dialog, every value kept
        await asyncio.wait_for(arrivals.ready, 30)
    _report(figures, stall)


async def _rss_mib() -> tuple[float, float]:
    """This process's resident set and its helper processes' (Chromium's), medians of five samples 0.2 s apart."""
    import gc

    gc.collect()
    own, helpers = [], []
    for _ in range(5):
        await asyncio.sleep(0.2)
        process = psutil.Process()
        own.append(in_mib(process.memory_info().rss))
        helpers.append(in_mib(sum(child.memory_info().rss for child in process.children(recursive=True))))
    return median(own), median(helpers)


async def _closed_unsigned(assembled: object, url: str) -> None:
    """Idle, then the Connect dialog opened, warmed and closed without a sign-in, then idle again."""
    await asyncio.sleep(IDLE_S)
    before = await _rss_mib()
    controller = assembled.controller  # type: ignore[attr-defined]
    dialog, connecting = await _connect_dialog(controller, url)
    await _warm(controller)
    dialog.reject()  # Cancel
    await connecting
    await asyncio.sleep(IDLE_S)
    print(RESULT + json.dumps([*before, *await _rss_mib()]), flush=True)
    os._exit(0)


def _app(url: str, kind: str) -> None:
    from connmgr import app
    from connmgr.gui.signin.warm_up import WebEngineWarmUp
    from connmgr.gui.startup import assembly

    if kind == "app_unwarmed":
        WebEngineWarmUp.follow = lambda self, dialog: None  # type: ignore[method-assign]  # the window as before
    directory = tempfile.mkdtemp()
    home = fresh_home(Path(directory), "home")
    assemble = assembly.assemble

    def hooked(*args: object, **kwargs: object) -> assembly.App:
        assembled = assemble(*args, **kwargs)  # type: ignore[arg-type]
        measure = _closed_unsigned(assembled, url) if kind == "closed" else _sign_ins(assembled, url, kind == "app")
        task = asyncio.ensure_future(measure)
        task.add_done_callback(lambda done: done.exception() and _failed(done.exception()))
        return assembled

    assembly.assemble = hooked  # start-up imports it from the module once the window is painted
    sys.argv = ["connmgr", "--home", str(home)]
    app.main()


def _failed(error: BaseException | None) -> None:
    print(f"sign-in window benchmark failed: {error!r}", file=sys.stderr, flush=True)
    os._exit(1)


def _report(figures: list[float], stall: float = 0.0) -> None:
    print(RESULT + json.dumps([round(f * 1000, 2) for f in (*figures, stall)]), flush=True)
    os._exit(0)  # the measurement is done; what follows (closing) is not


# -- the parent


def _one_process(kind: str, url: str) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.signin_window", kind, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind}: exit {done.returncode}\n{done.stderr[-2000:]}")
    figures: list[float] = json.loads(lines[-1].removeprefix(RESULT))
    return figures


def _spread(samples: list[float]) -> str:
    return f"{median(samples):.0f} ms ({min(samples):.0f}–{max(samples):.0f})"


def main() -> None:
    server = _page_server()
    url = server.base_url + "/authorize"
    samples: dict[str, dict[str, list[float]]] = {kind: {"cold": [], "warm": [], "stall": []} for kind in KINDS}
    try:
        for turn in range(PROCESSES):
            for kind in rotated(KINDS, turn):
                for when, figure in zip(("cold", "warm", "stall"), _one_process(kind, url), strict=True):
                    samples[kind][when].append(figure)
        memory = [_one_process("closed", url) for _ in range(MEMORY_PROCESSES)]
    finally:
        server.stop()
    idle_own, idle_helpers, closed_own, closed_helpers = (median(m[i] for m in memory) for i in range(4))
    app, unwarmed, bare = samples["app"], samples["app_unwarmed"], samples["bare"]
    cold, warm = median(app["cold"]), median(app["warm"])
    emit(
        [
            Figure(
                "signin_window.cold",
                "Sign in clicked to page painted, first of the process",
                cold,
                "ms",
                warm,
                "the second sign-in",
                f"<= {BUDGET:g}x warm",
                cold <= BUDGET * warm,
                PROCESSES,
                app["cold"],
            ),
            Figure("signin_window.warm", "  the second sign-in", warm, "ms", runs=PROCESSES, samples=app["warm"]),
            Figure(
                "signin_window.unwarmed_cold",
                "  first, without the Connect dialog's warm-up (before)",
                median(unwarmed["cold"]),
                "ms",
                median(unwarmed["warm"]),
                "its second",
                runs=PROCESSES,
                samples=unwarmed["cold"],
            ),
            Figure(
                "signin_window.bare_cold",
                "  bare QWebEngineView, first of the process",
                median(bare["cold"]),
                "ms",
                median(bare["warm"]),
                "its second",
                runs=PROCESSES,
                samples=bare["cold"],
            ),
            Figure(
                "signin_window.dialog_stall",
                "Longest the Connect dialog did not answer while it warmed up",
                median(app["stall"]),
                "ms",
                median(unwarmed["stall"]),
                "without the warm-up",
                runs=PROCESSES,
                samples=app["stall"],
            ),
            Figure(
                "signin_window.closed_unsigned_rss",
                "RSS after a Connect dialog warmed and closed unsigned",
                closed_own,
                "MiB",
                idle_own,
                "idle before it opened",
                runs=MEMORY_PROCESSES,
                samples=[m[2] for m in memory],
            ),
            Figure(
                "signin_window.closed_unsigned_helpers",
                f"  Chromium's helper processes then ({idle_helpers:.0f} MiB idle before it opened)",
                closed_helpers,
                "MiB",
                runs=MEMORY_PROCESSES,
                samples=[m[3] for m in memory],
            ),
        ],
        runs=PROCESSES,
        spreads={
            f"{kind}.{when}": _spread(s)
            for kind, by in samples.items()
            for when, s in by.items()
            if s != [0] * PROCESSES
        },
        samples=samples,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3:
        kind, page_url = sys.argv[1:]
        if kind == "bare":
            _bare(page_url)
        else:
            _app(page_url, kind)
    else:
        main()
