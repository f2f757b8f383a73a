"""Each form of `token --as` is used the way a person would use it, against the simulators: the headers sent, the
curl line run, the JSON's headers sent, the export block read by a .env reader; the vendor answers 200."""

from __future__ import annotations

import io
import json
import subprocess

import httpx
import pytest
from dotenv import dotenv_values

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.domain.provider import Provider, resolve_provider
from connmgr.domain.token_forms import TokenForm
from connmgr.services.token_forms import token_in_form
from connmgr.templates import load_catalog
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support import flows
from tests.support.providers import provider_for
from tests.support.refreshing import connect_ioffice

CONSENT = {"vaultre": "Confirm", "vcita": "Allow"}


async def connect(connections, seeded, template_id: str, name: str) -> str:
    if template_id == "ioffice":
        await connect_ioffice(connections, seeded, name)
        return name
    await flows.connected(
        connections,
        name,
        provider_for(template_id, seeded),
        flows.PersonAtVendor(USERNAME, PASSWORD, CONSENT[template_id]),
    )
    return name


@pytest.fixture(params=["vaultre", "vcita", "ioffice"])
async def connected(request, connections):
    seeded = request.getfixturevalue(f"{request.param}_sim")
    name = await connect(connections, seeded, request.param, f"Client at {request.param}")
    return request.param, seeded, name


async def test_the_headers_are_all_an_api_call_needs(connections, connected):
    template_id, seeded, name = connected
    text = await connections.token_as(name, TokenForm.HEADER)
    headers = dict(line.split(": ", 1) for line in text.splitlines())
    token = connections.store.database.secrets(name).access_token
    expected = {
        "vaultre": lambda: {"Authorization": f"Bearer {token}", "X-Api-Key": seeded.sim.api_key},
        "vcita": lambda: {"Authorization": f"Bearer {token}"},
        "ioffice": lambda: {"x-access-token": token},  # and nothing else
    }[template_id]()
    assert headers == expected
    curl = await connections.token_as(name, TokenForm.CURL)
    url = curl.rsplit(" ", 1)[1].strip("'")
    async with httpx.AsyncClient() as http:
        assert (await http.get(url, headers=headers)).status_code == 200


async def test_the_curl_line_runs_and_the_vendor_answers(connections, connected):
    _, _, name = connected
    line = await connections.token_as(name, TokenForm.CURL)
    assert line.startswith("curl ")
    ran = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert isinstance(json.loads(ran.stdout), dict)


async def test_the_json_is_what_a_credential_helper_reads_and_its_headers_work(connections, connected):
    _, _, name = connected
    shape = json.loads(await connections.token_as(name, TokenForm.JSON))
    stored = connections.store.database.get(name)
    assert shape["access_token"] == connections.store.database.secrets(name).access_token
    assert shape["token_type"] == stored.token_type
    assert (shape["expires_at"] is None) == (stored.expires_at is None)
    url = (await connections.token_as(name, TokenForm.CURL)).rsplit(" ", 1)[1].strip("'")
    async with httpx.AsyncClient() as http:
        assert (await http.get(url, headers=shape["headers"])).status_code == 200


async def test_the_env_block_is_what_export_writes(connections, connected, tmp_path):
    _, _, name = connected
    block = await connections.token_as(name, TokenForm.ENV, prefix="CLIENT")
    await connections.export([name], tmp_path / ".env", prefix="CLIENT")
    written = dotenv_values(tmp_path / ".env")
    assert dotenv_values(stream=io.StringIO(block)) == written
    assert written["CLIENT_ACCESS_TOKEN"] == connections.store.database.secrets(name).access_token


async def test_a_bare_token_is_the_stored_one_and_each_form_is_recorded_as_handed_out(connections, vcita_sim):
    name = await connect(connections, vcita_sim, "vcita", "Front desk")
    assert await connections.token_as(name, TokenForm.TOKEN) == connections.store.database.secrets(name).access_token
    await connections.token_as(name, TokenForm.CURL)
    copies = [e.detail for e in await connections.store.audit_log() if e.action == "copy"]
    assert copies == ["token", "curl"]


def generic(tmp_path, api: str = "") -> Provider:
    """A user's template over the generic OAuth 2.0 one, without a who-am-I address, with `api` as its [api]."""
    (tmp_path / "acme.toml").write_text(f'extends = "oauth2"\nname = "Acme"\n[api]\n{api}\n')
    values = {"client_id": "app", "authorize_url": "https://id.example/a", "token_url": "https://id.example/t",
              "redirect_uri": "http://127.0.0.1:8765/cb"}  # fmt: skip
    return resolve_provider(load_catalog(tmp_path).catalog.get("acme"), values, Flow.AUTHORIZATION_CODE)


CONNECTION = Connection(id="g", name="Generic", template_id="acme", flow=Flow.AUTHORIZATION_CODE, values={})


def test_an_api_taking_the_token_in_the_address_has_no_header_form_but_its_json_says_where(tmp_path):
    provider = generic(tmp_path, 'token_in = "query:access_token"')
    connection = CONNECTION
    with pytest.raises(ConfigError) as refused:
        token_in_form(TokenForm.HEADER, provider, connection, "t0ken", {})
    assert "takes the token in the address (access_token), not in a header" in refused.value.sentence
    shape = json.loads(token_in_form(TokenForm.JSON, provider, connection, "t0ken", {}))
    assert shape["query"] == {"access_token": "t0ken"} and shape["headers"] == {}


def test_a_template_without_a_who_am_i_address_has_no_curl_line(tmp_path):
    with pytest.raises(ConfigError) as refused:
        token_in_form(TokenForm.CURL, generic(tmp_path), CONNECTION, "t0ken", {})
    assert "names no who-am-I address" in refused.value.sentence
    assert "t0ken" not in refused.value.sentence
