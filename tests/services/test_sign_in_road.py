"""The one road from a sign-in to a saved connection (`Connections.connect`), without Qt: against the vendor
simulators, with a person at the vendor's pages as its browser."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from connmgr.domain.authorize import AuthorizeRequest
from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.errors import ClientRejected
from connmgr.domain.provider import Provider
from connmgr.services.connecting import (
    AlreadyConnected,
    Begin,
    Browsed,
    Cancelled,
    Failed,
    Obtained,
    Redirected,
    Saved,
    Stopped,
    UseSystemBrowser,
)
from connmgr.services.signin import Connected
from connmgr.storage.errors import NameTaken
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.simulators.vcita import TOKEN_PATH
from tests.support.flows import PersonAtVendor, connected
from tests.support.providers import provider_for

ACCOUNT = "alice@example.com"  # whom USERNAME signs in as at vcita


class Scripted:
    """A browser that ends as it is told, once the sign-in has begun (so a request was prepared)."""

    def __init__(self, ending: Browsed | UseSystemBrowser) -> None:
        self.ending = ending
        self.requests: list[AuthorizeRequest] = []

    async def browse(self, provider: Provider, begin: Begin) -> Browsed | UseSystemBrowser:
        self.requests.append(await begin(None))
        return self.ending


class VendorError:
    """A browser sent back with the vendor's error, as the vendor redirects: `error` and this sign-in's state."""

    def __init__(self, error: str, description: str) -> None:
        self.error, self.description = error, description

    async def browse(self, provider: Provider, begin: Begin) -> Redirected:
        request = await begin(None)
        query = urlencode({"error": self.error, "error_description": self.description, "state": request.state})
        return Redirected(f"{request.redirect_uri}?{query}")


class Asked:
    """The twin question, answered `answer`; who was asked about what is kept."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[tuple[str | None, str]] = []

    async def __call__(self, signed_in: Connected, twin: Connection) -> bool:
        self.questions.append((signed_in.account, twin.name))
        return self.answer


def vcita(seeded, **values: str) -> Provider:
    return provider_for("vcita", seeded, **values)


def allowing() -> PersonAtVendor:
    return PersonAtVendor(USERNAME, PASSWORD, "Allow")


async def names(connections) -> list[str]:
    return [c.name for c in await connections.store.list_connections()]


async def test_a_sign_in_is_judged_exchanged_identified_and_saved(connections, vcita_sim):
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=allowing())

    assert isinstance(outcome, Saved)
    assert (outcome.connection.name, outcome.connection.account) == ("Front desk", ACCOUNT)
    assert await connections.access_token("Front desk") == connections.store.database.secrets("Front desk").access_token


async def test_the_embedded_browser_hands_over_to_the_system_browser(connections, vcita_sim):
    embedded = Scripted(UseSystemBrowser())
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=embedded, system=allowing())

    assert isinstance(outcome, Saved)
    assert len(embedded.requests) == 1  # its request was abandoned: the system browser's own state was judged
    assert outcome.connection.account == ACCOUNT


async def test_a_cancel_saves_nothing_and_asks_the_vendor_nothing(connections, vcita_sim):
    browser = Scripted(Cancelled("vcita / inTandem"))
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=browser)

    assert outcome == Cancelled("vcita / inTandem")
    assert outcome.sentence == "vcita / inTandem: the sign-in was cancelled; nothing was saved."
    assert vcita_sim.sim.requests_to(TOKEN_PATH) == []
    assert await names(connections) == []


async def test_a_denial_at_the_consent_page_saves_nothing(connections, vcita_sim):
    denying = PersonAtVendor(USERNAME, PASSWORD, "Deny")
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=denying)

    assert isinstance(outcome, Denied)
    assert outcome.sentence == (
        "vcita / inTandem: the sign-in was cancelled or access was denied (The user denied access); nothing was saved."
    )
    assert await names(connections) == []


