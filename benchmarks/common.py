"""What every benchmark shares: how a figure is reported, and the connections it measures with.

No Qt here: the refresh and export benchmarks must not pay for importing it.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.storage import DataKeySource, KeyringDataKey
from connmgr.storage.store import ConnectionDatabase

RESULT_PREFIX = "BENCH-RESULT "  # the line of a benchmark's stdout that __main__ reads
REDIRECT_URI = "https://app.example.com/oauth/callback"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-5b1f0c"

T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """One row of the table: a median, and the reference it is judged against, measured in the same run."""

    key: str
    label: str
    value: float
    unit: str
    reference: float | None = None
    reference_label: str = ""
    budget: str = ""
    met: bool | None = None  # None: informational, no budget
    runs: int = 1
    samples: Sequence[float] = field(default_factory=tuple)

    @property
    def ratio(self) -> float | None:
        """value / reference (for throughput: ours / theirs), as the budget reads."""
        return None if self.reference is None else self.value / self.reference


def emit(figures: Sequence[Figure], **details: object) -> None:
    """Hand the figures to `__main__` (and to a person running the module alone)."""
    for figure in figures:
        reference = f" (reference {figure.reference:.4g} {figure.unit})" if figure.reference is not None else ""
        print(f"{figure.label}: {figure.value:.4g} {figure.unit}{reference}", file=sys.stderr)
    payload = {"figures": [{**asdict(f), "ratio": f.ratio} for f in figures], "details": details}
    print(RESULT_PREFIX + json.dumps(payload), flush=True)


def oauth2_values(base_url: str) -> dict[str, str]:
    """The generic OAuth 2.0 template's fields for a vendor at `base_url` (the token server's)."""
    return {
        "client_id": CLIENT_ID,
        "authorize_url": f"{base_url}/authorize",
        "token_url": f"{base_url}/token",
        "redirect_uri": REDIRECT_URI,
    }


def web_engine_loaded() -> bool:
    return "PySide6.QtWebEngineWidgets" in sys.modules or "PySide6.QtWebEngineCore" in sys.modules


def rotated(items: Sequence[T], turn: int) -> list[T]:
    """`items` starting at position `turn` (modulo its length): each goes first in turn, so that whatever else the
    machine does weighs on all alike."""
    start = turn % len(items)
    return [*items[start:], *items[:start]]


def oauth2_connection(index: int, base_url: str, *, now: float) -> tuple[Connection, Secrets]:
    """A generic OAuth 2.0 connection whose token endpoint is `base_url`, its access token already expired."""
    name = f"Client {index:05}"
    connection = Connection(
        id=f"bench-{index:05}",
        name=name,
        template_id="oauth2",
        flow="authorization_code",
        values=oauth2_values(base_url),
        account=f"ops@client{index:05}.example",
        scope="read write",
        issued_at=now - 3_700,
        expires_at=now - 100,
        has_refresh_token=True,
        created_at=now - 86_400,
        updated_at=now - 3_700,
    )
    # Token sizes of a typical vendor: an opaque refresh token, a JWT-sized access token.
    secrets = Secrets(
        f"at-{index:05}-" + "a" * 900, f"rt-{index:05}-" + "r" * 40, None, {"client_secret": CLIENT_SECRET}
    )
    return connection, secrets


# What the table shows in real life: every vendor, lifetimes from five minutes to twenty years, and a few
# connections that need a person. (template, access-token lifetime, refresh-token lifetime)
_MIX = (
    ("vaultre", None, None),
    ("vcita", 20 * 365 * 86_400, None),
    ("ioffice", 3_600, None),
    ("eptura", 3_600, None),
    ("docbyte", 300, 1_800),
    ("oidc", 3_600, 86_400),
    ("oauth2", 7_200, None),
)


def table_connection(index: int, *, now: float, rng: random.Random) -> tuple[Connection, Secrets]:
    """A connection as the window lists it: a mix of vendors, expiries spread over their lifetimes."""
    template_id, lifetime, refresh_lifetime = _MIX[index % len(_MIX)]
    issued = now - rng.uniform(0, lifetime or 86_400)
    status = rng.choices([Status.CONNECTED, Status.NEEDS_SIGN_IN, Status.REVOKED], [96, 3, 1])[0]
    connection = Connection(
        id=f"table-{index:05}",
        name=f"{template_id} client {index:05}",
        template_id=template_id,
        flow="authorization_code",
        values={"client_id": f"client-{index:05}"},
        account=f"ops@client{index:05}.example",
        issued_at=issued,
        expires_at=None if lifetime is None else issued + lifetime,
        refresh_expires_at=None if refresh_lifetime is None else issued + refresh_lifetime,
        has_refresh_token=refresh_lifetime is not None,
        status=status,
        created_at=issued,
        updated_at=issued,
    )
    return connection, Secrets(f"at-{index:05}-" + "a" * 900, f"rt-{index:05}", None, {})


def fill_table_store(store: ConnectionDatabase, count: int, *, seed: int = 7) -> None:
    """`count` mixed connections, saved in one transaction (one commit: seeding is not what is measured)."""
    now, rng = time.time(), random.Random(seed)  # noqa: S311 (reproducible test data, not a secret)
    with store.transaction():
        for index in range(count):
            store.save(*table_connection(index, now=now, rng=rng))


def fill_oauth2_store(store: ConnectionDatabase, count: int, base_url: str) -> list[str]:
    now = time.time()
    names = []
    with store.transaction():
        for index in range(count):
            connection, secrets = oauth2_connection(index, base_url, now=now)
            store.save(connection, secrets)
            names.append(connection.name)
    return names


def rss_bytes() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def in_mib(n_bytes: float) -> float:
    return n_bytes / (1 << 20)


def fresh_home(parent: Path, name: str) -> Path:
    from connmgr.storage import resolve_home

    return resolve_home(parent / name)


SECRET_SERVICE_ENV = "CONNMGR_BENCH_SECRET_SERVICE"  # set by __main__ once it runs inside its own keyring session


def data_key_for(home: Path) -> DataKeySource:
    """The real keyring's data key inside the benchmark's own Secret Service session; else a fixed key (the
    figures that need the real keyring then say so)."""
    if os.environ.get(SECRET_SERVICE_ENV) == "1":
        return KeyringDataKey(home)
    from tests.storage.fakes import FixedDataKey

    return FixedDataKey(home)
