"""Runtime guards shared by the compiled expressions and the reference evaluator.

Every attribute read, subscript, method call and size-growing operator of an
expression goes through one of these, so both evaluators enforce the same
rules and give the same values.
"""

from __future__ import annotations

import math
import operator
import sys
from typing import Any

from . import _json
from .errors import ExpressionError

# simpleeval's limits and denylist (1.0), spelled out so the engine does not import
# simpleeval to run (test_guards holds them at least as tight as simpleeval's own).
MAX_LENGTH = 100_000  # longest string or list an operator may build
MAX_RANGE = 100_000  # longest range() an expression may ask for
MAX_ITERATIONS = 10_000  # comprehension steps per evaluation
MAX_POWER = 4_000_000  # largest base or exponent of **
MAX_SHIFT = 10_000  # largest shift of << and >>
MAX_SHIFT_BASE = int(sys.float_info.max)  # largest number shifted
DISALLOW_PREFIXES = ("_", "func_")
DISALLOW_METHODS = frozenset(
    {"format", "format_map", "mro", "tb_frame", "gi_frame", "ag_frame", "cr_frame", "exec"}
)
# The longest integer a result may hold: CPython's (and Pyodide's) default limit
# for turning an int into text, so every result can be written as JSON.
MAX_DIGITS = _json.MAX_DIGITS
INT_LIMIT = 10**MAX_DIGITS  # results lie strictly between INT_FLOOR and INT_LIMIT
INT_FLOOR = -INT_LIMIT
MAX_POWER_BITS = 14_300  # an int ** int bigger than this is refused before it is computed
# Elements and characters one evaluation may build or walk through, in all: the
# per-operation caps alone let a comprehension repeat a 100,000-element operation
# 10,000 times.
MAX_WORK = 1_000_000
# What the running evaluation has spent. Evaluations do not nest and the engine
# runs one at a time, so one counter serves; every evaluation that can spend
# starts by setting it to 0 (the compiled code does this inline).
WORK = [0]
SIZED = frozenset({str, list, tuple, dict})
DENIED_PREFIXES = tuple(DISALLOW_PREFIXES)  # "_", "func_"

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
    if isinstance(obj, Exposed):
        if name in obj._exposed:
            return getattr(obj, name)
        raise ExpressionError(_not_exposed(obj, f".{name}", source))
    raise ExpressionError(f"{source} is {_a(obj)}, so .{name} cannot be read")


def _not_exposed(obj: Exposed, what: str, source: str) -> str:
    """`$input has no .item (it has .all, .first, .last)`: a context object's own words,
    not its Python class's name."""
    return f"{source} has no {what} (it has {', '.join('.' + n for n in sorted(obj._exposed))})"


def spend(n: int) -> None:
    """Count `n` elements or characters built or read by the running evaluation."""
    total = WORK[0] + n
    WORK[0] = total
    if total > MAX_WORK:
        raise ExpressionError(
            f"the expression builds or reads more than {MAX_WORK:,} elements and characters"
        )


def touch(value: Any) -> Any:
    """An operand of a comparison (==, <, in, ...): as much work as its length, and for an
    array or object the length of every array and object in it (`spend_deep`)."""
    t = type(value)
    if t is str:
        spend(len(value))
    elif t in _NESTED:
        spend_deep(value)
    return value


_NESTED = frozenset({list, tuple, dict})


def spend_deep(value: list | tuple | dict) -> None:
    """Count the elements of an array or object and of every array and object inside it, as
    often as each is reached: what a comparison or a sort walks, in C code that neither
    the work count nor a timer can stop. `[[0] * 1000] * 1000` holds a million elements
    though it was built from two thousand; its walk ends once the budget is spent."""
    spend_inside([value])


def spend_inside(values: list | tuple) -> None:
    """`spend_deep` of each array and object among `values` (whose own length is counted)."""
    if _NESTED.isdisjoint(set(map(type, values))):
        return
    stack = [x for x in values if type(x) in _NESTED]
    while stack:
        v = stack.pop()
        elements = v.values() if type(v) is dict else v
        spend(len(v))
        if not _NESTED.isdisjoint(set(map(type, elements))):
            stack.extend(x for x in elements if type(x) in _NESTED)


