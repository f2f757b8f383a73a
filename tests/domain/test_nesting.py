import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.nesting import MAX_DEPTH, TooDeep, check_depth, loads_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)


def nested(depth, opener="[", closer="]"):
    return opener * depth + closer * depth


@given(json_values)
def test_shallow_json_parses_as_json_loads_does(value):
    text = json.dumps(value)
    assert loads_json(text) == json.loads(text) == loads_json(text.encode())


def test_the_limit_is_inclusive():
    assert loads_json(nested(MAX_DEPTH)) is not None
    assert loads_json('{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH) is not None
    with pytest.raises(TooDeep):
        loads_json(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        nested(100_000),  # a RecursionError in json.loads
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        "[" * 100_000,  # never closed
        '["x", ' + nested(70) + "]",
    ],
)
def test_deep_json_is_refused_before_parsing(text):
    with pytest.raises(TooDeep, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads_json(text)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[" * 1000, "b": ['{"\\"' * 500], "c": "\\\\" + "{" * 100})
    assert loads_json(text) == json.loads(text)


def test_an_unterminated_string_is_still_a_parse_error_not_a_hang():
    with pytest.raises(ValueError):
        loads_json('["' + '\\"[' * 200_000)


def test_parsed_data_nested_too_deeply_is_refused():
    check_depth({"a": [{"b": 1}]})
    deep: dict = {}
    table = deep
    for _ in range(100_000):  # what TOML's dotted keys build, without recursing
        table["a"] = {}
        table = table["a"]
    with pytest.raises(TooDeep):
        check_depth(deep)
    with pytest.raises(TooDeep):
        check_depth(json.loads(nested(MAX_DEPTH + 1)))
    check_depth(json.loads(nested(MAX_DEPTH)))
