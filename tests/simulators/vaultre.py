"""VaultRE, as "Generating tokens via oAuth" describes it (shared/vendor-docs/vaultre-oauth.txt).

Two authorize pages (office-level "third party" tokens and user tokens), a login, an "Office Integrations"
confirmation, then a 60-second single-use code exchanged by a form POST for a token that never expires and
has no refresh token. The API wants that token beside the integrator's API key. There is no revoke
endpoint: people revoke in VaultRE itself, which `revoke_token` stands in for.
"""

from __future__ import annotations

import secrets
from functools import partial

from tests.simulators.base import Handler, PendingAuthorization, Route, Simulator
from tests.simulators.registry import Access, User
from tests.simulators.wire import Rejected, Request, Response, json_response

AUTHORIZE_ACCOUNT_PATH = "/cgi-bin/clientvault/oauth-authorize.cgi"
AUTHORIZE_USER_PATH = "/cgi-bin/clientvault/oauth-authorize-user.cgi"
EXCHANGE_PATH = "/cgi-bin/clientvault/integrations/oauthexchange.cgi"
ACCOUNT_PATH = "/api/v1.3/account"
USER_PATH = "/api/v1.3/user"
SIGN_IN_PATH = "/cgi-bin/clientvault/login.cgi"
CONSENT_PATH = "/cgi-bin/clientvault/oauth-confirm.cgi"

CODE_LIFETIME = 60.0
# "We do not support any custom parameters in OAuth call": anything else on the authorize URL is refused.
_AUTHORIZE_PARAMETERS = frozenset({"client_id", "redirect_uri", "response_type", "state"})
_EXCHANGE_PARAMETERS = ["client_id", "code"]


class VaultRESimulator(Simulator):
    vendor = "VaultRE"
    sign_in_path = SIGN_IN_PATH

    def __init__(self, *, api_key: str | None = None, office_name: str = "Harbourside Realty") -> None:
        super().__init__()
        self.api_key = api_key or f"apikey-{secrets.token_hex(16)}"
        self.office_id = 4242
        self.office_name = office_name
        self.codes = self.secret_store("vrcode-")
        self.tokens = self.secret_store("vrtoken-")

    def routes(self) -> dict[Route, Handler]:
        return {
            ("GET", AUTHORIZE_ACCOUNT_PATH): partial(self._authorize, access="account"),
            ("GET", AUTHORIZE_USER_PATH): partial(self._authorize, access="user"),
            ("POST", CONSENT_PATH): self._consent,
            ("POST", EXCHANGE_PATH): self._exchange,
            ("GET", ACCOUNT_PATH): partial(self._who_am_i, access="account"),
            ("GET", USER_PATH): partial(self._who_am_i, access="user"),
        }

    def revoke_token(self, token: str) -> bool:
        """What the person does from within their VaultRE account."""
        with self._lock:
            return self.tokens.revoke(token)

    def _authorize(self, request: Request, access: Access) -> Response:
        params = self.authorization_params(request)
        custom = sorted(set(params) - _AUTHORIZE_PARAMETERS)
        if custom:
            raise self.page_error(f"Unsupported parameter(s): {', '.join(custom)}.")
        client = self.client_for_browser(params.get("client_id", ""), params.get("redirect_uri", ""))
        if params.get("response_type") != "code":
            raise self.page_error("response_type must be code.")
        return self.begin_sign_in(client, params["redirect_uri"], state=params.get("state"), access=access)

    def on_signed_in(self, pending: PendingAuthorization, user: User) -> Response:
        if pending.access == "account" and not user.admin:
            raise self.page_error("Only a system administrator can connect an office integration.", 403)
        target = self.office_name if pending.access == "account" else f"your VaultRE user {user.name}"
        return self.consent_page(
            pending,
            CONSENT_PATH,
            heading="Office Integrations",
            message=f"{pending.client.client_id} would like to access {target}.",
            approve="Confirm",
            deny="Cancel",
        )

    def _consent(self, request: Request) -> Response:
        pending, approved = self.read_consent(request)
        if approved:
            code = self.codes.issue(pending.grant(), CODE_LIFETIME)
            params = [("reason", "success"), ("code", code)]
        else:
            params = [("reason", "User denied request")]
        if pending.state is not None:
            params.append(("state", pending.state))
        return self.redirect_back(pending, params)

    def _exchange(self, request: Request) -> Response:
        if request.media_type != "application/x-www-form-urlencoded":
            raise _exchange_error("The request body must be application/x-www-form-urlencoded.")
        items = request.form_items()
        if sorted(name for name, _ in items) != _EXCHANGE_PARAMETERS:
            raise _exchange_error("Expected exactly the parameters client_id and code.")
        form = dict(items)
        grant = self.codes.take(form["code"])
        if grant is None or grant.client.client_id != form["client_id"]:
            raise _exchange_error("Invalid or expired code")
        token = self.tokens.issue(grant, None)
        return json_response({"token": token, "message": "Token generated successfully"})

    def _who_am_i(self, request: Request, access: Access) -> Response:
        if request.headers.get("x-api-key") != self.api_key:
            raise _api_error(401, "Invalid or missing API key")
        token = request.bearer_token()
        grant = self.tokens.find(token) if token else None
        if grant is None:
            raise _api_error(401, "Invalid, expired or revoked token")
        if grant.access != access:
            raise _api_error(403, f"This token does not grant {access}-level access")
        if access == "account":
            return json_response({"id": self.office_id, "name": self.office_name})
        user = grant.user
        return json_response(
            {"id": user.id, "firstName": user.first_name, "lastName": user.last_name, "email": user.email}
        )


def _exchange_error(message: str) -> Rejected:
    # The document shows only the success payload; this failure shape mirrors it.
    return Rejected(json_response({"token": None, "message": message}, 400))


def _api_error(status: int, message: str) -> Rejected:
    return Rejected(json_response({"message": message}, status))
