"""What every vendor simulator shares: lifecycle, registration, fault injection, request log, sign-in pages.

A vendor subclass declares its routes and what happens once the person has signed in; the base class
owns the server, the clock, the issued secrets and the pages up to that point.
"""

from __future__ import annotations

import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Self
from urllib.parse import quote, urlencode

from tests.simulators import pages
from tests.simulators.clock import Clock
from tests.simulators.faults import Fault, FaultPlan
from tests.simulators.registry import Access, Client, Grant, Option, User
from tests.simulators.secret_store import SecretStore
from tests.simulators.server import LocalServer
from tests.simulators.wire import (
    Rejected,
    Request,
    Response,
    html_response,
    json_response,
    redirect_response,
    unique_items,
)

Handler = Callable[[Request], Response]
Route = tuple[str, str]  # (method, path)


@dataclass
class PendingAuthorization:
    """A browser sign-in in progress, carried from page to page by its id in a hidden field."""

    id: str
    client: Client
    redirect_uri: str
    state: str | None = None
    scope: str | None = None
    access: Access = "user"
    user: User | None = None

    def grant(self) -> Grant:
        if self.user is None:
            raise RuntimeError("nobody has signed in yet")
        return Grant(self.client, self.user, self.redirect_uri, self.scope, self.access)


