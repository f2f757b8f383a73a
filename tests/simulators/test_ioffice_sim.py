"""The iOFFICE and Eptura Workplace simulators hold to their documents.

Both: five-parameter login.html, code in the fragment, header-only token API, millisecond expiry, rotating
refresh tokens, x-token revocation. Then what tells them apart: the direct code request's headers and how
the API reads the access token.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from tests.simulators.fixtures import PASSWORD, USERNAME, SeededSimulator
from tests.simulators.ioffice import (
    AUTH_PATH,
    LOGIN_PATH,
    ME_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    EpturaSimulator,
    IOfficeSimulator,
)
from tests.support.signin import Page, SignInDriver

Seeded = SeededSimulator[IOfficeSimulator]
SCOPE = "email"
LOGIN_PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "state")


@pytest.fixture(params=["ioffice_sim", "eptura_sim"])
def workplace(request: pytest.FixtureRequest) -> Seeded:
    """Each variant in turn, for the behaviour their documents share."""
    seeded: Seeded = request.getfixturevalue(request.param)
    return seeded


def is_eptura(seeded: Seeded) -> bool:
    return isinstance(seeded.sim, EpturaSimulator)


def login_url(seeded: Seeded, *, leave_out: str | None = None) -> str:
    params = {
        "response_type": "code",
        "client_id": seeded.client.client_id,
        "redirect_uri": seeded.client.redirect_uri,
        "scope": SCOPE,
        "state": "st-1",
    }
    params.pop(leave_out or "", None)
    return f"{seeded.sim.base_url}{LOGIN_PATH}?{urlencode(params)}"


async def sign_in(seeded: Seeded) -> str:
    """Sign in on login.html; the callback URL."""
    async with SignInDriver(stop_at=seeded.client.redirect_uri) as browser:
        login = await browser.open(login_url(seeded))
        assert isinstance(login, Page)
        assert f"- {seeded.sim.vendor}</title>" in login.text
        callback = await browser.submit(login, {"username": USERNAME, "password": PASSWORD}, button="Sign in")
    assert isinstance(callback, str)
    return callback


def direct_code_headers(seeded: Seeded, password: str = PASSWORD) -> dict[str, str]:
    """Exactly the headers the variant's document lists for the direct code request."""
    headers = {
        "Content-Type": "application/json",
        "x-auth-username": USERNAME,
        "x-auth-password": password,
        "x-client-id": seeded.client.client_id,
    }
    if is_eptura(seeded):
        headers |= {"x-redirect-uri": seeded.client.redirect_uri, "x-scope": SCOPE}
    return headers


async def direct_code(http: httpx.AsyncClient, seeded: Seeded) -> str:
    response = await http.post(seeded.sim.base_url + AUTH_PATH, headers=direct_code_headers(seeded))
    assert response.status_code == 200, response.text
    return str(response.json()["code"])


def grant_headers(seeded: Seeded, **grant: str) -> dict[str, str]:
    """The documented token request headers around `grant` (x_auth_code=... or x_refresh_token=...)."""
    headers = {
        "Content-Type": "application/json",
        "x-grant-type": "authorization_code" if "x_auth_code" in grant else "refresh_token",
        "x-redirect-uri": seeded.client.redirect_uri,
        "x-client-id": seeded.client.client_id,
        "x-scope": SCOPE,
    }
    return headers | {name.replace("_", "-"): value for name, value in grant.items()}


async def token(http: httpx.AsyncClient, seeded: Seeded, **grant: str) -> httpx.Response:
    return await http.post(seeded.sim.base_url + TOKEN_PATH, headers=grant_headers(seeded, **grant))


async def fresh_tokens(http: httpx.AsyncClient, seeded: Seeded) -> dict[str, str]:
    response = await token(http, seeded, x_auth_code=await direct_code(http, seeded))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def me(http: httpx.AsyncClient, seeded: Seeded, access_token: str) -> httpx.Response:
    """The who-am-I call, carrying the token the way the variant's document says."""
    header = {"Authorization": f"Bearer {access_token}"} if is_eptura(seeded) else {"x-access-token": access_token}
    return await http.get(seeded.sim.base_url + ME_PATH, headers=header)


# -- what both documents say


async def test_login_page_sends_the_code_back_in_the_fragment_without_state(workplace: Seeded) -> None:
    url = urlsplit(await sign_in(workplace))
    assert url.query == ""
    fragment = dict(parse_qsl(url.fragment))
    assert list(fragment) == ["code", "appCode"]
    assert fragment["appCode"] == workplace.client.client_id


@pytest.mark.parametrize("left_out", LOGIN_PARAMETERS)
async def test_login_page_needs_all_five_parameters(
    ioffice_sim: Seeded, http: httpx.AsyncClient, left_out: str
) -> None:
    page = await http.get(login_url(ioffice_sim, leave_out=left_out))
    assert page.status_code == 400
    assert "<form" not in page.text


