"""A thousand refreshes of rotating refresh tokens through 503s, 429s, dropped connections and timeouts: none lost.

Each cycle refreshes twenty connections at once while up to three faults wait on the token endpoint, so no refresh
meets more faults than it has attempts. After every cycle each stored refresh token must be alive at the
simulator; iOFFICE kills a refresh token when it is used, so alive means it is the latest issued for its grant.
"""

from __future__ import annotations

import asyncio
import time
from random import Random

from connmgr.domain.connection import Status
from tests.simulators.ioffice import TOKEN_PATH
from tests.support.refreshing import connect_ioffice

CONNECTIONS = 20
CYCLES = 50
NO_ANSWER_S = 5.0  # longer than the client's timeout; the simulator's stop cuts it short


def inject_faults(sim, rng: Random, cycle: int) -> list[str]:
    kinds = []
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice(["503", "503 retry-after", "429", "drop"] + (["timeout"] if cycle % 10 == 0 else []))
        if kind == "503":
            sim.inject(TOKEN_PATH, status=503)
        elif kind == "503 retry-after":
            sim.inject(TOKEN_PATH, status=503, headers={"Retry-After": "3"})
        elif kind == "429":
            sim.inject(TOKEN_PATH, status=429, body=b'{"error":"slow_down"}', content_type="application/json")
        elif kind == "drop":
            sim.inject(TOKEN_PATH, status=None)
        else:
            sim.inject(TOKEN_PATH, status=503, delay=NO_ANSWER_S)
        kinds.append(kind)
    return kinds


async def test_a_thousand_refresh_cycles_lose_no_token(connections, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    names = [f"client {i:02d}" for i in range(CONNECTIONS)]
    for name in names:
        await connect_ioffice(connections, ioffice_sim, name)
    rng = Random(2024)
    injected: list[str] = []
    lost = 0
    started = time.perf_counter()

    for cycle in range(CYCLES):
        injected += inject_faults(sim, rng, cycle)
        before = {name: connections.store.database.secrets(name).refresh_token for name in names}
        refreshed = await asyncio.gather(*(connections.refresh(name) for name in names))
        assert all(c.status is Status.CONNECTED for c in refreshed)
        stored = connections.store.database.read_many(names)
        for name in names:
            token = stored[name][1].refresh_token
            assert token != before[name], f"{name} was not refreshed in cycle {cycle}"
            lost += sim.refresh_tokens.find(token) is None

    elapsed = time.perf_counter() - started
    accounts = await asyncio.gather(*(connections.check(name) for name in names))
    print(
        f"\n{CONNECTIONS * CYCLES} refresh cycles ({CONNECTIONS} connections x {CYCLES}), {len(injected)} faults"
        f" injected ({', '.join(f'{injected.count(k)} {k}' for k in sorted(set(injected)))}),"
        f" {connections.refresher.retries} retries, {lost} tokens lost, {elapsed:.1f} s"
    )
    assert lost == 0
    assert {checked.identity for checked in accounts} == {"alice@example.com"}
    assert connections.refresher.retries == len(injected)  # every fault cost exactly one retry, no more
    assert any(wait >= 3.0 for wait in sleep.waits)  # the Retry-After was honoured
