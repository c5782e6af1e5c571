"""Conditions, shared by `filter`, `if` and each `switch` rule."""

from __future__ import annotations

import operator
import re
from functools import lru_cache, partial
from typing import Any

from .. import limits
from .._guards import MAX_WORK, type_name
from .._json import canonical_key
from ..errors import NodeError
from ..functions import MAX_PATTERN
from .base import obj_schema, params_error

OPS = (
    "eq", "ne", "gt", "gte", "lt", "lte", "contains", "notContains", "startsWith",
    "endsWith", "regex", "empty", "notEmpty", "exists", "notExists", "true", "false",
)  # fmt: skip
_NUMERIC = frozenset({"eq", "ne", "gt", "gte", "lt", "lte"})
UNARY = frozenset({"empty", "notEmpty", "exists", "notExists", "true", "false"})

CONDITION = {
    "type": "object",
    "properties": {
        "left": {"description": "the value to test, usually an expression"},
        "op": {"type": "string", "enum": list(OPS), "default": "eq"},
        "right": {"description": "the value to compare with (not for unary ops)"},
    },
    "required": ["op"],
    "additionalProperties": False,
}
CONDITIONS_PROPS = {
    "conditions": {"type": "array", "items": CONDITION, "default": [], "description": "the tests"},
    "combinator": {"type": "string", "enum": ["and", "or"], "default": "and",
                   "description": "and: every test must hold; or: any one"},
    "looseTypes": {
        "type": "boolean",
        "default": False,
        "description": "compare numeric text as numbers; mixed kinds compare false instead of failing",
    },
}

SCHEMA = obj_schema(CONDITIONS_PROPS)

_NUM = (int, float)


def _is_num(v: Any) -> bool:
    return type(v) in _NUM


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta in _NUM and tb in _NUM:
        return a == b
    if ta is list and tb is list:
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if ta is dict and tb is dict:
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return ta is tb and a == b


def _number(v: Any) -> Any:
    """A text that reads as a decimal number, as that number (looseTypes); else the text.
    Only ASCII digits with a sign, point and exponent: not Python's nan, inf, 1_000 or ３."""
    if type(v) is str and _DECIMAL.fullmatch(v):
        f = float(v)
        if f - f != 0:  # 1e400: no JSON number
            return v
        return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    return v


_DECIMAL = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)


def _show(v: Any) -> str:
    kind = type_name(v)
    if v is None:
        return "null"  # not "null null"
    return f"{kind} {v!r}" if kind == "string" else f"{kind} {canonical_key(v)}"


class _Mismatch(Exception):
    pass


def _ordered(op: str, a: Any, b: Any) -> bool:
    if not ((_is_num(a) and _is_num(b)) or (type(a) is str and type(b) is str)):
        raise _Mismatch(f"cannot compare {_show(a)} with {_show(b)}")
    if op == "gt":
        return a > b
    if op == "gte":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


def _contains(a: Any, b: Any) -> bool:
    if type(a) is str and type(b) is str:
        return b in a
    if type(a) is list:
        return any(json_equal(x, b) for x in a)
    raise _Mismatch(f"cannot look for {_show(b)} in {_show(a)}")


def _text_op(op: str, a: Any, b: Any) -> bool:
    if type(a) is not str or type(b) is not str:
        raise _Mismatch(f"{op} needs two strings, not {_show(a)} and {_show(b)}")
    return a.startswith(b) if op == "startsWith" else a.endswith(b)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _regex_op(a: Any, b: Any) -> bool:
    if type(a) is not str or type(b) is not str:
        raise _Mismatch(f"regex needs a string and a pattern, not {_show(a)} and {_show(b)}")
    if len(b) > MAX_PATTERN or len(a) > MAX_WORK:  # the caps of re_match in expressions
        raise NodeError(f"regex takes a pattern of at most {MAX_PATTERN:,} characters and a text of at most {MAX_WORK:,}")
    try:
        return limits.searching(_regex(b).search, a) is not None
    except re.error as exc:
        raise NodeError(f"bad regular expression {b!r}: {exc}") from None


def _empty(v: Any) -> bool:
    return v is None or (type(v) in (str, list, dict) and len(v) == 0)


def test(cond: dict, loose: bool) -> bool:
    return test_values(cond.get("op", "eq"), cond.get("left"), cond.get("right"), loose)


