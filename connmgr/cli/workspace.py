"""`connmgr workspace create|join|approve|remove|status`: this home in a team's workspace.

Fingerprints are compared by people, both ways: the admin compares the joining device's before approving it,
and the joining person compares the approving admin's before their device trusts it to wrap the workspace key.
Each comparison is a yes at a prompt, or the fingerprint the other side read out given as an option (for
scripts); never skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import print_json
from connmgr.cli.usage import UsageError
from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConfigError, ConnmgrError
from connmgr.domain.names import for_terminal
from connmgr.services.history import connected_by
from connmgr.services.workspace import WorkspaceMembers
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.publickeys import fingerprint
from connmgr.storage.workspace import WorkspaceAddress
from connmgr.storage.workspace.errors import WORKSPACE
from connmgr.storage.workspace.settings import WorkspaceSettings, load_settings, save_settings, settings_path
from connmgr.team import (
    device_key,
    members_of,
    record_generation,
    settings_of,
    shared_store,
    trust_of,
)

T = TypeVar("T")


async def password_prompt(shown: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return await asyncio.to_thread(getpass.getpass, f"Password for the workspace {shown}: ")


def _run(
    address: WorkspaceAddress, device: DeviceKeyPair, work: Callable[[WorkspaceMembers], Awaitable[T]], *, member: str
) -> T:
    async def main() -> T:
        async with members_of(address, device, password_prompt, member=member) as members:
            return await work(members)

    return asyncio.run(main())


def same_fingerprint(given: str, expected: str) -> bool:
    """Compared as people read them out: case and spaces do not count."""
    return "".join(given.split()).upper() == "".join(expected.split())


def _compared(question: str, expected: str, given: str | None) -> None:
    """The person's comparison of `expected` (shown before): `given` must be it, or they say yes at a prompt."""
    if given is not None:
        if not same_fingerprint(given, expected):
            raise ConfigError(
                WORKSPACE, "the fingerprints differ", "do not go on: someone may stand between the two devices"
            )
        return
    if not sys.stdin.isatty():
        raise UsageError("compare the fingerprints: give the one the other side reads out with --fingerprint")
    if input(f"{question} [y/N] ").strip().lower() != "y":
        raise ConfigError(WORKSPACE, "the fingerprints were not confirmed", "nothing was changed")


def cmd_create(args: argparse.Namespace, _: Desktop) -> int:
    address = WorkspaceAddress.parse(args.url)
    _refuse_another(args.home, address)
    member = args.member or getpass.getuser()
    device = device_key(args.home)
    info = _run(address, device, lambda members: members.create(args.name or address.shown, member), member=member)
    save_settings(args.home, WorkspaceSettings(address, member, info.id, (device.public_key,), info.generation))
    print(for_terminal(f"Created the workspace {info.name!r} at {address.shown}; this device is its admin, {member}."))
    print(f"This device's fingerprint: {device.fingerprint}")
    print("Others join with: connmgr workspace join URL --member NAME")
    return 0


def _refuse_another(home: Path, address: WorkspaceAddress) -> WorkspaceSettings | None:
    settings = load_settings(home)
    if settings is not None and settings.address.uri != address.uri:
        raise ConfigError(
            WORKSPACE,
            f"{home} already belongs to the workspace at {settings.address.shown}",
            f"use another home, or remove {settings_path(home)} first",
        )
    return settings


def cmd_join(args: argparse.Namespace, _: Desktop) -> int:
    address = WorkspaceAddress.parse(args.url)
    settings = _refuse_another(args.home, address)
    if settings is not None and settings.member != args.member:
        raise ConfigError(WORKSPACE, f"this home asked to join as {settings.member!r}", "give that name")
    device = device_key(args.home)

    async def join(members: WorkspaceMembers) -> int:
        info = await members.join(args.member)
        current = settings or WorkspaceSettings(address, args.member, info.id)
        if settings is None:
            save_settings(args.home, current)
        record = await members.own_record()
        print(f"This device's fingerprint: {device.fingerprint}")
        if record is None or record.approved_by is None:
            print(
                for_terminal(
                    f"Asked to join {info.name!r} as {args.member}. Read the fingerprint out to an admin, who runs:"
                    f" connmgr workspace approve {args.member}. Then run this command again."
                )
            )
            return 0
        admin = fingerprint(record.approved_by)
        if record.approved_by not in current.trusted_admins:
            print(f"Approved by the admin device with the fingerprint: {admin}")
            _compared("Is it the fingerprint the admin's device shows?", admin, args.admin_fingerprint)
            current = replace(current, trusted_admins=(*current.trusted_admins, record.approved_by))
            save_settings(args.home, current)
        opened, key = await members.workspace_key(trust_of(current))
        record_generation(args.home, current, opened.id, key.generation)
        print(for_terminal(f"Joined the workspace {opened.name!r} as {args.member}."))
        return 0

    return _run(address, device, join, member=args.member)


