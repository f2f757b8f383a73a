"""This home's workspace opened, for the command line and the window alike: the workspace the home belongs to, this
device's key pair, the members' directory, and the shared connections sealed under the workspace key, which the
device opens when first needed. Each newer key generation opened is recorded in the home, where the database cannot
change it. How a password is asked (a terminal's prompt, a dialog) is the caller's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from connmgr.domain.errors import ConfigError
from connmgr.services.workspace import Trust, WorkspaceMembers
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.interface import ConnectionStore
from connmgr.storage.members.device import KeyringDeviceKey
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.workspace import WorkspaceAddress, WorkspaceStore
from connmgr.storage.workspace.errors import WORKSPACE
from connmgr.storage.workspace.membership import Membership
from connmgr.storage.workspace.password import Prompt
from connmgr.storage.workspace.sealing import WorkspaceKeySealing
from connmgr.storage.workspace.settings import WorkspaceSettings, load_settings, save_settings


def device_key(home: Path) -> DeviceKeyPair:
    return KeyringDeviceKey(home).load_or_create()


def settings_of(home: Path) -> WorkspaceSettings:
    settings = load_settings(home)
    if settings is None:
        raise ConfigError(
            WORKSPACE,
            f"{home} belongs to no workspace",
            "create one with connmgr workspace create URL, or join one with connmgr workspace join URL --member NAME",
        )
    return settings


def trust_of(settings: WorkspaceSettings) -> Trust:
    return Trust(settings.trusted_admins, settings.generation)


def record_generation(home: Path, settings: WorkspaceSettings, workspace_id: str, generation: int) -> None:
    """Keep in the home that this device opened `generation` of the workspace's key: an older one is refused."""
    if generation > settings.generation or settings.workspace_id != workspace_id:
        save_settings(
            home, replace(settings, workspace_id=workspace_id, generation=max(generation, settings.generation))
        )


@asynccontextmanager
async def members_of(
    address: WorkspaceAddress, device: DeviceKeyPair, prompt: Prompt | None, *, member: str
) -> AsyncIterator[WorkspaceMembers]:
    """The workspace's members, as `member` of it (whom its audit log names, as for the connections' entries)."""
    directory = Membership(address, prompt, actor=member)
    try:
        yield WorkspaceMembers(directory, device)
    finally:
        directory.close()


@asynccontextmanager
async def shared_store(home: Path, settings: WorkspaceSettings, prompt: Prompt | None) -> AsyncIterator[WorkspaceStore]:
    """The workspace's connections, sealed under the workspace key this device opens on first use."""
    device = await asyncio.to_thread(device_key, home)
    async with members_of(settings.address, device, prompt, member=settings.member) as members:
        with _sealed_store(home, settings, members, prompt) as store:
            yield store


def _sealed_store(
    home: Path, settings: WorkspaceSettings, members: WorkspaceMembers, prompt: Prompt | None
) -> WorkspaceStore:
    async def open_key() -> tuple[str, WorkspaceKey]:
        current = _settings_now(home, settings)
        info, key = await members.workspace_key(trust_of(current))
        record_generation(home, current, info.id, key.generation)
        return info.id, key

    return WorkspaceStore(settings.address, WorkspaceKeySealing(open_key), actor=settings.member, prompt=prompt)


@dataclass(frozen=True)
class Team:
    """A home joined to its workspace: the store over both sides, and this device's part in the membership."""

    home: Path
    settings: WorkspaceSettings
    store: HomeAndWorkspace
    workspace: WorkspaceStore  # its side of `store`
    members: WorkspaceMembers

    def trust(self) -> Trust:
        return trust_of(_settings_now(self.home, self.settings))

    def record(self, workspace_id: str, generation: int) -> None:
        record_generation(self.home, _settings_now(self.home, self.settings), workspace_id, generation)


def _settings_now(home: Path, opened_with: WorkspaceSettings) -> WorkspaceSettings:
    """What the home records now: the admins this device trusts and the newest key it opened may have grown since
    the workspace was opened (an approval, a rotation)."""
    return load_settings(home) or opened_with


@asynccontextmanager
async def team_of(home: Path, local: ConnectionStore, prompt: Prompt | None) -> AsyncIterator[Team | None]:
    """The home's team (None: the home belongs to no workspace). Nothing waits on the network here: the workspace
    is asked when first used."""
    settings = load_settings(home)
    if settings is None:
        yield None
        return
    device = await asyncio.to_thread(device_key, home)
    async with members_of(settings.address, device, prompt, member=settings.member) as members:
        with _sealed_store(home, settings, members, prompt) as workspace:
            yield Team(home, settings, HomeAndWorkspace(local, workspace, where=workspace.where), workspace, members)


@asynccontextmanager
async def joined(
    home: Path, local: ConnectionStore, prompt: Prompt | None, *, shared: bool = False
) -> AsyncIterator[ConnectionStore]:
    """`local`, with the workspace's connections beside it when the home belongs to one (`shared`: it must, and a
    new connection is saved there; one that cannot be reached says so now, before anyone signs in)."""
    settings = settings_of(home) if shared else load_settings(home)
    if settings is None:
        yield local
        return
    async with shared_store(home, settings, prompt) as workspace:
        if shared:
            await workspace.list_connections()
        new_side = Side.WORKSPACE if shared else Side.HOME
        yield HomeAndWorkspace(local, workspace, where=workspace.where, new_side=lambda _: new_side)
