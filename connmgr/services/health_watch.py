"""Checking long-lived tokens in the background while the window is open, so that one revoked at the vendor shows
as "Needs sign-in" soon after someone looks, not when a client calls with it.

Each wake-up reads the connections' metadata, plans a check for each that `domain.health_schedule` watches (a plan
is kept while the connection's stored state and its last check stay the same, and with it its jitter), fires those
that are due, at most `concurrency` at once, and naps until the next, but never longer than `tick_s` (asyncio's
timers stand still while the machine sleeps). `window_focus` is told each time the window gains or loses focus: one
focused again after idling has its connections checked within seconds. A check is `Connections.check`, as the
window's Check button makes it: recorded in the audit log, and a refusal marks the connection "Needs sign-in".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from random import Random

from connmgr.domain.checks import CheckResult
from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.health_schedule import CHECK_INTERVAL_S, check_due, due_on_focus, idle_long_enough
from connmgr.domain.summary import needs_a_person
from connmgr.services.connections import Connections
from connmgr.storage.errors import ConnectionNotFound, StorageError

log = logging.getLogger("connmgr.services")

TICK_S = 60.0  # the longest nap, so a wake from sleep is noticed within this much monotonic time


@dataclass(frozen=True)
class _Plan:
    basis: tuple[object, ...]  # the stored state and last check this plan was made for
    due_at: float | None  # epoch seconds; None: never


class HealthWatch:
    def __init__(
        self,
        connections: Connections,
        *,
        on_checked: Callable[[str, CheckResult], None],
        on_needs_sign_in: Callable[[str, ConnmgrError], None],
        concurrency: int = 2,
        rng: Random | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tick_s: float = TICK_S,
        interval_s: float = CHECK_INTERVAL_S,
    ) -> None:
        self._connections = connections
        self._on_checked = on_checked
        self._on_needs_sign_in = on_needs_sign_in
        self._slots = asyncio.Semaphore(concurrency)
        self._rng = rng or Random()  # noqa: S311 -- jitter, not a secret
        self._wall = wall
        self._sleep = sleep
        self._tick_s = tick_s
        self._interval_s = interval_s
        self._plans: dict[str, _Plan] = {}  # by connection id
        self._tried_at: dict[str, float] = {}  # each connection's last check here, answered or not
        self._running: dict[str, asyncio.Task[None]] = {}
        self._known: list[Connection] = []  # as the last wake-up read them
        self._unfocused_since: float | None = None
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop planning, and cancel the checks in flight (a check saves nothing that a cancel could cut in two:
        a refusal's "Needs sign-in" is saved by the store, which finishes a write once begun)."""
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        self._loop_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def window_focus(self, focused: bool) -> None:
        """The window gained or lost focus: gained after idling, every watched connection not checked lately is
        checked within seconds."""
        now = self._wall()
        if not focused:
            self._unfocused_since = self._unfocused_since or now
            return
        idled, self._unfocused_since = idle_long_enough(self._unfocused_since, now), None
        if not idled:
            return
        log.info("the window is focused after idling; checking the long-lived connections")
        for connection in self._known:
            plan = self._plans.get(connection.id)
            soon = due_on_focus(connection, now, self._rng, checked_at=self._checked_at(connection))
            if plan is not None and soon is not None and (plan.due_at is None or soon < plan.due_at):
                self._plans[connection.id] = _Plan(plan.basis, soon)
        self._wake.set()

    def due_times(self) -> dict[str, float]:
        """When each watched connection (by id) is next checked (epoch seconds), as last planned."""
        return {key: plan.due_at for key, plan in self._plans.items() if plan.due_at is not None}

    async def _run(self) -> None:
        while True:
            try:
                await self._fire_due()
            except StorageError as error:  # a busy or failing disk: try again at the next wake-up
                log.warning("the health checks cannot read the connections: %s", error.sentence)
            now = self._wall()
            waiting = [at for key, at in self.due_times().items() if key not in self._running]
            await self._nap(min([self._tick_s, *(max(0.0, at - now) for at in waiting)]))

    async def _nap(self, seconds: float) -> None:
        if not self._wake.is_set():
            sleeping = asyncio.ensure_future(self._sleep(seconds))
            waking = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait((sleeping, waking), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeping.cancel()
                waking.cancel()
        self._wake.clear()

    async def _fire_due(self) -> None:
        connections = self._known = await self._connections.store.list_connections()
        now = self._wall()
        self._plans = {c.id: self._plan(c, now) for c in connections}
        for connection in connections:
            due_at = self._plans[connection.id].due_at
            if connection.id not in self._running and due_at is not None and due_at <= now:
                self._running[connection.id] = asyncio.ensure_future(self._check(connection))

    def _checked_at(self, connection: Connection) -> float | None:
        """Its last check: here, or by the window's Check button (which `Connections` remembers)."""
        last = self._connections.last_checks.get(connection.id)
        moments = [m for m in (self._tried_at.get(connection.id), last.at if last else None) if m is not None]
        return max(moments, default=None)

    def _plan(self, connection: Connection, now: float) -> _Plan:
        checked_at = self._checked_at(connection)
        basis = (connection.status, connection.issued_at, connection.expires_at, checked_at)
        plan = self._plans.get(connection.id)
        if plan is not None and plan.basis == basis:
            return plan
        return _Plan(basis, check_due(connection, now, self._rng, checked_at=checked_at, interval_s=self._interval_s))

    async def _needs_a_person(self, name: str) -> bool:
        """Whether the failed check left the connection needing someone to sign in again."""
        try:
            return needs_a_person(await self._connections.store.get(name), self._wall())
        except ConnmgrError:  # removed meanwhile, or a failing disk: nothing to tell of
            return False

    async def _check(self, connection: Connection) -> None:
        name = connection.name
        try:
            async with self._slots:
                result = await self._connections.check(name)
        except ConnectionNotFound:
            pass  # removed or renamed meanwhile: the next plan has its new state
        except ConnmgrError as error:
            if await self._needs_a_person(name):
                self._on_needs_sign_in(name, error)
            else:  # the network, a vendor's outage: the next check in its turn
                log.info("checking %s in the background failed: %s", name, error.sentence)
        except Exception:
            log.exception("checking %s failed unexpectedly", name)  # a bug: tried again in its turn
        else:
            self._on_checked(name, result)
        finally:
            self._tried_at[connection.id] = self._wall()
            del self._running[connection.id]
            self._wake.set()  # plan again from what is stored now
