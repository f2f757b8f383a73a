"""Provider templates: each vendor's OAuth dialect written down as data.

A template is a TOML table (see `connmgr/templates/`). `build_catalog` turns
the raw tables into frozen `ProviderTemplate`s: it resolves `extends`,
validates every key (a typo in a user's template is reported, not ignored) and
leaves choice overlays to be applied once the person has chosen.

Patterns (endpoints, API headers, extra authorize parameters, export values)
may name a field or an endpoint as plain `{name}` and nothing more: Python's
format language would otherwise let a template ask for `{site:>99999999}`
(a string of a hundred million spaces), an attribute or an index. They are
checked when the template loads, overlays included, so a bad one is reported
with the template's name and key rather than found at the first sign-in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from connmgr.domain.dialect import (
    TOKEN_PLACEMENT_SPELLINGS,
    Browser,
    ClientAuth,
    Flow,
    Operation,
    Protocol,
    RequestStyle,
    TokenIn,
    TokenPlacement,
)
from connmgr.domain.errors import TemplateError, clip

ENDPOINTS = (
    "issuer", "authorize_url", "token_url", "revoke_url", "code_url", "userinfo_url", "jwks_url",
    "device_authorization_url",
)  # fmt: skip
FIELD_KINDS = ("text", "secret", "url", "origin", "name", "choice")

Raw = Mapping[str, Any]
Word = TypeVar("Word", bound=StrEnum)

_EXPORT_KEY = re.compile(r"[A-Za-z0-9_]+")  # the part after PREFIX_ of a variable name


def deep_merge(base: Raw, over: Raw) -> dict[str, Any]:
    """Tables merge key by key; any other value in `over` replaces the base's."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str
    overlay: Raw


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    default: str | None = None
    hint: str = ""
    placeholder: str = ""
    flows: frozenset[Flow] | None = None  # None: every flow
    advanced: bool = False
    transient: bool = False  # used for one request, never stored (a password)
    order: int = 100
    choices: tuple[Choice, ...] = ()
    flow_defaults: Mapping[Flow, str] = field(default_factory=dict)

    @property
    def secret(self) -> bool:
        return self.kind == "secret"

    def applies_to(self, flow: Flow) -> bool:
        return self.flows is None or flow in self.flows

    def default_for(self, flow: Flow) -> str | None:
        return self.flow_defaults.get(flow, self.default)

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class RequestSpec:
    """How one operation travels: body style, client authentication, parameters."""

    style: RequestStyle
    client_auth: ClientAuth
    params: tuple[str, ...]
    names: Mapping[str, str]

    def wire_name(self, param: str) -> str:
        if param in self.names:
            return self.names[param]
        return "x-" + param.replace("_", "-") if self.style is RequestStyle.HEADERS else param


@dataclass(frozen=True)
class AuthorizeSpec:
    params: tuple[str, ...]
    extra: Mapping[str, str]
    pkce: bool
    nonce: bool


@dataclass(frozen=True)
class CallbackSpec:
    status_param: str | None  # VaultRE's `reason`: a parameter whose value says success or not
    success_value: str
    denied_values: frozenset[str]
    returns_state: bool
    in_fragment: bool  # the vendor answers in the #fragment, which a browser never sends to a loopback listener


@dataclass(frozen=True)
class TokenResponseSpec:
    access_token_keys: tuple[str, ...]
    expires_in_unit: str  # "s" or "ms"


@dataclass(frozen=True)
class ApiSpec:
    """How an API call carries the token, and where the identity is in the answer."""

    token_in: TokenPlacement
    headers: Mapping[str, str]
    account_keys: tuple[str, ...]


