"""What the command line needs from the desktop: the command line may not import Qt (it must run where there is
no display), so app.py hands these in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.storage import LocalStore

BrowserSignIn = Callable[[LocalStore, str, str, dict[str, str]], Connection | Denied | AuthorizationFailed]


@dataclass(frozen=True)
class Desktop:
    browser_sign_in: BrowserSignIn | None = None  # the embedded sign-in window
    copy_to_clipboard: Callable[[str], None] | None = None
