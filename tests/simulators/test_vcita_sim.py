"""The vcita simulator holds to its document: login, permission dialog, 30-second code, JSON-only exchange."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tests.simulators.fixtures import PASSWORD, USERNAME, SeededSimulator
from tests.simulators.vcita import (
    ACCESS_TOKEN_LIFETIME,
    AUTHORIZE_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    VcitaSimulator,
)
from tests.support.signin import Page, SignInDriver

Seeded = SeededSimulator[VcitaSimulator]


def authorize_url(seeded: Seeded, state: str = "st-1") -> str:
    params = {
        "client_id": seeded.client.client_id,
        "redirect_uri": seeded.client.redirect_uri,
        "response_type": "code",
        "state": state,
    }
    return f"{seeded.sim.base_url}{AUTHORIZE_PATH}?{urlencode(params)}"


async def sign_in(seeded: Seeded, button: str | None = "Allow") -> dict[str, str]:
    """Sign in and answer the permission dialog (if `button`); the callback's query parameters."""
    async with SignInDriver(stop_at=seeded.client.redirect_uri) as browser:
        page = await browser.open(authorize_url(seeded))
        page = await browser.submit(page, {"username": USERNAME, "password": PASSWORD}, button="Sign in")
        if button is not None:
            assert isinstance(page, Page)
            assert "<title>Grant access - vcita</title>" in page.text
            page = await browser.submit(page, button=button)
    assert isinstance(page, str)
    return dict(parse_qsl(urlsplit(page).query))


def token_request(seeded: Seeded, code: str, **overrides: str) -> dict[str, str]:
    client = seeded.client
    assert client.client_secret is not None
    return {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": client.redirect_uri,
        **overrides,
    }


async def exchange(http: httpx.AsyncClient, seeded: Seeded, code: str, **overrides: str) -> httpx.Response:
    return await http.post(seeded.sim.base_url + TOKEN_PATH, json=token_request(seeded, code, **overrides))


async def test_allow_then_json_exchange_gives_the_documented_token(vcita_sim: Seeded, http: httpx.AsyncClient) -> None:
    vcita_sim.sim.clock.advance(3600)  # created_at must come from the simulator's clock
    callback = await sign_in(vcita_sim)
    assert list(callback) == ["code", "state"]
    assert callback["state"] == "st-1"

    response = await exchange(http, vcita_sim, callback["code"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "created_at": body["created_at"],
    }
    assert abs(body["created_at"] - vcita_sim.sim.clock.now()) < 5

    url = vcita_sim.sim.base_url + USERINFO_PATH
    userinfo = await http.get(url, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert userinfo.json()["data"]["email"] == vcita_sim.user.email
    assert (await http.get(url, headers={"x-access-token": body["access_token"]})).status_code == 401


async def test_trusted_app_skips_the_permission_dialog(vcita_sim: Seeded) -> None:
    vcita_sim.sim.register_client(vcita_sim.client.client_id, [vcita_sim.client.redirect_uri], trusted=True)
    assert "code" in await sign_in(vcita_sim, button=None)


async def test_deny_sends_back_access_denied_and_the_state(vcita_sim: Seeded) -> None:
    callback = await sign_in(vcita_sim, button="Deny")
    assert callback["error"] == "access_denied"
    assert callback["state"] == "st-1"
    assert "code" not in callback


async def test_authorize_refuses_unknown_redirect_uri_and_missing_state(
    vcita_sim: Seeded, http: httpx.AsyncClient
) -> None:
    for url in (authorize_url(vcita_sim).replace("callback", "other"), authorize_url(vcita_sim, state="")):
        page = await http.get(url)
        assert page.status_code == 400
        assert "location" not in page.headers


async def test_exchange_accepts_json_only(vcita_sim: Seeded, http: httpx.AsyncClient) -> None:
    code = (await sign_in(vcita_sim))["code"]
    form = await http.post(vcita_sim.sim.base_url + TOKEN_PATH, data=token_request(vcita_sim, code))
    assert form.status_code == 400
    assert form.json()["error"] == "invalid_request"
    assert (await exchange(http, vcita_sim, code)).status_code == 200


async def test_exchange_checks_client_secret_and_redirect_uri(vcita_sim: Seeded, http: httpx.AsyncClient) -> None:
    code = (await sign_in(vcita_sim))["code"]
    wrong_secret = await exchange(http, vcita_sim, code, client_secret="guess")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"
    wrong_redirect = await exchange(http, vcita_sim, code, redirect_uri="http://127.0.0.1:8765/other")
    assert wrong_redirect.status_code == 400
    assert wrong_redirect.json()["error"] == "invalid_grant"


async def test_code_lives_30_seconds_and_works_once(vcita_sim: Seeded, http: httpx.AsyncClient) -> None:
    code = (await sign_in(vcita_sim))["code"]
    vcita_sim.sim.clock.advance(31)
    assert (await exchange(http, vcita_sim, code)).json()["error"] == "invalid_grant"

    code = (await sign_in(vcita_sim))["code"]
    assert (await exchange(http, vcita_sim, code)).status_code == 200
    assert (await exchange(http, vcita_sim, code)).json()["error"] == "invalid_grant"


async def test_revoked_token_is_refused(vcita_sim: Seeded, http: httpx.AsyncClient) -> None:
    token = (await exchange(http, vcita_sim, (await sign_in(vcita_sim))["code"])).json()["access_token"]
    assert vcita_sim.sim.revoke_token(token)
    userinfo = await http.get(vcita_sim.sim.base_url + USERINFO_PATH, headers={"Authorization": f"Bearer {token}"})
    assert userinfo.status_code == 401
    assert userinfo.json()["error"] == "invalid_token"