@dataclass(frozen=True)
class ProviderTemplate:
    id: str
    name: str
    description: str
    protocol: Protocol
    flows: tuple[Flow, ...]
    browser: Browser
    discovery: bool
    fields: tuple[FieldSpec, ...]
    endpoints: Mapping[str, str]
    authorize: AuthorizeSpec
    callback: CallbackSpec
    requests: Mapping[Operation, RequestSpec]
    token_response: TokenResponseSpec
    api: ApiSpec
    account_claims: tuple[str, ...]
    export: Mapping[str, str]
    revoke_hint: str
    source: str
    raw: Raw = field(repr=False, compare=False)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def fields_for(self, flow: Flow) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.applies_to(flow))

    def with_choices(self, values: Mapping[str, str], flow: Flow) -> ProviderTemplate:
        """The template as the person's choices (token kind, client auth, ...) reshape it for `flow`."""
        raw: Raw = self.raw
        for spec in self.fields_for(flow):
            chosen = spec.choice(values.get(spec.name) or spec.default or "") if spec.choices else None
            if chosen is not None:
                raw = deep_merge(raw, chosen.overlay)
        return self if raw is self.raw else _build(self.id, raw, self.source)


class _Reader:
    """Typed access to one raw table; every mistake names the template and key."""

    def __init__(self, template_id: str, table: Raw, where: str) -> None:
        if not isinstance(table, Mapping):
            raise _bad(template_id, f"{where} must be a table")
        self.template_id, self.table, self.where = template_id, table, where

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise _bad(self.template_id, f"{self.where} has unknown key {unknown[0]!r}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.table.get(key)
        if value is None:
            return default
        if not isinstance(value, kind):
            raise _bad(self.template_id, f"{self.where}.{key} has the wrong type")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(key, list, list(default))
        if not all(isinstance(v, str) for v in value):
            raise _bad(self.template_id, f"{self.where}.{key} must be a list of strings")
        return tuple(value)

    def string_map(self, key: str) -> Mapping[str, str]:
        value = self.get(key, Mapping, {})
        if not all(isinstance(v, str) for v in value.values()):
            raise _bad(self.template_id, f"{self.where}.{key} must map names to strings")
        return MappingProxyType(dict(value))

    def one_of(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            raise _bad(self.template_id, f"{self.where}.{key} must be one of {', '.join(allowed)}")
        return str(value)

    def word(self, key: str, kind: type[Word], default: Word) -> Word:
        """A word of the dialect (a request style, a client authentication, ...) as its enum member."""
        try:
            return kind(self.get(key, str, default))
        except ValueError:
            raise _bad(self.template_id, f"{self.where}.{key} must be one of {', '.join(kind)}") from None

    def flows(self, key: str, default: tuple[Flow, ...] = ()) -> tuple[Flow, ...]:
        return self._as_flows(key, self.strings(key, default))

    def flow_map(self, key: str) -> Mapping[Flow, str]:
        """A table of strings by flow (a field's default for each)."""
        table = self.string_map(key)
        return MappingProxyType(dict(zip(self._as_flows(key, table), table.values(), strict=True)))

    def _as_flows(self, key: str, names: Iterable[str]) -> tuple[Flow, ...]:
        names = tuple(names)
        try:
            return tuple(map(Flow, names))
        except ValueError:
            unknown = sorted(set(names) - set(Flow))
            raise _bad(self.template_id, f"{self.where}.{key} has unknown flow {unknown[0]!r}") from None

    def token_placement(self, key: str, default: TokenPlacement) -> TokenPlacement:
        value = self.get(key, str)
        if value is None:
            return default
        try:
            return TokenPlacement.parse(value)
        except ValueError:
            raise _bad(self.template_id, f"{self.where}.{key} must be one of {TOKEN_PLACEMENT_SPELLINGS}") from None

    def sub(self, key: str) -> _Reader:
        return _Reader(self.template_id, self.table.get(key, {}), f"{self.where}.{key}")


def _bad(template_id: str, what: str) -> TemplateError:
    return TemplateError(f"Template {template_id!r}", what, "fix the template file")


_TOP_KEYS = {
    "extends", "name", "description", "protocol", "flows", "browser", "discovery", "fields", "endpoints",
    "authorize", "callback", "requests", "token_response", "api", "account", "export", "revoke_hint",
}  # fmt: skip
_FIELD_KEYS = {
    "label", "kind", "required", "default", "hint", "placeholder", "flows", "advanced", "transient",
    "order", "choices", "flow_defaults",
}  # fmt: skip


def _pattern_tables(raw: Raw) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The tables of a template (or of a choice's overlay) whose values are patterns, by their dotted key."""
    for path in (("endpoints",), ("export",), ("api", "headers"), ("authorize", "extra")):
        table: Any = raw
        for part in path:
            table = table.get(part) if isinstance(table, Mapping) else None
        if isinstance(table, Mapping):
            yield ".".join(path), table


def _check_patterns(template_id: str, raw: Raw, names: frozenset[str], where: str = "") -> None:
    for table_key, table in _pattern_tables(raw):
        for key, pattern in table.items():
            at = f"{where}{table_key}.{key}"
            if table_key == "export" and not _EXPORT_KEY.fullmatch(str(key)):
                raise _bad(template_id, f"{at} is not a variable name: use letters, digits and '_' only")
            if isinstance(pattern, str):  # another type is reported where the table is read
                _check_placeholders(template_id, at, pattern, names)


def _check_placeholders(template_id: str, at: str, pattern: str, names: frozenset[str]) -> None:
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        raise _bad(template_id, f"{at} has an unmatched brace (write a literal one as {{{{ or }}}})") from None
    for _, name, spec, conversion in parts:
        if name is not None and (spec or conversion or name not in names):
            written = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            raise _bad(
                template_id,
                f"{at} uses {clip(written, 40)!r}, but a pattern may only name a field or an endpoint, as {{site}}",
            )


def _field(template_id: str, name: str, raw: Raw) -> FieldSpec:
    r = _Reader(template_id, raw, f"fields.{name}")
    r.check_keys(_FIELD_KEYS)
    choices = []
    for value, craw in r.get("choices", Mapping, {}).items():
        c = _Reader(template_id, craw, f"fields.{name}.choices.{value}")
        c.check_keys({"label", "hint", "overlay"})
        choices.append(Choice(value, c.get("label", str, value), c.get("hint", str, ""), c.get("overlay", Mapping, {})))
    kind = r.one_of("kind", FIELD_KINDS, "text")
    if kind == "choice" and not choices:
        raise _bad(template_id, f"fields.{name} is a choice without choices")
    flows = r.get("flows", list)
    return FieldSpec(
        name=name,
        label=r.get("label", str, name),
        kind=kind,
        required=r.get("required", bool, False),
        default=r.get("default", str),
        hint=r.get("hint", str, ""),
        placeholder=r.get("placeholder", str, ""),
        flows=None if flows is None else frozenset(r.flows("flows")),
        advanced=r.get("advanced", bool, False),
        transient=r.get("transient", bool, False),
        order=r.get("order", int, 100),
        choices=tuple(choices),
        flow_defaults=r.flow_map("flow_defaults"),
    )


def _requests(r: _Reader) -> Mapping[Operation, RequestSpec]:
    r.check_keys({"style", "client_auth", "names", *Operation})
    style = r.word("style", RequestStyle, RequestStyle.FORM)
    client_auth = r.word("client_auth", ClientAuth, ClientAuth.CLIENT_SECRET_BASIC)
    names = r.string_map("names")
    specs = {}
    for op in Operation:
        o = r.sub(op)
        o.check_keys({"style", "client_auth", "names", "params"})
        specs[op] = RequestSpec(
            style=o.word("style", RequestStyle, style),
            client_auth=o.word("client_auth", ClientAuth, client_auth),
            params=o.strings("params"),
            names=MappingProxyType({**names, **o.string_map("names")}),
        )
    return MappingProxyType(specs)


def _build(template_id: str, raw: Raw, source: str) -> ProviderTemplate:
    r = _Reader(template_id, raw, "template")
    r.check_keys(_TOP_KEYS)
    fields = sorted(
        (_field(template_id, name, f) for name, f in r.get("fields", Mapping, {}).items()),
        key=lambda f: (f.order, f.name),
    )
    names = frozenset(f.name for f in fields) | frozenset(ENDPOINTS)
    _check_patterns(template_id, raw, names)
    for spec in fields:
        for choice in spec.choices:
            _check_patterns(template_id, choice.overlay, names, f"fields.{spec.name}.choices.{choice.value}.overlay.")
    endpoints = r.string_map("endpoints")
    if unknown := sorted(set(endpoints) - set(ENDPOINTS)):
        raise _bad(template_id, f"endpoints has unknown endpoint {unknown[0]!r}")
    flows = r.flows("flows", (Flow.AUTHORIZATION_CODE,))
    a, cb, tr, api, acc = (r.sub(k) for k in ("authorize", "callback", "token_response", "api", "account"))
    a.check_keys({"params", "extra", "pkce", "nonce"})
    cb.check_keys({"status_param", "success_value", "denied_values", "returns_state", "in_fragment"})
    tr.check_keys({"access_token_keys", "expires_in_unit"})
    api.check_keys({"token_in", "headers", "account_keys"})
    acc.check_keys({"claims"})
    return ProviderTemplate(
        id=template_id,
        name=r.get("name", str, template_id),
        description=r.get("description", str, ""),
        protocol=r.word("protocol", Protocol, Protocol.OAUTH2),
        flows=flows,
        browser=r.word("browser", Browser, Browser.EMBEDDED),
        discovery=r.get("discovery", bool, False),
        fields=tuple(fields),
        endpoints=endpoints,
        authorize=AuthorizeSpec(
            params=a.strings("params"),
            extra=a.string_map("extra"),
            pkce=a.get("pkce", bool, False),
            nonce=a.get("nonce", bool, False),
        ),
        callback=CallbackSpec(
            status_param=cb.get("status_param", str),
            success_value=cb.get("success_value", str, ""),
            denied_values=frozenset(cb.strings("denied_values")),
            returns_state=cb.get("returns_state", bool, True),
            in_fragment=cb.get("in_fragment", bool, False),
        ),
        requests=_requests(r.sub("requests")),
        token_response=TokenResponseSpec(
            access_token_keys=tr.strings("access_token_keys", ("access_token",)),
            expires_in_unit=tr.one_of("expires_in_unit", ("s", "ms"), "s"),
        ),
        api=ApiSpec(
            token_in=api.token_placement("token_in", TokenPlacement(TokenIn.BEARER)),
            headers=api.string_map("headers"),
            account_keys=api.strings("account_keys"),
        ),
        account_claims=acc.strings("claims"),
        export=r.string_map("export"),
        revoke_hint=r.get("revoke_hint", str, ""),
        source=source,
        raw=MappingProxyType(dict(raw)),
    )


@dataclass(frozen=True)
class TemplateCatalog:
    """Every template by id, `extends` resolved."""

    templates: Mapping[str, ProviderTemplate]

    def __iter__(self) -> Iterator[ProviderTemplate]:
        return iter(sorted(self.templates.values(), key=lambda t: t.name.lower()))

    def __contains__(self, template_id: object) -> bool:
        return template_id in self.templates

    def get(self, template_id: str) -> ProviderTemplate:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(sorted(self.templates))
            raise TemplateError(f"Template {template_id!r}", "no such template", f"choose one of {known}") from None


def build_catalog(sources: Mapping[str, tuple[Raw, str]]) -> TemplateCatalog:
    """Build templates from raw tables by id, each with the file it came from."""
    resolved: dict[str, Raw] = {}

    def flatten(template_id: str, chain: tuple[str, ...]) -> Raw:
        if template_id in chain:
            raise _bad(template_id, f"extends itself through {' -> '.join((*chain, template_id))}")
        if template_id not in resolved:
            if template_id not in sources:
                raise _bad(chain[-1], f"extends unknown template {template_id!r}")
            raw = dict(sources[template_id][0])
            parent = raw.pop("extends", None)
            if parent is not None and not isinstance(parent, str):
                raise _bad(template_id, "extends must be a template id")
            resolved[template_id] = deep_merge(flatten(parent, (*chain, template_id)), raw) if parent else raw
        return resolved[template_id]

    return TemplateCatalog(
        MappingProxyType({tid: _build(tid, flatten(tid, ()), src) for tid, (_, src) in sources.items()})
    )
