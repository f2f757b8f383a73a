"""Reading the redirect back from the vendor.

Only the registered redirect URI is accepted (scheme, host, port, path, and its
query where it was registered with one). The result may arrive in the query or
the fragment, but not both. Outcomes a person caused (denied) or the vendor
reported (an error) are results; anything that means the redirect cannot be
trusted (another URI, wrong state, wrong issuer, malformed) raises
`CallbackError`. Messages name hosts and paths, never the URL itself: it
carries the code.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import SplitResult, parse_qsl, urlsplit

from connmgr.domain.errors import CallbackError, clip
from connmgr.domain.template import CallbackSpec

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CodeReceived:
    code: str = field(repr=False)
    extras: Mapping[str, str] = field(default_factory=dict, repr=False)  # e.g. iOFFICE's appCode


@dataclass(frozen=True)
class Denied:
    vendor: str
    detail: str = ""

    @property
    def sentence(self) -> str:
        why = f" ({clip(self.detail)})" if self.detail else ""
        return f"{self.vendor}: the sign-in was cancelled or access was denied{why}; nothing was saved."


@dataclass(frozen=True)
class AuthorizationFailed:
    vendor: str
    error: str
    description: str = ""

    @property
    def sentence(self) -> str:
        text = clip(self.description or self.error)
        return f"{self.vendor}: the sign-in failed with “{text}”; check the connection settings and try again."


CallbackResult = CodeReceived | Denied | AuthorizationFailed


def _split(url: str) -> tuple[SplitResult, int | None]:
    parts = urlsplit(url)
    return parts, parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())


def _where(parts: SplitResult) -> str:
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _pairs(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=100)


def is_redirect_uri(url: str, registered: str) -> bool:
    """Whether `url` is a navigation to the registered redirect URI (what a sign-in window intercepts)."""
    try:
        (u, u_port), (r, r_port) = _split(url), _split(registered)
    except ValueError:
        return False
    return (
        u.scheme.lower() == r.scheme.lower()
        and (u.hostname or "") == (r.hostname or "")
        and u_port == r_port
        and (u.path or "/") == (r.path or "/")
    )


def parse_callback(
    url: str,
    *,
    registered: str,
    state: str,
    vendor: str,
    spec: CallbackSpec,
    issuer: str | None = None,
    issuer_required: bool = False,
) -> CallbackResult:
    """Turn the intercepted redirect into a result; raise `CallbackError` if it cannot be trusted."""

    def fail(what: str, todo: str = "start the sign-in again") -> CallbackError:
        return CallbackError(vendor, what, todo)

    if not is_redirect_uri(url, registered):
        try:
            where = _where(urlsplit(url))
        except ValueError:
            where = "a malformed address"
        raise fail(
            f"the sign-in returned to {where}, not to the registered redirect URI {_where(urlsplit(registered))}",
            "make the Redirect URI exactly the one registered with the vendor",
        )
    u, r = urlsplit(url), urlsplit(registered)
    try:
        query, fragment, expected = _pairs(u.query), _pairs(u.fragment), _pairs(r.query)
    except ValueError:
        raise fail("the redirect carried unreadable parameters") from None

    # The registered query (VaultRE allows e.g. ?exampleparameter=value1) must come back exactly.
    for pair in expected:
        if pair not in query:
            raise fail(
                f"the redirect's query does not match the registered redirect URI (expected {pair[0]}={pair[1]})",
                "make the Redirect URI exactly the one registered with the vendor",
            )
        query.remove(pair)
    if any(k in dict(expected) for k, _ in query):
        raise fail("the redirect's query does not match the registered redirect URI")

    result_keys = {"code", "error", "state", "iss", spec.status_param}
    in_query = [p for p in query if p[0] in result_keys]
    in_fragment = [p for p in fragment if p[0] in result_keys]
    if in_query and in_fragment:
        raise fail("the redirect carried a result in both its query and its fragment")
    pairs = query if in_query else fragment
    keys = [k for k, _ in pairs]
    if duplicated := sorted({k for k in keys if keys.count(k) > 1 and k in result_keys}):
        raise fail(f"the redirect repeated the parameter {duplicated[0]!r}")
    params = dict(pairs)

    returned_state = params.get("state")
    if returned_state is None:
        if spec.returns_state:
            raise fail("the redirect came back without the state this sign-in sent")
    elif not hmac.compare_digest(returned_state.encode(), state.encode()):
        raise fail("the redirect belongs to a different sign-in (state mismatch)")

    returned_iss = params.get("iss")
    if issuer is not None and returned_iss is not None and returned_iss != issuer:
        raise fail(f"the redirect names another issuer ({clip(returned_iss, 80)}), not {issuer} (RFC 9207)")
    if issuer_required and returned_iss is None:
        raise fail("the redirect did not name its issuer, which this provider promises (RFC 9207)")

    if spec.status_param and spec.status_param in params:
        status = params[spec.status_param]
        if status in spec.denied_values:
            return Denied(vendor, status)
        if status != spec.success_value:
            return AuthorizationFailed(vendor, status)
    if "error" in params:
        if params["error"] == "access_denied":
            return Denied(vendor, params.get("error_description", ""))
        return AuthorizationFailed(vendor, params["error"], params.get("error_description", ""))
    code = params.get("code", "")
    if not code:
        raise fail("the redirect carried neither a code nor an error")
    skip = {"code", "state", "iss", spec.status_param}
    return CodeReceived(code, MappingProxyType({k: v for k, v in params.items() if k not in skip}))
