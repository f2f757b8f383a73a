"""Saving a connection without the sign-in window, for CLI tests of browser-only vendors."""

import asyncio

from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import KeyringDataKey, LocalStore
from connmgr.templates import load_catalog
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import PersonAtVendor, connected
from tests.support.providers import provider_for

CONSENT_BUTTONS = {"vaultre": "Confirm", "vcita": "Allow"}


def seed_connection(home, template_id, seeded, name):
    """Sign in at the simulator as a person would, and save the connection in `home` as the window would."""

    async def run():
        home.mkdir(parents=True, exist_ok=True)
        store = LocalStore(home, KeyringDataKey(home))
        try:
            async with OAuthClient() as client:
                connections = Connections(store, load_catalog().catalog, client)
                person = PersonAtVendor(USERNAME, PASSWORD, CONSENT_BUTTONS[template_id])
                return await connected(connections, name, provider_for(template_id, seeded), person)
        finally:
            store.close()

    return asyncio.run(run())


def seed_vaultre_connection(home, seeded, name="Harbourside"):
    return seed_connection(home, "vaultre", seeded, name)
