"""`connmgr connect --flow device_code` end to end: the command shows the page and the code, a person enters it
at oidc-provider's pages while the command polls at the interval the provider names, and the connection works."""

import asyncio
import io
import json
import sys
import threading

from connmgr.cli.connect import qr_for_terminal, tell_device_code
from connmgr.domain.device import DeviceAuthorization
from tests.support.flows import enter_device_code
from tests.support.oidc_fixtures import ALICE, DEVICE_APP, DEVICES
from tests.support.secrets import leaked


def start_device_sign_in(connmgr, device_server, name):
    process = connmgr.start(
        "connect",
        "oidc",
        "--name",
        name,
        "--flow",
        "device_code",
        "--set",
        f"issuer={device_server.issuer(DEVICES).issuer}",
        "--set",
        f"client_id={DEVICE_APP.client_id}",
        "--set",
        "scope=openid email profile",
        "--json",
    )
    threading.Timer(60, process.kill).start()  # a command that hangs fails the test instead of hanging it
    told = []
    for line in process.stderr:  # what the person is told, up to the wait
        told.append(line.rstrip("\n"))
        if line.startswith("Waiting"):
            break
    return process, told


def test_a_device_sign_in_from_the_command_line_saves_a_working_connection(connmgr, device_server):
    process, told = start_device_sign_in(connmgr, device_server, "Alice's device")
    assert told[0] == "Open this page in any browser and sign in:", told
    page, code = told[1].strip(), told[3].strip()
    assert told[2] == "It should show this code:"
    assert code in page
    assert told[4].startswith("Waiting for the sign-in (the code expires in 1 minute")

    asyncio.run(enter_device_code(page, ALICE.username, ALICE.password))
    out, err = process.communicate()

    assert process.returncode == 0, err
    connected = json.loads(out)
    assert (connected["account"], connected["flow"]) == (ALICE.email, "device_code")
    assert connmgr("check", "Alice's device").out.strip() == ALICE.email  # the token works at the provider
    token = connmgr("token", "Alice's device").out.strip()
    assert leaked([token], out + err + "\n".join(told)) == []


def test_a_person_who_aborts_ends_the_command_with_one_sentence(connmgr, device_server):
    process, told = start_device_sign_in(connmgr, device_server, "Aborted")

    asyncio.run(enter_device_code(told[1].strip(), ALICE.username, ALICE.password, button="Abort"))
    out, err = process.communicate()

    assert process.returncode == 1
    assert out == ""
    assert err.strip().splitlines() == [
        "OpenID Connect (generic): the sign-in was refused at the vendor (“End-User aborted interaction”); "
        "connect again for a new code."
    ]
    assert "Aborted" not in connmgr("list").out  # nothing saved


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_page_is_shown_as_a_qr_code_too(monkeypatch):
    grant = DeviceAuthorization("dc", "WDJB-MJHT", "https://id.example/device", "https://id.example/device?c=1", 600, 5)
    for stream, shows_qr in ((io.StringIO(), False), (Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        tell_device_code(grant)
        told = stream.getvalue()
        assert told.startswith("Open this page in any browser and sign in:\n  https://id.example/device?c=1\n")
        assert "  WDJB-MJHT\n" in told
        assert (qr_for_terminal(grant.verification_uri_complete) in told) is shows_qr
    assert set(qr_for_terminal("https://id.example/device?c=1")) <= {"█", "▀", "▄", " ", "\n"}  # no escapes
