"""Reading the redirect back from the vendor.

Only the registered redirect URI is accepted (scheme, host, port, path, and its
query where it was registered with one). The result may arrive in the query or
the fragment, but not both. Outcomes a person caused (denied) or the vendor
reported (an error) are results; anything that means the redirect cannot be
trusted (another URI, wrong state, wrong issuer, malformed) raises
`CallbackError`. Messages name hosts and paths, never the URL itself: it
carries the code.

Both sides are compared in one form, however either is spelled. A vendor
writes the registered string as it was typed; the browser hands over its own
canonical form of it, which Qt then alters again. With QtWebEngine 6.11, a
redirect to `https://APP.Example.COM:443/a/../%61/r%c3%bcckruf/x^|` arrives as
`https://app.example.com/a/r%C3%BCckruf/x%5E%7C`: Chromium lowercases the host,
maps an international one to punycode (UTS-46), drops the default port,
resolves dot segments (`%2e` too), turns `\\` into `/`, reads `0x7f.1` as
`127.0.0.1`, and escapes non-ASCII, `^`, `{`, `}`, `|`, backquote and `"`,
but keeps every escape it was given as written (`%61`, `%2f`); QUrl then
decodes escaped unreserved characters (`%61` to `a`) and uppercases the rest
(`%2F`). So a URL is parsed the WHATWG way, as Chromium does, and each path
segment is compared percent-decoded: equal for every spelling a server treats
as the same path, while `/a%2Fb` stays one segment, not two.

The WHATWG parsing is ada (the `ada-url` package, the parser Node.js uses,
checked against the web-platform tests), not a few lines of our own: host
parsing alone needs UTS-46 (the standard library's IDNA 2003 maps `ß` to `ss`,
Chromium does not), IPv4 in hex, octal and dotted-less forms, IPv6
compression, and the WHATWG rules for dot segments, backslashes, and tabs or
newlines inside a URL. A small normaliser would miss some of these, and each
miss is a spelling under which the code goes to the network.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl, unquote_to_bytes

from ada_url import URL

from connmgr.domain.errors import CallbackError, clip
from connmgr.domain.template import CallbackSpec


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


@dataclass(frozen=True)
class _Address:
    """A URL in the form every comparison uses: WHATWG-parsed, path segments percent-decoded."""

    origin: tuple[str, str, str]  # scheme, host (ASCII), port ("" for the scheme's default)
    segments: tuple[bytes, ...]
    query: str  # without "?"
    fragment: str  # without "#"

    def is_at(self, other: _Address) -> bool:
        """Same scheme, host, port and path."""
        return (self.origin, self.segments) == (other.origin, other.segments)

    @property
    def shown(self) -> str:
        """Scheme, host, port and path, for a message: never the query or fragment, which carry the code."""
        scheme, host, port = self.origin
        authority = f"//{host}{':' + port if port else ''}" if host else ""
        return f"{scheme}:{authority}{b'/'.join(self.segments).decode('utf-8', 'replace')}"


def _address(url: str) -> _Address | None:
    try:
        parsed = URL(url)
    except ValueError:
        return None
    segments = tuple(unquote_to_bytes(segment) for segment in parsed.pathname.split("/"))
    origin = (parsed.protocol.removesuffix(":"), parsed.hostname, parsed.port)
    return _Address(origin, segments, parsed.search.removeprefix("?"), parsed.hash.removeprefix("#"))


def _pairs(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=100)


def _without_registered_query(query: str, registered: str) -> list[tuple[str, str]] | None:
    """The query's parameters less the registered ones; None when those do not come back exactly.

    VaultRE allows a registered query (`?exampleparameter=value1`): each of its parameters must come back once
    with its value, and never with another. Raises `ValueError` for a query that cannot be read.
    """
    pairs, expected = _pairs(query), _pairs(registered)
    for pair in expected:
        if pair not in pairs:
            return None
        pairs.remove(pair)
    names = {name for name, _ in expected}
    return None if any(name in names for name, _ in pairs) else pairs


def _carries_registered_query(query: str, registered: str) -> bool:
    if not registered:
        return True  # whatever else the query holds is for `parse_callback` to judge
    try:
        return _without_registered_query(query, registered) is not None
    except ValueError:
        return False


def is_redirect_uri(url: str, registered: str) -> bool:
    """Whether `url` is a navigation to the registered redirect URI (what a sign-in window intercepts)."""
    u, r = _address(url), _address(registered)
    return u is not None and r is not None and u.is_at(r) and _carries_registered_query(u.query, r.query)


# A WebSocket handshake is an HTTP request to the server of the matching http(s) origin.
_WEBSOCKET_SERVERS = {"ws": "http", "wss": "https"}


def _server(address: _Address) -> tuple[str, str, str]:
    scheme, host, port = address.origin
    return _WEBSOCKET_SERVERS.get(scheme, scheme), host, port


def is_redirect_origin(url: str, registered: str) -> bool:
    """Whether `url` is on the registered redirect URI's scheme, host and port, whose server must never be asked."""
    u, r = _address(url), _address(registered)
    return u is not None and r is not None and _server(u) == _server(r)


def _is_state(returned: str, state: str) -> bool:
    return hmac.compare_digest(returned.encode(), state.encode())


def carries_state(url: str, state: str, *, spec: CallbackSpec) -> bool:
    """Whether the redirect's query carries this sign-in's `state` (or none, where the vendor never returns one).

    Any web page can send the browser to a loopback listener; only the vendor knows the state, so a request
    without it must not end the sign-in.
    """
    address = _address(url)
    try:
        values = [] if address is None else [v for k, v in _pairs(address.query) if k == "state"]
    except ValueError:
        return False
    if not values:
        return address is not None and not spec.returns_state
    return len(values) == 1 and _is_state(values[0], state)


def shown_address(url: str) -> str:
    """`url` as a message may name it: scheme, host, port and path, normalised; never its query."""
    address = _address(url)
    return clip(address.shown) if address is not None else "a malformed address"


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

    def mismatch(what: str) -> CallbackError:
        todo = "make the Redirect URI exactly the one registered with the vendor"
        return CallbackError(vendor, what, todo, field="redirect_uri")

    u, r = _address(url), _address(registered)
    if u is None or r is None or not u.is_at(r):
        raise mismatch(
            f"the sign-in returned to {shown_address(url)}, not to the registered redirect URI "
            f"{shown_address(registered)}"
        )
    try:
        query, fragment = _without_registered_query(u.query, r.query), _pairs(u.fragment)
    except ValueError:
        raise fail("the redirect carried unreadable parameters") from None
    if query is None:
        raise mismatch(f"the redirect's query does not match the registered redirect URI's (?{clip(r.query, 80)})")

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
    elif not _is_state(returned_state, state):
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
