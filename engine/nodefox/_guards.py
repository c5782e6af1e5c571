"""Runtime guards shared by the compiled expressions and the reference evaluator.

Every attribute read, subscript, method call and size-growing operator of an
expression goes through one of these, so both evaluators enforce the same
rules and give the same values.
"""

from __future__ import annotations

import math
from typing import Any

from simpleeval import (
    DISALLOW_METHODS,
    MAX_COMPREHENSION_LENGTH,
    MAX_POWER,
    MAX_SHIFT,
    MAX_SHIFT_BASE,
    MAX_STRING_LENGTH,
)

from .errors import ExpressionError

MAX_LENGTH = MAX_STRING_LENGTH  # longest string or list an operator may build
MAX_RANGE = 100_000  # longest range() an expression may ask for
MAX_ITERATIONS = MAX_COMPREHENSION_LENGTH  # comprehension steps per evaluation

NoneType = type(None)
SCALARS = frozenset({str, int, bool, NoneType})

# Methods that read; none of them changes the value it is called on.
_STR_METHODS = frozenset(
    name
    for name in dir(str)
    if not name.startswith("_") and name not in DISALLOW_METHODS and name != "maketrans"
)
_LIST_METHODS = frozenset({"count", "index", "copy"})
_DICT_METHODS = frozenset({"get", "keys", "values", "items", "copy"})
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


class Exposed:
    """Base of context objects: expressions may use only `_exposed` names."""

    __slots__ = ()
    _exposed: frozenset[str] = frozenset()


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def attr(obj: Any, name: str, source: str) -> Any:
    """`obj.name` where it is not called: a key of an object."""
    if type(obj) is dict:
        return obj.get(name)
    if obj is None:
        raise ExpressionError(f"{source} is null, so .{name} cannot be read")
    if isinstance(obj, Exposed) and name in obj._exposed:
        return getattr(obj, name)
    raise ExpressionError(f"{source} is {_a(obj)}, so .{name} cannot be read")


def method(obj: Any, name: str, source: str) -> Any:
    """`obj.name` in a call: an allowed method of the value."""
    if name.startswith("_") or name in DISALLOW_METHODS:
        raise ExpressionError(f".{name} is not allowed in expressions")
    t = type(obj)
    if t is str and name in _STR_METHODS:
        if name in _PADDING:
            return _padded(getattr(obj, name))
        if name == "replace":
            return _replacer(obj)
        return getattr(obj, name)
    if t is list and name in _LIST_METHODS:
        return getattr(obj, name)
    if t is dict:
        if name in _DICT_METHODS:
            return getattr(obj, name)
        value = obj.get(name)
        raise ExpressionError(f"{source}.{name} is {_a(value)}, not a function")
    if isinstance(obj, Exposed) and name in obj._exposed:
        return getattr(obj, name)
    if obj is None:
        raise ExpressionError(f"{source} is null, so .{name}() cannot be called")
    raise ExpressionError(f"{source} is {_a(obj)}, which has no method .{name}()")


def item(obj: Any, key: Any, source: str) -> Any:
    """`obj[key]`: a missing key or an index past the end reads as null."""
    t = type(obj)
    if t is dict:
        try:
            return obj.get(key)
        except TypeError:
            raise ExpressionError(f"{source} cannot be indexed by {_a(key)}") from None
    if t is list or t is str or t is tuple:
        if type(key) is int:
            try:
                return obj[key]
            except IndexError:
                return None
        if type(key) is slice:
            return obj[key]
        raise ExpressionError(f"{source} is {_a(obj)}, which cannot be indexed by {_a(key)}")
    if obj is None:
        raise ExpressionError(f"{source} is null, so [{key!r}] cannot be read")
    if isinstance(obj, Exposed) and hasattr(obj, "lookup"):
        return obj.lookup(key)
    raise ExpressionError(f"{source} is {_a(obj)}, which cannot be indexed")


