"""Plain words for the Python errors people meet most, in expressions and code nodes.

`$json.pricse * 2` on an item with `price` fails in Python as "unsupported operand
type(s) for *: 'NoneType' and 'int'"; here it reads "$json.pricse is empty (null);
did you mean price?". The wording is built from the error's kind and the values
involved, never from Python's own text alone, so it is the same natively and in
Pyodide (whose CPython words some errors differently).

Everything here runs only once an evaluation has failed: it re-reads the failing
expression's tree and the item, which costs nothing on the way that succeeds.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from collections.abc import Iterable
from typing import Any

from .scan import PREFIX, display, is_name

_KINDS = {
    "NoneType": "null", "str": "text", "int": "a number", "float": "a number", "bool": "true/false",
    "list": "an array", "tuple": "an array", "dict": "an object",
}  # fmt: skip
_VERBS = {
    "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "//": "divide", "%": "take the remainder of",
    "**": "raise", "<<": "shift", ">>": "shift", "&": "combine", "|": "combine", "^": "combine",
    "<": "compare", "<=": "compare", ">": "compare", ">=": "compare",
}  # fmt: skip
_PASSIVE = {
    "add": "added", "subtract": "subtracted", "multiply": "multiplied", "divide": "divided",
    "take the remainder of": "divided", "raise": "raised to a power", "shift": "shifted",
    "combine": "combined", "compare": "compared",
}  # fmt: skip
_OPS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
}  # fmt: skip

_BINARY = re.compile(r"unsupported operand type\(s\) for ([^:]+): '(\w+)' and '(\w+)'")
_CONCAT = re.compile(r'can only concatenate (\w+) \(not "(\w+)"\) to \w+')
_COMPARE = re.compile(r"'([<>=!]+)' not supported between instances of '?(\w+)'? and '?(\w+)'?")
_UNARY = re.compile(r"bad operand type for unary ([^:]+): '(\w+)'")
_NO_LEN = re.compile(r"object of type '(\w+)' has no len\(\)")
_REPEAT = re.compile(r"can't multiply sequence by non-int of type '(\w+)'")
_DICT_ATTRIBUTE = re.compile(r"'dict' object has no attribute '(\w+)'")


def kind(type_name: str) -> str:
    """A Python type's name as the data's kind: null, text, a number, an array, an object."""
    return _KINDS.get(type_name, type_name)


def did_you_mean(name: str, names: Iterable[Any]) -> str | None:
    """The closest of `names` to `name`, if one is close."""
    found = difflib.get_close_matches(name, [n for n in names if type(n) is str and n != name], n=1, cutoff=0.6)
    return found[0] if found else None


def operation(text: str) -> tuple[str, list[str]] | None:
    """The operator and operand types a TypeError's text names, if it is one of an operator."""
    m = _BINARY.search(text)
    if m:
        return m.group(1).strip(), [m.group(2), m.group(3)]
    m = _CONCAT.search(text)
    if m:
        return "+", [m.group(1), m.group(2)]
    m = _COMPARE.search(text)
    if m:
        return m.group(1), [_TYPE_OF_KIND.get(m.group(2), m.group(2)), _TYPE_OF_KIND.get(m.group(3), m.group(3))]
    m = _UNARY.search(text)
    if m:
        return "unary " + m.group(1).strip(), [m.group(2)]
    m = _REPEAT.search(text)
    if m:  # "ab" * "c": a text or list repeated, by something not a whole number
        return "*", ["sequence", m.group(1)]
    return None


# the comparison text `plain` has already put in the data's words
_TYPE_OF_KIND = {"null": "NoneType", "text": "str", "number": "int", "array": "list", "object": "dict"}


def operator_words(op: str, types: list[str]) -> str:
    """`cannot add text and a number`, from an operator and its operands' type names."""
    if op.startswith("unary"):
        return f"cannot use {op[6:]} on {kind(types[0])}"
    verb = _VERBS.get(op, f"use {op} on")
    first, second = kind(types[0]), kind(types[1])
    if types[0] == "sequence":
        return f"cannot multiply text or an array by {second}, only by a whole number"
    if verb == "raise":
        return f"cannot raise {first} to the power of {second}"
    return f"cannot {verb} {first} and {second}"


def _hint(types: list[str]) -> str:
    if set(types) == {"str", "int"} or set(types) == {"str", "float"}:
        return " (convert one with str() or float())"
    return ""


# -- expressions --------------------------------------------------------------------------------


class _Unknown(Exception):
    """The value of a piece of the expression cannot be read without running it."""


_MISSING = object()


