"""`connmgr share NAME` and `unshare NAME`: a connection moved between this home's store and its workspace in one
step (`HomeAndWorkspace.move`: under the connection's lock on the side it leaves, saved on the other side first,
and removed from this side only once that committed)."""

from __future__ import annotations

import argparse
import asyncio

from connmgr.cli.desktop import Desktop
from connmgr.cli.store import open_store
from connmgr.cli.workspace import password_prompt
from connmgr.domain.names import for_terminal
from connmgr.storage import LocalStore
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.team import settings_of, shared_store


def _moved(args: argparse.Namespace, to: Side) -> str:
    settings = settings_of(args.home)

    async def move(local: LocalStore) -> None:
        async with shared_store(args.home, settings, password_prompt) as shared:
            await HomeAndWorkspace(local, shared, where=shared.where).move(args.name, to)

    with open_store(args.home) as local:  # its key settled before the loop starts
        asyncio.run(move(local))
    return settings.address.shown


def cmd_share(args: argparse.Namespace, _: Desktop) -> int:
    where = _moved(args, Side.WORKSPACE)
    print(for_terminal(f"Shared {args.name} with the workspace {where}; no copy is kept here."))
    return 0


def cmd_unshare(args: argparse.Namespace, _: Desktop) -> int:
    _moved(args, Side.HOME)
    print(for_terminal(f"Moved {args.name} out of the workspace; it is kept in this home only."))
    return 0
