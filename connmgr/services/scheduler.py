"""Keeping every connection's token fresh in the background, on the asyncio loop (the GUI's, through qasync).

Each wake-up reads the connections' metadata (no keyring, a few milliseconds for a thousand), fires the refreshes
that are due, at most `concurrency` at once, and naps until the next one is due, but never longer than `tick_s`:
asyncio's timers run on the monotonic clock, which stands still while the machine sleeps, so a long nap could end
hours after the token did. A wake-up whose wall-clock and monotonic deltas disagree (a sleep, a clock change)
re-plans everything from the present; `reevaluate()` does the same at once, for the GUI's system-resume signal.
Refreshes themselves go through the `Refresher`, so they join any refresh already running for the connection; one
whose lock another process (or machine) holds is left to that one, without waiting, and looked at again once
its stored state changes (the store tells of every change) or after `HELD_RETRY_S`.
Each connection's last refresh here is remembered, with how many in a row brought tokens dead on arrival, so
that a vendor answering with such tokens is not asked again at once (see `domain.schedule`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from random import Random

from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.schedule import is_dead_on_arrival, refresh_due, retry_due
from connmgr.services.nap import nap
from connmgr.services.refresher import Refresher
from connmgr.storage.errors import ConnectionNotFound, StorageError
from connmgr.storage.interface import Change, ConnectionStore, Subscription

log = logging.getLogger("connmgr.services")

TICK_S = 30.0  # the longest nap, so a wake from sleep is noticed within this much monotonic time
JUMP_TOLERANCE_S = 5.0  # wall and monotonic deltas further apart than this mean a sleep or a clock change
HELD_RETRY_S = 15.0  # a connection refreshed elsewhere whose state did not change meanwhile: looked at again


@dataclass(frozen=True)
class _Plan:
    generation: tuple[object, ...]  # the stored state this plan was made for
    due_at: float | None  # epoch seconds; None: never
    failures: int = 0  # refreshes of this state that failed in a row (each already retried in place)


@dataclass(frozen=True)
class _Refreshed:
    at: float  # epoch seconds
    dead_on_arrival: int  # refreshes in a row, up to this one, whose token ran out before the next may be made


class RefreshScheduler:
    def __init__(
        self,
        store: ConnectionStore,
        refresher: Refresher,
        *,
        on_refreshed: Callable[[Connection], None],
        on_failed: Callable[[str, ConnmgrError], None],
        concurrency: int = 4,
        rng: Random | None = None,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tick_s: float = TICK_S,
    ) -> None:
        self._store = store
        self._refresher = refresher
        self._on_refreshed = on_refreshed
        self._on_failed = on_failed
        self._slots = asyncio.Semaphore(concurrency)
        self._rng = rng or Random()  # noqa: S311 -- jitter, not a secret
        self._wall = wall
        self._monotonic = monotonic
        self._sleep = sleep
        self._tick_s = tick_s
        self._plans: dict[str, _Plan] = {}
        self._refreshed: dict[str, _Refreshed] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._replan = False
        self._loop_task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.ensure_future(self._run())
            self._subscription = self._store.subscribe(self._on_change)

    async def stop(self) -> None:
        """Stop planning and firing, then wait for refreshes in flight: one is never cut between the vendor's
        answer and the save."""
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        self._loop_task = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._refresher.settle()

    def _on_change(self, change: Change) -> None:
        """Planned again from what is stored whenever that changes (connected, refreshed or removed elsewhere);
        not for a refresh of its own, whose end plans it with what it brought."""
        names = {c.name for c in (change.before, change.after) if c is not None}
        if not names & self._running.keys():
            self._wake.set()

    def reevaluate(self) -> None:
        """Re-plan every connection from the present at once: after a system resume, or a new or changed one."""
        self._replan = True
        self._wake.set()

    def due_times(self) -> dict[str, float]:
        """When each scheduled connection is next refreshed (epoch seconds), as last planned."""
        return {name: plan.due_at for name, plan in self._plans.items() if plan.due_at is not None}

    async def _run(self) -> None:
        while True:
            try:
                await self._fire_due()
            except StorageError as error:  # a busy or failing disk: try again at the next wake-up
                log.warning("the refresh scheduler cannot read the connections: %s", error.sentence)
            wall_before, monotonic_before = self._wall(), self._monotonic()
            waiting = [at for name, at in self.due_times().items() if name not in self._running]
            await nap(self._sleep, self._wake, min([self._tick_s, *(max(0.0, at - wall_before) for at in waiting)]))
            wall_moved, monotonic_moved = self._wall() - wall_before, self._monotonic() - monotonic_before
            if abs(wall_moved - monotonic_moved) > JUMP_TOLERANCE_S:
                log.info("the clock moved %+.0f s beyond the timers (sleep or clock change); re-planning", wall_moved)
                self._replan = True

    async def _fire_due(self) -> None:
        connections = await self._store.list_connections()
        now, replan = self._wall(), self._replan
        self._replan = False
        self._plans = {c.name: self._plan(c, now, replan) for c in connections}
        self._refreshed = {name: last for name, last in self._refreshed.items() if name in self._plans}
        for connection in connections:
            due_at = self._plans[connection.name].due_at
            if connection.name not in self._running and due_at is not None and due_at <= now:
                self._running[connection.name] = asyncio.ensure_future(self._refresh(connection))

    def _plan(self, connection: Connection, now: float, replan: bool) -> _Plan:
        """The plan for this connection's stored state: kept while that state is the same (and with it its
        jitter and failure count); made anew from `now` for a new state, and on `replan` unless it is backing
        off after failures."""
        plan = self._plans.get(connection.name)
        if plan is None or plan.generation != _generation(connection) or (replan and plan.failures == 0):
            return self._new_plan(connection, now)
        return plan

    def _new_plan(self, connection: Connection, now: float) -> _Plan:
        last = self._refreshed.get(connection.name)
        due = refresh_due(
            connection,
            now,
            self._rng,
            refreshed_at=last.at if last else None,
            dead_on_arrival=last.dead_on_arrival if last else 0,
        )
        return _Plan(_generation(connection), due)

    async def _refresh(self, connection: Connection) -> None:
        name = connection.name
        try:
            async with self._slots:
                outcome = await self._refresher.try_refresh(name, basis=connection)
        except ConnectionNotFound:
            pass  # removed meanwhile: the next plan has no place for it
        except ConnmgrError as error:
            self._failed(connection)
            self._on_failed(name, error)
        except Exception:
            # A bug, not a vendor's answer: logged, and retried later like a failure rather than at once forever.
            log.exception("refreshing %s failed unexpectedly", name)
            self._failed(connection)
        else:
            if outcome is None:
                self._held_elsewhere(connection)
            else:
                self._note_refreshed(outcome[0])
                self._on_refreshed(outcome[0])
        finally:
            del self._running[name]
            self._wake.set()  # plan again from what is stored now

    def _note_refreshed(self, connection: Connection) -> None:
        now, last = self._wall(), self._refreshed.get(connection.name)
        dead = (last.dead_on_arrival + 1 if last else 1) if is_dead_on_arrival(connection, now) else 0
        self._refreshed[connection.name] = _Refreshed(now, dead)
        # Planned anew at once, even if the vendor's answer left the stored state as it was.
        self._plans[connection.name] = self._new_plan(connection, now)
        if dead:
            left = connection.remaining(now) or 0.0
            log.warning(
                "%s: the vendor answered with a token that runs out in %.0f s (%d in a row); asking less often",
                connection.name, max(0.0, left), dead,
            )  # fmt: skip

    def _held_elsewhere(self, tried: Connection) -> None:
        """Refreshed by another process right now: its save will change the stored state, and that plans anew."""
        plan = self._plan_tried(tried)
        if plan is not None:
            self._plans[tried.name] = _Plan(plan.generation, self._wall() + HELD_RETRY_S, plan.failures)

    def _failed(self, tried: Connection) -> None:
        """Try again later, later after each failure in a row, unless the stored state changes meanwhile (a
        "Needs sign-in" is not scheduled at all)."""
        plan = self._plan_tried(tried)
        if plan is not None:
            failures = plan.failures + 1
            self._plans[tried.name] = _Plan(plan.generation, retry_due(failures, self._wall(), self._rng), failures)

    def _plan_tried(self, tried: Connection) -> _Plan | None:
        """The plan for the state a refresh was tried with; None if a new state was planned while it ran (the other
        process's save was listed before its attempt ended): that plan stands, or it would be refreshed again."""
        plan = self._plans.get(tried.name)
        return plan if plan is not None and plan.generation == _generation(tried) else None


def _generation(connection: Connection) -> tuple[object, ...]:
    """The stored state a plan is made for: its tokens, and its status (one that needs signing in is not planned)."""
    return connection.generation, connection.status