async def test_code_from_the_page_buys_tokens_whose_expiry_is_in_milliseconds(
    workplace: Seeded, http: httpx.AsyncClient
) -> None:
    workplace.sim.access_token_ttl_ms = 60_000
    code = dict(parse_qsl(urlsplit(await sign_in(workplace)).fragment))["code"]
    body = (await token(http, workplace, x_auth_code=code)).json()
    assert body == {
        "token_type": "Bearer",
        "access_token": body["access_token"],
        "expires_in": 60_000,
        "refresh_token": body["refresh_token"],
    }
    user = workplace.user
    assert (await me(http, workplace, body["access_token"])).json() == {
        "id": user.id,
        "name": user.name,
        "email": user.email,
    }
    workplace.sim.clock.advance(61)
    assert (await me(http, workplace, body["access_token"])).status_code == 401


async def test_token_parameters_count_only_as_headers(workplace: Seeded, http: httpx.AsyncClient) -> None:
    code = await direct_code(http, workplace)
    parameters = grant_headers(workplace, x_auth_code=code)
    del parameters["Content-Type"]
    in_body = await http.post(workplace.sim.base_url + TOKEN_PATH, json=parameters)
    assert in_body.status_code == 400
    assert in_body.json()["error"] == "invalid_request"
    assert (await token(http, workplace, x_auth_code=code)).status_code == 200  # the code was not used up


async def test_direct_code_request_needs_the_right_password(workplace: Seeded, http: httpx.AsyncClient) -> None:
    headers = direct_code_headers(workplace, password="wrong")
    response = await http.post(workplace.sim.base_url + AUTH_PATH, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"


async def test_code_lives_five_minutes_and_works_once(ioffice_sim: Seeded, http: httpx.AsyncClient) -> None:
    code = await direct_code(http, ioffice_sim)
    ioffice_sim.sim.clock.advance(301)
    assert (await token(http, ioffice_sim, x_auth_code=code)).json()["error"] == "invalid_grant"

    code = await direct_code(http, ioffice_sim)
    ioffice_sim.sim.clock.advance(299)
    assert (await token(http, ioffice_sim, x_auth_code=code)).status_code == 200
    assert (await token(http, ioffice_sim, x_auth_code=code)).json()["error"] == "invalid_grant"


async def test_refresh_rotates_and_the_old_refresh_token_is_dead(workplace: Seeded, http: httpx.AsyncClient) -> None:
    first = await fresh_tokens(http, workplace)
    workplace.sim.clock.advance(3601)  # "before or after the token expiration"
    other_scope = grant_headers(workplace, x_refresh_token=first["refresh_token"]) | {"x-scope": "other"}
    assert (await http.post(workplace.sim.base_url + TOKEN_PATH, headers=other_scope)).status_code == 400

    second = (await token(http, workplace, x_refresh_token=first["refresh_token"])).json()
    assert {second["access_token"], second["refresh_token"]}.isdisjoint(first.values())
    assert (await me(http, workplace, second["access_token"])).status_code == 200
    reused = await token(http, workplace, x_refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


async def test_revoke_takes_x_token_and_kills_that_token(workplace: Seeded, http: httpx.AsyncClient) -> None:
    tokens = await fresh_tokens(http, workplace)
    revoke_url = workplace.sim.base_url + REVOKE_PATH
    for revoked in (tokens["access_token"], tokens["refresh_token"], "never-issued"):
        assert (await http.post(revoke_url, headers={"x-token": revoked})).status_code == 200
    assert (await me(http, workplace, tokens["access_token"])).status_code == 401
    assert (await token(http, workplace, x_refresh_token=tokens["refresh_token"])).status_code == 400


# -- where they differ


async def test_ioffice_api_takes_x_access_token_or_the_query_never_bearer(
    ioffice_sim: Seeded, http: httpx.AsyncClient
) -> None:
    access_token = (await fresh_tokens(http, ioffice_sim))["access_token"]
    url = ioffice_sim.sim.base_url + ME_PATH
    assert (await http.get(url, params={"access_token": access_token})).status_code == 200
    assert (await http.get(url, headers={"x-access-token": access_token})).status_code == 200
    assert (await http.get(url, headers={"Authorization": f"Bearer {access_token}"})).status_code == 401


async def test_eptura_api_takes_bearer_only(eptura_sim: Seeded, http: httpx.AsyncClient) -> None:
    access_token = (await fresh_tokens(http, eptura_sim))["access_token"]
    url = eptura_sim.sim.base_url + ME_PATH
    assert (await http.get(url, headers={"Authorization": f"Bearer {access_token}"})).status_code == 200
    assert (await http.get(url, params={"access_token": access_token})).status_code == 401
    assert (await http.get(url, headers={"x-access-token": access_token})).status_code == 401


async def test_eptura_direct_code_needs_redirect_uri_and_scope_then_holds_to_them(
    eptura_sim: Seeded, http: httpx.AsyncClient
) -> None:
    headers = direct_code_headers(eptura_sim)
    for left_out in ("x-redirect-uri", "x-scope"):
        without = {name: value for name, value in headers.items() if name != left_out}
        response = await http.post(eptura_sim.sim.base_url + AUTH_PATH, headers=without)
        assert response.status_code == 400
        assert left_out in response.json()["error_description"]

    code = await direct_code(http, eptura_sim)
    other_scope = grant_headers(eptura_sim, x_auth_code=code) | {"x-scope": "other"}
    response = await http.post(eptura_sim.sim.base_url + TOKEN_PATH, headers=other_scope)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
