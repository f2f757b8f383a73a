"""The background checks on an injected clock: a vcita connection revoked at the vendor is marked "Needs sign-in"
within its interval, a window focused after idling has its connections checked at once, checks run a few at a time
and are spread over their interval's band."""

from __future__ import annotations

import asyncio
import time
from random import Random

import pytest

from connmgr.domain.checks import CheckResult
from connmgr.domain.connection import Status
from connmgr.domain.errors import TokenRejected
from connmgr.domain.health_schedule import CHECK_JITTER, FOCUS_SPREAD_S, IDLE_S, RECENT_S, START_SPREAD_S
from connmgr.services.health_watch import HealthWatch
from tests.services.test_revocation import connect_vcita
from tests.services.test_scheduler import FakeClock, seed
from tests.support.refreshing import connections_for

HOUR = 3600.0
WAIT_S = 30.0  # for a real call to the simulator, never reached when all is well


class Outcomes:
    def __init__(self) -> None:
        self.checked: asyncio.Queue[tuple[str, CheckResult]] = asyncio.Queue()
        self.needs_sign_in: asyncio.Queue[tuple[str, Exception]] = asyncio.Queue()

    def callbacks(self) -> dict:
        return {
            "on_checked": lambda name, result: self.checked.put_nowait((name, result)),
            "on_needs_sign_in": lambda name, error: self.needs_sign_in.put_nowait((name, error)),
        }


class GatedChecks:
    """Stands in for `Connections` where a test holds checks open: counts how many run at once."""

    def __init__(self, store, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.last_checks: dict[str, CheckResult] = {}
        self.calls: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def check(self, name: str) -> CheckResult:
        self.calls.append(name)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        try:
            await self.gate.wait()
        finally:
            self.running -= 1
        return CheckResult(self.clock.wall(), 200, 1, "alice@example.com")


@pytest.fixture
async def clock(store) -> FakeClock:
    await store.database.unlock()  # so that `seed` may save on the loop's thread
    return FakeClock(time.time())


@pytest.fixture
async def watching(clock):
    """Start health watches on the fake clock; stop them after the test."""
    started: list[HealthWatch] = []

    async def start(connections, outcomes: Outcomes, **kw) -> HealthWatch:
        kw = {"rng": Random(11), "wall": clock.wall, "sleep": clock.sleep, "interval_s": HOUR} | kw
        watch = HealthWatch(connections, **outcomes.callbacks(), **kw)
        naps = clock.naps
        watch.start()
        started.append(watch)
        await clock.nap_after(naps)
        return watch

    yield start
    for watch in started:
        await watch.stop()


async def next_of(queue: asyncio.Queue):
    return await asyncio.wait_for(queue.get(), WAIT_S)


async def test_a_vcita_connection_revoked_at_the_vendor_needs_sign_in_within_its_interval(
    store, client, sleep, clock, watching, vcita_sim
):
    sim = vcita_sim.sim
    connections = connections_for(store, client, sleep, now=clock.wall)
    front_desk = await connect_vcita(connections, vcita_sim)
    outcomes = Outcomes()
    watch = await watching(connections, outcomes)
    t0 = clock.wall()
    assert t0 <= watch.due_times()[front_desk.id] <= t0 + START_SPREAD_S  # soon after the window opens

    await clock.advance(START_SPREAD_S)
    name, first = await next_of(outcomes.checked)
    assert (name, first.status, first.identity) == ("Front desk", 200, "alice@example.com")
    checked_at = clock.wall()
    await clock.until(lambda: watch.due_times()[front_desk.id] > checked_at)
    assert checked_at + (1 - CHECK_JITTER) * HOUR <= watch.due_times()[front_desk.id]
    assert sim.revoke_token(store.database.secrets("Front desk").access_token)  # the business disconnected the app

    await clock.advance((1 + CHECK_JITTER) * HOUR)
    name, refused = await next_of(outcomes.needs_sign_in)

    assert name == "Front desk" and isinstance(refused, TokenRejected)
    assert "The access token is invalid, expired or revoked." in refused.sentence
    stored = store.database.get("Front desk")
    assert stored.status is Status.NEEDS_SIGN_IN and stored.status_detail == refused.sentence
    await clock.until(lambda: front_desk.id not in watch.due_times())  # the person knows now: no more checks
    assert outcomes.checked.empty()


async def test_focus_after_idling_checks_at_once_and_a_moments_blur_does_not(
    store, client, sleep, clock, watching, vcita_sim
):
    connections = connections_for(store, client, sleep, now=clock.wall)
    front_desk = await connect_vcita(connections, vcita_sim)
    outcomes = Outcomes()
    watch = await watching(connections, outcomes)
    await clock.advance(START_SPREAD_S)
    await next_of(outcomes.checked)
    await clock.until(lambda: watch.due_times()[front_desk.id] > clock.wall() + HOUR / 2)
    planned = watch.due_times()[front_desk.id]
    await clock.advance(RECENT_S)  # so that only idling stands between the window's focus and a check

    watch.window_focus(False)
    await clock.advance(60)
    watch.window_focus(True)
    assert watch.due_times()[front_desk.id] == planned  # a glance elsewhere is no idling

    watch.window_focus(False)
    await clock.advance(IDLE_S)
    watch.window_focus(True)
    focused_at = clock.wall()
    assert focused_at <= watch.due_times()[front_desk.id] <= focused_at + FOCUS_SPREAD_S
    await clock.advance(FOCUS_SPREAD_S)
    name, again = await next_of(outcomes.checked)

    assert name == "Front desk" and again.identity == "alice@example.com" and again.at >= focused_at
    checks = [e for e in await store.audit_log(front_desk.id) if e.action == "check"]
    assert len(checks) == 2


async def test_no_more_than_two_checks_at_once_and_their_next_ones_spread_over_the_band(store, clock, watching):
    t0 = clock.wall()
    for i in range(12):
        seed(store, f"office {i}", t0 - HOUR, None, template_id="vaultre", has_refresh_token=False)
    seed(store, "an hour", t0, HOUR)  # refreshed on schedule: not watched
    checks, outcomes = GatedChecks(store, clock), Outcomes()
    watch = await watching(checks, outcomes, concurrency=2)
    assert len(watch.due_times()) == 12

    await clock.advance(START_SPREAD_S)
    await checks.entered.wait()
    assert checks.running == 2 and len(checks.calls) == 2
    checks.gate.set()
    done = [await next_of(outcomes.checked) for _ in range(12)]
    checked_at = clock.wall()
    await clock.until(lambda: min(watch.due_times().values()) > checked_at)

    assert checks.most_at_once == 2 and sorted(checks.calls) == sorted(name for name, _ in done)
    offsets = sorted(at - checked_at for at in watch.due_times().values())
    low, high = (1 - CHECK_JITTER) * HOUR, (1 + CHECK_JITTER) * HOUR
    assert len(offsets) == 12 and low <= offsets[0] and offsets[-1] <= high
    assert offsets[-1] - offsets[0] > (high - low) / 2  # not in step
    assert len({round(o) for o in offsets}) == 12
