"""Sending one request to a vendor and reading its answer defensively.

Every failure of the wire becomes a typed error with one sentence: a timeout,
a refused connection, a certificate that does not verify, an answer over
1 MiB, JSON nested absurdly deep, an HTML page where JSON was promised, a
5xx or 429 (with Retry-After). Vendor-supplied text is scrubbed before it is
quoted, since some servers echo what they were sent: of the request's own
secrets, however short, and by `clip` of everything the log hides.
"""

from __future__ import annotations

import email.utils
import logging
import re
import ssl
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from connmgr.domain.errors import (
    ClientRejected,
    GrantError,
    NetworkError,
    ProtocolError,
    ServiceUnavailable,
    TLSError,
    VendorError,
    clip,
)
from connmgr.domain.likely_field import field_of_oauth_error
from connmgr.domain.nesting import MAX_DEPTH, TooDeep, loads_json
from connmgr.logs import MASK
from connmgr.oauth.pool import PoolTransport

log = logging.getLogger("connmgr.oauth")

MAX_RESPONSE_BYTES = 1 << 20
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEFAULT_HEADERS = {"User-Agent": "connmgr", "Accept": "application/json"}
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)  # httpx's
# The pool's route, beneath every one httpx takes from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, and
# NO_PROXY's exemptions, which go to httpx's own transport): those rank first, even ALL_PROXY's "all://", which
# ranks the same but is added first.
_UNPROXIED = "all://*"


def new_http_client(
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    verify: ssl.SSLContext | Literal[True] = True,
    limits: httpx.Limits = DEFAULT_LIMITS,
) -> httpx.AsyncClient:
    """The one way connmgr makes an HTTP client: certificate checks on (`verify`: the certificates to trust, else
    the system's, or SSL_CERT_FILE's), redirects off for OAuth calls. Requests go through connmgr's pool, except
    where the environment names a proxy, or NO_PROXY exempts a host from one: there httpx's own transports take
    them, as they would for any httpx client."""
    tls = httpx.create_ssl_context(verify=verify)  # once for every transport: loading the certificates is slow
    return httpx.AsyncClient(
        timeout=timeout,
        verify=tls,
        limits=limits,
        mounts={_UNPROXIED: PoolTransport(tls, limits)},
        follow_redirects=False,
        headers=DEFAULT_HEADERS,
    )


@dataclass(frozen=True)
class Call:
    """What a request is for, so its failures can be told in a person's words."""

    vendor: str
    what: str  # e.g. "the token endpoint"
    todo_on_refusal: str = "check the connection settings and try again"
    secrets: tuple[str, ...] = ()  # what the request sent that no answer may quote back
    field_on_refusal: str | None = None  # the form field a refusal most likely concerns
    secret_sent: bool = False  # the client authenticated with its secret: a refusal of the client most likely means it

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, MASK)
        return clip(text)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _inflater(response: httpx.Response, call: Call) -> zlib._Decompress | None:
    """A decompressor for the answer's encoding (httpx asks for gzip and deflate), None for an uncompressed one."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 0))
    raise ProtocolError(call.vendor, f"{call.what} sent an answer in an encoding it was not asked for", "check its URL")


async def _read_capped(response: httpx.Response, call: Call) -> bytes:
    """At most 1 MiB of the answer, decompressed here rather than by httpx: it inflates each chunk whole, and
    64 KiB of a compressed bomb inflate to 64 MiB before any cap could look at them."""
    inflater = _inflater(response, call)
    body = bytearray()
    async for chunk in response.aiter_raw():
        room = MAX_RESPONSE_BYTES + 1 - len(body)
        try:
            body += chunk if inflater is None else inflater.decompress(chunk, room)
        except zlib.error:
            raise ProtocolError(call.vendor, f"{call.what} sent an undecodable answer", "check its URL") from None
        if len(body) > MAX_RESPONSE_BYTES or (inflater is not None and inflater.unconsumed_tail):
            raise ProtocolError(call.vendor, f"{call.what} sent an answer over 1 MiB", "check the endpoint URL")
    return bytes(body)


async def send(client: httpx.AsyncClient, request: httpx.Request, call: Call) -> tuple[httpx.Response, bytes]:
    """Send and read at most 1 MiB of the answer; transport failures become typed errors."""
    log.debug("%s %s (%s)", request.method, request.url.copy_with(query=None), call.what)
    try:
        response = await client.send(request, stream=True)
        try:
            body = await _read_capped(response, call)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        raise NetworkError(call.vendor, f"{call.what} did not answer in time", "check the network and retry") from None
    except httpx.TransportError as exc:
        if _is_tls_failure(exc):
            raise TLSError(
                call.vendor,
                f"the certificate of {request.url.host} could not be verified",
                "check the address; connmgr never skips certificate checks",
            ) from None
        raise NetworkError(
            call.vendor, f"{call.what} at {request.url.host} could not be reached", "check the network and retry"
        ) from None
    log.debug("%s answered HTTP %s, %d bytes", call.what, response.status_code, len(body))
    return response, body


def _looks_like_html(response: httpx.Response, body: bytes) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    return "html" in ctype or body.lstrip()[:1] == b"<"


def read_json(response: httpx.Response, body: bytes, call: Call) -> Any:
    """The JSON answer of a successful call, or the typed error its status and body mean."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise ServiceUnavailable(
            call.vendor,
            f"{call.what} is unavailable (HTTP {status})",
            "try again in a few minutes",
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    if _looks_like_html(response, body):
        raise ProtocolError(
            call.vendor,
            f"{call.what} answered with a web page instead of JSON (HTTP {status})",
            "check its URL, or wait if the vendor has an outage",
        )
    try:
        data = loads_json(body) if body.strip() else None
    except TooDeep:
        raise ProtocolError(
            call.vendor,
            f"{call.what} answered with JSON nested deeper than {MAX_DEPTH} levels (HTTP {status})",
            "check its URL",
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            call.vendor, f"{call.what} answered with something that is not JSON (HTTP {status})", "check its URL"
        ) from None
    if 300 <= status < 400:
        raise ProtocolError(call.vendor, f"{call.what} redirected elsewhere (HTTP {status})", "check its URL")
    if status >= 400:
        raise _refusal(status, data, call)
    return data


