"""A process killed at any point of a save leaves every connection as one of the states that was saved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import FixedDataKey
from tests.storage.save_loop import NAMES, round_of, state

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Kill the child right after it reports the n-th start of this step: as a write begins, as it commits (the
# commit's fsync takes longest, so that is where the kill most likely lands), and between saves.
KILL_POINTS = [
    ("sql BEGIN", 1),
    ("saved", 1),
    ("sql BEGIN", 3),
    ("sql COMMIT", 4),
    ("sql COMMIT", 5),
    ("sql BEGIN", 9),
    ("sql COMMIT", 14),
    ("sql COMMIT", 25),
    ("saved", 40),
    ("sql COMMIT", 77),
]
MAX_LINES = 10_000  # a child that never reports the marker fails the test instead of running on


def _run_until(home: Path, first_round: int, marker: str, count: int) -> list[str]:
    """Start the child, SIGKILL it when it reports `marker` for the `count`-th time; all it printed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.save_loop", str(home), str(first_round)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines: list[str] = []
    seen = 0
    while seen < count:
        line = child.stdout.readline()  # waits for the child's word
        assert line and len(lines) < MAX_LINES, f"the child never reported {marker!r} {count} times"
        lines.append(line)
        seen += line.startswith(marker)
    child.kill()  # no clean-up of any kind
    lines += child.stdout.readlines()  # what it printed between our last read and the kill
    child.stdout.close()
    child.wait()
    return lines


def _next_save(name: str, round_: int) -> tuple[str, int]:
    """The save the child starts after reporting `name` saved in `round_`."""
    index = NAMES.index(name) + 1
    return (NAMES[index], round_) if index < len(NAMES) else (NAMES[0], round_ + 1)


def test_killing_a_saving_process_at_many_points_loses_no_saved_state(home: Path) -> None:
    current: dict[str, int] = {}  # the round each connection is known to hold
    first_round = 0
    for marker, count in KILL_POINTS:
        saves = [line.split()[1:] for line in _run_until(home, first_round, marker, count) if line.startswith("saved")]
        for name, round_text in saves:
            current[name] = int(round_text)
        in_flight = _next_save(saves[-1][0], int(saves[-1][1])) if saves else (NAMES[0], first_round)

        with ConnectionDatabase(home, FixedDataKey(home)) as store:
            found = {c.name: c for c in store.list_connections()}
            assert set(found) <= set(NAMES)
            for name in NAMES:
                allowed = {current.get(name)} | ({in_flight[1]} if in_flight[0] == name else set())
                round_ = round_of(found[name]) if name in found else None
                assert round_ in allowed, f"after a kill at {marker} #{count}: {name} holds round {round_}"
                if round_ is not None:
                    assert (found[name], store.secrets(name)) == state(name, round_)  # metadata and secrets agree
                    current[name] = round_  # the in-flight save may have landed: it is the state now
        first_round = max(current.values(), default=first_round) + 2  # beyond any round that was in flight