def spread(value: Any) -> Any:
    """`*value` in a list, `**value` in an object: each element is copied."""
    if type(value) not in SIZED and type(value) is not range:
        value = list(spend_each(value))
    spend(len(value))
    return value


def consume(value: Any) -> Any:
    """An iterable a function walks through; iterators become lists, counted as they go."""
    if type(value) in SIZED or type(value) is range:
        spend(len(value))
        return value
    try:
        iter(value)
    except TypeError:
        return value  # the function reports it
    return list(spend_each(value))


def spend_each(iterable: Any) -> Any:
    for value in iterable:
        spend(1)
        yield value


def method(obj: Any, name: str, source: str) -> Any:
    """`obj.name` in a call: an allowed method of the value.

    Text and list methods walk the value, so each call spends its length; the
    ones whose result can be much longer than the value check the result first.
    """
    if name.startswith(DENIED_PREFIXES) or name in DISALLOW_METHODS:
        raise ExpressionError(f".{name} is not allowed in expressions")
    t = type(obj)
    if t is str and name in _STR_METHODS:
        spend(len(obj))
        special = _STR_SPECIAL.get(name)
        if special is not None:
            return special(obj, getattr(obj, name))
        return getattr(obj, name)
    if t is list and name in _LIST_METHODS:
        spend_deep(obj) if name != "copy" else spend(len(obj))  # count and index compare
        return getattr(obj, name)
    if t is dict:
        if name in _DICT_METHODS:
            if name == "copy":
                spend(len(obj))
            return getattr(obj, name)
        value = obj.get(name)
        raise ExpressionError(f"{source}.{name} is {_a(value)}, not a function")
    if isinstance(obj, Exposed):
        if name in obj._exposed:
            return getattr(obj, name)
        raise ExpressionError(_not_exposed(obj, f".{name}()", source))
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
    if t is list or t is str or t is tuple or t is range:
        if type(key) is int:
            try:
                return obj[key]
            except IndexError:
                return None
        if type(key) is slice:
            part = obj[key]
            spend(len(part))
            return part
        raise ExpressionError(f"{source} is {_a(obj)}, which cannot be indexed by {_a(key)}")
    if obj is None:
        raise ExpressionError(f"{source} is null, so [{key!r}] cannot be read")
    raise ExpressionError(f"{source} is {_a(obj)}, which cannot be indexed")


def _a(value: Any) -> str:
    name = type_name(value)
    if name == "null":
        return "null"
    return ("an " if name[0] in "aeiou" else "a ") + name


def add(a: Any, b: Any) -> Any:
    if hasattr(a, "__len__") and hasattr(b, "__len__"):
        size = len(a) + len(b)
        if size > MAX_LENGTH:
            raise ExpressionError(_TOO_LONG)
        spend(size)
    return a + b


def mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta in _INTS and tb in _INTS:
        # simpleeval bounds powers but not products: 60 factors of 10 ** 4299 take seconds
        if a.bit_length() + b.bit_length() > MAX_POWER_BITS:
            raise ExpressionError(f"{_number(a)} * {_number(b)} is too large to compute")
        return a * b
    for seq, times in ((a, b), (b, a)):
        if hasattr(seq, "__len__") and type(times) in _INTS:
            _built(max(times * len(seq), 0))
    return a * b


def _walking_both(op: Any) -> Any:
    """An operator that walks what it is given when that is not a number: `d1 | d2` merges
    two objects, `d.keys() - e.keys()` compares two sets of keys."""

    def guarded(a: Any, b: Any) -> Any:
        for side in (a, b):
            if hasattr(side, "__len__"):
                spend(len(side))
        return op(a, b)

    return guarded


bit_or, bit_and, bit_xor, sub = map(_walking_both, (operator.or_, operator.and_, operator.xor, operator.sub))


