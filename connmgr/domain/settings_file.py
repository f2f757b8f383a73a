"""A connection's settings as a file a colleague can connect from: its template, flow and every value that is not
a secret (`connmgr describe NAME > acme.toml`, then `connmgr connect --from acme.toml --name NAME`).

The file is written by connmgr but read as anything from outside is: bounded, checked key by key against the
template it names, and refused whole, in one sentence naming the key, when it holds what it must not (a secret,
whose value is never echoed) or what the template does not know.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.domain.nesting import TooDeep, check_depth
from connmgr.domain.template import ProviderTemplate, TemplateCatalog

MAX_SETTINGS_BYTES = 64 * 1024  # a connection's settings are a few hundred bytes
_HEADER = "# connmgr connection settings, without secrets: connmgr connect --from FILE --name NAME\n"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Settings:
    template_id: str
    flow: Flow
    values: Mapping[str, str]


def settings_text(template: ProviderTemplate, flow: Flow, values: Mapping[str, str]) -> str:
    """The file for these settings: every value the template does not keep secret or use only once."""
    kept = {k: v for k, v in sorted(values.items()) if _shareable(template, k)}
    lines = [_HEADER, f"template = {_string(template.id)}", f"flow = {_string(flow.value)}", "", "[values]"]
    lines += [f"{_key(name)} = {_string(value)}" for name, value in kept.items()]
    return "\n".join(lines) + "\n"


def read_settings(data: bytes, source: str, catalog: TemplateCatalog) -> Settings:
    """The settings in `data` (a file named `source`), checked against the template they name."""

    def bad(what: str, todo: str = "fix the file") -> ConfigError:
        return ConfigError(f"Settings file {source}", what, todo)

    if len(data) > MAX_SETTINGS_BYTES:
        raise bad(f"it is larger than {MAX_SETTINGS_BYTES // 1024} KiB, more than any connection's settings")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
        check_depth(raw)
    except UnicodeDecodeError:
        raise bad("it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"it is not valid TOML ({exc})") from None
    except (RecursionError, TooDeep):
        raise bad("it nests tables deeper than any settings file does") from None
    unknown = sorted(set(raw) - {"template", "flow", "values"})
    if unknown:
        raise bad(f"it has unknown key {unknown[0]!r}")
    template_id, flow_text, values = raw.get("template"), raw.get("flow"), raw.get("values", {})
    if not isinstance(template_id, str):
        raise bad("its key 'template' must name a template")
    if template_id not in catalog:
        known = ", ".join(t.id for t in catalog)
        raise bad(f"its template {template_id!r} is not known here", f"use one of {known}, or add that template")
    template = catalog.get(template_id)
    flow = template.flows[0] if flow_text is None else next((f for f in template.flows if f.value == flow_text), None)
    if flow is None:
        spelled = ", ".join(template.flows)
        raise bad(f"its flow {flow_text!r} is not one the {template.name} template offers ({spelled})")
    if not isinstance(values, dict):
        raise bad("its key 'values' must be a table")
    for name, value in values.items():
        spec = template.field(name)
        if spec is None:
            raise bad(f"values.{name} is not a field of the {template.name} template")
        if spec.secret or spec.transient:  # its value is never repeated, not even in this sentence
            raise bad(f"values.{name} is a secret, which a settings file never holds", "remove it from the file")
        if not isinstance(value, str):
            raise bad(f"values.{name} must be a string")
    return Settings(template.id, flow, dict(values))


def _shareable(template: ProviderTemplate, name: str) -> bool:
    spec = template.field(name)
    return spec is not None and not spec.secret and not spec.transient


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _string(text: str) -> str:
    """A TOML basic string: what a terminal would act on or hide escaped, so the file is shown as it reads."""
    return '"' + "".join(_ESCAPED.get(ch) or (ch if ch.isprintable() else _code_point(ch)) for ch in text) + '"'


def _code_point(ch: str) -> str:
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


_ESCAPED = {'"': '\\"', "\\": "\\\\"}
