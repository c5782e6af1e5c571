"""_json.dumps: the standard library's compact text, written by its C encoder made once."""

from __future__ import annotations

import json
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nodefox import _json

_STD = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None, exclude_categories=())),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


def test_the_c_encoder_is_used_where_cpython_has_one():
    assert _json._C_ENCODE is not None


@given(_values)
def test_dumps_writes_what_the_standard_library_writes(value):
    assert _json.dumps(value) == _STD(value)


@pytest.mark.parametrize(
    "value",
    [float("nan"), [1, float("inf")], {"a": object()}, 10**5000, {"a": {1j}}],
    ids=["nan", "infinity", "object", "big int", "set"],
)
def test_an_error_has_the_standard_librarys_words(value):
    with pytest.raises((ValueError, TypeError)) as ours:
        _json.dumps(value)
    with pytest.raises((ValueError, TypeError)) as std:
        _STD(value)
    assert type(ours.value) is type(std.value) and str(ours.value) == str(std.value)


def test_a_cycle_is_refused_as_the_standard_library_refuses_it():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        _json.dumps(loop)


def test_an_error_leaves_the_encoder_working():
    with pytest.raises(ValueError):
        _json.dumps({"a": [1, float("nan")]})
    assert _json.dumps({"a": [1, 2.5, "é"]}) == '{"a":[1,2.5,"é"]}'


def _same(copied, value):
    """Equal all the way down, with the same types (and the sign of a zero), no container shared."""
    assert type(copied) is type(value)
    if type(value) is dict:
        assert copied is not value and list(copied) == list(value)
        for k in value:
            _same(copied[k], value[k])
    elif type(value) is list:
        assert copied is not value and len(copied) == len(value)
        for c, v in zip(copied, value, strict=True):
            _same(c, v)
    elif type(value) is float:
        assert copied == value and math.copysign(1, copied) == math.copysign(1, value)
    else:
        assert copied == value


@given(_values)
def test_copy_gives_equal_values_of_the_same_types_sharing_no_container(value):
    # natively objects and arrays holding others go through orjson's text and back
    for v in (value, [value, value], {"k": [value], "n": {"m": value, "z": -0.0}}):
        _same(_json.copy(v), v)


@pytest.mark.parametrize(
    "value",
    [{"a": [2**64]}, [{"a": -(2**63) - 1}], [{"s": "\ud800"}], {"k": {"s": "a\udfffb"}}, [[]], {"a": {}}],
    ids=["u64+1", "i64-1", "lone surrogate", "nested surrogate", "empty list", "empty object"],
)
def test_copy_takes_what_orjson_refuses_through_the_walk(value):
    _same(_json.copy(value), value)


def test_copy_of_nesting_deeper_than_orjson_writes():
    deep: list = [1]
    for _ in range(400):  # orjson stops at 255 levels
        deep = [deep, {"x": 1}]
    _same(_json.copy({"d": deep}), {"d": deep})


_STD_DECODE = json.JSONDecoder(parse_constant=_json._refuse_constant, parse_float=_json._float).decode


def _decoded(decode, text):
    try:
        return "value", decode(text)
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


_SPACES = st.text(" \t\n\r", max_size=3)


@given(_SPACES, _values, _SPACES)
def test_decode_reads_json_text_as_the_standard_decoder_does(before, value, after):
    text = before + _STD(value) + after
    assert _decoded(_json._decode, text) == _decoded(_STD_DECODE, text) == ("value", value)


def _same_refusal(ours, standard):
    """Equal, or a trailing comma this CPython words as what it expected next (3.11, 3.12),
    said as CPython 3.13 and later (Pyodide's) say it."""
    if ours == standard:
        return True
    return (sys.version_info < (3, 13) and ours[1].startswith("Illegal trailing comma before end of ")
            and standard[1].startswith(("Expecting value", "Expecting property name")))  # fmt: skip


@given(st.text(" \t\n\r{}[]\",:0123456789.eE+-truefalsnNI\\u", max_size=12))
def test_decode_refuses_what_the_standard_decoder_refuses_in_its_words(text):
    assert _same_refusal(_decoded(_json._decode, text), _decoded(_STD_DECODE, text))


@pytest.mark.parametrize("text", ["", " ", "1 2", "[1] x", " {} ", "NaN", "1e999", "\u00a0 1", "[,]", "[1,}"])
def test_decode_of_edge_texts(text):
    assert _decoded(_json._decode, text) == _decoded(_STD_DECODE, text)


@pytest.mark.parametrize(("text", "message"), [
    ("[1,]", "Illegal trailing comma before end of array: line 1 column 3 (char 2)"),
    ("[1, ]", "Illegal trailing comma before end of array: line 1 column 3 (char 2)"),
    ('{"a":1,}', "Illegal trailing comma before end of object: line 1 column 7 (char 6)"),
    ('{"a":[1,\n]}', "Illegal trailing comma before end of array: line 1 column 8 (char 7)"),
    ('{"a":1,]', "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
])  # fmt: skip
def test_a_trailing_comma_is_worded_as_in_pyodide_on_every_cpython(text, message):
    # CPython 3.11 said "Expecting value" where the ] is; Pyodide's CPython names the comma
    for parse in (_json._decode, _json.loads):
        assert _decoded(parse, text) == ("JSONDecodeError", message)


@pytest.mark.parametrize("orjson", ["native", None])
def test_loads_refuses_nesting_deeper_than_orjson_reads_where_there_is_no_orjson(monkeypatch, orjson):
    """Pyodide has no orjson; its parser ran out of WebAssembly stack past a few thousand
    levels, a fatal error of the runtime: the same limit as natively, as a RecursionError."""
    if orjson is None:
        monkeypatch.setattr(_json, "orjson", None)
    assert _json.loads("[" * 500 + "]" * 500) is not None
    assert _json.loads('["' + "[" * 5000 + '", {"a": "]]}"}]') == ["[" * 5000, {"a": "]]}"}]
    assert not _json._too_deep('["\\"' + "[" * 2000 + '"]')  # an escaped quote ends no string
    assert _json._too_deep('["\\\\", ' + "[" * 1100 + "]" * 1100 + "]")  # an escaped backslash does
    with pytest.raises(RecursionError if orjson is None else (RecursionError, ValueError)):
        _json.loads('{"a": ' + "[" * 3000 + "]" * 3000 + "}")


@given(_values)
def test_too_deep_is_the_values_nesting(value):
    def depth(v) -> int:
        inner = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        return 0 if inner is None else 1 + max(map(depth, inner), default=0)

    wrap = _json.MAX_DEPTH - depth(value)  # the value inside lists, as deep as allowed
    nested = "[" * wrap + _STD(value) + "]" * wrap
    assert not _json._too_deep(nested)
    assert _json._too_deep("[" + nested + "]")
