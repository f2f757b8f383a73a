"""A device sign-in saved as a connection: the person who entered the code is its account, and it works like any."""

import pytest

from connmgr.domain.dialect import Flow
from connmgr.services.connecting import Saved
from connmgr.storage.errors import NameTaken
from tests.support.flows import PassingTime, device_provider, enter_device_code
from tests.support.oidc_fixtures import BOB


async def connect_bob(connections, server, name, shown):
    time = PassingTime()
    time.during[1] = lambda: enter_device_code(shown[-1].verification_uri_complete, BOB.username, BOB.password)
    outcome = await connections.connect(name, device_provider(server), device=shown.append, sleep=time.sleep)
    assert isinstance(outcome, Saved), outcome
    return outcome.connection, time


async def test_a_completed_device_sign_in_saves_a_connection_with_the_person_s_account(connections, device_server):
    saved, time = await connect_bob(connections, device_server, "bob-device", [])

    assert saved.account == BOB.email
    stored = await connections.store.get("bob-device")
    assert (stored.account, stored.flow) == (BOB.email, Flow.DEVICE_CODE)
    checked = await connections.check("bob-device")  # its token works at the provider's userinfo
    assert (checked.status, checked.identity) == (200, BOB.email)
    assert len(time.waits) == 1  # signed in during the first wait: the first poll had the tokens


async def test_a_name_taken_is_refused_before_any_code_is_shown(connections, device_server):
    shown = []
    await connect_bob(connections, device_server, "taken", shown)
    with pytest.raises(NameTaken):
        await connect_bob(connections, device_server, "taken", shown)
    assert len(shown) == 1
