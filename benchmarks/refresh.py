"""Refresh throughput: 1,000 connections refreshed 16 at a time against a local token server, beside authlib.

Four ways, interleaved, each timed with a heartbeat task beside it that sleeps 5 ms and records how late it
wakes (the largest lateness is the worst the event loop, i.e. the window, was kept waiting):

- connmgr: `Connections.refresh` — the real path: per-connection lock, read and decrypt, the token request,
  then the new tokens sealed and saved, on disk (fsync) before the refresh returns (refreshes in flight together
  share a commit);
- connmgr engine: `OAuthClient.refresh` alone, so the store's share is visible;
- connmgr on httpx's own pool: `Connections.refresh` again, its HTTP client without connmgr's pool
  (connmgr/oauth/pool.py), so that what the pool is worth stays measured;
- authlib: `AsyncOAuth2Client.refresh_token`, the same requests (form, HTTP Basic) on the same httpx.

    .venv/bin/python -m benchmarks.refresh
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from statistics import median, quantiles

import httpx

from benchmarks.common import CLIENT_ID, CLIENT_SECRET, Figure, emit, fill_oauth2_store, fresh_home, rotated
from benchmarks.token_server import TokenServer
from connmgr.domain.connection import tokens_of
from connmgr.domain.provider import Provider, saved_provider
from connmgr.domain.tokens import TokenSet
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import DEFAULT_HEADERS, DEFAULT_TIMEOUT
from connmgr.services.connections import Connections
from connmgr.storage import LocalStore
from connmgr.templates import load_catalog
from tests.storage.fakes import FixedDataKey

COUNT = 1_000
CONCURRENCY = 16
REPEATS = 5
HEARTBEAT_S = 0.005
STALL_BUDGET_RATIO = 2.0  # the largest stall, against authlib's largest in the same run


async def _heartbeat(stop: asyncio.Event, lateness: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(HEARTBEAT_S)
        lateness.append(time.perf_counter() - started - HEARTBEAT_S)


async def timed_run(
    indices: Sequence[int], one: Callable[[int], Awaitable[None]], heartbeats_ms: list[float] | None = None
) -> tuple[float, float, float]:
    """(refreshes per second, largest stall in ms, client CPU µs per refresh) of `one` over `indices`, CONCURRENCY
    at a time; every heartbeat's lateness (ms) is added to `heartbeats_ms` if given. The CPU time (all the
    process's threads) is less disturbed by other work on the machine.

    CONCURRENCY workers take the next index as they finish, rather than a task per index behind a semaphore:
    creating a thousand tasks at once is itself a stall, and it would be the harness's, not the client's."""
    pending = iter(indices)

    async def worker() -> None:
        for i in pending:
            await one(i)

    stop, lateness = asyncio.Event(), [0.0]
    beat = asyncio.create_task(_heartbeat(stop, lateness))
    await asyncio.sleep(HEARTBEAT_S * 2)  # the heartbeat is ticking before the work starts
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    stop.set()
    await beat
    if heartbeats_ms is not None:
        heartbeats_ms.extend(late * 1000 for late in lateness)
    return len(indices) / elapsed, max(lateness) * 1000, cpu / len(indices) * 1e6


class _Contenders:
    """The ways to refresh, each holding its own rotating refresh tokens (the two saving ways in the store)."""

    def __init__(
        self, connections: Connections, on_stock: Connections, names: list[str], authlib_client: object, token_url: str
    ) -> None:
        self.connections, self.on_stock, self.names, self.token_url = connections, on_stock, names, token_url
        store, catalog = connections.store, connections.catalog
        self.providers: list[Provider] = []
        self.tokens: list[TokenSet] = []
        for name in names:  # the engine's providers and tokens, resolved once, outside every timing
            connection, secrets = store.database.read(name)
            self.providers.append(saved_provider(catalog, connection, secrets.fields))
            tokens = tokens_of(connection, secrets)
            assert tokens is not None
            self.tokens.append(tokens)
        self.authlib_client = authlib_client
        self.authlib_refresh_tokens = [t.refresh_token or "" for t in self.tokens]

    async def connmgr(self, i: int) -> None:
        await self.connections.refresh(self.names[i])

    async def stock(self, i: int) -> None:
        await self.on_stock.refresh(self.names[i])

    async def engine(self, i: int) -> None:
        self.tokens[i] = await self.connections.client.refresh(self.providers[i], self.tokens[i])

    async def authlib(self, i: int) -> None:
        token = await self.authlib_client.refresh_token(  # type: ignore[attr-defined]
            self.token_url, refresh_token=self.authlib_refresh_tokens[i]
        )
        self.authlib_refresh_tokens[i] = token["refresh_token"]


async def _bench(server: TokenServer, store: LocalStore, names: list[str]) -> list[Figure]:
    with warnings.catch_warnings():  # authlib warns that it would rather have httpx2; it runs on httpx
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    token_url = f"{server.base_url}/token"
    stock_http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, headers=DEFAULT_HEADERS)
    async with (
        OAuthClient() as client,
        stock_http,
        AsyncOAuth2Client(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method="client_secret_basic") as theirs,
    ):
        catalog = load_catalog().catalog
        on_stock = Connections(store, catalog, OAuthClient(stock_http))
        contenders = _Contenders(Connections(store, catalog, client), on_stock, names, theirs, token_url)
        ways = {
            "connmgr": contenders.connmgr,
            "stock": contenders.stock,
            "engine": contenders.engine,
            "authlib": contenders.authlib,
        }
        for one in ways.values():  # warm-up: imports, connection pools, SQLite's page cache, every lock file made
            await timed_run(range(COUNT), one)
        gc.freeze()  # as connmgr's window does once it has started (connmgr/gui/startup/assembly.py)
        # The table's figure is each way's median over REPEATS runs of COUNT; the stall is the worst of its runs,
        # its p99 that of all its runs' heartbeats together.
        rates: dict[str, list[float]] = {way: [] for way in ways}
        stalls: dict[str, list[float]] = {way: [] for way in ways}
        lateness: dict[str, list[float]] = {way: [] for way in ways}
        cpu_us: dict[str, list[float]] = {way: [] for way in ways}
        order = list(ways)
        for repeat in range(REPEATS):
            for way in rotated(order, repeat):
                rate, stall, cpu = await timed_run(range(COUNT), ways[way], lateness[way])
                rates[way].append(rate)
                stalls[way].append(stall)
                cpu_us[way].append(cpu)

    ours, stock, engine, authlib = (median(rates[w]) for w in ("connmgr", "stock", "engine", "authlib"))
    authlib_cpu = median(cpu_us["authlib"])
    worst_stall, authlib_stall = max(stalls["connmgr"]), max(stalls["authlib"])
    p99 = {way: quantiles(lateness[way], n=100)[98] for way in ("connmgr", "authlib")}
    return [
        Figure(
            "refresh.connmgr",
            f"Refresh {COUNT:,}, {CONCURRENCY} at a time: connmgr (Connections.refresh, saved)",
            ours,
            "refresh/s",
            authlib,
            "authlib AsyncOAuth2Client",
            "ratio >= 1.0",
            ours / authlib >= 1.0,
            REPEATS,
            rates["connmgr"],
        ),
        Figure(
            "refresh.stock_pool",
            "  the same on httpx's own connection pool (saved)",
            stock,
            "refresh/s",
            authlib,
            "authlib AsyncOAuth2Client",
            runs=REPEATS,
            samples=rates["stock"],
        ),
        Figure(
            "refresh.engine",
            "  engine only (OAuthClient.refresh, not saved)",
            engine,
            "refresh/s",
            authlib,
            "authlib AsyncOAuth2Client",
            runs=REPEATS,
            samples=rates["engine"],
        ),
        *(
            Figure(key, label, median(cpu_us[way]), "µs", authlib_cpu, "authlib", runs=REPEATS, samples=cpu_us[way])
            for key, label, way in (
                ("refresh.cpu", "  client CPU per refresh: connmgr (saved)", "connmgr"),
                ("refresh.engine_cpu", "  client CPU per refresh: engine only", "engine"),
            )
        ),
        Figure(
            "refresh.stall",
            "  largest event-loop stall during connmgr's refreshes (worst run)",
            worst_stall,
            "ms",
            authlib_stall,
            "authlib's refreshes, worst run",
            f"<= {STALL_BUDGET_RATIO:g}x authlib",
            worst_stall <= STALL_BUDGET_RATIO * authlib_stall,
            REPEATS,
            stalls["connmgr"],
        ),
        Figure(
            "refresh.stall_p99",
            "  p99 event-loop stall during connmgr's refreshes (all runs)",
            p99["connmgr"],
            "ms",
            p99["authlib"],
            "authlib's refreshes, all runs",
            runs=REPEATS,
        ),
    ]


def main() -> None:
    with TokenServer() as server, tempfile.TemporaryDirectory() as directory:
        home = fresh_home(Path(directory), "home")
        # A fixed data key: this is about the refresh path, not the keyring (the export benchmark uses the real one).
        with LocalStore(home, FixedDataKey(home)) as store:
            names = fill_oauth2_store(store.database, COUNT, server.base_url)  # seeded before the loop runs
            figures = asyncio.run(_bench(server, store, names))
    emit(figures, count=COUNT, concurrency=CONCURRENCY, repeats=REPEATS)


if __name__ == "__main__":
    main()