def _read(node: ast.AST, item: Any, context: Any) -> tuple[Any, Any, Any]:
    """(value, container, key) of a plain reference: `$json`, `$vars`, then `.key` and
    `[constant]` steps. The container is what the last key was read from (None at the root)."""
    if type(node) is ast.Name:
        if node.id == PREFIX + "json":
            return item, None, None
        if node.id == PREFIX + "vars":
            return getattr(context, "vars", None), None, None
        raise _Unknown
    if type(node) is ast.Attribute:
        key: Any = node.attr
    elif type(node) is ast.Subscript and type(node.slice) is ast.Constant:
        key = node.slice.value
    else:
        raise _Unknown
    base, _, _ = _read(node.value, item, context)
    if type(base) is dict:
        return base.get(key, _MISSING) if type(key) is str else _MISSING, base, key
    if type(base) is list and type(key) is int and not isinstance(key, bool):
        return (base[key] if -len(base) <= key < len(base) else _MISSING), base, key
    raise _Unknown


class _Operand:
    __slots__ = ("text", "value", "container", "key", "reference")

    def __init__(self, node: ast.AST, source: str, item: Any, context: Any):
        self.text = display(ast.get_source_segment(source, node) or "the value")
        try:
            self.value, self.container, self.key = _read(node, item, context)
            self.reference = True
        except _Unknown:
            self.value, self.container, self.key = _Unknown, None, None
            self.reference = False
        except Exception:  # noqa: BLE001 - a hint only: never a second error
            self.value, self.container, self.key, self.reference = _Unknown, None, None, False

    @property
    def null(self) -> bool:
        return self.reference and (self.value is None or self.value is _MISSING)

    def empty(self) -> str:
        """`$json.pricse is empty (null)`, and the close field name when the key is missing."""
        said = f"{self.text} is empty (null)"
        if self.value is _MISSING and type(self.container) is dict and type(self.key) is str:
            close = did_you_mean(self.key, self.container)
            if close is not None:
                return f"{said}; did you mean {close}?"
        return said


def _operands(node: ast.AST) -> list[ast.AST]:
    if type(node) is ast.BinOp:
        return [node.left, node.right]
    if type(node) is ast.Compare:
        return [node.left, *node.comparators]
    if type(node) is ast.UnaryOp:
        return [node.operand]
    if type(node) is ast.Call:
        return list(node.args)
    return []


def _candidates(tree: ast.AST, op: str | None) -> list[ast.AST]:
    """The tree's operations that could have raised an error about operator `op`."""
    found = []
    for node in ast.walk(tree):
        if type(node) is ast.BinOp and _OPS.get(type(node.op)) == op or type(node) is ast.Compare and any(_OPS.get(type(o)) == op for o in node.ops) or type(node) is ast.UnaryOp and op is not None and op.startswith("unary"):
            found.append(node)
    return found


def explain(exc: BaseException, tree: ast.AST, source: str, item: Any, context: Any) -> str | None:
    """Plain words for `exc`, raised evaluating the expression `tree` (scanned `source`) on
    `item`; None when there is nothing better to say than `templates.plain` says."""
    try:
        return _explain(exc, tree, source.strip(), item, context)
    except Exception:  # noqa: BLE001 - a better message is a nicety: never a second error
        return None


def _explain(exc: BaseException, tree: ast.AST, source: str, item: Any, context: Any) -> str | None:
    if isinstance(exc, ZeroDivisionError):
        for node in ast.walk(tree):
            if type(node) is ast.BinOp and type(node.op) in (ast.Div, ast.FloorDiv, ast.Mod):
                divisor = _Operand(node.right, source, item, context)
                if divisor.reference and divisor.value == 0 and type(divisor.value) is not bool:
                    return f"division by zero: {divisor.text} is 0"
        return None
    if not isinstance(exc, TypeError):
        return None
    text = str(exc)
    m = _NO_LEN.search(text)
    if m:
        for node in ast.walk(tree):
            if type(node) is ast.Call and is_name(node.func, "len") and node.args:
                arg = _Operand(node.args[0], source, item, context)
                if arg.null:
                    said = arg.empty()
                    return said if "did you mean" in said else f"{said}, so it has no length"
        return f"{kind(m.group(1))} has no length"
    found = operation(text)
    if found is None:
        return None
    op, types = found
    words = operator_words(op, types)
    described = []
    for node in _candidates(tree, op):
        operands = [_Operand(o, source, item, context) for o in _operands(node)]
        for operand in operands:
            if "NoneType" in types and operand.null:
                said = operand.empty()
                if "did you mean" in said:
                    return said
                return f"{said}, so it cannot be {_passive(op)}"
        if not described:
            described = [o for o in operands if o.reference and o.value is not _Unknown]
    if described:
        parts = [f"{o.text} is {_shown(o.value)}" for o in described[:2]]
        return f"{words}: {' and '.join(parts)}{_hint(types)}"
    return f"{words}{_hint(types)}"


def _passive(op: str) -> str:
    """What cannot be done to null by `op`: `multiplied`, `compared`, `negated`..."""
    if op.startswith("unary"):
        return {"-": "negated", "+": "used as a number", "~": "inverted"}.get(op[6:], f"used with {op[6:]}")
    return _PASSIVE.get(_VERBS.get(op, ""), f"used with {op}")


