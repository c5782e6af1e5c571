"""Known sandbox escapes, kept as a regression suite (spec `expressions.md`, "Safety").

Public simpleeval bypasses (dunder chains to `__subclasses__`, `__globals__` of a
reachable function, a generator's `gi_frame`, `str.format` field paths), their
spellings through Unicode normalisation, the classic Python jail breaks, and the
shapes of n8n's expression-sandbox escapes (`constructor.constructor`, `this`,
`$env`, prototype pollution) aimed at our names. Each one must fail with an
ExpressionError in both evaluators, or read harmlessly as a missing key, and a
node evaluating it must fail (or pass) without touching anything outside.
"""

from __future__ import annotations

import copy
from typing import Any

import nodefox
import pytest
from conftest import chain, data, document, node
from nodefox import _guards
from nodefox.errors import ExpressionError
from nodefox.expressions import Context, Expression, evaluate_reference

OUTPUTS = {"A": ({"out": [{"id": 1}]}, "out")}
ITEM = {"a": 1, "tags": ["x"], "nested": {"b": [1, 2]}, "none": None}
VARS = {"k": 1, "list": [1]}


def context() -> Context:
    return Context(vars=VARS, workflow={"name": "W"}, inputs={"in": [ITEM]}, first_input="in",
                   lookup=OUTPUTS.get, names=frozenset(OUTPUTS))  # fmt: skip


def outcomes(text: str) -> list[Any]:
    out = []
    for evaluate in (lambda: Expression(text).evaluate(ITEM, 0, context()),
                     lambda: evaluate_reference(text, ITEM, 0, context())):  # fmt: skip
        try:
            out.append(evaluate())
        except ExpressionError as exc:  # anything else escaping is a failure of the test
            out.append(exc)
    return out


