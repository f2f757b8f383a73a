"""What every simulator shares, shown on iOFFICE's: faults, request log, issued secrets, redirects, stop()."""

from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import urlencode

import httpx
import pytest

from tests.simulators.fixtures import PASSWORD, USERNAME, SeededSimulator
from tests.simulators.ioffice import AUTH_PATH, LOGIN_PATH, ME_PATH, TOKEN_PATH, IOfficeSimulator
from tests.support.signin import Page, SignInDriver

Seeded = SeededSimulator[IOfficeSimulator]


def direct_code_headers(seeded: Seeded) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "x-auth-username": USERNAME,
        "x-auth-password": PASSWORD,
        "x-client-id": seeded.client.client_id,
    }


def login_url(seeded: Seeded) -> str:
    params = {
        "response_type": "code",
        "client_id": seeded.client.client_id,
        "redirect_uri": seeded.client.redirect_uri,
        "scope": "email",
        "state": "st-1",
    }
    return f"{seeded.sim.base_url}{LOGIN_PATH}?{urlencode(params)}"


async def test_injected_responses_answer_the_next_requests_then_the_real_endpoint_does(
    ioffice_sim: Seeded, http: httpx.AsyncClient
) -> None:
    ioffice_sim.sim.inject(AUTH_PATH, status=503, headers={"Retry-After": "2"}, times=2)
    url = ioffice_sim.sim.base_url + AUTH_PATH
    responses = [await http.post(url, headers=direct_code_headers(ioffice_sim)) for _ in range(3)]
    assert [r.status_code for r in responses] == [503, 503, 200]
    assert responses[0].headers["content-type"] == "text/html"
    assert responses[0].headers["retry-after"] == "2"
    assert len(ioffice_sim.sim.requests_to(AUTH_PATH)) == 3


async def test_an_injected_drop_closes_the_connection_without_a_response(
    ioffice_sim: Seeded, http: httpx.AsyncClient
) -> None:
    ioffice_sim.sim.inject(ME_PATH, status=None)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(ioffice_sim.sim.base_url + ME_PATH)
    assert (await http.get(ioffice_sim.sim.base_url + ME_PATH)).status_code == 401


async def test_stop_cuts_an_injected_delay_short_and_closes_the_socket(
    ioffice_sim: Seeded, http: httpx.AsyncClient
) -> None:
    sim = ioffice_sim.sim
    sim.inject(TOKEN_PATH, delay=30)
    in_flight = asyncio.create_task(http.post(sim.base_url + TOKEN_PATH))
    await asyncio.to_thread(sim.wait_for_request, TOKEN_PATH)
    started = time.monotonic()
    await asyncio.to_thread(sim.stop)
    with pytest.raises(httpx.RemoteProtocolError):
        await in_flight
    assert time.monotonic() - started < 1
    with pytest.raises(httpx.ConnectError):
        await http.get(sim.base_url + ME_PATH)


async def test_requests_are_logged_as_sent(ioffice_sim: Seeded, http: httpx.AsyncClient) -> None:
    await http.post(ioffice_sim.sim.base_url + AUTH_PATH, headers=direct_code_headers(ioffice_sim), content=b"{}")
    logged = ioffice_sim.sim.requests[-1]
    assert (logged.method, logged.path, logged.body) == ("POST", AUTH_PATH, b"{}")
    assert logged.headers["x-client-id"] == ioffice_sim.client.client_id  # names lower-cased

    await http.get(ioffice_sim.sim.base_url + ME_PATH, params={"access_token": "abc"})
    assert ioffice_sim.sim.requests[-1].query == {"access_token": "abc"}


async def test_issued_secrets_lists_every_code_and_token(ioffice_sim: Seeded, http: httpx.AsyncClient) -> None:
    sim = ioffice_sim.sim
    code = (await http.post(sim.base_url + AUTH_PATH, headers=direct_code_headers(ioffice_sim))).json()["code"]
    grant_headers = {
        "Content-Type": "application/json",
        "x-grant-type": "authorization_code",
        "x-redirect-uri": ioffice_sim.client.redirect_uri,
        "x-client-id": ioffice_sim.client.client_id,
        "x-scope": "email",
        "x-auth-code": code,
    }
    tokens = (await http.post(sim.base_url + TOKEN_PATH, headers=grant_headers)).json()
    assert sim.issued_secrets() == [code, tokens["access_token"], tokens["refresh_token"]]


async def test_wrong_password_shows_the_login_form_again(ioffice_sim: Seeded) -> None:
    async with SignInDriver(stop_at=ioffice_sim.client.redirect_uri) as browser:
        login = await browser.open(login_url(ioffice_sim))
        again = await browser.submit(login, {"username": USERNAME, "password": "wrong"}, button="Sign in")
    assert isinstance(again, Page)
    assert again.forms
    assert "Incorrect username or password" in again.text


async def test_javascript_redirect_mode_ends_on_a_page_that_calls_location_replace(
    ioffice_sim: Seeded,
) -> None:
    ioffice_sim.sim.redirect_mode = "javascript"
    async with SignInDriver(stop_at=ioffice_sim.client.redirect_uri) as browser:
        login = await browser.open(login_url(ioffice_sim))
        final = await browser.submit(login, {"username": USERNAME, "password": PASSWORD}, button="Sign in")
    assert isinstance(final, Page)
    assert final.status == 200
    match = re.search(r"location\.replace\((.+?)\);", final.text)
    assert match is not None
    assert json.loads(match.group(1)).startswith(f"{ioffice_sim.client.redirect_uri}#code=")


async def test_unknown_paths_and_methods_are_refused(ioffice_sim: Seeded, http: httpx.AsyncClient) -> None:
    assert (await http.get(ioffice_sim.sim.base_url + "/nowhere")).status_code == 404
    assert (await http.get(ioffice_sim.sim.base_url + TOKEN_PATH)).status_code == 405