def test_values(op: str, a: Any, b: Any, loose: bool) -> bool:
    if op == "empty":
        return _empty(a)
    if op == "notEmpty":
        return not _empty(a)
    if op == "exists":
        return a is not None
    if op == "notExists":
        return a is None
    if op == "true":
        return a is True
    if op == "false":
        return a is False
    if loose and op in _NUMERIC:  # text ops keep their text: "12345" contains "234"
        a, b = _number(a), _number(b)
    if op == "eq":
        return json_equal(a, b)
    if op == "ne":
        return not json_equal(a, b)
    try:
        if op in ("gt", "gte", "lt", "lte"):
            return _ordered(op, a, b)
        if op == "contains":
            return _contains(a, b)
        if op == "notContains":
            return not _contains(a, b)
        if op in ("startsWith", "endsWith"):
            return _text_op(op, a, b)
        if op == "regex":
            return _regex_op(a, b)
    except _Mismatch as exc:
        if loose:
            return False
        raise NodeError(str(exc)) from None
    raise NodeError(f"unknown condition op {op!r}")


def holds(params: dict, where: str = "") -> bool:
    """Whether a Conditions block holds; errors carry the failing condition's path."""
    conds = params.get("conditions") or []
    loose = params.get("looseTypes") is True
    any_mode = params.get("combinator") == "or"
    for i, cond in enumerate(conds):
        try:
            ok = test(cond, loose)
        except NodeError as exc:
            raise exc.located(path=f"{where}/conditions/{i}") from None
        if any_mode and ok:
            return True
        if not any_mode and not ok:
            return False
    return not any_mode if conds else True


def compile_block(plan: Any, *keys: Any) -> Any:
    """A function (item, index, context) -> bool for the Conditions block at `keys` in params.

    Only `left` and `right` are evaluated per item; the rest is read once. When
    the op, combinator or looseTypes are themselves expressions, the block is
    resolved whole per item instead.
    """
    block: Any = plan.params
    for key in keys:
        block = block[key]
    where = "".join(f"/{k}" for k in keys)
    conds = block.get("conditions") or []
    if type(conds) is not list or not all(type(c) is dict for c in conds):
        return _resolved_whole(plan, keys, where)
    fixed = [block.get("combinator"), block.get("looseTypes")] + [c.get("op") for c in conds]
    if any(type(v) is str and v.startswith("=") for v in fixed):
        return _resolved_whole(plan, keys, where)
    loose = block.get("looseTypes") is True
    any_mode = block.get("combinator") == "or"
    parts = [
        (i, c.get("op", "eq"), plan.part(*keys, "conditions", i, "left"),
         plan.part(*keys, "conditions", i, "right"))
        for i, c in enumerate(conds)
    ]  # fmt: skip
    empty = True
    if len(parts) == 1 and not loose:
        i, op, left, _ = parts[0]
        fixed, b = (True, None) if op in UNARY else plan.fixed(*keys, "conditions", i, "right")
        check = _fast_test(op, b) if fixed else None
        if check is not None:
            located = f"{where}/conditions/{i}"

            def holds_one(item: dict, index: int, context: Any) -> bool:
                try:
                    return check(left(item, index, context))
                except NodeError as exc:
                    raise exc.located(path=located) from None

            path = getattr(left, "path", None)
            return (path is not None and _field_test(op, b, path, holds_one)) or holds_one

    def holds_at(item: dict, index: int, context: Any) -> bool:
        for i, op, left, right in parts:
            try:
                ok = test_values(op, left(item, index, context),
                                 None if op in UNARY else right(item, index, context), loose)  # fmt: skip
            except NodeError as exc:
                raise exc.located(path=f"{where}/conditions/{i}") from None
            if any_mode and ok:
                return True
            if not any_mode and not ok:
                return False
        return not any_mode if parts else empty

    return holds_at


_ORDER = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _fast_test(op: str, b: Any) -> Any:
    """`test_values(op, a, b, False)` as a function of `a` for a constant `b`, or None.

    Each takes the common case at once and leaves every other to test_values,
    so results and errors stay the same.
    """
    tb = type(b)
    if op in _ORDER and (tb in _NUM or tb is str):
        compare, same = _ORDER[op], _NUM if tb in _NUM else (str,)
        return lambda a: compare(a, b) if type(a) in same else test_values(op, a, b, False)
    if op in ("eq", "ne") and (tb in _NUM or tb is str or tb is bool or b is None):
        # json_equal with a scalar: numbers equal numbers, anything else only its own type
        same = _NUM if tb in _NUM else (tb,)
        if op == "eq":
            return lambda a: type(a) in same and a == b
        return lambda a: not (type(a) in same and a == b)
    if op == "true":
        return lambda a: a is True
    if op == "false":
        return lambda a: a is False
    if op == "exists":
        return lambda a: a is not None
    if op == "notExists":
        return lambda a: a is None
    if op in ("startsWith", "endsWith") and tb is str:
        method = str.startswith if op == "startsWith" else str.endswith
        return lambda a: method(a, b) if type(a) is str else test_values(op, a, b, False)
    return None


