"""The VaultRE simulator holds to its document: pages, exact redirect URIs, form exchange, API key + token."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from tests.simulators.fixtures import PASSWORD, REDIRECT_URI, USERNAME, SeededSimulator
from tests.simulators.vaultre import (
    ACCOUNT_PATH,
    AUTHORIZE_ACCOUNT_PATH,
    AUTHORIZE_USER_PATH,
    EXCHANGE_PATH,
    USER_PATH,
    VaultRESimulator,
)
from tests.support.signin import Page, SignInDriver

Seeded = SeededSimulator[VaultRESimulator]


def authorize_url(seeded: Seeded, path: str, redirect_uri: str | None = None, **extra: str) -> str:
    params = {
        "client_id": seeded.client.client_id,
        "redirect_uri": redirect_uri or seeded.client.redirect_uri,
        "response_type": "code",
        **extra,
    }
    return f"{seeded.sim.base_url}{path}?{urlencode(params)}"


async def answer_consent(url: str, button: str, *, username: str = USERNAME, redirect_uri: str = REDIRECT_URI) -> str:
    """Sign in, press `button` on Office Integrations, return the callback URL."""
    async with SignInDriver(stop_at=redirect_uri) as browser:
        login = await browser.open(url)
        consent = await browser.submit(login, {"username": username, "password": PASSWORD}, button="Sign in")
        assert isinstance(consent, Page)
        assert "Office Integrations" in consent.text
        callback = await browser.submit(consent, button=button)
    assert isinstance(callback, str)
    return callback


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def exchange(http: httpx.AsyncClient, seeded: Seeded, code: str) -> httpx.Response:
    url = seeded.sim.base_url + EXCHANGE_PATH
    return await http.post(url, data={"client_id": seeded.client.client_id, "code": code})


def api_headers(seeded: Seeded, token: str) -> dict[str, str]:
    return {"X-Api-Key": seeded.sim.api_key, "Authorization": f"Bearer {token}"}


async def fresh_code(seeded: Seeded, path: str = AUTHORIZE_USER_PATH) -> str:
    return query_of(await answer_consent(authorize_url(seeded, path), "Confirm"))["code"]


async def test_user_token_flow_ends_in_an_api_token_used_with_the_api_key(
    vaultre_sim: Seeded, http: httpx.AsyncClient
) -> None:
    callback = await answer_consent(authorize_url(vaultre_sim, AUTHORIZE_USER_PATH, state="s-1"), "Confirm")
    params = query_of(callback)
    assert list(params) == ["reason", "code", "state"]
    assert params["reason"] == "success"
    assert params["state"] == "s-1"

    response = await exchange(http, vaultre_sim, params["code"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    token = response.json()["token"]
    assert response.json() == {"token": token, "message": "Token generated successfully"}

    base_url = vaultre_sim.sim.base_url
    me = await http.get(base_url + USER_PATH, headers=api_headers(vaultre_sim, token))
    assert me.json() == {
        "id": vaultre_sim.user.id,
        "firstName": "Alice",
        "lastName": "Example",
        "email": vaultre_sim.user.email,
    }
    token_only = await http.get(base_url + USER_PATH, headers={"Authorization": f"Bearer {token}"})
    assert token_only.status_code == 401
    office = await http.get(base_url + ACCOUNT_PATH, headers=api_headers(vaultre_sim, token))
    assert office.status_code == 403  # a user token is not an office token


async def test_office_token_needs_a_system_admin(vaultre_sim: Seeded, http: httpx.AsyncClient) -> None:
    vaultre_sim.sim.add_user("bob", PASSWORD)
    async with SignInDriver(stop_at=vaultre_sim.client.redirect_uri) as browser:
        login = await browser.open(authorize_url(vaultre_sim, AUTHORIZE_ACCOUNT_PATH))
        refused = await browser.submit(login, {"username": "bob", "password": PASSWORD}, button="Sign in")
    assert isinstance(refused, Page)
    assert refused.status == 403
    assert not refused.forms

    code = await fresh_code(vaultre_sim, AUTHORIZE_ACCOUNT_PATH)
    token = (await exchange(http, vaultre_sim, code)).json()["token"]
    office = await http.get(vaultre_sim.sim.base_url + ACCOUNT_PATH, headers=api_headers(vaultre_sim, token))
    assert office.json() == {"id": vaultre_sim.sim.office_id, "name": vaultre_sim.sim.office_name}


async def test_redirect_uri_must_be_one_of_the_registered_ones_query_included(
    vaultre_sim: Seeded, http: httpx.AsyncClient
) -> None:
    base = "http://127.0.0.1:8765/some-stuff/auth"
    registered = [base, *(f"{base}?exampleparameter=value{n}" for n in (1, 2, 3))]
    vaultre_sim.sim.register_client(vaultre_sim.client.client_id, registered)

    callback = await answer_consent(
        authorize_url(vaultre_sim, AUTHORIZE_USER_PATH, f"{base}?exampleparameter=value1"),
        "Confirm",
        redirect_uri=base,
    )
    assert callback.startswith(f"{base}?exampleparameter=value1&reason=success&code=")

    for unregistered in (f"{base}?exampleparameter=value4", f"{base}?differentparameter=value1", f"{base}/"):
        page = await http.get(authorize_url(vaultre_sim, AUTHORIZE_USER_PATH, unregistered))
        assert page.status_code == 400
        assert "location" not in page.headers
        assert "<title>Error - VaultRE</title>" in page.text


async def test_cancel_sends_back_user_denied_request_and_the_state(vaultre_sim: Seeded) -> None:
    callback = await answer_consent(authorize_url(vaultre_sim, AUTHORIZE_USER_PATH, state="s-2"), "Cancel")
    assert callback == f"{vaultre_sim.client.redirect_uri}?reason=User%20denied%20request&state=s-2"


@pytest.mark.parametrize("extra", [{"scope": "all"}, {"exampleparameter": "value1"}])
async def test_custom_authorize_parameters_are_refused(
    vaultre_sim: Seeded, http: httpx.AsyncClient, extra: dict[str, str]
) -> None:
    page = await http.get(authorize_url(vaultre_sim, AUTHORIZE_USER_PATH, **extra))
    assert page.status_code == 400
    assert "location" not in page.headers


async def test_exchange_takes_exactly_client_id_and_code_as_a_form(
    vaultre_sim: Seeded, http: httpx.AsyncClient
) -> None:
    code = await fresh_code(vaultre_sim)
    url, client_id = vaultre_sim.sim.base_url + EXCHANGE_PATH, vaultre_sim.client.client_id
    as_json = await http.post(url, json={"client_id": client_id, "code": code})
    with_more = await http.post(url, data={"client_id": client_id, "code": code, "state": "x"})
    in_query = await http.post(url, params={"client_id": client_id, "code": code})
    assert [r.status_code for r in (as_json, with_more, in_query)] == [400, 400, 400]
    assert as_json.json()["token"] is None
    assert (await exchange(http, vaultre_sim, code)).status_code == 200  # refusals did not use the code up


async def test_code_lives_60_seconds_and_works_once(vaultre_sim: Seeded, http: httpx.AsyncClient) -> None:
    code = await fresh_code(vaultre_sim)
    vaultre_sim.sim.clock.advance(61)
    expired = await exchange(http, vaultre_sim, code)
    assert expired.status_code == 400
    assert expired.json() == {"token": None, "message": "Invalid or expired code"}

    code = await fresh_code(vaultre_sim)
    vaultre_sim.sim.clock.advance(59)
    assert (await exchange(http, vaultre_sim, code)).status_code == 200
    assert (await exchange(http, vaultre_sim, code)).status_code == 400


async def test_a_token_revoked_in_vaultre_is_refused(vaultre_sim: Seeded, http: httpx.AsyncClient) -> None:
    token = (await exchange(http, vaultre_sim, await fresh_code(vaultre_sim))).json()["token"]
    assert vaultre_sim.sim.revoke_token(token)
    me = await http.get(vaultre_sim.sim.base_url + USER_PATH, headers=api_headers(vaultre_sim, token))
    assert me.status_code == 401
