"""Start-up: from `subprocess.Popen` to the first painted window, for connmgr with 0 and 1,000 connections
beside a bare PySide6 window (the floor: interpreter, Qt's libraries, one window). Budget: 1.5x the floor. A
minimal window showing the same 1,000 rows with no connmgr code (`table_window`) is measured too: what any such
window costs, so that what connmgr itself adds is plain.

The four are started in turn, round after round (the order rotating), so that whatever else the machine does
weighs on all four alike; the figure is each one's median. The marker is explained in `first_paint`.

    .venv/bin/python -m benchmarks.startup
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from benchmarks.common import Figure, data_key_for, emit, fill_table_store, fresh_home, rotated
from connmgr.storage.store import ConnectionDatabase

ROUNDS = 9
BUDGET_RATIO = 1.5


def _first_paint(*arguments: str) -> tuple[float, bool]:
    """(seconds from Popen to the painted line, whether QtWebEngine was loaded by then)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.first_paint", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # Qt's offscreen notices; a failure shows as a missing line
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    child.wait(30)
    if not line.startswith("painted"):
        raise RuntimeError(f"the window of {arguments} never said it was painted (exit {child.returncode})")
    return elapsed, line.strip().endswith("web_engine=1")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        homes = {}
        for count in (0, 1_000):
            home = fresh_home(Path(directory), f"home-{count}")
            with ConnectionDatabase(home, data_key_for(home)) as store:  # an empty one is a first start's home
                fill_table_store(store, count)
            homes[count] = home
        arguments = {
            "floor": ("floor",),
            "table": ("table", str(homes[1_000])),
            "0": ("app", str(homes[0])),
            "1000": ("app", str(homes[1_000])),
        }
        runs: dict[str, list[tuple[float, bool]]] = {which: [] for which in arguments}
        order = list(runs)
        for which in order:  # warm-up: the page cache, Python's bytecode cache
            _first_paint(*arguments[which])
        for round_ in range(ROUNDS):
            for which in rotated(order, round_):
                runs[which].append(_first_paint(*arguments[which]))

    seconds = {which: [s * 1000 for s, _ in results] for which, results in runs.items()}
    floor = median(seconds["floor"])
    web_engine_runs = sum(loaded for which in ("0", "1000") for _, loaded in runs[which])
    figures = [
        Figure(
            "startup.floor",
            "Start-up to first paint: bare PySide6 window (floor)",
            floor,
            "ms",
            runs=ROUNDS,
            samples=seconds["floor"],
        ),
        Figure(
            "startup.table",
            "  a minimal window over the same 1,000 rows, no connmgr code (benchmarks/table_window.py)",
            median(seconds["table"]),
            "ms",
            floor,
            "bare PySide6 window",
            runs=ROUNDS,
            samples=seconds["table"],
        ),
    ]
    for count in ("0", "1000"):
        value = median(seconds[count])
        figures.append(
            Figure(
                f"startup.connmgr_{count}",
                f"Start-up to first paint: connmgr, {int(count):,} connections",
                value,
                "ms",
                floor,
                "bare PySide6 window",
                f"<= {BUDGET_RATIO}x floor",
                value / floor <= BUDGET_RATIO,
                ROUNDS,
                seconds[count],
            )
        )
    figures.append(
        Figure(
            "startup.web_engine",
            "  QtWebEngine imported by the first paint (runs)",
            web_engine_runs,
            "runs",
            budget="0 runs",
            met=web_engine_runs == 0,
            runs=2 * ROUNDS,
        )
    )
    emit(figures, rounds=ROUNDS)


if __name__ == "__main__":
    main()
