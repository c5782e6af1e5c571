"""The runtime guards (`_guards.py`) both evaluators share, called directly."""

from __future__ import annotations

import pytest
from nodefox import _guards as g
from nodefox.errors import ExpressionError


@pytest.fixture(autouse=True)
def fresh_budget():
    g.WORK[0] = 0
    yield
    g.WORK[0] = 0


def test_to_json_returns_json_values_unchanged_and_uncopied():
    value = {"a": [1, 2.5, None, True, "x", {"b": []}]}
    assert g.to_json(value) is value
    assert g.to_json(value["a"]) is value["a"]


def test_to_json_copies_only_what_it_must_change():
    inner = {"keep": [1]}
    value = {"x": inner, "t": (1, 2), 3: "three"}
    out = g.to_json(value)
    assert out == {"x": {"keep": [1]}, "t": [1, 2], "3": "three"}
    assert list(out) == ["x", "t", "3"] and out["x"] is inner
    assert g.to_json([1, (2,), 3]) == [1, [2], 3]


@pytest.mark.parametrize(("key", "text"), [(None, "null"), (True, "true"), (False, "false"), (1, "1"), (1.5, "1.5")])
def test_object_keys_become_text_as_json_would_write_them(key, text):
    assert g.to_json({key: 0}) == {text: 0}


@pytest.mark.parametrize(("value", "message"), [
    (float("nan"), "not a JSON number"), ([float("inf")], "not a JSON number"), (10**4300, "4,300 digits"),
    (-(10**4300), "4,300 digits"), ({(1,): 1}, "must be a string"), (len, "a function"), ({1}, "no JSON form"),
    (b"x", "no JSON form"),
], ids=["nan", "inf", "big", "-big", "tuple-key", "function", "set", "bytes"])
def test_to_json_refuses_what_json_cannot_hold(value, message):
    with pytest.raises(ExpressionError, match=message):
        g.to_json(value)


def test_spend_counts_until_the_budget_runs_out():
    g.spend(g.MAX_WORK)
    with pytest.raises(ExpressionError, match="more than 1,000,000"):
        g.spend(1)


def test_touch_spread_and_consume_spend_the_length():
    assert g.touch("abc") == "abc" and g.WORK[0] == 3
    assert g.touch(5) == 5 and g.WORK[0] == 3
    assert g.spread(range(4)) == range(4) and g.WORK[0] == 7
    assert g.spread(iter([1, 2])) == [1, 2] and g.WORK[0] == 11  # each element, then the list
    assert g.consume(iter("ab")) == ["a", "b"] and g.WORK[0] == 13
    assert g.consume(5) == 5  # not iterable: the function it feeds says so


def test_touch_counts_every_array_and_object_inside_as_often_as_it_is_reached():
    assert g.touch([1, [2, 3], {"a": [4]}]) and g.WORK[0] == 3 + 2 + 1 + 1
    g.WORK[0] = 0
    shared = [[0] * 1000] * 1000  # two thousand elements built, a million compared
    with pytest.raises(ExpressionError, match="more than 1,000,000"):
        g.touch([shared, shared])


def test_add_and_mul_check_the_size_before_building():
    with pytest.raises(ExpressionError, match="longer than 100,000"):
        g.add("x" * 60_000, "y" * 60_000)
    with pytest.raises(ExpressionError, match="longer than 100,000"):
        g.mul([0], 100_001)
    with pytest.raises(ExpressionError, match="longer than 100,000"):
        g.mul(True + 100_000, "ab")
    assert g.mul("ab", -3) == "" and g.mul(2, 3) == 6 and g.mul(1.5, 2) == 3.0


def test_int_products_and_powers_are_bounded_by_the_size_of_the_result():
    assert g.mul(10**2000, 10**2000) == 10**4000
    with pytest.raises(ExpressionError, match="a number of about 4,29\\d digits \\* a number of about"):
        g.mul(10**4299, 10**4299)
    assert g.power(2, 14_000) == 2**14_000
    with pytest.raises(ExpressionError, match="too large to compute"):
        g.power(2, 15_000)
    with pytest.raises(ExpressionError, match="too large to compute"):
        g.power(10**5000, 1)
    assert g.SMALL_FACTOR.bit_length() * 2 - 2 <= g.MAX_POWER_BITS


def test_method_allows_only_reading_methods():
    assert g.method("ab", "upper", "x")() == "AB"
    assert g.method([1], "count", "x")(1) == 1
    assert g.method({"a": 1}, "get", "x")("a") == 1
    for obj, name in [([1], "append"), ({}, "update"), ("a", "format"), ("a", "__class__"), ("a", "func_x"),
                      ("a", "maketrans"), (1, "bit_length")]:
        with pytest.raises(ExpressionError):
            g.method(obj, name, "x")


def test_splitlines_takes_keepends_by_its_truth_as_newer_cpythons_do():
    assert g.method("a\nb", "splitlines", "x")(None) == ["a", "b"]
    assert g.method("a\nb", "splitlines", "x")(keepends=1) == ["a\n", "b"]


def test_a_range_is_indexed_and_sliced_as_in_python():
    assert g.item(range(10), 2, "x") == 2 and g.item(range(10), 20, "x") is None
    assert g.item(range(10), slice(2, 5), "x") == range(2, 5)


def test_item_reads_null_past_the_end_and_spends_slices():
    assert g.item([1], 5, "x") is None and g.item({}, "a", "x") is None and g.item("ab", -1, "x") == "b"
    assert g.item("abcd", slice(1, 3), "x") == "bc" and g.WORK[0] == 2
    with pytest.raises(ExpressionError, match="x is null"):
        g.item(None, 0, "x")


def test_the_limits_are_at_least_as_tight_as_simpleevals():
    """The engine spells simpleeval's limits out so it need not import it; they must not drift looser."""
    import simpleeval

    assert g.MAX_LENGTH <= simpleeval.MAX_STRING_LENGTH
    assert g.MAX_ITERATIONS <= simpleeval.MAX_COMPREHENSION_LENGTH
    assert g.MAX_POWER <= simpleeval.MAX_POWER
    assert g.MAX_SHIFT <= simpleeval.MAX_SHIFT
    assert g.MAX_SHIFT_BASE <= simpleeval.MAX_SHIFT_BASE
    assert set(simpleeval.DISALLOW_PREFIXES) <= set(g.DENIED_PREFIXES)
    assert set(simpleeval.DISALLOW_METHODS) <= g.DISALLOW_METHODS


def test_starting_the_engine_does_not_import_simpleeval():
    """simpleeval is the reference evaluator, for tests: the browser's start must not import it."""
    import subprocess
    import sys

    code = "import sys, nodefox.bridge, nodefox.cli; print('simpleeval' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
