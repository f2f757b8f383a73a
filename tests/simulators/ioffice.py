"""iOFFICE and Eptura Workplace, as "Using OAuth 2.0 to Access the API" describes them.

(shared/vendor-docs/ioffice-oauth.txt and eptura-workplace-oauth.txt.) The two documents are one API:
login.html with five required parameters hands the code back in the URL fragment; a direct code request
and the token endpoint take every parameter as a header; codes live five minutes; expires_in is in
milliseconds; refresh rotates both tokens; /revoke takes the token in x-token. Eptura differs only in
that the direct code request also takes x-redirect-uri and x-scope, and that the API reads the token from
a Bearer Authorization header instead of x-access-token / ?access_token=.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from tests.simulators.base import Handler, PendingAuthorization, Route, Simulator
from tests.simulators.registry import Client, Grant, User
from tests.simulators.wire import Rejected, Request, Response, json_response

LOGIN_PATH = "/login.html"
AUTH_PATH = "/external/api/oauth2/auth"
TOKEN_PATH = "/external/api/oauth2/token"
REVOKE_PATH = "/external/api/oauth2/revoke"
ME_PATH = "/external/api/rest/v2/users/me"

CODE_LIFETIME = 300.0
DEFAULT_ACCESS_TOKEN_TTL_MS = 3_600_000
# "The login.html site will not work correctly if you do not provide the 5 query parameters".
_LOGIN_PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "state")
_CODE_GRANT_HEADERS = ("x-redirect-uri", "x-client-id", "x-scope", "x-auth-code")
_REFRESH_GRANT_HEADERS = ("x-redirect-uri", "x-client-id", "x-scope", "x-refresh-token")


class IOfficeSimulator(Simulator):
    vendor = "iOFFICE"
    sign_in_path = LOGIN_PATH  # the login page posts back to itself
    client_options = frozenset({"app_code"})  # the appCode handed back beside the code; default: client_id
    direct_auth_headers: ClassVar[tuple[str, ...]] = ("x-auth-username", "x-auth-password", "x-client-id")

    def __init__(self, *, access_token_ttl_ms: int = DEFAULT_ACCESS_TOKEN_TTL_MS) -> None:
        super().__init__()
        self.access_token_ttl_ms = access_token_ttl_ms
        self.codes = self.secret_store("iocode-")
        self.access_tokens = self.secret_store("ioaccess-")
        self.refresh_tokens = self.secret_store("iorefresh-")

    def routes(self) -> dict[Route, Handler]:
        return {
            ("GET", LOGIN_PATH): self._login_page,
            ("POST", AUTH_PATH): self._direct_code,
            ("POST", TOKEN_PATH): self._token,
            ("POST", REVOKE_PATH): self._revoke,
            ("GET", ME_PATH): self._me,
        }

    def access_token_from(self, request: Request) -> str | None:
        """iOFFICE reads the query parameter access_token or the header x-access-token, nothing else."""
        return request.headers.get("x-access-token") or request.query.get("access_token") or None

    # -- browser sign-in

    def _login_page(self, request: Request) -> Response:
        params = self.authorization_params(request)
        missing = [name for name in _LOGIN_PARAMETERS if not params.get(name)]
        if missing:
            raise self.page_error(f"Missing required parameter(s): {', '.join(missing)}.")
        client = self.client_for_browser(params["client_id"], params["redirect_uri"])
        if params["response_type"] != "code":
            raise self.page_error("response_type must be code.")
        return self.begin_sign_in(client, params["redirect_uri"], state=params["state"], scope=params["scope"])

    def on_signed_in(self, pending: PendingAuthorization, user: User) -> Response:
        code = self.codes.issue(pending.grant(), CODE_LIFETIME)
        app_code = str(pending.client.options.get("app_code", pending.client.client_id))
        # Exactly the documented "<redirect_uri>#code=<authorization_code>&appCode=<app_code>": the
        # documents never show state coming back, so it does not, however much the app may expect it.
        return self.redirect_back(pending, [("code", code), ("appCode", app_code)], in_fragment=True)

    # -- API

    def _direct_code(self, request: Request) -> Response:
        headers = _checked_headers(request, self.direct_auth_headers)
        client = self._client(headers["x-client-id"])
        user = self.users.get(headers["x-auth-username"])
        if user is None or user.password != headers["x-auth-password"]:
            raise _error(401, "invalid_credentials", "Incorrect username or password.")
        return json_response({"code": self.codes.issue(self.direct_grant(client, user, headers), CODE_LIFETIME)})

    def direct_grant(self, client: Client, user: User, headers: dict[str, str]) -> Grant:
        """iOFFICE's direct request names no redirect URI or scope: the token request supplies them."""
        return Grant(client, user)

    def _token(self, request: Request) -> Response:
        grant_type = _checked_headers(request, ("x-grant-type",))["x-grant-type"]
        if grant_type == "authorization_code":
            headers = _checked_headers(request, _CODE_GRANT_HEADERS)
            client = self._client(headers["x-client-id"])
            grant = self.codes.take(headers["x-auth-code"])
            if grant is None or grant.client is not client:
                raise _error(400, "invalid_grant", "The authorization code is invalid, expired or already used.")
            grant = _bind(grant, headers["x-redirect-uri"], headers["x-scope"])
        elif grant_type == "refresh_token":
            headers = _checked_headers(request, _REFRESH_GRANT_HEADERS)
            client = self._client(headers["x-client-id"])
            refresh_token = headers["x-refresh-token"]
            grant = self.refresh_tokens.find(refresh_token)
            if grant is None or grant.client is not client:
                raise _error(400, "invalid_grant", "The refresh token is invalid, revoked or already used.")
            grant = _bind(grant, headers["x-redirect-uri"], headers["x-scope"])
            # Rotation: each refresh token works once. The access token issued beside it lives on until it
            # expires, as the documents say nothing of ending it.
            self.refresh_tokens.revoke(refresh_token)
        else:
            raise _error(400, "unsupported_grant_type", "x-grant-type must be authorization_code or refresh_token.")
        return json_response(
            {
                "token_type": "Bearer",
                "access_token": self.access_tokens.issue(grant, self.access_token_ttl_ms / 1000),
                "expires_in": self.access_token_ttl_ms,
                "refresh_token": self.refresh_tokens.issue(grant, None),
            }
        )

    def _revoke(self, request: Request) -> Response:
        # "The only header needed is x-token"; unknown tokens are answered the same, revealing nothing.
        token = request.headers.get("x-token")
        if not token:
            raise _error(400, "invalid_request", "Missing header x-token.")
        self.access_tokens.revoke(token)
        self.refresh_tokens.revoke(token)
        return json_response({})

    def _me(self, request: Request) -> Response:
        token = self.access_token_from(request)
        grant = self.access_tokens.find(token) if token else None
        if grant is None:
            raise _error(401, "invalid_token", "The access token is missing, invalid, expired or revoked.")
        user = grant.user
        return json_response({"id": user.id, "name": user.name, "email": user.email})

    def _client(self, client_id: str) -> Client:
        client = self.clients.get(client_id)
        if client is None:
            raise _error(401, "invalid_client", "Unknown client id.")
        return client


