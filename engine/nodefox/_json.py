"""JSON in and out: orjson where it exists, the standard library elsewhere.

The canonical text is always written by the standard library, whose float
formatting (`repr`) is the contract; orjson only speeds up parsing, which
yields the same Python values.
"""

from __future__ import annotations

import json
from typing import Any

try:  # native only; Pyodide has no orjson wheel
    import orjson
except ImportError:  # pragma: no cover - exercised in Pyodide
    orjson = None

_COMPACT = {"separators": (",", ":"), "ensure_ascii": False, "allow_nan": False}


def loads(text: str | bytes) -> Any:
    """Parse JSON text; NaN and infinities are refused as they are not JSON."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            # orjson refuses big integers that json accepts; let json decide
            if "Integer" not in str(exc):
                raise ValueError(str(exc)) from None
    if type(text) is not str:
        return json.loads(text, parse_constant=_refuse_constant)
    if text.startswith("\ufeff"):  # as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODE(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODE = json.JSONDecoder(parse_constant=_refuse_constant).decode  # json.loads makes one per call


_ENCODE = json.JSONEncoder(**_COMPACT).encode  # one encoder: json.dumps makes one per call


def dumps(value: Any) -> str:
    """Compact canonical JSON: insertion order, floats as repr, no NaN."""
    return _ENCODE(value)


def key(value: Any) -> bytes | str:
    """A cache key equal only for values with the same JSON text (1 and 1.0 differ)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(value, ensure_ascii=False)


def contains_text(value: Any, needle: str) -> bool:
    """Whether `needle` occurs in the JSON text of `value` (orjson when present: fast)."""
    if orjson is not None:
        try:
            return needle.encode() in orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            pass  # e.g. integers beyond 64 bits
    return needle in json.dumps(value, ensure_ascii=False)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


def canonical_key(value: Any) -> str:
    """A string that is equal for values the spec calls equal as canonical JSON."""
    if isinstance(value, str):
        return "s" + value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_SCALAR_KEY = frozenset({str, int, bool, type(None)})


def same_key(value: Any) -> Any:
    """A hashable key equal exactly when the canonical JSON texts are equal.

    Scalars skip the serialisation: their type is part of the key, so 1, 1.0
    and true stay apart as their JSON texts do.
    """
    t = type(value)
    if t in _SCALAR_KEY:
        return (t, value)
    if t is float:
        return (t, repr(value))
    return dumps(value)


def copy(value: Any) -> Any:
    """A deep copy of a JSON value: new dicts and lists, the same immutable scalars.

    Several times faster than copy.deepcopy, which keeps a memo for shared and
    cyclic values that JSON does not have.
    """
    t = type(value)
    if t is dict:
        return {k: copy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if t is list:
        return [copy(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = frozenset({dict, list})


def check_finite(value: Any) -> None:
    """Raise ValueError if a value holds NaN or an infinity anywhere.

    orjson writes NaN and infinities as null, so a value whose orjson text has no
    null at all has neither: one pass in C instead of a walk in Python, which took
    half of a whole run over 100,000 input items.
    """
    if orjson is not None:
        try:
            if b"null" not in orjson.dumps(value):
                return
        except (TypeError, orjson.JSONEncodeError):
            pass  # big integers, non-JSON values: walk
    stack = [value]
    while stack:
        v = stack.pop()
        for x in v.values() if type(v) is dict else v if type(v) is list else (v,):
            t = type(x)
            if t is float:
                if x - x != 0:  # NaN and infinities only
                    raise ValueError(f"{x!r} is not a JSON number")
            elif t is dict or t is list:
                stack.append(x)
