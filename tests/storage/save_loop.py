"""Child process for the kill test: saves connections in a tight loop and tells its parent where it is.

    python -m tests.storage.save_loop HOME FIRST_ROUND

It prints `sql VERB` as SQLite starts each statement (BEGIN, INSERT, COMMIT,
...), so the parent can kill it inside a chosen step of a save, and
`saved NAME ROUND` once a save has returned. Round i gives every connection
in NAMES the state `state(name, i)`; the values' sizes change every round, so
saves grow and shrink the database.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from connmgr.domain.connection import Connection, Secrets
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection

NAMES = ("alpha", "beta", "gamma")


def state(name: str, round_: int) -> tuple[Connection, Secrets]:
    size = (round_ * 7919) % 60_000  # from empty to many pages, in no particular order
    saved = connection(name, account=f"{name}#{round_}", updated_at=float(round_), values={"site": "s" * size})
    return saved, Secrets(access_token=f"{name}#{round_}:" + "a" * size, refresh_token=f"{name}#{round_}")


def round_of(saved: Connection) -> int:
    return int(saved.account.rpartition("#")[2]) if saved.account else -1


def main(home: Path, first_round: int) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store._db.set_trace_callback(lambda sql: print("sql", sql.split()[0], flush=True))  # a test-only window
        for round_ in itertools.count(first_round):
            for name in NAMES:
                store.save(*state(name, round_))
                print("saved", name, round_, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
