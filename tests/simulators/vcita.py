"""vcita / inTandem, as "OAuth 2.0 authorization Flow" describes it (vendor-docs/vcita-intandem-oauth.txt).

Login, then a permission dialog unless the app is Trusted, then a 30-second single-use code exchanged by a
JSON POST for a long-lived bearer token without a refresh token. The document leaves the authorization
URL blank; /app/oauth/authorize is our stand-in. No revoke endpoint is documented: `revoke_token` stands
in for the business disconnecting the app.
"""

from __future__ import annotations

import json

from tests.simulators.base import Handler, PendingAuthorization, Route, Simulator
from tests.simulators.registry import User
from tests.simulators.wire import Rejected, Request, Response, json_response

AUTHORIZE_PATH = "/app/oauth/authorize"
TOKEN_PATH = "/oauth/token"
USERINFO_PATH = "/oauth/userinfo"
SIGN_IN_PATH = "/app/login"
CONSENT_PATH = "/app/oauth/consent"

CODE_LIFETIME = 30.0
ACCESS_TOKEN_LIFETIME = 631_152_000  # the document's expires_in: twenty years
_TOKEN_FIELDS = ("grant_type", "code", "client_id", "client_secret", "redirect_uri")


class VcitaSimulator(Simulator):
    vendor = "vcita"
    sign_in_path = SIGN_IN_PATH
    client_options = frozenset({"trusted"})  # a Trusted app skips the permission dialog
    user_options = frozenset({"business_name"})
    requires_client_secret = True

    def __init__(self) -> None:
        super().__init__()
        self.codes = self.secret_store("vccode-")
        self.tokens = self.secret_store("vctoken-")

    def routes(self) -> dict[Route, Handler]:
        return {
            ("GET", AUTHORIZE_PATH): self._authorize,
            ("POST", CONSENT_PATH): self._consent,
            ("POST", TOKEN_PATH): self._token,
            ("GET", USERINFO_PATH): self._userinfo,
        }

    def revoke_token(self, token: str) -> bool:
        """What disconnecting the app in vcita does."""
        with self._lock:
            return self.tokens.revoke(token)

    def _authorize(self, request: Request) -> Response:
        params = self.authorization_params(request)
        client = self.client_for_browser(params.get("client_id", ""), params.get("redirect_uri", ""))
        if params.get("response_type") != "code":
            raise self.page_error("response_type must be code.")
        # The callback is documented as always carrying $STATE back, so the request must carry one.
        if not params.get("state"):
            raise self.page_error("The state parameter is required.")
        return self.begin_sign_in(client, params["redirect_uri"], state=params["state"], scope=params.get("scope"))

    def on_signed_in(self, pending: PendingAuthorization, user: User) -> Response:
        if pending.client.options.get("trusted") is True:
            return self._answer(pending, approved=True)
        return self.consent_page(
            pending,
            CONSENT_PATH,
            heading="Grant access",
            message=f"{pending.client.client_id} would like to access your business data.",
            approve="Allow",
            deny="Deny",
        )

    def _consent(self, request: Request) -> Response:
        pending, approved = self.read_consent(request)
        return self._answer(pending, approved=approved)

    def _answer(self, pending: PendingAuthorization, *, approved: bool) -> Response:
        state = pending.state or ""
        if not approved:
            denied = [
                ("error", "access_denied"),
                ("error_description", "The user denied access"),
                ("state", state),
            ]
            return self.redirect_back(pending, denied)
        code = self.codes.issue(pending.grant(), CODE_LIFETIME)
        return self.redirect_back(pending, [("code", code), ("state", state)])

    def _token(self, request: Request) -> Response:
        if request.media_type != "application/json":
            raise _oauth_error(400, "invalid_request", "The payload must be JSON (Content-Type: application/json).")
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise _oauth_error(400, "invalid_request", "The payload is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise _oauth_error(400, "invalid_request", "The payload must be a JSON object.")
        missing = [name for name in _TOKEN_FIELDS if not isinstance(payload.get(name), str) or not payload[name]]
        if missing:
            raise _oauth_error(400, "invalid_request", f"Missing: {', '.join(missing)}.")
        if payload["grant_type"] != "authorization_code":
            raise _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code.")
        client = self.clients.get(payload["client_id"])
        if client is None or client.client_secret != payload["client_secret"]:
            raise _oauth_error(401, "invalid_client", "Client authentication failed.")
        grant = self.codes.take(payload["code"])
        if grant is None or grant.client is not client:
            raise _oauth_error(400, "invalid_grant", "The authorization code is invalid, expired or already used.")
        if grant.redirect_uri != payload["redirect_uri"]:
            raise _oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request.")
        return json_response(
            {
                "access_token": self.tokens.issue(grant, ACCESS_TOKEN_LIFETIME),
                "token_type": "bearer",
                "expires_in": ACCESS_TOKEN_LIFETIME,
                "created_at": int(self.clock.now()),
            }
        )

    def _userinfo(self, request: Request) -> Response:
        token = request.bearer_token()
        grant = self.tokens.find(token) if token else None
        if grant is None:
            raise _oauth_error(401, "invalid_token", "The access token is invalid, expired or revoked.")
        user = grant.user
        # The document names the endpoint but not its payload; this shape follows vcita's usual
        # {"status": "OK", "data": {...}} envelope and is our assumption.
        return json_response(
            {
                "status": "OK",
                "data": {
                    "id": f"u{user.id}",
                    "email": user.email,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "business_id": f"b{user.id}",
                    "business_name": str(user.options.get("business_name", f"{user.first_name}'s Studio")),
                },
            }
        )


def _oauth_error(status: int, error: str, description: str) -> Rejected:
    return Rejected(json_response({"error": error, "error_description": description}, status))
