"""Start-up: from `subprocess.Popen` to the first painted window, for connmgr with 0, 1,000 and 10,000 connections,
beside a minimal window showing the same 1,000 rows with no connmgr code (`table_window`: what any such window
costs) and a bare PySide6 window (the floor: interpreter, Qt's libraries, one window). Budgets: 1,000 connections
<= 1.2x the table window; 10,000 <= 1.3x 1,000, since the first paint must not wait for rows that are off screen.

The five are started in turn, round after round (the order rotating), so that whatever else the machine does
weighs on all alike; the figure is each one's median. Each child's CPU time (user and system, from `os.wait4`) is
reported beside its wall time: on a shared machine it moves less. The marker is explained in `first_paint`.

    .venv/bin/python -m benchmarks.startup
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import NamedTuple

from benchmarks.common import Figure, data_key_for, emit, fill_table_store, fresh_home, rotated
from connmgr.storage.store import ConnectionDatabase

ROUNDS = 9
BUDGET_RATIO = 1.2  # 1,000 connections against the table window
MANY_RATIO = 1.3  # 10,000 connections against 1,000
COUNTS = (0, 1_000, 10_000)


class Start(NamedTuple):
    wall_ms: float  # from Popen to the painted line
    cpu_ms: float  # the child's, user and system, to its exit (right after the line)
    web_engine: bool  # whether QtWebEngine was loaded by then


def _first_paint(*arguments: str) -> Start:
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
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)  # the child ends itself once painted (or once it failed)
    child.returncode = os.waitstatus_to_exitcode(status)
    if not line.startswith("painted"):
        raise RuntimeError(f"the window of {arguments} never said it was painted (exit {child.returncode})")
    cpu = usage.ru_utime + usage.ru_stime
    return Start(elapsed * 1000, cpu * 1000, line.strip().endswith("web_engine=1"))


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        homes = {}
        for count in COUNTS:
            home = fresh_home(Path(directory), f"home-{count}")
            with ConnectionDatabase(home, data_key_for(home)) as store:  # an empty one is a first start's home
                fill_table_store(store, count)
            homes[count] = home
        arguments = {
            "floor": ("floor",),
            "table": ("table", str(homes[1_000])),
            **{str(count): ("app", str(homes[count])) for count in COUNTS},
        }
        runs: dict[str, list[Start]] = {which: [] for which in arguments}
        order = list(runs)
        for which in order:  # warm-up: the page cache, Python's bytecode cache
            _first_paint(*arguments[which])
        for round_ in range(ROUNDS):
            for which in rotated(order, round_):
                runs[which].append(_first_paint(*arguments[which]))

    wall = {which: [start.wall_ms for start in starts] for which, starts in runs.items()}
    cpu = {which: [start.cpu_ms for start in starts] for which, starts in runs.items()}
    floor, table, thousand = median(wall["floor"]), median(wall["table"]), median(wall["1000"])
    web_engine_runs = sum(start.web_engine for count in COUNTS for start in runs[str(count)])

    def start_up(key: str, label: str, which: str, reference: float, reference_label: str, ratio: float = 0) -> Figure:
        value = median(wall[which])
        budget = f"<= {ratio}x {reference_label}" if ratio else ""
        met = value / reference <= ratio if ratio else None
        return Figure(key, label, value, "ms", reference, reference_label, budget, met, ROUNDS, wall[which])

    def cpu_time(which: str, label: str, reference: str, reference_label: str) -> Figure:
        value = median(cpu[which])
        return Figure(
            f"startup.cpu_{which}",
            label,
            value,
            "ms",
            median(cpu[reference]),
            reference_label,
            runs=ROUNDS,
            samples=cpu[which],
        )

    figures = [
        Figure(
            "startup.floor",
            "Start-up to first paint: bare PySide6 window (floor)",
            floor,
            "ms",
            runs=ROUNDS,
            samples=wall["floor"],
        ),
        start_up(
            "startup.table",
            "  a minimal window over the same 1,000 rows, no connmgr code (benchmarks/table_window.py)",
            "table",
            floor,
            "bare PySide6 window",
        ),
        start_up(
            "startup.connmgr_0", "Start-up to first paint: connmgr, no connections", "0", floor, "bare PySide6 window"
        ),
        start_up(
            "startup.connmgr_1000",
            "Start-up to first paint: connmgr, 1,000 connections",
            "1000",
            table,
            "table window",
            BUDGET_RATIO,
        ),
        start_up(
            "startup.connmgr_10000",
            "Start-up to first paint: connmgr, 10,000 connections",
            "10000",
            thousand,
            "connmgr with 1,000",
            MANY_RATIO,
        ),
        cpu_time("table", "  CPU time of the start: the table window", "floor", "bare PySide6 window"),
        cpu_time("1000", "  CPU time of the start: connmgr, 1,000 connections", "table", "table window"),
        cpu_time("10000", "  CPU time of the start: connmgr, 10,000 connections", "1000", "connmgr with 1,000"),
        Figure(
            "startup.web_engine",
            "  QtWebEngine imported by the first paint (runs)",
            web_engine_runs,
            "runs",
            budget="0 runs",
            met=web_engine_runs == 0,
            runs=len(COUNTS) * ROUNDS,
        ),
    ]
    emit(figures, rounds=ROUNDS)


if __name__ == "__main__":
    main()