class EpturaSimulator(IOfficeSimulator):
    vendor = "Eptura Workplace"
    direct_auth_headers = (*IOfficeSimulator.direct_auth_headers, "x-redirect-uri", "x-scope")

    def direct_grant(self, client: Client, user: User, headers: dict[str, str]) -> Grant:
        """Eptura's direct request names the redirect URI and scope that the token request must repeat."""
        if not client.allows_redirect(headers["x-redirect-uri"]):
            raise _error(400, "invalid_request", "x-redirect-uri is not registered for this client.")
        return Grant(client, user, headers["x-redirect-uri"], headers["x-scope"])

    def access_token_from(self, request: Request) -> str | None:
        """Eptura reads only "Authorization: Bearer"."""
        return request.bearer_token()


def _checked_headers(request: Request, required: tuple[str, ...]) -> dict[str, str]:
    """The request's headers, once it is the documented JSON request carrying every `required` header.

    The documents put every parameter in a header; a body is never read, so parameters sent there count
    as missing.
    """
    if request.media_type != "application/json":
        raise _error(400, "invalid_request", "Content-Type must be application/json.")
    missing = [name for name in required if not request.headers.get(name)]
    if missing:
        raise _error(400, "invalid_request", f"Missing header(s): {', '.join(missing)}.")
    return request.headers


def _bind(grant: Grant, redirect_uri: str, scope: str) -> Grant:
    """Check the exchange against how the code was asked for; fill in what a direct iOFFICE code lacks.

    A code from iOFFICE's direct request was asked for without redirect URI or scope, so the token
    request's (registered) redirect URI and scope become the ones later refreshes must repeat.
    """
    if grant.redirect_uri is None:
        if not grant.client.allows_redirect(redirect_uri):
            raise _error(400, "invalid_grant", "x-redirect-uri is not registered for this client.")
    elif grant.redirect_uri != redirect_uri:
        raise _error(400, "invalid_grant", "x-redirect-uri does not match the one the code was issued for.")
    if grant.scope is not None and grant.scope != scope:
        raise _error(400, "invalid_grant", "x-scope does not match the scope the code was issued for.")
    return replace(grant, redirect_uri=redirect_uri, scope=scope)


def _error(status: int, error: str, description: str) -> Rejected:
    return Rejected(json_response({"error": error, "error_description": description}, status))
