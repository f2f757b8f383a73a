"""Saving a connection without the sign-in window, for CLI tests of browser-only vendors."""

import asyncio

from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import ConnectionStore, KeyringDataKey
from connmgr.templates import load_catalog
from tests.engine.conftest import provider_for
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import browse_to_callback


def seed_vaultre_connection(home, seeded, name="Harbourside"):
    async def run():
        home.mkdir(parents=True, exist_ok=True)
        store = ConnectionStore(home, KeyringDataKey(home))
        try:
            async with OAuthClient() as client:
                connections = Connections(store, load_catalog().catalog, client)
                sign_in = await connections.begin_sign_in(provider_for("vaultre", seeded))
                callback = await browse_to_callback(
                    sign_in.request.url, sign_in.request.redirect_uri, USERNAME, PASSWORD, "Confirm"
                )
                return await connections.complete_sign_in(name, sign_in, callback)
        finally:
            store.close()

    return asyncio.run(run())