# simpleeval's own history and the classic Python jail breaks
PYTHON_ESCAPES = [
    "().__class__.__bases__[0].__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "True.__class__.__class__.__base__.__subclasses__()",
    "[].__class__.__base__.__subclasses__()[-1].__init__.__globals__['sys']",
    "{}.__class__.__subclasses__()",
    "len.__self__", "len.__globals__", "sorted.__call__", "max.__closure__", "min.__code__",
    "$input.all.__func__.__globals__", "$input.all.func_globals", "$input.all.__self__._inputs",
    "$json.get.__self__", "$json.items.__self__", "'a'.join.__self__",
    "[x for x in (y for y in [1]).gi_frame.f_globals]", "(x for x in [1]).gi_frame",
    "(x for x in [1]).gi_code", "reversed([1]).__reduce__()", "enumerate([]).__next__()",
    "'{0.__class__}'.format(1)", "'{0.__class__.__mro__}'.format_map({})", "'{a}'.format_map({'a': 1})",
    "''.format", "'%s' % ().__class__", "'%(a)s' % {'a': 1}", "b'%s' % (1,)", "'%s'.encode() % (1,)",
    "getattr(1, '__class__')", "type(1)", "vars()", "globals()", "locals()", "dir()", "id(1)", "hash(1)",
    "__import__('os')", "__builtins__", "exec('1')", "eval('1')", "compile('1', '', 'eval')",
    "open('/etc/passwd').read()", "breakpoint()", "help()", "print(1)", "input()", "memoryview(b'')",
    "object", "super()", "classmethod", "property", "setattr", "delattr", "isinstance", "issubclass",
    "import os", "lambda: 1", "(lambda: 1)()", "[y := 1]", "f'{1}'", "f'{().__class__}'", "b'x'",
    "await x", "(yield)", "_", "__name__", "__file__", "__loader__", "__spec__", "_GLOBALS",
    "_attr", "_method", "Budget", "J", "I", "C", "B", "F_len", "C.lookup('A')", "[C.lookup for C in [$input]]",
    "[C.inputs for C in [$input]]", "[J.__class__ for J in [1]]", "[B.each([1]) for B in [$input]]",
    "sorted([3, 1], key=getattr)", "max([1], key=type)", "sorted(['a'], key=''.join)",
    "mro", "(1).mro()", "$json.mro()", "str.maketrans('a', 'b')", "'a'.maketrans('a', 'b')",
    "{}.fromkeys([1])", "dict.fromkeys([1])", "int.from_bytes(b'', 'big')", "(1).to_bytes(2, 'big')",
    "(1.5).hex()", "(1).__class__", "1 .real", "(1j).real", "...", "Ellipsis", "NotImplemented",
]
# the same attributes spelled so that Python's NFKC normalisation makes them dunders or denied names
UNICODE_ESCAPES = [
    "'{0.__class__}'.ｆormat(1)", "'{a}'.ｆｏｒｍａｔ_map({'a': 1})", "().＿＿class＿＿", "＿＿import＿＿('os')",
    "$json.ｇet.__self__", "(x for x in [1]).ｇi_frame", "＿S＿lookup", "＿S＿inputs", "ｅxec('1')",
]
# n8n's expression-sandbox escapes are JavaScript; these are their shapes aimed at our names
N8N_SHAPED = [
    "$json.constructor.constructor('return process')()", "$json['constructor']['constructor']",
    "this.process.mainModule.require('child_process')", "process.env", "require('fs')", "globalThis",
    "Function('return this')()", "$env.HOME", "$env['PATH']", "$secrets", "$execution.id",
    "$getWorkflowStaticData('global')", "$evaluateExpression('1')", "$jmespath($json, 'a')",
    "$item(0).$node", "$items()", "$runIndex", "$prevNode.name", "$binary", "$parameter", "$self",
    "$data", "$position", "$fromAI('x')", "$input.all().constructor", "$('A').constructor.constructor",
    "$('A').all().__proto__", "$json.__proto__", "({}).__proto__.polluted", "Object.keys($json)",
    "$input.item.json.constructor", "$node['A'].json.constructor.constructor", "$('A')._outputs",
    "$('A').name", "$input._inputs", "$input.inputs", "$input.lookup('A')", "$vars.__dict__",
    "$now.__len__()", "$workflow.__class__", "$('Missing')", "$node['Missing'].json",
]
# ways to change what other nodes see: every mutating method is refused
MUTATIONS = [
    "$vars.update({'k': 2})", "$vars.setdefault('new', 1)", "$vars.pop('k')", "$vars.popitem()",
    "$vars.clear()", "$vars.list.append(2)", "$json.tags.append('y')", "$json.tags.sort()",
    "$json.tags.reverse()", "$json.tags.extend([1])", "$json.tags.insert(0, 1)", "$json.tags.remove('x')",
    "$json.tags.pop()", "$json.tags.clear()", "$json.nested.b.append(3)", "$input.all().append({})",
    "$input.all().clear()", "$input.first().update({'a': 9})", "$('A').all().pop()",
    "$('A').first().clear()", "$json.__setitem__('a', 9)", "$json.update({'a': 9})",
    "$workflow.update({'name': 'x'})", "[t.append(1) for t in [$json.tags]]",
]


@pytest.mark.parametrize("text", PYTHON_ESCAPES + UNICODE_ESCAPES + N8N_SHAPED + MUTATIONS)
def test_an_escape_fails_in_both_evaluators(text):
    compiled, reference = outcomes(text)
    assert isinstance(compiled, ExpressionError), compiled
    assert isinstance(reference, ExpressionError), reference
    assert compiled.expression == text and " at 0x" not in compiled.message


@pytest.mark.parametrize(
    "text",
    ["$json['__class__']", "$json.get('__globals__')", "$json['constructor']", "$vars['__dict__']",
     "lookup($input, '_inputs')", "lookup($('A'), '_outputs')", "lookup(len, '__globals__')",
     "json_parse('{\"__class__\": 1}').get('__proto__')", "$json.constructor"],
)  # fmt: skip
def test_dunder_spelled_keys_are_only_keys(text):
    compiled, reference = outcomes(text)
    assert compiled is None and reference is None


