import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connmgr.domain.envfile import assignment, env_prefix, merge_env
from connmgr.domain.errors import ConfigError
from tests.support.envreaders import bash_text_read, compose_values, dotenv_read, line_values

REAL = {
    "A_TOKEN": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln-_x",
    "OPAQUE": "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "B64TOKEN": "mF_9.B5f-4.1JqM+abc/def~ghi==",
    "EXPIRES_AT": "2024-05-01T12:30:00+00:00",
    "URL": "https://api.vaultre.com.au/api/v1.3",
    "LOCAL_URL": "http://127.0.0.1:8080/realms/acme#frag",
    "IPV6_URL": "http://[::1]:9000/cb?x=1",
    "EMAIL": "alice+support@example.com",
    "TYPE": "Bearer",
    "LIST": "a,b,c",
    "EMPTY": "",
}

HOSTILE = [
    "it's`touch ~/pwned`",
    "it's`touch${IFS}pwned`",
    "$(touch pwned)",
    "${HOME}",
    "$HOME",
    "a\nINJECTED=1",
    "a\rINJECTED=1",
    "x'\nINJECTED=1\n'",
    'say "hi"',
    "back\\slash",
    "two words",
    "value #comment",
    " padded",
    "nul\x00",
    "bell\x07",
    "line\u2028separator",
    "next\x85line",
    "~",
    "~/.ssh",
    "~root",
    "PATH:~/bin",
    "a;b",
    "a&b",
    "a|b",
    "a<b",
    "(a)",
    "Zürich",
    "esc\x1b[31m",
]


def read_by_all(text: str, keys) -> dict[str, dict]:
    return {
        "python-dotenv": dotenv_read(text),
        "bash": bash_text_read(text, list(keys)),
        "compose": compose_values(text),
        "line": line_values(text),
    }


def test_real_values_read_back_exactly_under_every_reader():
    text = merge_env("", REAL, header="acme")
    for reader, values in read_by_all(text, REAL).items():
        assert values == REAL, reader


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_some_reader_would_misread_or_run_is_refused_naming_the_variable_only(value):
    with pytest.raises(ConfigError) as caught:
        merge_env("", {"ACME_TOKEN_TYPE": value}, header="acme")
    assert caught.value.sentence == (
        "Export: the value of ACME_TOKEN_TYPE holds characters that some .env readers would read differently or run;"
        " export it another way."
    )


# Characters that mean something to some reader, and the ones a token is made of.
_HOSTILE_ALPHABET = list("'\"`$\\{}()#~:=; \t\n\r\x00\x0b\x0c\x1b\x7f\x85\u2028\u2029\u202e\ufeff!&|<>*?[]@%,.+/-_")
_values = st.one_of(
    st.text(st.sampled_from(_HOSTILE_ALPHABET + list("aZ9")), max_size=12),
    st.lists(st.sampled_from(["${", "$(", "`", "'", "~", ":~", "\n", " #", "\\", "${HOME}", "x", "9", "="]), max_size=6)
    .map("".join),
    st.from_regex(r"[A-Za-z0-9\-._~+/]+=*", fullmatch=True),  # RFC 6750 b64token
    st.text(max_size=12),
)


@given(st.lists(_values, min_size=1, max_size=25))
@settings(max_examples=150, deadline=None)
def test_every_value_is_refused_or_read_back_identically_by_all_four_readers(values):
    written = {}
    for index, value in enumerate(values):
        key = f"K{index}"
        try:
            assignment(key, value)
        except ConfigError as exc:
            assert exc.sentence.startswith(f"Export: the value of {key} holds characters")
            continue
        written[key] = value
    text = merge_env("", written, header="hypothesis")
    for reader, read in read_by_all(text, written).items():
        assert {k: read.get(k) for k in written} == written, reader


@given(st.from_regex(r"[A-Za-z0-9\-._+/][A-Za-z0-9\-._~+/]*=*", fullmatch=True))
def test_every_b64token_exports(token):
    assert assignment("T", token) == f"T={token}"


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
        "# database\nDB_URL=postgres://x\n\nexport ACME_ACCESS_TOKEN=new\nOTHER=1 # trailing\n"
        "ACME_REFRESH_TOKEN=r\n\n# connmgr: Acme\nACME_TOKEN_TYPE=Bearer\n"
    )
    assert dotenv_read(merged)["DB_URL"] == "postgres://x"


