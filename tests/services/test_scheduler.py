"""The scheduler on an injected clock: when it fires, how many at once, what a sleep or `reevaluate()` does, and
real refreshes of a rotating (iOFFICE) and a client-credentials (Docbyte) connection when their time comes."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import replace
from random import Random

import pytest

from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.domain.errors import ServiceUnavailable
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.scheduler import HELD_RETRY_S, TICK_S, RefreshScheduler
from tests.domain.test_schedule import connection as scheduled_connection
from tests.simulators.ioffice import TOKEN_PATH
from tests.storage.contract.child import StoreChild
from tests.support.fake_clock import FakeClock
from tests.support.flows import connected
from tests.support.oidc_fixtures import ACME, VAULT_SERVICE
from tests.support.providers import docbyte
from tests.support.refreshing import TEST_TIMEOUT, connect_ioffice, connections_for

HOUR = 3600.0


class GatedRefresher:
    """Stands in for the refresher where a test holds refreshes open: counts how many run at once."""

    def __init__(self, store, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.calls: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def try_refresh(self, name: str, *, basis: Connection | None = None) -> tuple[Connection, Secrets]:
        self.calls.append(name)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        try:
            await self.gate.wait()
        finally:
            self.running -= 1
        now = self.clock.wall()
        fresh = replace(self.store.database.get(name), issued_at=now, expires_at=now + HOUR)
        self.store.database.save_metadata(fresh)
        return fresh, Secrets()

    async def settle(self) -> None:
        pass


class Outcomes:
    def __init__(self) -> None:
        self.refreshed: asyncio.Queue[Connection] = asyncio.Queue()
        self.failed: asyncio.Queue[tuple[str, Exception]] = asyncio.Queue()

    def callbacks(self) -> dict:
        return {"on_refreshed": self.refreshed.put_nowait, "on_failed": lambda n, e: self.failed.put_nowait((n, e))}


def seed(store, name: str, issued_at: float, lifetime: float | None, **kw) -> Connection:
    connection = scheduled_connection(lifetime, issued_at=issued_at, **({"id": name, "name": name} | kw))
    store.database.save(connection, Secrets(access_token=f"access-{name}", refresh_token=f"refresh-{name}"))
    return connection


@pytest.fixture
async def clock(store) -> FakeClock:
    await store.database.unlock()  # so that `seed` may save on the loop's thread
    return FakeClock(time.time())


@pytest.fixture
async def scheduled(store, clock):
    """Start schedulers on the fake clock; stop them after the test."""
    started: list[RefreshScheduler] = []

    async def start(refresher, outcomes: Outcomes, **kw) -> RefreshScheduler:
        kw = {"rng": Random(11), "wall": clock.wall, "monotonic": clock.monotonic, "sleep": clock.sleep} | kw
        scheduler = RefreshScheduler(store, refresher, **outcomes.callbacks(), **kw)
        naps = clock.naps
        scheduler.start()
        started.append(scheduler)
        await clock.nap_after(naps)
        return scheduler

    yield start
    for scheduler in started:
        await scheduler.stop()


async def test_what_is_planned_and_when(store, clock, scheduled):
    t0 = clock.wall()
    seed(store, "five minutes", t0, 300)
    seed(store, "an hour", t0, HOUR)
    seed(store, "twenty years", t0, 20 * 365 * 24 * HOUR)
    seed(store, "never expires", t0, None)
    seed(store, "service", t0, 300, flow="client_credentials", has_refresh_token=False)
    seed(store, "signed out", t0, HOUR, status=Status.NEEDS_SIGN_IN)
    seed(store, "revoked", t0, HOUR, status=Status.REVOKED)

    scheduler = await scheduled(GatedRefresher(store, clock), Outcomes())

    due = {name: at - t0 for name, at in scheduler.due_times().items()}
    assert set(due) == {"five minutes", "an hour", "service"}
    assert 180 <= due["five minutes"] <= 204 and 180 <= due["service"] <= 204
    assert 2655 <= due["an hour"] <= 3009


async def test_a_due_refresh_fires_and_is_planned_again_from_the_new_token(store, clock, scheduled):
    t0 = clock.wall()
    seed(store, "Acme", t0, 300)
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()
    refresher.gate.set()
    scheduler = await scheduled(refresher, outcomes)
    first_due = scheduler.due_times()["Acme"]

    await clock.advance(first_due - t0 - 1)
    assert refresher.calls == []
    await clock.advance(1)
    refreshed = await outcomes.refreshed.get()
    await clock.until(lambda: scheduler.due_times()["Acme"] > first_due)

    assert refresher.calls == ["Acme"]
    assert refreshed.issued_at == first_due
    assert first_due + 2655 <= scheduler.due_times()["Acme"] <= first_due + 3009  # now an hour's token


async def test_no_more_than_four_refreshes_at_once(store, clock, scheduled):
    for i in range(10):
        seed(store, f"c{i}", clock.wall() - 2 * HOUR, HOUR)  # all long expired: due at once
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()

    await scheduled(refresher, outcomes)
    await refresher.entered.wait()
    assert refresher.running == 4 and len(refresher.calls) == 4
    refresher.gate.set()
    done = [await outcomes.refreshed.get() for _ in range(10)]

    assert refresher.most_at_once == 4
    assert sorted(c.name for c in done) == [f"c{i}" for i in range(10)]


async def test_after_a_sleep_overdue_refreshes_are_replanned_and_spread(store, clock, scheduled):
    t0 = clock.wall()
    for i in range(10):
        seed(store, f"c{i}", t0, HOUR)
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()
    refresher.gate.set()
    scheduler = await scheduled(refresher, outcomes)
    assert max(scheduler.due_times().values()) < t0 + 3010

    await clock.advance(3300, suspended=True)  # asleep: every plan is overdue, the timers did not notice
    await clock.advance(TICK_S)  # awake: the pending nap ends, and the clocks disagree
    now = clock.wall()

    replanned = scheduler.due_times()
    assert refresher.calls == []  # not all at once, as the stale plans would have had it
    assert all(now < at <= now + 30 for at in replanned.values())
    assert len({round(at) for at in replanned.values()}) > 5
    await clock.advance(30)
    assert len([await outcomes.refreshed.get() for _ in range(10)]) == 10


async def test_reevaluate_plans_a_new_connection_at_once(store, clock, scheduled):
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()
    refresher.gate.set()
    scheduler = await scheduled(refresher, outcomes)
    assert scheduler.due_times() == {}

    seed(store, "Acme", clock.wall() - 2 * HOUR, HOUR)  # saved by another window or process, long expired
    scheduler.reevaluate()

    assert (await outcomes.refreshed.get()).name == "Acme"  # without the clock moving at all


async def test_a_failed_refresh_is_retried_later_not_at_once(store, clock, scheduled):
    seed(store, "Acme", clock.wall() - 2 * HOUR, HOUR)
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()
    outage = ServiceUnavailable("Acme", "the token endpoint is unavailable (HTTP 503)", "try again later")

    async def failing(name, *, basis=None):
        refresher.calls.append(name)
        raise outage

    refresher.try_refresh = failing
    scheduler = await scheduled(refresher, outcomes)
    assert await outcomes.failed.get() == ("Acme", outage)

    retry_at = scheduler.due_times()["Acme"] - clock.wall()
    assert 15 <= retry_at <= 30 and refresher.calls == ["Acme"]
    await clock.advance(30)
    assert await outcomes.failed.get() == ("Acme", outage)
    assert refresher.calls == ["Acme"] * 2


@pytest.mark.parametrize("ending", ["held elsewhere", "failed"])
async def test_an_attempt_that_ends_after_a_new_state_was_planned_leaves_that_plan(store, clock, scheduled, ending):
    t0 = clock.wall()
    seed(store, "Acme", t0 - 2 * HOUR, HOUR)
    refresher, outcomes = GatedRefresher(store, clock), Outcomes()

    async def attempt(name, *, basis=None):
        refresher.calls.append(name)
        refresher.entered.set()
        await refresher.gate.wait()
        if ending == "failed":
            raise ServiceUnavailable("Acme", "the token endpoint is unavailable (HTTP 503)", "try again later")
        return None  # the lock was held by another process, which refreshed it

    refresher.try_refresh = attempt
    scheduler = await scheduled(refresher, outcomes)
    await refresher.entered.wait()
    seed(store, "Acme", t0, HOUR)  # that process's new tokens, listed while this attempt is still ending
    naps = clock.naps
    scheduler.reevaluate()
    await clock.nap_after(naps)
    planned = scheduler.due_times()["Acme"]
    naps = clock.naps
    refresher.gate.set()
    await clock.nap_after(naps)

    assert t0 + 2655 <= planned <= t0 + 3009
    assert scheduler.due_times()["Acme"] == planned  # not asked again in seconds for tokens just refreshed
    assert refresher.calls == ["Acme"]


async def test_a_rotating_connection_is_refreshed_for_real_when_due(store, clock, scheduled, ioffice_sim, sleep):
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        connections = connections_for(store, OAuthClient(http, now=clock.wall), sleep, now=clock.wall)
        await connect_ioffice(connections, ioffice_sim, "Acme")
        signed_in = store.database.secrets("Acme")
        outcomes = Outcomes()
        scheduler = await scheduled(connections.refresher, outcomes)
        before = len(ioffice_sim.sim.requests_to(TOKEN_PATH))

        await clock.advance(scheduler.due_times()["Acme"] - clock.wall())
        refreshed = await outcomes.refreshed.get()

        assert len(ioffice_sim.sim.requests_to(TOKEN_PATH)) - before == 1
        assert refreshed.issued_at == clock.wall()
        assert store.database.secrets("Acme").refresh_token != signed_in.refresh_token
        assert (await connections.check("Acme")).identity == "alice@example.com"


async def test_a_client_credentials_connection_is_refreshed_when_due(store, clock, scheduled, oidc_server, sleep):
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        connections = connections_for(store, OAuthClient(http, now=clock.wall), sleep, now=clock.wall)
        await connected(connections, "Vault", docbyte(oidc_server, VAULT_SERVICE, "client_credentials"))
        first = store.database.secrets("Vault").access_token
        outcomes = Outcomes()
        scheduler = await scheduled(connections.refresher, outcomes)
        assert 180 <= scheduler.due_times()["Vault"] - clock.wall() <= 204

        await clock.advance(204)
        refreshed = await outcomes.refreshed.get()

        assert refreshed.flow == "client_credentials" and refreshed.issued_at == clock.wall()
        assert store.database.secrets("Vault").access_token != first
        assert (await connections.check("Vault")).identity == ACME


async def dying(connections, seeded, ttl_ms: int) -> None:
    """Connect to iOFFICE, then make it issue dead tokens from now on (`expires_in` 0 or a few milliseconds), and
    get one: a connection whose vendor answers every refresh with a token already (nearly) expired."""
    await connect_ioffice(connections, seeded, "Acme")
    seeded.sim.access_token_ttl_ms = ttl_ms
    await connections.refresh("Acme")


async def next_wait(scheduler: RefreshScheduler, clock: FakeClock, sim) -> float:
    """How long until the scheduler refreshes "Acme" next, once it has planned ahead (its refresh done). A scheduler
    that refreshes again at once, forever, never plans ahead: given up after five real seconds."""
    before = len(sim.requests_to(TOKEN_PATH))
    try:
        await asyncio.wait_for(clock.until(lambda: scheduler.due_times()["Acme"] > clock.wall()), 5)
    except TimeoutError:
        refreshes = len(sim.requests_to(TOKEN_PATH)) - before
        pytest.fail(f"{refreshes} refreshes in five seconds while the clock stood still")
    return scheduler.due_times()["Acme"] - clock.wall()


@pytest.mark.parametrize("ttl_ms", [0, 1, 1000], ids=["expires_in-0", "one-millisecond", "one-second"])
async def test_a_vendor_issuing_dead_tokens_is_asked_less_and_less_often(
    store, clock, scheduled, sleep, ioffice_sim, ttl_ms
):
    sim = ioffice_sim.sim
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        connections = connections_for(store, OAuthClient(http, now=clock.wall), sleep, now=clock.wall)
        await dying(connections, ioffice_sim, ttl_ms)
        before = len(sim.requests_to(TOKEN_PATH))
        scheduler = await scheduled(connections.refresher, Outcomes())
        end, waits = clock.wall() + HOUR, []
        while clock.wall() < end:
            waits.append(await next_wait(scheduler, clock, sim))
            await clock.advance(min(waits[-1], end - clock.wall()))
        refreshes = len(sim.requests_to(TOKEN_PATH)) - before

    # At once, then after 30-60 s, 60-120 s, ..., doubling up to half an hour: six to eight in the hour.
    assert 6 <= refreshes <= 8, f"{refreshes} refreshes in an hour after {[round(w) for w in waits]}"
    assert all(later > earlier for earlier, later in itertools.pairwise(waits[1:6]))
    assert min(waits[1:]) >= 30 and max(waits) <= 30 * 60


async def test_once_the_vendor_issues_good_tokens_again_they_are_refreshed_as_usual(
    store, clock, scheduled, sleep, ioffice_sim
):
    sim = ioffice_sim.sim
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        connections = connections_for(store, OAuthClient(http, now=clock.wall), sleep, now=clock.wall)
        await dying(connections, ioffice_sim, 0)
        scheduler = await scheduled(connections.refresher, Outcomes())
        for _ in range(3):  # three more dead tokens
            await clock.advance(await next_wait(scheduler, clock, sim))
        sim.access_token_ttl_ms = 3_600_000
        await next_wait(scheduler, clock, sim)
        healthy = store.database.get("Acme")

    assert healthy.expires_at - healthy.issued_at == HOUR
    assert healthy.issued_at + 2655 <= scheduler.due_times()["Acme"] <= healthy.issued_at + 3009


async def test_a_connection_another_process_is_refreshing_is_left_to_it(store, clock, scheduled, ioffice_sim, sleep):
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        connections = connections_for(store, OAuthClient(http, now=clock.wall), sleep, now=clock.wall)
        await connect_ioffice(connections, ioffice_sim, "Acme")
        outcomes = Outcomes()
        scheduler = await scheduled(connections.refresher, outcomes)
        before = len(ioffice_sim.sim.requests_to(TOKEN_PATH))
        other = await StoreChild.start("local", str(store.home))
        try:
            assert await other.ask("hold Acme") == "held"  # its refresh is under way
            await clock.advance(scheduler.due_times()["Acme"] - clock.wall())
            await clock.until(lambda: scheduler.due_times()["Acme"] > clock.wall())

            assert scheduler.due_times()["Acme"] - clock.wall() == HELD_RETRY_S  # looked at again later
            assert len(ioffice_sim.sim.requests_to(TOKEN_PATH)) == before  # not asked, nor waited for
            assert outcomes.refreshed.empty() and outcomes.failed.empty()
            await other.go_on()  # it ended without saving: nothing changed, so the later look refreshes
            await clock.advance(HELD_RETRY_S)
            refreshed = await outcomes.refreshed.get()
        finally:
            await other.finish()

    assert len(ioffice_sim.sim.requests_to(TOKEN_PATH)) - before == 1
    assert refreshed.issued_at == clock.wall()
