"""`connmgr audit [NAME] [--json] [--verify]`: the audit log of this home's store, and of its workspace when it
belongs to one; `--verify` checks each whole hash chain (exit 1 at the first broken link)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import print_json
from connmgr.cli.store import open_store
from connmgr.cli.workspace import password_prompt
from connmgr.domain.health import iso_utc
from connmgr.domain.names import for_terminal
from connmgr.storage.audit import AuditEntry, BrokenLink, first_broken_link
from connmgr.storage.errors import ConnectionNotFound
from connmgr.storage.interface import ConnectionStore
from connmgr.storage.workspace.settings import load_settings
from connmgr.team import shared_store

COLUMNS = ("STORE", "SEQ", "WHEN", "WHO", "ACTION", "CONNECTION", "DETAIL")


@dataclass(frozen=True)
class Log:
    store: str  # "local" or "workspace"
    entries: Sequence[AuditEntry]  # the connection's, or all
    broken: BrokenLink | None  # of the whole chain, when verified
    has_name: bool  # whether NAME is a connection of this store


async def _log(label: str, store: ConnectionStore, name: str | None, *, verify: bool) -> Log:
    everything = await store.audit_log()
    connection_id = None
    if name is not None:
        try:
            connection_id = (await store.get(name)).id
        except ConnectionNotFound:
            return Log(label, [], first_broken_link(everything) if verify else None, has_name=False)
    entries = everything if connection_id is None else [e for e in everything if e.connection_id == connection_id]
    return Log(label, entries, first_broken_link(everything) if verify else None, has_name=True)


def cmd_audit(args: argparse.Namespace, _: Desktop) -> int:
    settings = load_settings(args.home)

    async def logs() -> list[Log]:
        with open_store(args.home, secrets=False) as local:
            found = [await _log("local", local, args.name, verify=args.verify)]
        if settings is not None:
            async with shared_store(args.home, settings, password_prompt) as shared:
                found.append(await _log("workspace", shared, args.name, verify=args.verify))
        return found

    found = asyncio.run(logs())
    if args.name is not None and not any(log.has_name for log in found):
        raise ConnectionNotFound(args.name)
    shown = [log for log in found if args.name is None or log.has_name]
    if args.json:
        print_json(
            [
                {"store": log.store, "seq": e.seq, "at": iso_utc(e.at), "actor": e.actor, "action": e.action,
                 "connection": e.connection_name, "connection_id": e.connection_id, "detail": e.detail}
                for log in shown
                for e in log.entries
            ]
        )  # fmt: skip
    else:
        rows = [
            tuple(for_terminal(str(v)) for v in (log.store, e.seq, iso_utc(e.at), e.actor, e.action,
                                                 e.connection_name, e.detail))
            for log in shown
            for e in log.entries
        ]  # fmt: skip
        widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not args.verify:
        return 0
    broken = False
    for log in found:
        if log.broken is None:
            print(f"The {log.store} audit log is intact.", file=sys.stderr)
        else:
            broken = True
            print(for_terminal(f"The {log.store} audit log is broken: {log.broken.sentence}."), file=sys.stderr)
    return 1 if broken else 0
