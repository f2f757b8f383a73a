"""Memory: connmgr's resident set idle with 1,000 connections (budget 150 MB, QtWebEngine not loaded), then after
each of 20 sign-in windows opened against a local page and cancelled (budget: after the 20th within 10% of after
the first: no page, profile or window left behind).

connmgr runs as `connmgr --home HOME` would, with one hook on `assembly.assemble` (called once the window is
painted) that starts this script's coroutine on the window's own loop; the sign-ins go through `Connections.connect`
in the embedded window, the path of the Connect button. The reference for the idle figure is a bare PySide6 window
measured the same way in its own process. RSS is the process's own (psutil); QtWebEngine's helper processes are
reported beside it.

    .venv/bin/python -m benchmarks.memory
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import psutil

from benchmarks.common import (
    Figure,
    data_key_for,
    emit,
    fill_table_store,
    fresh_home,
    in_mib,
    oauth2_values,
    rss_bytes,
    web_engine_loaded,
)
from benchmarks.token_server import TokenServer
from connmgr.storage.store import ConnectionDatabase

COUNT = 1_000
SIGN_INS = 20
IDLE_BUDGET_MIB = 150.0
SETTLE_BUDGET = 0.10
SETTLE_S = 1.5  # after a window closes: deleteLater, Chromium's teardown of the page and profile


async def _rss_settled() -> float:
    """The median of five samples, 0.2 s apart, after a garbage collection (MiB)."""
    gc.collect()
    samples = []
    for _ in range(5):
        await asyncio.sleep(0.2)
        samples.append(in_mib(rss_bytes()))
    return median(samples)


def _helpers_mib() -> float:
    return in_mib(sum(child.memory_info().rss for child in psutil.Process().children(recursive=True)))


async def _one_sign_in(assembled: object, provider: object, alive: dict[str, int]) -> None:
    from connmgr.gui.sign_in_flow import EmbeddedBrowser
    from connmgr.gui.signin.window import SignInWindow
    from connmgr.services.connecting import Cancelled

    window = assembled.window  # type: ignore[attr-defined]
    seen = set(window.findChildren(SignInWindow))
    flow = asyncio.ensure_future(
        assembled.connections.connect("Memory", provider, embedded=EmbeddedBrowser(window))  # type: ignore[attr-defined]
    )
    deadline = time.monotonic() + 30
    while not (opened := [w for w in window.findChildren(SignInWindow) if w not in seen]):
        if time.monotonic() > deadline:
            raise RuntimeError("no sign-in window opened")
        await asyncio.sleep(0.005)
    sign_in_window = opened[0]
    for what, obj in (("page", sign_in_window.page), ("profile", sign_in_window.page.private_profile)):
        alive[what] += 1
        obj.destroyed.connect(lambda *_, what=what: alive.__setitem__(what, alive[what] - 1))
    loaded = asyncio.get_running_loop().create_future()
    sign_in_window.page.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
    if not await asyncio.wait_for(loaded, 30):
        raise RuntimeError("the local sign-in page did not load")
    sign_in_window.reject()  # Cancel: the window closes and frees its page and profile
    outcome = await flow
    assert isinstance(outcome, Cancelled), outcome


async def _bench(assembled: object, base_url: str, floor_mib: float, home: Path) -> None:
    await asyncio.sleep(3)  # idle: painted, laid out, a few ticks
    idle = await _rss_settled()
    web_engine_idle = web_engine_loaded()
    provider = assembled.connections.new_provider(  # type: ignore[attr-defined]
        "oauth2", oauth2_values(base_url), "authorization_code"
    )
    alive = {"page": 0, "profile": 0}
    after: list[float] = []
    helpers: list[float] = []
    for _ in range(SIGN_INS):
        await _one_sign_in(assembled, provider, alive)
        await asyncio.sleep(SETTLE_S)
        after.append(await _rss_settled())
        helpers.append(_helpers_mib())
    from connmgr.gui.signin.window import SignInWindow

    dialogs_left = len(assembled.window.findChildren(SignInWindow))  # type: ignore[attr-defined]
    growth = after[-1] / after[0] - 1
    alive_objects = alive["page"] + alive["profile"]
    shutil.rmtree(home.parent, ignore_errors=True)
    emit(
        [
            Figure(
                "memory.idle",
                f"RSS idle, {COUNT:,} connections",
                idle,
                "MiB",
                floor_mib,
                "bare PySide6 window",
                f"<= {IDLE_BUDGET_MIB:g} MiB",
                idle <= IDLE_BUDGET_MIB,
            ),
            Figure(
                "memory.web_engine_idle",
                "  QtWebEngine loaded while idle (1 = yes)",
                float(web_engine_idle),
                "",
                budget="no",
                met=not web_engine_idle,
            ),
            Figure(
                "memory.after_signins",
                f"RSS after {SIGN_INS} sign-in windows opened and closed",
                after[-1],
                "MiB",
                after[0],
                "after the first",
                f"within {SETTLE_BUDGET:.0%} of first",
                abs(growth) <= SETTLE_BUDGET,
                SIGN_INS,
                after,
            ),
            Figure(
                "memory.pages_alive",
                "  web pages / profiles still alive after closing",
                alive_objects,
                "objects",
                budget="0",
                met=alive_objects == 0,
            ),
        ],
        rss_after_each_mib=[round(a, 1) for a in after],
        helper_processes_mib=[round(h, 1) for h in helpers],
        sign_in_dialogs_still_parented=dialogs_left,
        growth_per_sign_in_mib=round((after[-1] - after[0]) / (SIGN_INS - 1), 2),
    )
    os._exit(0)  # the measurement is done; PySide6 6.12 on Python 3.11 can crash while finalising


def _floor_mib() -> float:
    """A bare PySide6 window's RSS, idle, in its own process."""
    code = (
        "import sys, time, psutil\nfrom PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([]); w = QWidget(); w.resize(1280, 640); w.show()\n"
        "end = time.monotonic() + 3\nwhile time.monotonic() < end: app.processEvents(); time.sleep(0.01)\n"
        "print(psutil.Process().memory_info().rss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return in_mib(int(out.split()[-1]))


def main() -> None:
    from connmgr import app
    from connmgr.gui.startup import assembly

    floor = _floor_mib()
    server = TokenServer()
    directory = tempfile.mkdtemp()
    home = fresh_home(Path(directory), "home")
    with ConnectionDatabase(home, data_key_for(home)) as store:
        fill_table_store(store, COUNT)
    assemble = assembly.assemble

    def hooked(*args: object, **kwargs: object) -> assembly.App:
        assembled = assemble(*args, **kwargs)  # type: ignore[arg-type]
        task = asyncio.ensure_future(_bench(assembled, server.base_url, floor, home))
        task.add_done_callback(_failed)
        return assembled

    def _failed(task: asyncio.Future[None]) -> None:
        print(f"memory benchmark failed: {task.exception()!r}", file=sys.stderr)
        shutil.rmtree(directory, ignore_errors=True)
        os._exit(1)

    assembly.assemble = hooked  # start-up imports it from the module once the window is painted
    sys.argv = ["connmgr", "--home", str(home)]
    app.main()


if __name__ == "__main__":
    main()
