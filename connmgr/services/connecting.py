"""The one road from a sign-in to a saved connection: what it asks of its caller, and how it ends.

The window, the command line and the sign-in-only mode all go through `Connections.connect`. What differs between
them is supplied here as small parts: the browser (the embedded sign-in window, or the system browser back through
the loopback listener), the answer to "save a second connection to the same account?" (a dialog, or the command
line's), and whether the person may stop the attempt (the Connect dialog's Cancel while busy).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from connmgr.domain.authorize import AuthorizeRequest
from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.provider import Provider
from connmgr.services.signin import Connected

# -- how a browser's part ends


@dataclass(frozen=True)
class Redirected:
    """The browser was sent back to the redirect URI: the URL it asked for, not yet judged."""

    url: str = field(repr=False)  # carries the code


@dataclass(frozen=True)
class Cancelled:
    """The person closed the sign-in before it came back."""

    vendor: str

    @property
    def sentence(self) -> str:
        return f"{self.vendor}: the sign-in was cancelled; nothing was saved."


@dataclass(frozen=True)
class Failed:
    """The sign-in ended without a redirect, for a reason the browser said in one sentence."""

    sentence: str
    field: str | None = None  # the template field the vendor's page named, when there was one


@dataclass(frozen=True)
class UseSystemBrowser:
    """The person asked, in the embedded window, to sign in in their own browser instead."""


Browsed = Redirected | Cancelled | Failed

# Prepares the sign-in for a redirect URI (None: the configured one) and hands back the request to open.
Begin = Callable[[str | None], Awaitable[AuthorizeRequest]]


class SignInBrowser(Protocol):
    """Shows the authorize URL and catches the redirect; raises `ConnmgrError` when it cannot even start."""

    async def browse(self, provider: Provider, begin: Begin) -> Browsed | UseSystemBrowser: ...


class SystemBrowser(Protocol):
    """The person's own browser: the last resort, so it hands over to nobody."""

    async def browse(self, provider: Provider, begin: Begin) -> Browsed: ...


# -- how the road ends


@dataclass(frozen=True)
class Saved:
    connection: Connection


@dataclass(frozen=True)
class AlreadyConnected:
    """The person chose not to save a second connection to an account already connected."""

    account: str
    twin: Connection

    @property
    def sentence(self) -> str:
        return (
            f"Nothing was saved: {self.account} is already connected as “{self.twin.name}”; "
            "sign in with the account you meant."
        )


@dataclass(frozen=True)
class Stopped:
    """The person stopped the attempt before the tokens were in."""

    @property
    def sentence(self) -> str:
        return "Stopped before connecting; nothing was saved."


Obtained = Connected | Denied | AuthorizationFailed | Cancelled | Failed
NotSaved = Denied | AuthorizationFailed | Cancelled | Failed | AlreadyConnected | Stopped  # each says why in `sentence`
ConnectOutcome = Saved | NotSaved

# Whether to save `Connected` although `Connection` is already connected to the same account.
SaveTwin = Callable[[Connected, Connection], Awaitable[bool]]
# Runs the part up to the tokens so that the person may stop it; the question and the save are never cut short.
Stoppable = Callable[[Awaitable[Obtained]], Awaitable[Obtained | Stopped]]


async def save_twins(connected: Connected, twin: Connection) -> bool:
    """The answer where nobody is asked (the command line): a second connection to one account is saved."""
    return True