def oauth_error_code(body: bytes) -> str:
    """The RFC 6749 `error` code of an answer, or "" when it has none."""
    return next(iter(_texts(_lenient_json(body), ["error"])), "")


def refusal_words(response: httpx.Response, body: bytes, call: Call) -> str:
    """What the vendor said as it refused, scrubbed: its answer's description or error, else its `WWW-Authenticate`
    challenge's (RFC 6750 §3), else the status."""
    challenge = _CHALLENGE_DESCRIPTION.search(response.headers.get("www-authenticate", ""))
    return _said(response.status_code, _lenient_json(body), call, challenge.group(1) if challenge else "")


_CHALLENGE_DESCRIPTION = re.compile(r'error_description="([^"]*)"', re.IGNORECASE)


def _lenient_json(body: bytes) -> Any:
    try:
        return loads_json(body)
    except (ValueError, UnicodeDecodeError):  # too deep included: then it is no OAuth error answer
        return None


def _texts(data: Any, keys: Iterable[str]) -> list[str]:
    if not isinstance(data, dict):
        return []
    return [v for k in keys if isinstance(v := data.get(k), str) and v.strip()]


def _said(status: int, data: Any, call: Call, described_elsewhere: str = "") -> str:
    """The vendor's words in an error answer: a description before a bare error code, the status as a last resort."""
    said = [*_texts(data, ["error_description", "message", "error_message", "detail", "code"]), described_elsewhere]
    return call.scrub(next((t for t in [*said, *_texts(data, ["error"])] if t.strip()), f"HTTP {status}"))


def _refusal(status: int, data: Any, call: Call) -> Exception:
    """Map an OAuth error answer (RFC 6749 §5.2) or a vendor's own error shape to a typed error."""
    error = next(iter(_texts(data, ["error"])), "")
    text = _said(status, data, call)
    code = error or ("invalid_client" if status == 401 else "")  # a bare 401 from a token endpoint: the client
    field = field_of_oauth_error(code, text, secret_sent=call.secret_sent) or call.field_on_refusal
    if error == "invalid_grant":
        what = f"{call.what} no longer accepts this grant (“{text}”)"
        return GrantError(call.vendor, what, "sign in again", field=field)
    if error in ("invalid_client", "unauthorized_client") or (status == 401 and not error):
        what = f"{call.what} rejected the client credentials (“{text}”)"
        return ClientRejected(call.vendor, what, "check the client ID and secret", field=field)
    return VendorError(call.vendor, f"{call.what} refused the request (“{text}”)", call.todo_on_refusal, field=field)
