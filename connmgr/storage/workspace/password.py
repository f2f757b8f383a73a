"""A workspace's password, never on a command line: libpq's own `PGPASSWORD` or `~/.pgpass` (or none, where the
server asks for none), else the one kept in the keyring, else a prompt, whose answer is then kept in the keyring
once the server has taken it. The keyring is asked only when the server wants a password libpq did not have.

The keyring entry is named by the address as shown (`WorkspaceAddress.shown`): user, host, port and database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from connmgr.storage.keyring_thread import KeyringThread
from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.errors import WrongPassword, refused

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db

log = logging.getLogger("connmgr.storage")

KEYRING_SERVICE = "connmgr workspace"
KEYRING_TIMEOUT_S = 10.0
# Asked for the password of the workspace named; None: the person declined.
Prompt = Callable[[str], Awaitable[str | None]]

# Unless the address says otherwise: give up on a server that does not answer, and notice a connection that
# died without a word (a laptop's network gone, a server's host down) within half a minute, idle or not.
_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "30000",
    "application_name": "connmgr",
}
_keyring = KeyringThread(KEYRING_TIMEOUT_S)


class Credentials:
    """Opens connections to one workspace, finding its password once per object."""

    def __init__(self, address: WorkspaceAddress, prompt: Prompt | None = None) -> None:
        self.address = address
        self._prompt = prompt
        self._password: str | None = None  # once one worked: libpq's own did not

    async def connect(self) -> Db:
        """A new autocommit connection; the typed `StoreRefused` if the server would not have one."""
        try:
            return await self._connect(self._password)
        except WrongPassword as wrong:
            self._password = None  # none was given, or the one that worked was changed since
            refusal = wrong
        kept = await asyncio.to_thread(_kept, self.address.shown)
        if kept:
            with contextlib.suppress(WrongPassword):  # changed since it was kept: ask
                return await self._connect_with(kept)
        asked = await self._asked()
        if not asked:
            raise refusal
        connection = await self._connect_with(asked)
        await asyncio.to_thread(_keep, self.address.shown, asked)
        return connection

    async def _connect_with(self, password: str) -> Db:
        connection = await self._connect(password)
        self._password = password
        return connection

    async def _asked(self) -> str | None:
        return None if self._prompt is None else await self._prompt(self.address.shown)

    @property
    def _host(self) -> str:
        return self.address.parameters.get("host", "localhost")

    async def _connect(self, password: str | None) -> Db:
        import psycopg
        from psycopg.conninfo import make_conninfo

        options = {key: value for key, value in _DEFAULTS.items() if key not in self.address.parameters}
        if password is not None:
            options["password"] = password
        try:
            return await psycopg.AsyncConnection.connect(make_conninfo(self.address.uri, **options), autocommit=True)
        except psycopg.OperationalError as error:
            raise refused(error, self.address.shown, self._host, connecting=True) from None


def _kept(shown: str) -> str | None:
    import keyring
    import keyring.errors

    try:
        return _keyring.call(lambda: keyring.get_password(KEYRING_SERVICE, shown))
    except Exception as error:  # no keyring, a locked one, one that hangs: libpq and the prompt remain
        log.warning("the workspace password could not be read from the keyring: %s", type(error).__name__)
        return None


def _keep(shown: str, password: str) -> None:
    import keyring

    try:
        _keyring.call(lambda: keyring.set_password(KEYRING_SERVICE, shown, password))
    except Exception as error:  # it works this time; the prompt asks again next time
        log.warning("the workspace password could not be kept in the keyring: %s", type(error).__name__)
