"""The parsed templates kept between starts: used while each file keeps its time and size, parsed again when it does
not, and a kept file that is not what connmgr writes is no more than no kept file at all."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from connmgr.templates import load_catalog
from connmgr.templates.cache import MAX_CACHE_BYTES

ACME = 'extends = "oidc"\nname = "Acme SSO"\n'


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "acme.toml").write_text(ACME)
    return folder


def _kept(cache: Path) -> dict[str, dict[str, object]]:
    files = json.loads(cache.read_text())["files"]
    assert isinstance(files, dict)
    return files


def test_a_second_start_builds_the_same_catalog_from_what_the_first_kept(user_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "templates.cache.json"
    parsed = load_catalog(user_dir)

    first = load_catalog(user_dir, cache=cache)
    second = load_catalog(user_dir, cache=cache)

    assert first == second == parsed
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert str(user_dir / "acme.toml") in _kept(cache) and len(_kept(cache)) == len(parsed.catalog.templates)


def test_what_is_kept_is_used_while_the_file_keeps_its_time_and_size(user_dir: Path, tmp_path: Path) -> None:
    cache, acme = tmp_path / "templates.cache.json", user_dir / "acme.toml"
    load_catalog(user_dir, cache=cache)
    kept = _kept(cache)
    kept[str(acme)]["raw"] = {"extends": "oidc", "name": "Kept SSO"}
    cache.write_text(json.dumps({"format": 1, "files": kept}))

    assert load_catalog(user_dir, cache=cache).catalog.get("acme").name == "Kept SSO"

    acme.write_text(ACME.replace("Acme", "Edited"))  # another size, another time
    assert load_catalog(user_dir, cache=cache).catalog.get("acme").name == "Edited SSO"
    assert _kept(cache)[str(acme)]["raw"] == {"extends": "oidc", "name": "Edited SSO"}


def test_a_broken_template_is_reported_on_every_start(user_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "templates.cache.json"
    (user_dir / "broken.toml").write_text("name = [unclosed")

    for _ in range(2):
        (problem,) = load_catalog(user_dir, cache=cache).problems
        assert problem.sentence.startswith("Template 'broken': the file is not valid TOML")
    assert str(user_dir / "broken.toml") not in _kept(cache)


def _entry(raw: object, **stamp: object) -> object:
    return {"mtime_ns": 0, "size": 0, "raw": raw, **stamp}


@pytest.mark.parametrize(
    "text",
    [
        "\x00\xff not json",
        "null",
        '{"format": 2, "files": {}}',
        '{"format": 1, "files": []}',
        "[" * 100_000,
        " " * (MAX_CACHE_BYTES + 1),
        "ACME-NULL",  # a kept table holding JSON's null, which no TOML file parses to
        "ACME-LIST",  # a kept template that is not a table
    ],
)
def test_a_kept_file_connmgr_did_not_write_is_parsed_past_and_written_anew(
    user_dir: Path, tmp_path: Path, text: str
) -> None:
    cache, acme = tmp_path / "templates.cache.json", user_dir / "acme.toml"
    mtime_ns, size = acme.stat().st_mtime_ns, acme.stat().st_size
    if text == "ACME-NULL":
        raw = {"extends": "oidc", "name": None}
        text = json.dumps({"format": 1, "files": {str(acme): _entry(raw, mtime_ns=mtime_ns, size=size)}})
    elif text == "ACME-LIST":
        not_a_table = ["extends", "oidc"]
        text = json.dumps({"format": 1, "files": {str(acme): _entry(not_a_table, mtime_ns=mtime_ns, size=size)}})
    cache.write_text(text, encoding="latin-1")

    loaded = load_catalog(user_dir, cache=cache)

    assert loaded == load_catalog(user_dir) and not loaded.problems
    assert _kept(cache)[str(acme)]["raw"] == {"extends": "oidc", "name": "Acme SSO"}


def test_a_cache_that_cannot_be_written_costs_nothing_but_the_parse(user_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "gone" / "templates.cache.json"  # its folder removed (or not writable)

    assert load_catalog(user_dir, cache=cache) == load_catalog(user_dir)
    assert not cache.parent.exists()
