"""240 refreshes of a rotating (iOFFICE) shared connection, each with the workspace's PostgreSQL failing under it at
a different moment: before the lock is taken, with the lock held before the vendor is asked, with the vendor's new
tokens only in memory, and at the COMMIT that saves them (before the server has it, just after it was sent, and
once committed but before the refresher hears). Most faults terminate the refresh's session (the server side of a
dropped connection, cheap enough for hundreds); every eighth kills every server process with SIGKILL and starts
the server again, crash recovery and all. After each cycle the vendor's one live refresh token is the one stored,
or the one the refresher keeps to save first next time; no refresh token is ever sent twice."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

import psycopg
import pytest

from connmgr.domain.connection import Status
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services import refresher as refresher_module
from connmgr.storage.errors import StoreRefused
from tests.simulators.ioffice import TOKEN_PATH
from tests.storage.workspaces import Workspaces
from tests.support.postgres_proxy import CommitMoment, PostgresProxy
from tests.support.postgres_server import PostgresServer
from tests.support.refreshing import TEST_TIMEOUT, RecordedSleep, connect_ioffice, connections_for

CYCLES = 240
CRASH_EVERY = 8  # one cycle in eight kills the server for real
# The refresher's own checkpoints (see `refresher.checkpoint`), then the COMMIT of its save.
MOMENTS: list[str | CommitMoment] = ["locking", "sending", "answered", *CommitMoment]


@pytest.fixture
async def proxy(postgres: PostgresServer) -> AsyncIterator[PostgresProxy]:
    relay = PostgresProxy(postgres)
    await relay.start()
    yield relay
    await relay.close()
    assert relay.errors == []


def terminating(postgres: PostgresServer, database: str) -> Callable[[], None]:
    """Every other session of `database` ended by the server, as when it drops a client's connection."""

    def terminate() -> None:
        with psycopg.connect(postgres.uri(database), autocommit=True) as db:
            db.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    return terminate


async def test_no_grant_is_lost_when_the_server_fails_at_any_moment_of_a_refresh(
    postgres, workspace_database, proxy, ioffice_sim, monkeypatch
):
    sim = ioffice_sim.sim
    workspaces = Workspaces()
    store = workspaces.open(proxy.uri(workspace_database))
    terminate = terminating(postgres, workspace_database)
    at_checkpoint: dict[str, Callable[[], None]] = {}
    monkeypatch.setattr(refresher_module, "checkpoint", lambda name: at_checkpoint.pop(name, lambda: None)())
    outcomes: Counter[tuple[str, str]] = Counter()
    kept_cycles = 0
    started = time.perf_counter()
    try:
        async with new_http_client(timeout=TEST_TIMEOUT) as http:
            connections = connections_for(store, OAuthClient(http), RecordedSleep())
            refresher = connections.refresher
            await connect_ioffice(connections, ioffice_sim, "Acme")

            for cycle in range(CYCLES):
                moment = MOMENTS[cycle % len(MOMENTS)]
                crash = cycle % CRASH_EVERY == CRASH_EVERY - 1
                fault = postgres.crash if crash else terminate
                if isinstance(moment, CommitMoment):
                    proxy.strike_at_next_commit(moment, fault)
                else:
                    at_checkpoint[moment] = fault
                before = (await store.read("Acme"))[1].refresh_token
                try:
                    await refresher.refresh("Acme")
                    outcome = "refreshed"
                except StoreRefused:  # the connection dropped or the server is down: one sentence, nothing lost
                    outcome = "refused"
                proxy.disarm()
                at_checkpoint.clear()
                if crash:
                    postgres.start()
                what = f"commit {moment.name.lower()}" if isinstance(moment, CommitMoment) else moment

                connection, secrets = await store.read("Acme")
                if outcome == "refused" and secrets.refresh_token != before:
                    outcome = "refused, yet committed"
                kept = refresher.unsaved(connection)
                kept_cycles += kept is not None
                live = kept.refresh_token if kept is not None else secrets.refresh_token
                assert sim.refresh_tokens.find(live) is not None, f"cycle {cycle} ({what}, crash={crash}): grant lost"
                assert connection.status is Status.CONNECTED
                outcomes[(what, outcome)] += 1

            await refresher.refresh("Acme")  # no fault: whatever was kept is stored now
            connection, secrets = await store.read("Acme")
            assert refresher.unsaved(connection) is None
            assert sim.refresh_tokens.find(secrets.refresh_token) is not None
            assert (await connections.check("Acme")).identity == "alice@example.com"
    finally:
        workspaces.close_all()

    sent = Counter(r.headers["x-refresh-token"] for r in sim.requests_to(TOKEN_PATH) if "x-refresh-token" in r.headers)
    print(
        f"\n{CYCLES} cycles in {time.perf_counter() - started:.1f} s, {CYCLES // CRASH_EVERY} of them crashes;"
        f" {proxy.struck} faults at a COMMIT; {kept_cycles} left tokens kept to save next;"
        f" {', '.join(f'{what} {outcome} {n}' for (what, outcome), n in sorted(outcomes.items()))}"
    )
    assert [token for token, uses in sent.items() if uses > 1] == []
    per_moment = CYCLES // len(MOMENTS)
    for moment in ("sending", "answered", "commit before"):  # the vendor's answer never reached the server
        assert outcomes[(moment, "refused")] == per_moment
    assert outcomes[("commit answered", "refused, yet committed")] == per_moment
    assert kept_cycles >= 3 * per_moment
