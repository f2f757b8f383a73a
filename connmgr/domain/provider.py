"""A template made concrete: a person's values checked, normalised and rendered.

`resolve_provider` is where a typed-in value becomes a URL, so it is also
where values are held to their kind: a tenant cannot smuggle a `/` or `@` into
a host name, and an endpoint on the open network must use HTTPS.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import urlsplit

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.domain.template import ENDPOINTS, FieldSpec, ProviderTemplate, TemplateCatalog

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
# Stored connections whose providers stay resolved (a few KiB each); beyond it, the least used are resolved again.
_SAVED_PROVIDERS_KEPT = 4096
_RESHAPED_KEPT = 256  # templates as reshaped by a set of choices: a few per template


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _http_url(value: str) -> bool:
    u = urlsplit(value)
    return u.scheme in ("http", "https") and bool(u.hostname)


def _normalise(template: ProviderTemplate, spec: FieldSpec, value: str) -> str:
    def bad(what: str) -> ConfigError:
        return ConfigError(template.name, f"{spec.label} {what}", f"correct the {spec.label} field")

    value = value.strip() if not spec.secret else value
    if spec.kind == "name" and not _NAME.fullmatch(value):
        raise bad("may only hold letters, digits, '.', '_' and '-'")
    if spec.kind == "url" and not _http_url(value):
        raise bad("must be a full http:// or https:// URL")
    if spec.kind == "origin":
        # A site may be typed as a bare host; an explicit scheme (a local test server) is kept.
        u = urlsplit(value if "://" in value else f"https://{value}")
        if u.scheme not in ("http", "https") or not u.hostname or u.path not in ("", "/") or u.query:
            raise bad("must be a host name such as example.com")
        value = f"{u.scheme}://{u.netloc}"
    if spec.kind == "choice" and spec.choice(value) is None:
        raise bad(f"must be one of {', '.join(c.value for c in spec.choices)}")
    return value


def _render(template: ProviderTemplate, pattern: str, values: Mapping[str, str]) -> str:
    names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    for name in names:
        if not values.get(name):
            spec = template.field(name)
            label = spec.label if spec else name
            raise ConfigError(template.name, f"the {label} is needed to build its endpoints", f"fill in {label}")
    return pattern.format_map(values)


def _check_endpoint(template: ProviderTemplate, name: str, url: str) -> None:
    u = urlsplit(url)
    if not _http_url(url):
        raise ConfigError(template.name, f"the {name} {url!r} is not an http(s) URL", "correct the template")
    if u.scheme == "http" and not is_loopback(u.hostname):
        raise ConfigError(template.name, f"the {name} uses plain http on the open network", "use its https:// address")
    if "@" in u.netloc:  # kept with the settings, in the clear, and sent by HTTP Basic behind the template's back
        raise ConfigError(
            template.name, f"the {name} holds a user name or password", "remove them; secrets have fields", field=name
        )


@dataclass(frozen=True)
class Provider:
    """Everything one connection needs to talk to its vendor; no I/O."""

    template: ProviderTemplate
    flow: Flow
    values: Mapping[str, str] = field(repr=False)
    endpoints: Mapping[str, str]
    issuer_in_response: bool = False  # RFC 9207, from discovery: the redirect must name its issuer

    @property
    def vendor(self) -> str:
        return self.template.name

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def endpoint(self, name: str) -> str:
        url = self.endpoints.get(name, "")
        if not url:
            raise ConfigError(self.vendor, f"no {name.replace('_', ' ')} is known", f"set {name} in Advanced")
        return url

    def has_endpoint(self, name: str) -> bool:
        return bool(self.endpoints.get(name))

    def with_discovered(self, discovered: Mapping[str, str], *, issuer_in_response: bool = False) -> Provider:
        """Endpoints from a discovery document; ones the person typed in still win."""
        merged = dict(self.endpoints)
        for name, url in discovered.items():
            if url and not self.values.get(name):
                _check_endpoint(self.template, name, url)
                merged[name] = url
        return replace(self, endpoints=MappingProxyType(merged), issuer_in_response=issuer_in_response)

    def render(self, pattern: str) -> str:
        """A template string (an API header, an export value) filled from this connection."""
        return _render(self.template, pattern, {**self.values, **self.endpoints})

    def fields_behind(self, pattern: str) -> tuple[str, ...]:
        """The form fields a template string is filled from, so that a failure can point at one: an endpoint it
        names stands for the fields that endpoint was built from, unless the person typed it in. (No loop: an
        endpoint is built only from endpoints built before it, or `resolve_provider` refuses the template.)"""
        found: list[str] = []
        for _, name, _, _ in string.Formatter().parse(pattern):
            built_from = self.template.endpoints.get(name or "")
            if name in ENDPOINTS and built_from and not self.values.get(name):
                found += self.fields_behind(built_from)
            elif name and self.template.field(name) is not None:
                found.append(name)
        return tuple(dict.fromkeys(found))


def resolve_provider(
    template: ProviderTemplate, values: Mapping[str, str], flow: Flow | None = None, *, saved: bool = False
) -> Provider:
    """Check and normalise the person's values and render the endpoints for `flow`.

    `saved`: the values of a stored connection, which by design lack transient fields (the password).
    """
    flow = flow or template.flows[0]
    if flow not in template.flows:
        raise ConfigError(template.name, f"the {flow.phrase} flow is not offered", f"use {' or '.join(template.flows)}")
    unknown = sorted(set(values) - {f.name for f in template.fields})
    if unknown:
        raise ConfigError(template.name, f"there is no field {unknown[0]!r}", "check the field names")
    template = _with_choices(template, values, flow)
    normalised: dict[str, str] = {}
    for spec in template.fields_for(flow):
        raw = values.get(spec.name) or spec.default_for(flow) or ""
        if not raw:
            if spec.required and not (saved and spec.transient):
                raise ConfigError(template.name, f"{spec.label} is required", f"fill in {spec.label}")
            continue
        normalised[spec.name] = _normalise(template, spec, raw)

    endpoints: dict[str, str] = {}
    for name in ENDPOINTS:  # issuer first: other endpoints may be built from it
        override = normalised.get(name)
        pattern = template.endpoints.get(name, "")
        # The issuer is kept exactly as given (it is compared verbatim), but joins paths without a "//".
        context = {**normalised, **endpoints, "issuer": endpoints.get("issuer", "").rstrip("/")}
        url = override or (_render(template, pattern, context) if pattern else "")
        if url:
            _check_endpoint(template, name, url)
            endpoints[name] = url
    return Provider(template, flow, MappingProxyType(normalised), MappingProxyType(endpoints))


def default_endpoints(template: ProviderTemplate, values: Mapping[str, str], flow: Flow) -> dict[str, str]:
    """Each endpoint the template builds, as built from `values` without the endpoint's own override, for a form to
    show as the field's placeholder. A value it needs that is missing or not valid stands in as its label, in
    angle quotes (`{site}/login.html`: "‹Site address›/login.html")."""  # noqa: RUF002
    template = _with_choices(template, values, flow)
    known: dict[str, str] = {}
    for spec in template.fields_for(flow):
        raw = "" if spec.secret else values.get(spec.name) or spec.default_for(flow) or ""  # shown: never a secret
        try:
            known[spec.name] = _normalise(template, spec, raw) if raw else ""
        except ConfigError:
            known[spec.name] = ""
    defaults: dict[str, str] = {}
    built: dict[str, str] = {}  # as resolve_provider builds them: an override feeds the endpoints made from it
    for name in ENDPOINTS:
        pattern = template.endpoints.get(name, "")
        if not pattern:
            continue
        context = {**known, **built, "issuer": built.get("issuer", "").rstrip("/")}
        parts = []
        for text, placeholder, _, _ in string.Formatter().parse(pattern):
            parts.append(text)
            if placeholder is not None:
                needed = template.field(placeholder)
                parts.append(context.get(placeholder) or f"‹{needed.label if needed else placeholder}›")
        defaults[name] = "".join(parts)
        built[name] = known.get(name) or defaults[name]
    return defaults


def saved_provider(catalog: TemplateCatalog, connection: Connection, secret_fields: Mapping[str, str]) -> Provider:
    """The provider of a stored connection: its plain values with its secret ones (a password is never stored).

    Resolved once per template, values and flow, all immutable: every refresh of the connection asks for it."""
    values = tuple(sorted({**connection.values, **secret_fields}.items()))
    return _resolved_saved(_Same(catalog.get(connection.template_id)), values, connection.flow)


def _with_choices(template: ProviderTemplate, values: Mapping[str, str], flow: Flow) -> ProviderTemplate:
    """`template.with_choices`, built once and shared by every provider that makes the same choices: it rebuilds
    the whole template (most of the cost of resolving), and a thousand copies would only burden the GC."""
    chosen = tuple((spec.name, values.get(spec.name, "")) for spec in template.fields_for(flow) if spec.choices)
    return _reshaped(_Same(template), chosen, flow)


class _Same:
    """A template as a cache key, by identity: it is immutable, but holds unhashable mappings. The key holds the
    template, so its id cannot be reused by another while cached."""

    __slots__ = ("template",)

    def __init__(self, template: ProviderTemplate) -> None:
        self.template = template

    def __hash__(self) -> int:
        return id(self.template)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.template is self.template


@lru_cache(maxsize=_SAVED_PROVIDERS_KEPT)
def _resolved_saved(template: _Same, values: tuple[tuple[str, str], ...], flow: Flow) -> Provider:
    return resolve_provider(template.template, dict(values), flow, saved=True)


@lru_cache(maxsize=_RESHAPED_KEPT)
def _reshaped(template: _Same, chosen: tuple[tuple[str, str], ...], flow: Flow) -> ProviderTemplate:
    return template.template.with_choices(dict(chosen), flow)
