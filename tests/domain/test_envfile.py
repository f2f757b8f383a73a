import io

import pytest
from dotenv import dotenv_values
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.envfile import env_prefix, merge_env, quote
from connmgr.domain.errors import ConfigError

AWKWARD = {
    "A_TOKEN": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln-_x",
    "HASH": "value # not a comment",
    "DOLLAR": "pa$$word$HOME$USER",
    "EQUALS": "a=b==c",
    "DOUBLE": 'say "hi"',
    "SINGLE": "it's",
    "NEWLINES": "line one\nline two\n",
    "BACKSLASH": "C:\\path\\n",
    "SPACES": "  padded  ",
    "EMPTY": "",
    "UNICODE": "Zürich – 東京",
}


def read_back(text):
    return dotenv_values(stream=io.StringIO(text))


def test_awkward_values_round_trip_through_python_dotenv():
    assert read_back(merge_env("", AWKWARD, header="acme")) == AWKWARD


@given(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True), st.text(max_size=30), max_size=5))
def test_any_value_round_trips_or_is_refused(values):
    try:
        text = merge_env("", values, header="h")
    except ConfigError as exc:
        assert "no .env reader agrees" in exc.sentence
        assert (
            "${" in "".join(values.values())
            or "\\" in "".join(values.values())
            or any(not c.isprintable() and c not in "\n\t" for c in "".join(values.values()))
        )
        return
    assert read_back(text) == values


def test_merge_replaces_only_its_own_keys_and_keeps_every_other_line():
    existing = (
        "# database\nDB_URL=postgres://x\n\nexport ACME_ACCESS_TOKEN='old'\nOTHER=1 # trailing\n"
        "ACME_REFRESH_TOKEN='multi\nline'\nACME_ACCESS_TOKEN=duplicate\n"
    )
    merged = merge_env(
        existing,
        {"ACME_ACCESS_TOKEN": "new", "ACME_REFRESH_TOKEN": "r", "ACME_TOKEN_TYPE": "Bearer"},
        header="connmgr: Acme",
    )
    assert merged == (
        "# database\nDB_URL=postgres://x\n\nACME_ACCESS_TOKEN='new'\nOTHER=1 # trailing\n"
        "ACME_REFRESH_TOKEN='r'\n\n# connmgr: Acme\nACME_TOKEN_TYPE='Bearer'\n"
    )
    assert read_back(merged)["DB_URL"] == "postgres://x"


def test_a_value_no_reader_agrees_on_is_refused():
    for value in ("it's $5", "${HOME}", "bell\x07"):
        with pytest.raises(ConfigError, match=r"no \.env reader agrees"):
            quote("K", value)


@pytest.mark.parametrize(
    ("name", "prefix"), [("Acme iOFFICE (prod)", "ACME_IOFFICE_PROD"), ("2nd-office", "_2ND_OFFICE")]
)
def test_prefix_from_name(name, prefix):
    assert env_prefix(name) == prefix