def _shown(value: Any) -> str:
    if value is _MISSING or value is None:
        return "empty (null)"
    name = kind(type(value).__name__)
    if type(value) is str:
        short = value if len(value) <= 20 else value[:19] + "…"
        return f"text ({short!r})"
    if type(value) in (int, float):
        return f"a number ({value!r})"
    return name


# Python's own words for an error that CPython 3.11 and the newer CPython inside Pyodide
# say differently, each with the one wording both give here: (pattern, replacement).
_REWORDED = [
    (re.compile(r"^(\w+)(?:\(\) takes| expected) (at least|at most) (\d+) (arguments?)(?: \((\d+) given\)|, got (\d+))$"),
     lambda m: f"{m[1]}() takes {m[2]} {m[3]} {m[4]} ({m[5] or m[6]} given)"),
    (re.compile(r"^'(\w+)' is an invalid keyword argument for (\w+)\(\)$"),
     lambda m: f"{m[2]}() got an unexpected keyword argument '{m[1]}'"),
    (re.compile(r"^(?:\w+\(\) argument \d+ )?must be (\w+), not (\w+)$"),
     lambda m: f"must be {kind(m[1])}, not {kind('NoneType' if m[2] == 'None' else m[2])}"),
    (re.compile(r"^(min|max)\(\) (?:arg is an empty sequence|iterable argument is empty)$"),
     lambda m: f"{m[1]}() of an empty list"),
    (re.compile(r"^(?:cannot use '\w+' as a (?:dict key|set element) \()?unhashable type: '(\w+)'\)?$"),
     lambda m: f"{kind(m[1])} cannot be an object's key"),
    (re.compile(r"^argument of type '(\w+)' is not (?:a container or )?iterable$"),
     lambda m: f"cannot look for a value in {kind(m[1])}"),
    (re.compile(r"^too many values to unpack \(expected (\d+)(?:, got \d+)?\)$"),
     lambda m: f"too many values to unpack (expected {m[1]})"),
    (re.compile(r"^(?:.* is not in list|list\.index\(x\): x not in list)$"), lambda m: "the value is not in the list"),
]  # fmt: skip


def same_words(text: str) -> str:
    """An error's text as every CPython the engine runs on words it (see _REWORDED)."""
    for pattern, words in _REWORDED:
        m = pattern.match(text)
        if m:
            return words(m)
    return text


def unknown_name(name: str, known: Iterable[str]) -> str:
    """`unknown name 'pricee'`, with the closest name an expression may use, if one is close."""
    close = did_you_mean(name, [display(n) if n.startswith(PREFIX) else n for n in known])
    return f"unknown name {name!r}" + (f"; did you mean {close}?" if close else "")


# -- code nodes ---------------------------------------------------------------------------------


def python_error(exc: BaseException, names: Iterable[Iterable[str]] = (), keys: Iterable[Any] = ()) -> str:
    """What a code node's exception says, in plain words: `names` are the names the code
    could have meant (NameError; groups, nearest first), `keys` the fields of its items
    (KeyError)."""
    try:
        said = _python_error(exc, names, keys)
    except Exception:  # noqa: BLE001 - a better message is a nicety: never a second error
        said = None
    return said if said is not None else same_words(str(exc))


def _python_error(exc: BaseException, names: Iterable[Iterable[str]], keys: Iterable[Any]) -> str | None:
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        key = exc.args[0]
        said = f"there is no key {key!r}"
        close = did_you_mean(key, keys) if type(key) is str else None
        return f"{said}; did you mean {close!r}?" if close else said
    if isinstance(exc, IndexError):
        return "an index past the end of a list (or of a text)"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None)
        if type(name) is not str:
            return None
        close = next((c for c in (did_you_mean(name, group) for group in names) if c is not None), None)
        return f"{name!r} is not defined" + (f"; did you mean {close}?" if close else "")
    if isinstance(exc, AttributeError):
        m = _DICT_ATTRIBUTE.search(str(exc))
        if m:
            key = m.group(1)
            return f"an object has no attribute .{key}: read its field as ['{key}'] or .get('{key}')"
        return None
    if isinstance(exc, TypeError):
        text = str(exc)
        m = _NO_LEN.search(text)
        if m:
            return f"{kind(m.group(1))} has no length"
        found = operation(text)
        if found is not None:
            return operator_words(*found) + _hint(found[1])
        m = re.search(r"'(\w+)' object is not (subscriptable|iterable|callable)", text)
        if m:
            what = {"subscriptable": "indexed", "iterable": "looped over", "callable": "called"}[m.group(2)]
            return f"{kind(m.group(1))} cannot be {what}"
    return None


def code_names(frame_locals: dict, frame_globals: dict) -> list[list[str]]:
    """The names a code node's function could have meant: its own first, then its
    globals' and the builtins' (`itme` is `item` before it is `iter`)."""
    return [list(frame_locals), [n for n in [*frame_globals, *dir(builtins)] if not n.startswith("_")]]