_INTS = frozenset({int, bool})
# A product of two ints below this is always within MAX_POWER_BITS: the compiled
# code multiplies them without calling `mul`.
SMALL_FACTOR = 1 << (MAX_POWER_BITS // 2)


def _number(value: Any) -> str:
    """A number for a message: a long int by its size, as its text may be too long to make."""
    if type(value) is int and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * math.log10(2)):,} digits"
    return repr(value)


_TOO_LONG = f"the result would be longer than {MAX_LENGTH:,}"


def _built(size: int) -> None:
    if size > MAX_LENGTH:
        raise ExpressionError(_TOO_LONG)
    spend(size)


def power(a: Any, b: Any) -> Any:
    if abs(a) > MAX_POWER or abs(b) > MAX_POWER:
        raise ExpressionError(f"{_number(a)} ** {_number(b)} is too large to compute")
    # simpleeval's bound still lets 3999999 ** 3999999 run for half a minute
    if type(a) is int and type(b) is int and b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_POWER_BITS:
        raise ExpressionError(f"{_number(a)} ** {_number(b)} is too large to compute")
    return a**b


def lshift(a: Any, b: Any) -> Any:
    if abs(b) > MAX_SHIFT or abs(a) > MAX_SHIFT_BASE:
        raise ExpressionError(f"{_number(a)} << {_number(b)} is too large to compute")
    return a << b


def rshift(a: Any, b: Any) -> Any:
    if abs(b) > MAX_SHIFT or abs(a) > MAX_SHIFT_BASE:
        raise ExpressionError(f"{_number(a)} >> {_number(b)} is too large to compute")
    return a >> b


def mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        raise ExpressionError("text % formatting is not allowed; use + and str()")
    if isinstance(a, bytes | bytearray):  # '%0999999999d'.encode() % 1 builds a gigabyte
        raise ExpressionError("bytes % formatting is not allowed")
    return a % b


def _padded(text: str, bound: Any) -> Any:
    def padded(width: Any = 8, *args: Any) -> Any:
        if isinstance(width, int):
            _built(max(width, len(text)))
        return bound(width, *args)

    return padded


def _expander(text: str, bound: Any) -> Any:
    def expandtabs(tabsize: Any = 8) -> str:
        if isinstance(tabsize, int):  # each tab becomes at most tabsize spaces
            _built(len(text) + text.count("\t") * max(tabsize - 1, 0))
        return bound(tabsize)

    return expandtabs


def _replacer(text: str, bound: Any) -> Any:
    def replace(old: Any, new: Any, count: Any = -1) -> str:
        if isinstance(old, str) and isinstance(new, str) and type(count) is int:
            hits = text.count(old) if old else len(text) + 1
            if count >= 0:
                hits = min(hits, count)
            _built(len(text) + hits * len(new))
        return bound(old, new, count)

    return replace


def _joiner(sep: str, bound: Any) -> Any:
    def join(iterable: Any) -> str:
        parts = consume(iterable)
        if type(parts) is not list:
            parts = list(parts)
        if all(type(p) is str for p in parts):
            _built(sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0))
        return bound(parts)

    return join


def _translator(text: str, bound: Any) -> Any:
    def translate(table: Any) -> str:
        size = 0
        for c in text:  # what str.translate looks up for each character
            try:
                to = table[ord(c)]
            except LookupError:
                to = c
            except TypeError:
                break  # str.translate reports it
            size += len(to) if type(to) is str else 0 if to is None else 1
            if size > MAX_LENGTH:
                raise ExpressionError(_TOO_LONG)
        spend(size)
        return bound(table)

    return translate


def _line_splitter(text: str, bound: Any) -> Any:
    def splitlines(keepends: Any = False) -> list:
        return bound(bool(keepends))  # any value, by its truth, as newer CPythons take it

    return splitlines


