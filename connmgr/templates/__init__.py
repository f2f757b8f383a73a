"""The shipped vendor templates, and the loader that adds a person's own.

A user template is a TOML file in the data directory's `templates/` folder; it
may `extends` a shipped one, and one with a shipped template's name replaces
it. A broken user template is left out and reported, never fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from connmgr.domain.errors import TemplateError
from connmgr.domain.template import TemplateCatalog, build_catalog


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: TemplateCatalog
    problems: tuple[TemplateError, ...]


def _parse(text: str, template_id: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"Template {template_id!r}", f"the file is not valid TOML ({exc})", "fix it") from None


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
                raw = _parse(path.read_text("utf-8"), path.stem)
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
