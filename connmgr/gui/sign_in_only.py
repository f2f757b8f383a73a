"""`connmgr connect ...` with the authorization-code flow: only the sign-in window, then exit.

The command line hands over the store it opened; this runs Qt and the qasync
loop just long enough for one sign-in and saves the connection.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.gui.qt_start import start_qt
from connmgr.gui.sign_in_flow import EmbeddedBrowser
from connmgr.oauth.client import OAuthClient
from connmgr.services.connecting import Cancelled, Saved
from connmgr.services.connections import Connections
from connmgr.services.loopback import LoopbackBrowser
from connmgr.storage import LocalStore
from connmgr.templates import load_catalog


def sign_in_and_save(
    store: LocalStore, name: str, template_id: str, values: dict[str, str]
) -> Connection | Denied | AuthorizationFailed:
    _, loop = start_qt()

    async def main() -> Connection | Denied | AuthorizationFailed:
        async with OAuthClient() as client:
            connections = Connections(store, load_catalog(store.home / "templates").catalog, client)
            provider = connections.new_provider(template_id, values, Flow.AUTHORIZATION_CODE)
            outcome = await connections.connect(
                name,
                provider,
                system=LoopbackBrowser(lambda url: QDesktopServices.openUrl(QUrl(url))),
                embedded=EmbeddedBrowser(None),
            )
            match outcome:
                case Saved():
                    return outcome.connection
                case Denied() | AuthorizationFailed():
                    return outcome
                case Cancelled():
                    raise ConfigError(provider.vendor, "the sign-in was cancelled", "nothing was saved")
                case _:  # the window's failure (nobody is asked about a twin here, and nothing stops it)
                    raise ConfigError(provider.vendor, outcome.sentence, "nothing was saved")

    with loop:
        result: Connection | Denied | AuthorizationFailed = loop.run_until_complete(main())
    return result
