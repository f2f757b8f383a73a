"""`connmgr share NAME` and `unshare NAME`: a connection moved between this home's store and its workspace in one
step, under the connection's lock on the side it leaves (so no refresh spends its refresh token meanwhile): saved
on the other side first, and removed from this side only once that committed."""

from __future__ import annotations

import argparse
import asyncio

from connmgr.cli.desktop import Desktop
from connmgr.cli.store import open_store
from connmgr.cli.workspace import password_prompt
from connmgr.domain.names import for_terminal
from connmgr.storage import LocalStore
from connmgr.storage.audit import AuditAction
from connmgr.team import settings_of, shared_store


def cmd_share(args: argparse.Namespace, _: Desktop) -> int:
    settings = settings_of(args.home)

    async def share(local: LocalStore) -> None:
        connection = await local.get(args.name)
        async with shared_store(args.home, settings, password_prompt) as shared, local.locked(connection) as held:
            await shared.save(held.connection, held.secrets, audit=AuditAction.CONNECT)
            await local.remove(args.name, audit=AuditAction.REMOVE)

    with open_store(args.home) as local:  # its key settled before the loop starts
        asyncio.run(share(local))
    print(for_terminal(f"Shared {args.name} with the workspace {settings.address.shown}; no copy is kept here."))
    return 0


def cmd_unshare(args: argparse.Namespace, _: Desktop) -> int:
    settings = settings_of(args.home)

    async def unshare(local: LocalStore) -> None:
        async with shared_store(args.home, settings, password_prompt) as shared:
            connection = await shared.get(args.name)
            async with shared.locked(connection) as held:
                await local.save(held.connection, held.secrets, audit=AuditAction.CONNECT)
                await shared.remove(args.name, audit=AuditAction.REMOVE)

    with open_store(args.home) as local:
        asyncio.run(unshare(local))
    print(for_terminal(f"Moved {args.name} out of the workspace; it is kept in this home only."))
    return 0
