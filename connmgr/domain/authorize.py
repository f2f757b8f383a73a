"""The authorization request: the URL a sign-in window opens, and what it must remember."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connmgr.domain.dialect import Protocol
from connmgr.domain.provider import Provider


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizeRequest:
    """One sign-in attempt. `state`, `code_verifier` and `nonce` never leave this process
    except as the protocol sends them."""

    url: str
    redirect_uri: str
    state: str = field(repr=False)
    code_verifier: str | None = field(default=None, repr=False)
    nonce: str | None = field(default=None, repr=False)
    scope: str = ""


def build_authorize_request(provider: Provider, *, redirect_uri: str | None = None) -> AuthorizeRequest:
    """The authorize URL with `state` always, PKCE and `nonce` where the provider takes them.

    `redirect_uri` replaces the configured one for a system-browser sign-in on a
    loopback listener (RFC 8252 §7.3).
    """
    spec = provider.template.authorize
    redirect_uri = redirect_uri or provider.value("redirect_uri")
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48) if spec.pkce else None  # 64 chars, within RFC 7636's 43..128
    nonce = secrets.token_urlsafe(24) if spec.nonce else None
    scope = provider.value("scope")
    standard = {
        "response_type": "code",
        "client_id": provider.value("client_id"),
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    params = [(name, standard[name]) for name in spec.params if standard.get(name)]
    if verifier:
        params += [("code_challenge", pkce_challenge(verifier)), ("code_challenge_method", "S256")]
    if nonce:
        params.append(("nonce", nonce))
    params += [(k, provider.render(v)) for k, v in spec.extra.items()]
    if provider.template.protocol is Protocol.OIDC and "offline_access" in scope.split() and "prompt" not in spec.extra:
        params.append(("prompt", "consent"))  # OIDC Core §11: offline_access is ignored without it
    base = urlsplit(provider.endpoint("authorize_url"))
    query = urlencode(parse_qsl(base.query, keep_blank_values=True) + params)
    return AuthorizeRequest(
        url=urlunsplit(base._replace(query=query)),
        redirect_uri=redirect_uri,
        state=state,
        code_verifier=verifier,
        nonce=nonce,
        scope=scope,
    )
