"""The shipped vendor templates, and the loader that adds a person's own.

A user template is a TOML file in the data directory's `templates/` folder; it
may `extends` a shipped one, and one with a shipped template's name replaces
it. A broken user template is left out and reported, never fatal: one that
is not TOML, is larger than any template needs to be, or nests deeper than
any template does (a parser or a merge would recurse past Python's limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from connmgr.domain.errors import TemplateError
from connmgr.domain.nesting import MAX_DEPTH, TooDeep, check_depth
from connmgr.domain.template import TemplateCatalog, build_catalog
from connmgr.templates.cache import ParsedTemplates

MAX_TEMPLATE_BYTES = 256 * 1024  # the shipped ones are 2-5 KiB


@dataclass(frozen=True)
class LoadedCatalog:
    catalog: TemplateCatalog
    problems: tuple[TemplateError, ...]


def _parse(text: str, template_id: str) -> dict[str, Any]:
    import tomllib  # here: a start whose templates are all as parsed last time (cache) never imports it

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


def load_catalog(user_dir: Path | None = None, *, cache: Path | None = None) -> LoadedCatalog:
    """The shipped templates and those in `user_dir`; `cache`: where the parsed ones are kept between starts."""
    parsed = ParsedTemplates(cache) if cache is not None else None

    def read(file: Path | None, text: Callable[[], str], template_id: str) -> dict[str, Any]:
        def parse() -> dict[str, Any]:
            return _parse(text(), template_id)

        return parse() if parsed is None or file is None else parsed.parsed(file, parse)

    shipped: dict[str, tuple[dict[str, Any], str]] = {}
    for entry in resources.files(__package__).iterdir():
        if entry.name.endswith(".toml"):
            file = entry if isinstance(entry, Path) else None  # a file, unless connmgr runs from a zip archive
            raw = read(file, partial(entry.read_text, "utf-8"), entry.name)
            shipped[entry.name.removesuffix(".toml")] = (raw, f"built-in {entry.name}")
    catalog = build_catalog(shipped)
    problems: list[TemplateError] = []
    if user_dir is not None and user_dir.is_dir():
        accepted = dict(shipped)
        for path in sorted(user_dir.glob("*.toml")):
            try:
                raw = read(path, partial(_read_user_template, path), path.stem)
                catalog = build_catalog({**accepted, path.stem: (raw, str(path))})
            except (TemplateError, OSError, UnicodeDecodeError) as exc:
                problems.append(
                    exc
                    if isinstance(exc, TemplateError)
                    else TemplateError(f"Template {path.name!r}", "the file cannot be read", "check it")
                )
                continue
            accepted[path.stem] = (raw, str(path))
    if parsed is not None:
        parsed.save()
    return LoadedCatalog(catalog, tuple(problems))
