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
from connmgr.gui.sign_in_flow import sign_in
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import LocalStore
from connmgr.templates import load_catalog


def sign_in_and_save(
    store: LocalStore, name: str, template_id: str, values: dict[str, str]
) -> Connection | Denied | AuthorizationFailed:
    _, loop = start_qt()

    async def main() -> Connection | Denied | AuthorizationFailed:
        async with OAuthClient() as client:
            connections = Connections(store, load_catalog(store.home / "templates").catalog, client)
            await connections.check_name_free(name)
            provider = connections.new_provider(template_id, values, Flow.AUTHORIZATION_CODE)
            outcome = await sign_in(
                connections, provider, system_browser=False, open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
                parent=None,
            )  # fmt: skip
            if outcome.sign_in is None or outcome.callback_url is None:
                raise ConfigError(provider.vendor, outcome.sentence or "the sign-in was cancelled", "nothing was saved")
            return await connections.complete_sign_in(name, outcome.sign_in, outcome.callback_url)

    with loop:
        result: Connection | Denied | AuthorizationFailed = loop.run_until_complete(main())
    return result
