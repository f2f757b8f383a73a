"""Run the OpenID Connect test server (tests/oidc/server.mjs) from Python tests.

One node process serves every issuer of a config: Docbyte realms (Keycloak
look-alikes at /realms/<tenant>) and generic OIDC providers (at /<name>). See
server.mjs for the wire format; this module builds the config, starts the
process, waits for its ready line and stops it again.

Tests never read secrets out of the server: tokens are collected from the
responses the server sends, as an app would.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

NODE_DIR = Path(__file__).resolve().parents[1] / "oidc"
SERVER_SCRIPT = NODE_DIR / "server.mjs"


class OidcServerError(RuntimeError):
    """The test server could not be started, or an admin call failed."""


@dataclass(frozen=True)
class OidcClient:
    """A client registered at one issuer (a realm name or a generic issuer name)."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    # None: client_secret_basic with a secret, "none" (public client, PKCE) without.
    token_endpoint_auth_method: str | None = None
    # "native" (RFC 8252): claimed https redirect URIs, and loopback ones on any port.
    application_type: str = "native"
    # Like Keycloak's per-client "Consent required"; without it consent is implied.
    consent_required: bool = True

    @property
    def redirect_uri(self) -> str:
        return self.redirect_uris[0]

    @property
    def auth_method(self) -> str:
        if self.token_endpoint_auth_method:
            return self.token_endpoint_auth_method
        return "client_secret_basic" if self.client_secret else "none"


@dataclass(frozen=True)
class OidcUser:
    """A person who can sign in. A Docbyte realm knows only the users of its tenant;
    a generic issuer knows every user."""

    username: str
    password: str
    email: str
    name: str
    tenant: str | None = None


@dataclass(frozen=True)
class OidcConfig:
    realms: tuple[str, ...] = ()  # Docbyte tenants, one Keycloak realm each
    generic_issuers: tuple[str, ...] = ()
    clients: tuple[OidcClient, ...] = ()
    users: tuple[OidcUser, ...] = ()
    access_token_ttl: int = 300
    refresh_token_ttl: int = 1800
    device_code_ttl: int = 600  # how long a device code waits for its person (RFC 8628 `expires_in`)
    device_interval: int | None = None  # the polling interval the device flow names; None: none, meaning 5 s
    # When the generic issuers give a refresh token: "offline_access" (OIDC Core:
    # scope offline_access together with prompt=consent) or "always". Docbyte
    # realms always do, as Keycloak does.
    generic_refresh_tokens: str = "offline_access"

    def to_json(self) -> str:
        issuers = [{"name": n, "kind": "docbyte"} for n in self.realms]
        refresh = self.generic_refresh_tokens
        issuers += [{"name": n, "kind": "generic", "refresh_tokens": refresh} for n in self.generic_issuers]
        clients = [
            {**asdict(c), "token_endpoint_auth_method": c.auth_method, "client_secret": c.client_secret}
            for c in self.clients
        ]
        ttl = {
            "access_token": self.access_token_ttl,
            "refresh_token": self.refresh_token_ttl,
            "device_code": self.device_code_ttl,
        } | ({"device_interval": self.device_interval} if self.device_interval is not None else {})
        return json.dumps(
            {"issuers": issuers, "clients": clients, "users": [asdict(u) for u in self.users], "ttl": ttl}
        )


