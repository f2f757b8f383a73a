"""The shipped vendor templates, and the loader that adds a person's own.

A user template is a TOML file in the data directory's `templates/` folder; it
may `extends` a shipped one, and one with a shipped template's name replaces
it. A broken user template is left out and reported, never fatal: one that
is not TOML, is larger than any template needs to be, or nests deeper than
any template does (a parser or a merge would recurse past Python's limit).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from connmgr.domain.errors import TemplateError
from connmgr.domain.nesting import MAX_DEPTH, TooDeep, check_depth
from connmgr.domain.template import TemplateCatalog, build_catalog

MAX_TEMPLATE_BYTES = 256 * 1024  # the shipped ones are 2-5 KiB


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: TemplateCatalog
    problems: tuple[TemplateError, ...]


def _parse(text: str, template_id: str) -> dict[str, Any]:
    def bad(what: str) -> TemplateError:
        return TemplateError(f"Template {template_id!r}", what, "fix it")

    try:
        raw = tomllib.loads(text)
        check_depth(raw)
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"the file is not valid TOML ({exc})") from None
    except (RecursionError, TooDeep):
        raise bad(f"the file nests tables or arrays deeper than {MAX_DEPTH} levels") from None
    return raw


def _read_user_template(path: Path) -> str:
    with path.open("rb") as file:
        data = file.read(MAX_TEMPLATE_BYTES + 1)  # a template is small: a huge file is not read whole
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(
            f"Template {path.stem!r}", f"the file is larger than {MAX_TEMPLATE_BYTES // 1024} KiB", "fix it"
        )
    return data.decode("utf-8")


def load_catalog(user_dir: Path | None = None) -> LoadedCatalog:
    shipped = {
        entry.name.removesuffix(".toml"): (_parse(entry.read_text("utf-8"), entry.name), f"built-in {entry.name}")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".toml")
    }
    catalog = build_catalog(shipped)
    problems: list[TemplateError] = []
    if user_dir is not None and user_dir.is_dir():
        accepted = dict(shipped)
        for path in sorted(user_dir.glob("*.toml")):
            try:
                raw = _parse(_read_user_template(path), path.stem)
                catalog = build_catalog({**accepted, path.stem: (raw, str(path))})
            except (TemplateError, OSError, UnicodeDecodeError) as exc:
                problems.append(
                    exc
                    if isinstance(exc, TemplateError)
                    else TemplateError(f"Template {path.name!r}", "the file cannot be read", "check it")
                )
                continue
            accepted[path.stem] = (raw, str(path))
    return LoadedCatalog(catalog, tuple(problems))