class Simulator(ABC):
    vendor: ClassVar[str]  # named in every page title
    sign_in_path: ClassVar[str]  # where the login form posts
    client_options: ClassVar[frozenset[str]] = frozenset()  # extra keywords register_client accepts
    user_options: ClassVar[frozenset[str]] = frozenset()  # extra keywords add_user accepts
    requires_client_secret: ClassVar[bool] = False

    def __init__(self) -> None:
        self.clock = Clock()
        # "javascript": the last hop back to the app is a 200 page running location.replace(), not a 302.
        self.redirect_mode: Literal["http", "javascript"] = "http"
        self.requests: list[Request] = []
        self.errors: list[Exception] = []  # exceptions raised inside handlers; each also answered 500
        self.clients: dict[str, Client] = {}
        self.users: dict[str, User] = {}
        self._issued: list[str] = []
        self.secret_prefixes: list[str] = []  # how each kind of secret it issues begins ("vrtoken-")
        self._pending: dict[str, PendingAuthorization] = {}
        self._faults = FaultPlan()
        self._request_arrived = threading.Condition()
        # One request at a time: codes are single use, and the tests' helpers share the same state.
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: LocalServer | None = None
        self._running = False
        self._routes: dict[Route, Handler] = {**self.routes(), ("POST", self.sign_in_path): self._sign_in}

    # -- lifecycle

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator has not been started")
        return self._server.base_url

    def start(self) -> Self:
        if self._running:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        self._server = LocalServer(self._dispatch)
        self._server.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop serving, cut short injected delays and close every socket; safe to call twice."""
        if not self._running or self._server is None:
            return
        self._running = False
        self._stopping.set()
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- set-up

    def register_client(
        self, client_id: str, redirect_uris: Sequence[str], client_secret: str | None = None, **extra: Option
    ) -> Client:
        """Register an app; a vendor that needs a client secret gets a random one unless one is given."""
        _check_options("client", extra, self.client_options)
        if isinstance(redirect_uris, str) or not redirect_uris:
            raise TypeError("redirect_uris is a non-empty list of URIs")
        if client_secret is None and self.requires_client_secret:
            client_secret = secrets.token_urlsafe(24)
        client = Client(client_id, tuple(redirect_uris), client_secret, dict(extra))
        with self._lock:
            self.clients[client_id] = client
        return client

    def add_user(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        name: str | None = None,
        admin: bool = False,
        **extra: Option,
    ) -> User:
        _check_options("user", extra, self.user_options)
        local_part = username.partition("@")[0]
        with self._lock:
            user = User(
                id=1001 + len(self.users),
                username=username,
                password=password,
                email=email or (username if "@" in username else f"{username}@example.com"),
                name=name or f"{local_part.capitalize()} Example",
                admin=admin,
                options=dict(extra),
            )
            self.users[username] = user
        return user

    # -- what tests look at or arrange

    def inject(
        self,
        path: str,
        *,
        status: int | None = 503,
        body: bytes = b"<html><body><h1>Service Unavailable</h1></body></html>",
        content_type: str = "text/html",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests to `path` (any method) with this response after `delay` seconds.

        `status=None` drops the connection without any response.
        """
        self._faults.add(path, Fault(status, body, content_type, dict(headers or {}), delay), times)

    def issued_secrets(self) -> list[str]:
        """Every code, access token and refresh token handed out so far, revoked or not."""
        with self._lock:
            return list(self._issued)

    def requests_to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def wait_for_request(self, path: str, count: int = 1, timeout: float = 5.0) -> Request:
        """Block until `count` requests to `path` have arrived, and return the last of those.

        For tests that must act while a request is still in flight, such as during an injected delay.
        """
        with self._request_arrived:
            if not self._request_arrived.wait_for(lambda: len(self.requests_to(path)) >= count, timeout):
                raise TimeoutError(f"{count} request(s) to {path} did not arrive within {timeout} s")
            return self.requests_to(path)[count - 1]

    # -- for vendor subclasses

    @abstractmethod
    def routes(self) -> dict[Route, Handler]:
        """The vendor's endpoints; the login form's target is added by the base class."""

    @abstractmethod
    def on_signed_in(self, pending: PendingAuthorization, user: User) -> Response:
        """What the browser gets once `user`'s credentials were accepted."""

    def secret_store(self, prefix: str) -> SecretStore:
        self.secret_prefixes.append(prefix)
        return SecretStore(self.clock, prefix, self._issued.append)

    def page_error(self, message: str, status: int = 400) -> Rejected:
        """An HTML error page to raise: never a redirect, since the redirect URI is not to be trusted."""
        return Rejected(html_response(pages.error_page(self.vendor, message), status))

    def authorization_params(self, request: Request) -> dict[str, str]:
        params = unique_items(request.query_items())
        if params is None:
            raise self.page_error("A parameter was given more than once.")
        return params

    def client_for_browser(self, client_id: str, redirect_uri: str) -> Client:
        """The registered client, if `redirect_uri` is exactly one of its redirect URIs."""
        client = self.clients.get(client_id)
        if client is None:
            raise self.page_error("Unknown client_id.")
        if not client.allows_redirect(redirect_uri):
            raise self.page_error("The redirect_uri is not registered for this application.")
        return client

    def begin_sign_in(
        self,
        client: Client,
        redirect_uri: str,
        *,
        state: str | None = None,
        scope: str | None = None,
        access: Access = "user",
    ) -> Response:
        pending = PendingAuthorization(secrets.token_urlsafe(16), client, redirect_uri, state, scope, access)
        self._pending[pending.id] = pending
        return html_response(pages.login_page(self.vendor, self.sign_in_path, pending.id))

    def consent_page(
        self,
        pending: PendingAuthorization,
        action: str,
        *,
        heading: str,
        message: str,
        approve: str,
        deny: str,
    ) -> Response:
        page = pages.consent_page(
            self.vendor, action, pending.id, heading=heading, message=message, approve=approve, deny=deny
        )
        return html_response(page)

    def read_consent(self, request: Request) -> tuple[PendingAuthorization, bool]:
        """The signed-in authorization a consent form was posted for, and whether it was approved."""
        form = request.form()
        pending = self._pending.get(form.get("flow", ""))
        if pending is None or pending.user is None:
            raise self.page_error("This request has expired or was already answered.")
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            raise self.page_error("Please choose one of the buttons.")
        return pending, decision == "approve"

    def redirect_back(
        self, pending: PendingAuthorization, params: list[tuple[str, str]], *, in_fragment: bool = False
    ) -> Response:
        """Send the browser to the app's redirect URI with `params`, ending the pending authorization."""
        self._pending.pop(pending.id, None)
        separator = "#" if in_fragment else "&" if "?" in pending.redirect_uri else "?"
        # quote, not quote_plus: the documents show spaces as %20 ("reason=User%20denied%20request").
        url = pending.redirect_uri + separator + urlencode(params, quote_via=quote)
        if self.redirect_mode == "javascript":
            return html_response(pages.script_redirect_page(self.vendor, url))
        return redirect_response(url)

    # -- internals

    def _dispatch(self, request: Request) -> Response | None:
        with self._request_arrived:
            self.requests.append(request)
            self._request_arrived.notify_all()
        fault = self._faults.take(request.path)
        if fault is not None:
            return fault.respond(self._stopping)
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            if any(path == request.path for _, path in self._routes):
                return json_response({"error": "method_not_allowed"}, 405)
            return json_response({"error": "not_found"}, 404)
        with self._lock:
            try:
                return handler(request)
            except Rejected as rejection:
                return rejection.response
            except Exception as error:  # a simulator bug must fail the test loudly, not hang it
                self.errors.append(error)
                return json_response({"error": "simulator_error", "detail": repr(error)}, 500)

    def _sign_in(self, request: Request) -> Response:
        form = request.form()
        pending = self._pending.get(form.get("flow", ""))
        if pending is None:
            raise self.page_error("This sign-in has expired or was already used. Start again from the app.")
        user = self.users.get(form.get("username", ""))
        if user is None or user.password != form.get("password", ""):
            page = pages.login_page(self.vendor, self.sign_in_path, pending.id, "Incorrect username or password.")
            return html_response(page)
        pending.user = user
        return self.on_signed_in(pending, user)


def _check_options(kind: str, given: Mapping[str, Option], allowed: frozenset[str]) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise TypeError(f"unknown {kind} option(s) {unknown}; this simulator accepts {sorted(allowed)}")