_STR_SPECIAL = {
    "center": _padded, "ljust": _padded, "rjust": _padded, "zfill": _padded,
    "expandtabs": _expander, "replace": _replacer, "join": _joiner, "translate": _translator,
    "splitlines": _line_splitter,
}  # fmt: skip


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

    Raises ExpressionError for what has no JSON form (functions, NaN, ...), and
    for a result of more than MAX_RESULT values, counting a value as often as it
    appears: `[list(range(10000))] * 10000` is small in memory and 10**8 in JSON.
    """
    SEEN[0] = 0
    t = type(value)
    try:
        return _tree(value, t) if t is dict or t is list else _to_json(value)
    finally:
        if _DONE:
            _DONE.clear()


MAX_RESULT = 10 * MAX_WORK  # values in one expression's result, as JSON writes them out
SEEN = [0]  # values the running to_json has counted
# id -> (JSON form, values in it) of the arrays and objects the running to_json has been
# through: one shown many times is walked once and counted each time
_DONE: dict[int, tuple[Any, int]] = {}


def _to_json(value: Any) -> Any:
    t = type(value)
    if t in SCALARS:
        if t is int and not INT_FLOOR < value < INT_LIMIT:
            raise ExpressionError(too_many_digits())
        return value
    if t is float:
        if not math.isfinite(value):
            raise ExpressionError(f"the result {value!r} is not a JSON number")
        return value
    if t is dict or t is list:
        return _tree(value, t)
    if t is tuple or t is range or t in _VIEWS:
        _count(len(value))
        return [_to_json(v) for v in value]
    if isinstance(value, Exposed):
        raise ExpressionError("the result is a node reference; add .all(), .first() or .item")
    if callable(value):
        raise ExpressionError("the result is a function; call it with ()")
    raise ExpressionError(f"the result has no JSON form ({type(value).__name__})")


def _tree(value: Any, t: type) -> Any:
    """An array or object as JSON: itself when every value in it is JSON already. One of
    _MEMO_FROM values or more is walked once however often it is shown (`_DONE`), counted
    each time; a smaller one is walked again, which costs what looking it up would."""
    size = len(value)
    if size >= _MEMO_FROM:
        done = _DONE.get(id(value))
        if done is not None:
            _count(done[1])
            return done[0]
    before = SEEN[0]
    seen = before + size
    SEEN[0] = seen
    if seen > MAX_RESULT:
        _count(0)  # raises
    out = None
    if t is dict:
        for k, v in value.items():
            tv = type(v)
            # JSON as they are, checked here: a call of _to_json per number was a third of
            # a code node's time per item
            if tv in _INERT or (tv is int and INT_FLOOR < v < INT_LIMIT) or (tv is float and v - v == 0):
                if type(k) is str:
                    if out is not None:
                        out[k] = v
                    continue
                nv = v
            elif tv is dict or tv is list:
                nv = _tree(v, tv)
            else:
                nv = _to_json(v)
            nk = k if type(k) is str else _key(k)
            if out is None and (nk is not k or nv is not v):
                out = {}
                for k2, v2 in value.items():
                    if k2 is k:
                        break
                    out[k2] = v2
            if out is not None:
                out[nk] = nv
    else:
        for i, v in enumerate(value):
            tv = type(v)
            nv = v if tv in _INERT else _tree(v, tv) if tv is dict or tv is list else _to_json(v)
            if nv is not v and out is None:
                out = value[:i]
            if out is not None:
                out.append(nv)
    result = value if out is None else out
    if size >= _MEMO_FROM:
        _DONE[id(value)] = (result, SEEN[0] - before)
    return result


_MEMO_FROM = 16  # values in an array or object from which to_json remembers its walk of it
_INERT = frozenset({str, bool, type(None)})  # JSON as they are: to_json would return them unchanged


def _count(size: int) -> None:
    seen = SEEN[0] + size
    SEEN[0] = seen
    if seen > MAX_RESULT:
        raise ExpressionError(f"the result holds more than {MAX_RESULT:,} values")


def too_many_digits() -> str:
    return f"the result is a number with more than {MAX_DIGITS:,} digits"


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
