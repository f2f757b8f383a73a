"""A revocation at the vendor's side shows: a who-am-I refusal of a token that has not expired is recorded as
"Needs sign-in" (after one refresh, where there is a refresh token), and such a token is never handed out.

Against vcita (long-lived tokens, no refresh token), iOFFICE (rotating refresh tokens) and, for a machine's token
that a standard userinfo endpoint refuses whatever its state, the OpenID provider.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connmgr.domain.connection import Status
from connmgr.domain.errors import GrantError, TokenRejected
from connmgr.domain.health import Health, health
from connmgr.storage.audit import AuditAction
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.simulators.ioffice import ME_PATH, TOKEN_PATH
from tests.support.flows import PersonAtVendor, connected
from tests.support.providers import generic_machine, provider_for
from tests.support.refreshing import connect_ioffice
from tests.support.secrets import leaked


async def connect_vcita(connections, seeded, name: str = "Front desk"):
    person = PersonAtVendor(USERNAME, PASSWORD, "Allow")
    return await connected(connections, name, provider_for("vcita", seeded), person)


async def test_a_revoked_vcita_token_needs_sign_in_and_is_not_handed_out(connections, vcita_sim, tmp_path: Path):
    sim = vcita_sim.sim
    await connect_vcita(connections, vcita_sim)
    assert (await connections.check("Front desk")).identity == "alice@example.com"
    assert sim.revoke_token(connections.store.database.secrets("Front desk").access_token)

    with pytest.raises(TokenRejected) as refused:
        await connections.check("Front desk")

    sentence = refused.value.sentence
    assert "The access token is invalid, expired or revoked." in sentence  # vcita's own words
    assert "revoked at the vendor" in sentence and leaked(sim.issued_secrets(), sentence) == []
    stored = connections.store.database.get("Front desk")
    assert stored.status is Status.NEEDS_SIGN_IN and stored.status_detail == sentence
    assert health(stored, connections.now()) is Health.NEEDS_SIGN_IN
    with pytest.raises(GrantError, match="needs signing in again"):
        await connections.access_token("Front desk")
    with pytest.raises(GrantError, match="needs signing in again"):
        await connections.export(["Front desk"], tmp_path / ".env")
    assert not (tmp_path / ".env").exists()


async def test_a_check_tells_the_status_time_and_identity_or_the_vendors_words_and_is_recorded(connections, vcita_sim):
    sim = vcita_sim.sim
    connection = await connect_vcita(connections, vcita_sim)
    accepted = await connections.check("Front desk")
    assert (accepted.status, accepted.identity, accepted.words, accepted.refused) == (
        200,
        "alice@example.com",
        "",
        False,
    )
    assert 0 <= accepted.elapsed_ms < 10_000 and accepted.at == pytest.approx(connections.now(), abs=60)
    assert sim.revoke_token(connections.store.database.secrets("Front desk").access_token)

    with pytest.raises(TokenRejected):
        await connections.check("Front desk")

    refused = connections.last_checks[connection.id]
    assert (refused.status, refused.identity, refused.refused) == (401, None, True)
    assert refused.words == "The access token is invalid, expired or revoked."
    checks = [e for e in await connections.store.audit_log(connection.id) if e.action == AuditAction.CHECK]
    assert [e.detail for e in checks] == [accepted.summary, refused.summary]
    assert re.fullmatch(r"HTTP 200 in \d+ ms, as alice@example\.com", checks[0].detail)
    assert re.fullmatch(
        r"HTTP 401 in \d+ ms, refused: “The access token is invalid, expired or revoked\.”", checks[1].detail
    )
    assert leaked(sim.issued_secrets(), " ".join(e.detail for e in checks)) == []


async def test_a_revoked_access_token_with_a_live_refresh_token_is_refreshed_once_and_stays_connected(
    connections, ioffice_sim
):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    signed_in = connections.store.database.secrets("Acme")
    sim.access_tokens.revoke(signed_in.access_token)
    before = len(sim.requests_to(TOKEN_PATH))

    assert (await connections.check("Acme")).identity == "alice@example.com"

    assert len(sim.requests_to(TOKEN_PATH)) - before == 1  # one refresh, then asked again
    now = connections.store.database.secrets("Acme")
    assert now.refresh_token != signed_in.refresh_token and sim.refresh_tokens.find(now.refresh_token) is not None
    assert connections.store.database.get("Acme").status is Status.CONNECTED
    assert await connections.access_token("Acme") == now.access_token


async def test_a_revoked_grant_ends_in_needs_sign_in_with_the_token_endpoints_words(connections, ioffice_sim):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    stored = connections.store.database.secrets("Acme")
    sim.access_tokens.revoke(stored.access_token)
    sim.refresh_tokens.revoke(stored.refresh_token)
    me_before = len(sim.requests_to(ME_PATH))

    with pytest.raises(GrantError) as refused:
        await connections.check("Acme")

    assert "The refresh token is invalid, revoked or already used." in refused.value.sentence
    assert len(sim.requests_to(ME_PATH)) - me_before == 1  # not asked again with the tokens it refused
    assert connections.store.database.get("Acme").status is Status.NEEDS_SIGN_IN
    with pytest.raises(GrantError, match="needs signing in again"):
        await connections.access_token("Acme")


async def test_tokens_replaced_meanwhile_are_not_marked_for_a_refusal_of_their_predecessors(connections, ioffice_sim):
    await connect_ioffice(connections, ioffice_sim, "Acme")
    old = connections.store.database.get("Acme"), connections.store.database.secrets("Acme")
    await connections.refresh("Acme")  # elsewhere, while the old token's who-am-I call was out
    refusal = TokenRejected("iOFFICE", "the API refused the access token", "sign in again")

    successor = await connections.refresher.needs_sign_in(*old, refusal)

    assert successor is not None and successor[1] == connections.store.database.secrets("Acme")
    assert connections.store.database.get("Acme").status is Status.CONNECTED


async def test_a_machine_token_refused_by_userinfo_is_not_taken_for_a_revocation(connections, oidc_server):
    provider = generic_machine(oidc_server)
    await connected(connections, "Machine", provider)

    with pytest.raises(TokenRejected, match="not verified"):
        await connections.check("Machine")

    assert connections.store.database.get("Machine").status is Status.CONNECTED
    assert await connections.access_token("Machine") == connections.store.database.secrets("Machine").access_token