def _field_test(op: str, b: Any, path: tuple[str, ...], slow: Any) -> Any:
    """For `$json.field <op> b` (or `$json.a.b`): the test in one call, the field read and
    tested at once when it holds a value of b's kind (any scalar for the ops without b);
    every other case goes to `slow` (the same results and errors). None when the op is
    not one of these."""
    tb = type(b)
    same: tuple | None = _NUM if tb in _NUM else (str,) if tb is str else None
    if op in _UNARY_TESTS:
        test, same = _UNARY_TESTS[op], _SCALARS
    elif same is None:
        return None
    elif op in _FLIPPED:  # a > b is b < a: the test is a C function of a
        test = partial(_FLIPPED[op], b)
    elif op in ("startsWith", "endsWith") and tb is str:
        method = str.startswith if op == "startsWith" else str.endswith
        test = lambda a: method(a, b)  # noqa: E731
    else:
        return None
    if len(path) == 1:  # one key, without the loop: the loop cost 4% of report's edit (callgrind)
        field = path[0]

        def holds(item: dict, index: int, context: Any) -> bool:
            if type(item) is dict:
                a = item.get(field)
                if type(a) in same:
                    return test(a)
            return slow(item, index, context)

        holds.field = (path, frozenset(same), op, b)  # type: ignore[attr-defined]  # for split_by_field
        return holds

    def holds_nested(item: dict, index: int, context: Any) -> bool:
        a: Any = item
        for name in path:
            if type(a) is not dict:
                return slow(item, index, context)
            a = a.get(name)
        if type(a) in same:
            return test(a)
        return slow(item, index, context)

    holds_nested.field = (path, frozenset(same), op, b)  # type: ignore[attr-defined]
    return holds_nested


def split_by_field(items: list, field: tuple) -> tuple[list, list] | None:
    """(holding, not holding) for a `_field_test` over all `items` in one loop with the field
    read and the test written in it, no call per item (half the time of C functions mapped
    over the items, which take a pass each); None when some item does not hold a value of the
    test's kind there (those take the test item by item, with its errors)."""
    path, same, op, b = field
    try:
        return _splitter(op, len(path))(items, b, same, *path)
    except (AttributeError, TypeError):  # an item that is not an object
        return None


_SPLIT_TESTS = {"gt": "a > b", "gte": "a >= b", "lt": "a < b", "lte": "a <= b", "eq": "a == b", "ne": "a != b",
                "startsWith": "a.startswith(b)", "endsWith": "a.endswith(b)", "true": "a is True",
                "false": "a is False", "exists": "a is not None", "notExists": "a is None"}  # fmt: skip


@lru_cache(maxsize=64)
def _splitter(op: str, depth: int) -> Any:
    """`split(items, b, same, k0, k1..)`: the loop of `split_by_field` for one op and path
    depth, built once; its source holds no text of the workflow's (the keys and b are
    arguments, the test one of `_SPLIT_TESTS`)."""
    keys = [f"k{i}" for i in range(depth)]
    read = "\n".join(f"        if a.__class__ is not dict:\n            return None\n        a = a.get({k})" for k in keys)
    source = (f"def split(items, b, same, {', '.join(keys)}):\n"
              "    kept = []\n    dropped = []\n    keep = kept.append\n    drop = dropped.append\n"
              f"    for item in items:\n        a = item\n{read}\n"
              "        if a.__class__ not in same:\n            return None\n"
              f"        if {_SPLIT_TESTS[op]}:\n            keep(item)\n        else:\n            drop(item)\n"
              "    return kept, dropped")  # fmt: skip
    scope: dict[str, Any] = {}
    exec(source, {"__builtins__": {}, "dict": dict}, scope)  # noqa: S102 - our own fixed loop
    return scope["split"]


_SCALARS = (str, int, float, bool, type(None))
_UNARY_TESTS = {"true": partial(operator.is_, True), "false": partial(operator.is_, False),
                "exists": partial(operator.is_not, None), "notExists": partial(operator.is_, None)}  # fmt: skip
_FLIPPED = {"gt": operator.lt, "gte": operator.le, "lt": operator.gt, "lte": operator.ge,
            "eq": operator.eq, "ne": operator.ne}  # fmt: skip


def _resolved_whole(plan: Any, keys: tuple, where: str) -> Any:
    """The block resolved per item, then checked: expressions may give any shape."""
    resolve = plan.part(*keys)

    def holds_at(item: dict, index: int, context: Any) -> bool:
        block = resolve(item, index, context)
        error = params_error(SCHEMA, block, where)
        if error is not None:
            raise error
        return holds(block, where)

    return holds_at
