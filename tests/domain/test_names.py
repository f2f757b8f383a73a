import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.errors import ConfigError
from connmgr.domain.names import MAX_NAME_LENGTH, check_name, for_terminal, name_problem


@pytest.mark.parametrize("name", ["Acme vault", "Zürich – 東京 (prod)", "a" * MAX_NAME_LENGTH, "O'Brien & Co #2"])
def test_ordinary_names_are_fine(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("", "the name is empty"),
        ("   ", "the name is empty"),
        ("a" * (MAX_NAME_LENGTH + 1), "the name is longer than 200 characters"),
        ("Acme\x1b[2J", "control character"),
        ("Acme\x9b31m", "control character"),
        ("Acme\x1b]8;;https://evil\x07", "control character"),
        ("Acme\u202eevil", "control character"),
        ("Acme\u2066", "control character"),
        ("Ac\u200bme", "control character"),
        ("Acme\u00a0Corp", "control character"),
        ("Acme\ttab", "control character"),
        ("Acme\udc80", "control character"),
    ],
)
def test_a_name_that_could_drive_or_fool_a_terminal_is_refused(name, what):
    with pytest.raises(ConfigError, match=what) as caught:
        check_name(name)
    assert caught.value.field == "name"
    assert not name.strip() or name not in caught.value.sentence  # never quoted back


@given(st.text(max_size=30))
def test_for_terminal_leaves_nothing_a_terminal_acts_on(text):
    shown = for_terminal(text)
    assert shown.isprintable()
    assert shown == text or not text.isprintable()


def test_for_terminal_shows_what_was_there():
    assert for_terminal("Acme\x1b[2J\u202e\n") == "Acme\\x1b[2J\\u202e\\n"
    assert for_terminal("Zürich – 東京") == "Zürich – 東京"