def test_no_escape_changes_the_data_it_was_given():
    before = copy.deepcopy((ITEM, VARS, OUTPUTS))
    for text in MUTATIONS:
        outcomes(text)
    assert before == (ITEM, VARS, OUTPUTS)


def test_no_attribute_of_any_reachable_value_leads_out():
    """Every attribute of every kind of value an expression can hold is either one of the
    allowed read-only methods (called) or refused; none can be read as a value."""
    values = {"'s'": "s", "1": 1, "1.5": 1.5, "True": True, "None": None, "[1]": [1], "{'a': 1}": {"a": 1},
              "(1,)": (1,), "range(2)": range(2), "len": len, "sorted": sorted, "$input": None,
              "$('A')": None, "{'a': 1}.keys()": {}.keys(), "zip([1])": zip([1])}  # fmt: skip
    for spelling, value in values.items():
        sample = value if value is not None else context().input if spelling == "$input" else context().ref("A", 0)
        for name in dir(sample):
            if name in getattr(sample, "_exposed", ()) or type(sample) is dict:
                continue  # the API of $input / $("A"), and keys of objects
            text = f"({spelling}).{name}"
            compiled, reference = outcomes(text)
            assert isinstance(compiled, ExpressionError), text
            assert isinstance(reference, ExpressionError), text


def test_methods_called_are_only_the_read_only_ones():
    for names in (_guards._STR_METHODS, _guards._LIST_METHODS, _guards._DICT_METHODS):
        for name in names:
            assert not name.startswith("_") and name not in _guards.DISALLOW_METHODS
    assert not {"format", "format_map", "maketrans"} & _guards._STR_METHODS
    assert {"count", "index", "copy"} == _guards._LIST_METHODS
    assert {"get", "keys", "values", "items", "copy"} == _guards._DICT_METHODS


def test_the_compiled_function_has_no_builtins():
    fn = Expression("1 + 1").fn
    assert fn.__globals__["__builtins__"] == {}


@pytest.mark.parametrize("text", ["open('/tmp/nodefox-pwned', 'w').write('x')", "__import__('os').system('touch /tmp/nodefox-pwned')",
                                  "(x for x in [1]).gi_frame.f_globals['__builtins__'].exec('open(\"/tmp/nodefox-pwned\", \"w\")')"])  # fmt: skip
def test_a_node_running_an_escape_fails_and_touches_nothing(text, tmp_path):
    import os

    target = "/tmp/nodefox-pwned"
    if os.path.exists(target):
        os.remove(target)
    src = data("d", [dict(ITEM)])
    setter = node("s", "set", {"fields": [{"name": "x", "value": "={{ " + text + " }}"}]})
    result = nodefox.run(document([src, setter], chain(src, setter)))
    assert result["nodes"]["s"]["status"] == "error"
    assert not os.path.exists(target)


def test_every_escape_in_a_workflow_is_a_node_error_and_the_run_goes_on():
    nodes = [data("d", [dict(ITEM)])]
    for i, text in enumerate(PYTHON_ESCAPES + UNICODE_ESCAPES + N8N_SHAPED + MUTATIONS):
        nodes.append(node(f"s{i}", "set", {"fields": [{"name": "x", "value": "={{ " + text + " }}"}]}))
    edges = [{"source": "d", "target": n["id"]} for n in nodes[1:]]
    result = nodefox.run(document(nodes, edges))
    assert result["nodes"]["d"]["outputs"]["out"] == [ITEM]
    for n in nodes[1:]:
        entry = result["nodes"][n["id"]]
        assert entry["status"] == "error" and "Traceback" not in entry["error"]["message"], (n, entry)