def cmd_approve(args: argparse.Namespace, _: Desktop) -> int:
    settings = settings_of(args.home)
    device = device_key(args.home)

    async def approve(members: WorkspaceMembers) -> None:
        record = await members.requester(args.member)
        print(for_terminal(f"{args.member}'s device fingerprint: {fingerprint(record.public_key)}"))
        _compared(
            f"Is it the fingerprint {args.member}'s device shows?", fingerprint(record.public_key), args.fingerprint
        )
        await members.approve(record, trust_of(settings))

    _run(settings.address, device, approve, member=settings.member)
    print(for_terminal(f"Approved {args.member}."))
    print(for_terminal(f"This device's fingerprint, for {args.member} to compare: {device.fingerprint}"))
    return 0


def cmd_remove(args: argparse.Namespace, _: Desktop) -> int:
    settings = settings_of(args.home)
    device = device_key(args.home)
    removal = _run(
        settings.address,
        device,
        lambda members: members.remove(args.member, trust_of(settings)),
        member=settings.member,
    )
    if settings.workspace_id is not None:
        record_generation(args.home, settings, settings.workspace_id, removal.generation)
    print(for_terminal(f"Removed {removal.member}; every shared secret is sealed under a new key."))
    if removal.exposed:
        print(
            for_terminal(
                f"{removal.member} could have copied the secrets of: {', '.join(removal.exposed)}. Reconnect them"
                " (a new sign-in, a new client secret) to end what may have been copied."
            )
        )
    if removal.dropped:
        print(for_terminal(f"These did not open and need a new sign-in: {', '.join(removal.dropped)}."))
    return 0


def cmd_status(args: argparse.Namespace, _: Desktop) -> int:
    settings = settings_of(args.home)
    device = device_key(args.home)

    async def status(members: WorkspaceMembers) -> dict[str, object]:
        try:
            listed = await members.status()
        except ConnmgrError as error:
            return {"online": False, "offline_reason": error.sentence, "members": []}
        return {
            "online": True,
            "members": [
                {"name": m.name, "fingerprint": m.fingerprint, "admin": m.admin, "approved": m.approved,
                 "this_device": m.this_device}
                for m in listed
            ],
        }  # fmt: skip

    report = {
        "workspace": settings.address.shown,
        "this_device": {"member": settings.member, "fingerprint": device.fingerprint},
        **_run(settings.address, device, status, member=settings.member),
    }
    if args.json:
        print_json(report)
        return 0
    print(for_terminal(f"Workspace: {report['workspace']} ({'online' if report['online'] else 'offline'})"))
    print(for_terminal(f"This device: {settings.member}, fingerprint {device.fingerprint}"))
    if not report["online"]:
        print(for_terminal(str(report["offline_reason"])))
    for member in report["members"]:  # type: ignore[attr-defined]
        role = "admin" if member["admin"] else "member"
        state = "" if member["approved"] else ", waiting for approval"
        mark = " (this device)" if member["this_device"] else ""
        print(for_terminal(f"  {member['name']}  {member['fingerprint']}  {role}{state}{mark}"))
    return 0


def shared_listing(home: Path) -> list[tuple[Connection, str | None]]:
    """The workspace's connections, each with the member who connected it (or shared it into the workspace), for
    a home that belongs to one; a workspace that cannot be read is said in one sentence and listed as empty."""
    settings = load_settings(home)
    if settings is None:
        return []

    async def listing() -> list[tuple[Connection, str | None]]:
        async with shared_store(home, settings, password_prompt) as store:
            connections = await store.list_connections()
            members = await connected_by(store)
            return [(c, members.get(c.id)) for c in connections]

    try:
        return asyncio.run(listing())
    except ConnmgrError as error:
        print(for_terminal(f"Workspace offline, its connections are not listed: {error.sentence}"), file=sys.stderr)
        return []