def test_a_line_inside_another_variables_multi_line_value_is_never_rewritten():
    existing = (
        'CERT="-----BEGIN-----\nACME_ACCESS_TOKEN=not-a-variable\\"\nACME_REFRESH_TOKEN=nor-this\n-----END-----"\n'
        "NOTE='it said\nACME_ACCESS_TOKEN=here too\n'\n"
        "ACME_ACCESS_TOKEN=old\n"
    )
    merged = merge_env(existing, {"ACME_ACCESS_TOKEN": "new", "ACME_REFRESH_TOKEN": "r"}, header="acme")
    replaced = existing.replace("ACME_ACCESS_TOKEN=old", "ACME_ACCESS_TOKEN=new")
    assert merged == replaced + "\n# acme\nACME_REFRESH_TOKEN=r\n"
    for reader in (dotenv_read, compose_values):
        values = reader(merged)
        assert values["CERT"] == (
            '-----BEGIN-----\nACME_ACCESS_TOKEN=not-a-variable"\nACME_REFRESH_TOKEN=nor-this\n-----END-----'
        )
        assert values["NOTE"] == "it said\nACME_ACCESS_TOKEN=here too\n"
        assert (values["ACME_ACCESS_TOKEN"], values["ACME_REFRESH_TOKEN"]) == ("new", "r")


@pytest.mark.parametrize(
    ("line", "replaced"),
    [
        ("export ACME_ACCESS_TOKEN='old' # note", "export ACME_ACCESS_TOKEN=new # note"),
        ("  export   ACME_ACCESS_TOKEN=old   # aligned", "  export   ACME_ACCESS_TOKEN=new   # aligned"),
        ('ACME_ACCESS_TOKEN="a\nb" # spans two lines', "ACME_ACCESS_TOKEN=new # spans two lines"),
        ("ACME_ACCESS_TOKEN=old\t# tab", "ACME_ACCESS_TOKEN=new\t # tab"),  # compose needs a space before '#'
        ("ACME_ACCESS_TOKEN=old#not-a-comment", "ACME_ACCESS_TOKEN=new"),
        ("ACME_ACCESS_TOKEN='old'\r", "ACME_ACCESS_TOKEN=new\r"),  # a CRLF file stays CRLF
    ],
)
def test_a_replaced_line_keeps_its_export_and_its_comment(line, replaced):
    merged = merge_env(f"A=1\n{line}\nB=2\n", {"ACME_ACCESS_TOKEN": "new"}, header="acme")
    assert merged == f"A=1\n{replaced}\nB=2\n"
    for reader in (dotenv_read, compose_values):
        assert reader(merged) == {"A": "1", "ACME_ACCESS_TOKEN": "new", "B": "2"}
    if "\r" not in line:  # bash keeps a CRLF file's \r in every value: no CRLF file is for bash
        assert bash_text_read(merged, ["ACME_ACCESS_TOKEN"]) == {"ACME_ACCESS_TOKEN": "new"}


@pytest.mark.parametrize("key", ["ACME-PROD_ACCESS_TOKEN", "2ND_TOKEN", "ACME.TOKEN", "A B", "A\nB", ""])
def test_a_key_that_is_not_a_variable_name_is_refused_so_never_appended_twice(key):
    with pytest.raises(ConfigError, match="is not a variable name; use letters, digits and '_' only"):
        merge_env("KEEP=1\n", {key: "v"}, header="acme")


def test_the_header_cannot_plant_a_line():
    merged = merge_env("", {"A": "1"}, header="connmgr: x\nINJECTED=1\rB=2\u2028C=3")
    assert merged.count("\n") == 2 and "\r" not in merged and "\u2028" not in merged
    for reader, values in read_by_all(merged, ["A", "INJECTED"]).items():
        assert values.get("INJECTED") in (None, "<unset>"), reader


@pytest.mark.parametrize(
    ("name", "prefix"), [("Acme iOFFICE (prod)", "ACME_IOFFICE_PROD"), ("2nd-office", "_2ND_OFFICE")]
)
def test_prefix_from_name(name, prefix):
    assert env_prefix(name) == prefix


def test_every_character_the_rule_allows_is_one_every_reader_takes_literally():
    allowed = [c for c in string.printable if not _refused(f"a{c}b")]
    assert set(allowed) == set(string.ascii_letters + string.digits + "-._~+/=:@%,#?[]")
    values = {f"K{i}": f"{c}x{c}{c}" for i, c in enumerate(allowed) if c != "~"}
    text = merge_env("", values, header="h")
    for reader, read in read_by_all(text, values).items():
        assert {k: read.get(k) for k in values} == values, reader


def _refused(value: str) -> bool:
    try:
        assignment("K", value)
    except ConfigError:
        return True
    return False