@dataclass(frozen=True)
class IssuerInfo:
    name: str
    kind: str  # "docbyte" or "generic"
    issuer: str  # the issuer URL
    subjects: dict[str, str] = field(default_factory=dict)  # username -> sub

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _missing_node_modules() -> bool:
    return not (NODE_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()


class OidcProviderServer:
    """The node test server as a context manager (or start()/stop())."""

    def __init__(self, config: OidcConfig, *, startup_timeout: float = 30.0) -> None:
        self.config = config
        self.startup_timeout = startup_timeout
        self.clients = {c.client_id: c for c in config.clients}
        self.users = {u.username: u for u in config.users}
        self.port = 0
        self.base_url = ""
        self.issuers: dict[str, IssuerInfo] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stderr_after_stop = ""

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> OidcProviderServer:
        if self._process is not None:
            return self
        node = shutil.which("node")
        if node is None:
            raise OidcServerError("node is not on PATH; the OIDC test server needs Node.js 20 or later")
        if _missing_node_modules():
            raise OidcServerError(f"{NODE_DIR}/node_modules is missing: run `npm ci --prefix tests/oidc`")
        # stderr goes to a file, not a pipe, so that nobody has to drain it while node
        # runs; stop() closes it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        # Its own session (process group) so that stop() can take down the lot;
        # stdin stays open as a lifeline: node exits when it closes, so the server
        # dies with this process even if stop() never runs.
        self._process = subprocess.Popen(
            [node, str(SERVER_SCRIPT), self.config.to_json()],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        try:
            ready = json.loads(self._read_ready_line())
        except BaseException:
            self.stop()
            raise
        self.port = ready["port"]
        self.base_url = ready["base_url"]
        self.issuers = {
            name: IssuerInfo(name=name, kind=info["kind"], issuer=info["issuer"], subjects=info["subjects"])
            for name, info in ready["issuers"].items()
        }
        return self

    def _read_ready_line(self) -> bytes:
        """Wait for the server's one line on stdout, without polling on a timer."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + self.startup_timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    message = f"the OIDC test server did not start in {self.startup_timeout} s"
                    raise OidcServerError(f"{message}\n{self.stderr_text()}")
                chunk = os.read(fd, 65536)
                if not chunk:  # EOF: node exited
                    code = self._process.wait()
                    raise OidcServerError(f"the OIDC test server exited with {code}:\n{self.stderr_text()}")
                buffer += chunk
        return buffer.split(b"\n", 1)[0]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        self._stderr_after_stop = self.stderr_text()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> OidcProviderServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stderr_text(self) -> str:
        """What node printed on stderr (warnings, server errors), also after stop()."""
        if self._stderr is None:
            return self._stderr_after_stop
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # -- what tests need -----------------------------------------------------

    def issuer(self, name: str) -> IssuerInfo:
        if name not in self.issuers:
            raise KeyError(f"no issuer {name!r}; there are {sorted(self.issuers)}")
        return self.issuers[name]

    def docbyte_issuer(self, tenant: str) -> str:
        """The issuer URL of a Docbyte tenant: <base_url>/realms/<tenant>."""
        info = self.issuer(tenant)
        if info.kind != "docbyte":
            raise KeyError(f"{tenant!r} is not a Docbyte realm")
        return info.issuer

    @property
    def generic_issuer(self) -> str:
        """The issuer URL of the generic provider (when the config has exactly one)."""
        generic = [i.issuer for i in self.issuers.values() if i.kind == "generic"]
        if len(generic) != 1:
            raise KeyError(f"expected one generic issuer, found {len(generic)}; use issuer(name)")
        return generic[0]

    def client(self, client_id: str) -> OidcClient:
        return self.clients[client_id]

    def user(self, username: str) -> OidcUser:
        return self.users[username]

    def subject(self, username: str, issuer: str) -> str:
        """The `sub` a user has at an issuer (subjects differ between issuers)."""
        return self.issuer(issuer).subjects[username]

    def rotate_keys(self, issuer: str | None = None) -> dict[str, Any]:
        """Sign with a new key from now on, at one issuer or all; the old keys stay
        in the JWKS. Returns {name: {"kids": [...newest first], "signing_kid": ...}}."""
        body = {} if issuer is None else {"issuer": issuer}
        issuers: dict[str, Any] = self._admin("rotate-keys", body)["issuers"]
        return issuers

    def revoke(self, issuer: str, client_id: str, username: str | None = None) -> dict[str, int]:
        """Revoke what a client was granted (for one user, or all): refresh tokens stop
        working and the realm's userinfo rejects its access tokens."""
        body: dict[str, str] = {"issuer": issuer, "client_id": client_id}
        if username is not None:
            body["username"] = username
        return self._admin("revoke", body)

    def slow_down(self, issuer: str, polls: int) -> None:
        """The issuer's next `polls` token requests answer `slow_down` (RFC 8628 §3.5): oidc-provider never does."""
        self._admin("slow-down", {"issuer": issuer, "polls": polls})

    def expire_device_codes(self, issuer: str) -> int:
        """Every pending device code at the issuer expires now, as if its person never entered it."""
        expired: int = self._admin("expire-device-codes", {"issuer": issuer})["expired_device_codes"]
        return expired

    def _admin(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._process is None:
            raise OidcServerError("the OIDC test server is not running")
        response = httpx.post(f"{self.base_url}/__admin/{action}", json=body, timeout=10)
        if response.status_code != 200:
            raise OidcServerError(f"admin {action} failed: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result


def start_oidc_provider(config: OidcConfig, *, startup_timeout: float = 30.0) -> OidcProviderServer:
    """Start a server; the caller stops it (stop(), or use it in a `with`)."""
    return OidcProviderServer(config, startup_timeout=startup_timeout).start()
