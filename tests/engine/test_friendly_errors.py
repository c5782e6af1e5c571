"""Plain words for common Python errors (issue 15, item 10; `expressions/friendly.py`):
in expressions, in both evaluators alike, and in code nodes, each still carrying the
node's field, item and expression."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import chain, data, document, node, run, run_one
from nodefox.errors import ExpressionError
from nodefox.expressions import Context, Expression, check, evaluate_reference
from nodefox.expressions.friendly import same_words

ITEM = {"price": 2.5, "qty": 3, "name": "Ada", "zero": 0, "none": None, "customer": {"city": "Oslo"}, "tags": ["x"]}


def context() -> Context:
    return Context(vars={"rate": 0.5}, now="2026-01-02T03:04:05Z", workflow={"name": "W"}, inputs={"in": [ITEM]},
                   first_input="in", lookup=lambda name: None, names=frozenset())  # fmt: skip


def fails(text: str, item: dict | None = None) -> str:
    """The message of a failing expression: the compiled function and the reference agree."""
    item = ITEM if item is None else item
    messages = []
    for evaluate in (lambda: Expression(text).evaluate(item, 0, context()),
                     lambda: evaluate_reference(text, item, 0, context())):  # fmt: skip
        with pytest.raises(ExpressionError) as info:
            evaluate()
        assert info.value.expression == text
        messages.append(info.value.message)
    assert messages[0] == messages[1]
    return messages[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$json.pricse * 2", "$json.pricse is empty (null); did you mean price?"),
        ("2 * $json.pricse", "$json.pricse is empty (null); did you mean price?"),
        ("$json['qyt'] + 1", "$json.qyt is empty (null); did you mean qty?".replace("$json.qyt", "$json['qyt']")),
        ("$json.customer.cty + 'x'", "$json.customer.cty is empty (null); did you mean city?"),
        ("$json.none * 2", "$json.none is empty (null), so it cannot be multiplied"),
        ("$json.nothing_like_it - 1", "$json.nothing_like_it is empty (null), so it cannot be subtracted"),
        ("$json.none < 1", "$json.none is empty (null), so it cannot be compared"),
        ("$vars.rat * 2", "$vars.rat is empty (null); did you mean rate?"),
        ("len($json.none)", "$json.none is empty (null), so it has no length"),
        ("len($json.nmae)", "$json.nmae is empty (null); did you mean name?"),
        ("$json.name + 1", "cannot add text and a number: $json.name is text ('Ada') (convert one with str() or float())"),
        ("1 + $json.name", "cannot add a number and text: $json.name is text ('Ada')"),
        ("$json.name * $json.name", "cannot multiply text or an array by text, only by a whole number"),
        ("$json.price / $json.zero", "division by zero: $json.zero is 0"),
        ("$json.qty % $json.zero", "division by zero: $json.zero is 0"),
        ("1 / 0", "division by zero"),
        ("$json.name.first", "$json.name is a string, so .first cannot be read"),
        ("$json.tags + 1", "cannot add an array and a number: $json.tags is an array"),
        ("-$json.none", "$json.none is empty (null), so it cannot be negated"),
    ],
)
def test_common_errors_in_expressions_read_in_plain_words(text, message):
    said = fails(text)
    assert said.startswith(message), said
    assert "NoneType" not in said and "operand" not in said


def test_unknown_names_suggest_the_closest_name_an_expression_may_use():
    def refused(text: str) -> str:
        with pytest.raises(ExpressionError) as info:
            check(text)
        return info.value.message

    assert refused("lenn($json.tags)") == "unknown function 'lenn'"
    assert refused("lenn") == "unknown name 'lenn'; did you mean len?"
    assert refused("[x for x in $json.tags if xx]") == "unknown name 'xx'; did you mean x?"
    assert refused("jsn") == "unknown name 'jsn'; did you mean $json?"
    assert refused("x + 1") == "unknown name 'x'"


def test_the_node_error_still_names_the_field_the_item_and_the_expression():
    nodes = [data("d", [{"price": 3}, {"pricse": 4}]),
             node("s", "set", {"fields": [{"name": "total", "value": "={{ $json.price * 2 }}"}]})]  # fmt: skip
    error = run(document(nodes, chain(*nodes)))["nodes"]["s"]["error"]
    assert error == {"message": "$json.price is empty (null); did you mean pricse?", "item": 1,
                     "path": "/fields/0/value", "expression": "$json.price * 2"}  # fmt: skip


def test_the_friendly_words_cost_nothing_when_nothing_fails():
    """Only the error path reads the tree again: a passing expression runs as before."""
    expr = Expression("$json.price * 2")
    assert expr.evaluate(ITEM, 0, context()) == 5.0


def code(source: str, items: list[dict], mode: str = "all") -> dict[str, Any]:
    nodes = [data("d", items), node("c", "code", {"code": source, "mode": mode})]
    return run(document(nodes, chain(*nodes)), allow_code=True)["nodes"]["c"]["error"]


@pytest.mark.parametrize(
    ("source", "mode", "message"),
    [
        ("return [{'v': i['pricse']} for i in items]", "all", "KeyError on line 1: there is no key 'pricse'; did you mean 'price'?"),
        ("x = 1\nreturn {'v': item['nothing']}", "each", "KeyError on line 2: there is no key 'nothing'"),
        ("return {'v': item.price}", "each", "AttributeError on line 1: an object has no attribute .price: read its field as ['price'] or .get('price')"),
        ("return {'v': item['name'] + 1}", "each", "TypeError on line 1: cannot add text and a number"),
        ("return {'v': item.get('x') * 2}", "each", "TypeError on line 1: cannot multiply null and a number"),
        ("return {'v': items[5]}", "all", "IndexError on line 1: an index past the end of a list"),
        ("return {'v': 1 / item['zero']}", "each", "ZeroDivisionError on line 1: division by zero"),
        ("return {'v': itme}", "each", "NameError on line 1: 'itme' is not defined; did you mean item?"),
        ("return {'v': len(item.get('x'))}", "each", "TypeError on line 1: null has no length"),
        ("raise ValueError('boom')", "all", "ValueError on line 1: boom"),
    ],
)
def test_common_errors_in_code_nodes_read_in_plain_words(source, mode, message):
    error = code(source, [{"price": 3, "name": "a", "zero": 0}], mode)
    assert error["message"].startswith(message), error


# Python's words for these errors changed after CPython 3.11: Pyodide's CPython says the
# second form, the native 3.11 the first. Both must read the same in a result.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'abc'.count()", "count() takes at least 1 argument (0 given)"),
        ("'abc'.find('a', 1, 2, 3)", "find() takes at most 3 arguments (4 given)"),
        ("'abc'.count(None)", "must be text, not null"),
        ("'abc'.find(1)", "must be text, not a number"),
        ("str(x=1)", "str() got an unexpected keyword argument 'x'"),
        ("min([])", "min() of an empty list"),
        ("max($json.tags[1:])", "max() of an empty list"),
        ("[1].index(2)", "the value is not in the list"),
        ("[] in {}", "an array cannot be an object's key"),
        ("$json.get([])", "an array cannot be an object's key"),
        ("1 in 5", "cannot look for a value in a number"),
        ("dict([1])", "cannot convert dictionary update sequence element #0 to a sequence"),
    ],
)
def test_errors_cpython_versions_word_differently_read_the_same(text, message):
    assert fails(text) == message


@pytest.mark.parametrize(
    ("python_words", "message"),
    [
        ("count() takes at least 1 argument (0 given)", "count() takes at least 1 argument (0 given)"),
        ("count expected at least 1 argument, got 0", "count() takes at least 1 argument (0 given)"),
        ("str expected at most 3 arguments, got 6", "str() takes at most 3 arguments (6 given)"),
        ("must be str, not NoneType", "must be text, not null"),
        ("count() argument 1 must be str, not None", "must be text, not null"),
        ("'x' is an invalid keyword argument for int()", "int() got an unexpected keyword argument 'x'"),
        ("int() got an unexpected keyword argument 'x'", "int() got an unexpected keyword argument 'x'"),
        ("min() arg is an empty sequence", "min() of an empty list"),
        ("max() iterable argument is empty", "max() of an empty list"),
        ("'z' is not in list", "the value is not in the list"),
        ("list.index(x): x not in list", "the value is not in the list"),
        ("unhashable type: 'dict'", "an object cannot be an object's key"),
        ("cannot use 'dict' as a dict key (unhashable type: 'dict')", "an object cannot be an object's key"),
        ("argument of type 'int' is not iterable", "cannot look for a value in a number"),
        ("argument of type 'int' is not a container or iterable", "cannot look for a value in a number"),
        ("too many values to unpack (expected 2, got 3)", "too many values to unpack (expected 2)"),
    ],
)
def test_both_wordings_of_a_python_error_give_one_message(python_words, message):
    assert same_words(python_words) == message


def test_a_code_node_error_in_versioned_words_reads_the_same_too():
    error = run_one("code", {"code": "return [{'m': min([])}]"}, [{"a": 1}], allow_code=True)["error"]
    assert error["message"] == "ValueError on line 1: min() of an empty list"