async def test_the_browsers_failure_keeps_the_field_it_names(connections, vcita_sim):
    failed = Failed("vcita / inTandem: the sign-in page said “Unknown client_id.”", "client_id")
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=Scripted(failed))

    assert outcome is failed
    assert await names(connections) == []


async def test_the_vendors_error_redirect_stays_the_vendors_error(connections, vcita_sim):
    browser = VendorError("invalid_scope", "The scope calendar is not allowed.")
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=browser)

    assert outcome == AuthorizationFailed("vcita / inTandem", "invalid_scope", "The scope calendar is not allowed.")
    assert await names(connections) == []


async def test_a_refused_exchange_is_raised_with_the_field_it_concerns(connections, vcita_sim):
    with pytest.raises(ClientRejected) as refused:
        await connections.connect("Front desk", vcita(vcita_sim, client_secret="mistyped"), embedded=allowing())

    assert refused.value.field == "client_secret"
    assert await names(connections) == []


async def test_a_twin_is_asked_about_and_kept_apart_on_no(connections, vcita_sim):
    await connected(connections, "First", vcita(vcita_sim), allowing())
    asked = Asked(False)
    outcome = await connections.connect("Second", vcita(vcita_sim), embedded=allowing(), save_twin=asked)

    assert asked.questions == [(ACCOUNT, "First")]
    assert isinstance(outcome, AlreadyConnected)
    assert outcome.sentence == (
        f"Nothing was saved: {ACCOUNT} is already connected as “First”; sign in with the account you meant."
    )
    assert await names(connections) == ["First"]


async def test_a_twin_is_saved_on_yes_and_a_reconnect_is_nobodys_twin(connections, vcita_sim):
    first = await connected(connections, "First", vcita(vcita_sim), allowing())
    outcome = await connections.connect("Second", vcita(vcita_sim), embedded=allowing(), save_twin=Asked(True))
    assert isinstance(outcome, Saved)
    assert sorted(await names(connections)) == ["First", "Second"]

    asked = Asked(True)
    again = await connections.connect("First", vcita(vcita_sim), embedded=allowing(), save_twin=asked, replacing=first)

    assert isinstance(again, Saved)
    assert asked.questions == [(ACCOUNT, "Second")]  # the other one; never the connection being replaced
    assert again.connection.id == first.id


async def test_a_stop_ends_the_attempt_before_the_tokens_and_saves_nothing(connections, vcita_sim):
    async def stopped_at_once(obtaining) -> Obtained | Stopped:
        obtaining.close()  # never started: the person stopped before the browser opened
        return Stopped()

    browser = Scripted(Cancelled("unused"))
    outcome = await connections.connect("Front desk", vcita(vcita_sim), embedded=browser, stoppable=stopped_at_once)

    assert outcome == Stopped()
    assert browser.requests == []
    assert await names(connections) == []


async def test_the_question_and_the_save_come_after_the_stoppable_part(connections, vcita_sim):
    await connected(connections, "First", vcita(vcita_sim), allowing())
    order: list[str] = []

    async def stoppable(obtaining) -> Obtained | Stopped:
        obtained = await obtaining
        order.append(f"tokens in: {type(obtained).__name__}")
        return obtained

    async def save_twin(signed_in: Connected, twin: Connection) -> bool:
        order.append("asked")
        return True

    outcome = await connections.connect(
        "Second", vcita(vcita_sim), embedded=allowing(), save_twin=save_twin, stoppable=stoppable
    )

    assert isinstance(outcome, Saved)
    assert order == ["tokens in: Connected", "asked"]


async def test_a_taken_name_is_refused_before_anyone_signs_in(connections, vcita_sim):
    await connected(connections, "Front desk", vcita(vcita_sim), allowing())
    browser = Scripted(Cancelled("unused"))

    with pytest.raises(NameTaken):
        await connections.connect("Front desk", vcita(vcita_sim), embedded=browser)
    assert browser.requests == []