def _a(value: Any) -> str:
    name = type_name(value)
    if name == "null":
        return "null"
    return ("an " if name[0] in "aeiou" else "a ") + name


def add(a: Any, b: Any) -> Any:
    if hasattr(a, "__len__") and hasattr(b, "__len__") and len(a) + len(b) > MAX_LENGTH:
        raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
    return a + b


def mul(a: Any, b: Any) -> Any:
    if hasattr(a, "__len__") and b * len(a) > MAX_LENGTH:
        raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
    if hasattr(b, "__len__") and a * len(b) > MAX_LENGTH:
        raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
    return a * b


def power(a: Any, b: Any) -> Any:
    if abs(a) > MAX_POWER or abs(b) > MAX_POWER:
        raise ExpressionError(f"{a} ** {b} is too large to compute")
    return a**b


def lshift(a: Any, b: Any) -> Any:
    if abs(b) > MAX_SHIFT or abs(a) > MAX_SHIFT_BASE:
        raise ExpressionError(f"{a} << {b} is too large to compute")
    return a << b


def rshift(a: Any, b: Any) -> Any:
    if abs(b) > MAX_SHIFT or abs(a) > MAX_SHIFT_BASE:
        raise ExpressionError(f"{a} >> {b} is too large to compute")
    return a >> b


def _padded(bound: Any) -> Any:
    def padded(width: Any = 8, *args: Any) -> Any:
        if isinstance(width, int) and width > MAX_LENGTH:
            raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
        return bound(width, *args)

    return padded


def _replacer(text: str) -> Any:
    def replace(old: Any, new: Any, count: int = -1) -> str:
        if isinstance(old, str) and isinstance(new, str):
            hits = text.count(old) if old else len(text) + 1
            if count >= 0:
                hits = min(hits, count)
            if len(text) + hits * len(new) > MAX_LENGTH:
                raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
        return text.replace(old, new, count)

    return replace


class Budget:
    """Counts comprehension steps across one evaluation."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_ITERATIONS

    def each(self, iterable: Any) -> Any:
        for value in iterable:
            self.left -= 1
            if self.left < 0:
                raise ExpressionError(
                    f"a comprehension may take at most {MAX_ITERATIONS:,} steps"
                )
            yield value


def to_json(value: Any) -> Any:
    """The JSON value of an expression's result: tuples and views become lists.

    Raises ExpressionError for what has no JSON form (functions, NaN, ...).
    """
    t = type(value)
    if t in SCALARS:
        return value
    if t is float:
        if not math.isfinite(value):
            raise ExpressionError(f"the result {value!r} is not a JSON number")
        return value
    if t is dict:
        out = None
        for k, v in value.items():
            nk = k if type(k) is str else _key(k)
            nv = to_json(v)
            if out is None and (nk is not k or nv is not v):
                out = {}
                for k2, v2 in value.items():
                    if k2 is k:
                        break
                    out[k2] = v2
            if out is not None:
                out[nk] = nv
        return value if out is None else out
    if t is list:
        out_list = None
        for i, v in enumerate(value):
            nv = to_json(v)
            if nv is not v and out_list is None:
                out_list = value[:i]
            if out_list is not None:
                out_list.append(nv)
        return value if out_list is None else out_list
    if t is tuple or t is range or t in _VIEWS:
        return [to_json(v) for v in value]
    if isinstance(value, Exposed):
        raise ExpressionError("the result is a node reference; add .all(), .first() or .item")
    if callable(value):
        raise ExpressionError("the result is a function; call it with ()")
    raise ExpressionError(f"the result has no JSON form ({type(value).__name__})")


_VIEWS = frozenset({type({}.keys()), type({}.values()), type({}.items())})


def _key(k: Any) -> str:
    if k is None:
        return "null"
    if k is True:
        return "true"
    if k is False:
        return "false"
    if isinstance(k, int | float):
        return repr(k) if isinstance(k, float) else str(k)
    raise ExpressionError(f"an object key must be a string, not {_a(k)}")
