"""JSON in and out: orjson where it exists, the standard library elsewhere.

The canonical text is always written by the standard library, whose float
formatting (`repr`) is the contract; orjson only speeds up parsing, and only
where it yields the same Python values as the standard library, which is all
Pyodide has. It does not for integers beyond 64 bits (it reads them as floats
or refuses them) nor for lone surrogates (it refuses them): text that may hold
either is parsed by the standard library, so integers stay exact up to
CPython's 4,300 digits everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

try:  # native only; Pyodide has no orjson wheel
    import orjson
except ImportError:  # pragma: no cover - exercised in Pyodide
    orjson = None

_COMPACT = {"separators": (",", ":"), "ensure_ascii": False, "allow_nan": False}


def loads(text: str | bytes) -> Any:
    """Parse JSON text; NaN and infinities are refused as they are not JSON."""
    if orjson is not None and not _may_hold_big_int(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            message = str(exc)
            # json would recurse as deep as the interpreter lets it, and read 1e999 as inf
            if "infinity" in message:
                raise ValueError(TOO_LARGE) from None
            if "recursion" in message:
                raise ValueError(message) from None
            # e.g. a lone surrogate `"\ud800"`, which json reads: json decides, and words
            # its refusals as it does in the browser
    if type(text) is not str:
        if not isinstance(text, bytes | bytearray):
            raise TypeError(f"JSON text must be str or bytes, not {type(text).__name__}")
        text = text.decode("utf-8")  # JSON is UTF-8 (json.loads would guess UTF-16 too)
    if text.startswith("\ufeff"):  # as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    if _too_deep(text):
        raise RecursionError(f"the JSON text nests deeper than {MAX_DEPTH:,} levels")
    return _decode(text)


# orjson's limit: the deepest text read natively. The standard library's parser recurses once
# per level and, in Pyodide, runs out of WebAssembly stack at a few thousand: a fatal error of
# the whole runtime (every later message unanswered), not a RecursionError.
MAX_DEPTH = 1024
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH, strings skipped: C loops only
    (escapes dropped, then all but quotes and brackets, then what is inside quotes)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    data = text.encode("utf-8", "surrogatepass")
    structure = (_ESCAPE.sub(b"", data) if b"\\" in data else data).translate(None, _NOT_STRUCTURE)
    brackets = b"".join(structure.split(b'"')[::2])
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


# 19 digits in a row: the shortest integer orjson does not read exactly (-2**63 - 1) has 19
# (long fractions and exponents match too; the standard library reads them the same).
_DIGIT_RUN = b"0" * 19
_DIGITS_ONLY = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # "0" for each digit


def _may_hold_big_int(text: str | bytes) -> bool:
    """Whether the text has a run of 19 digits: one C pass, a few percent of a parse."""
    if type(text) is str:
        text = text.encode("utf-8", "surrogatepass")
    elif not isinstance(text, bytes | bytearray):
        return False
    return _DIGIT_RUN in text.translate(_DIGITS_ONLY)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


TOO_LARGE = "a number in the JSON text is too large: it would read as infinity"


def _float(text: str) -> float:
    """A JSON number with a fraction or exponent; `1e999` is refused, as orjson refuses it,
    rather than read as infinity (which no JSON text can hold)."""
    value = float(text)
    if value - value != 0:
        raise ValueError(TOO_LARGE)
    return value


# json.loads makes one decoder per call
_SCAN = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_float).scan_once
_SPACE = json.decoder.WHITESPACE.match


def _decode(text: str) -> Any:
    """What JSONDecoder.decode returns and raises, without its two method calls and, where no
    space is, its two regex matches: the json node's parse of short texts in Pyodide (which
    has no orjson) 5.2 -> 2.6 ms for 1,000 items."""
    idx = _SPACE(text, 0).end() if text[:1] in " \t\n\r" else 0  # "" is in it too
    try:
        value, end = _SCAN(text, idx)
    except StopIteration as err:
        raise _trailing_comma(json.JSONDecodeError("Expecting value", text, err.value)) from None
    except json.JSONDecodeError as exc:
        raise _trailing_comma(exc) from None
    if end != len(text):
        end = _SPACE(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    return value


# what CPython 3.11 says at the end of `[1,]` and `{"a":1,}`; from 3.13 on it names the comma
_AFTER_COMMA = {("Expecting value", "]"): "array", ("Expecting property name enclosed in double quotes", "}"): "object"}


def _trailing_comma(exc: json.JSONDecodeError) -> json.JSONDecodeError:
    """The error in the words of CPython 3.13 and later (Pyodide's), whatever this one says."""
    where = _AFTER_COMMA.get((exc.msg, exc.doc[exc.pos : exc.pos + 1]))
    comma = len(exc.doc[: exc.pos].rstrip(" \t\n\r")) - 1
    if where is None or comma < 0 or exc.doc[comma] != ",":
        return exc
    return json.JSONDecodeError(f"Illegal trailing comma before end of {where}", exc.doc, comma)


_ENCODE = json.JSONEncoder(**_COMPACT).encode  # one encoder: json.dumps makes one per call


def _c_encoder() -> Any:
    """The standard library's C encoder made once with _COMPACT's settings, or None.

    `JSONEncoder.encode` builds it anew on every call, two thirds of the time of
    writing a small object. Without cycle markers: JSON values are trees, and on
    any error `dumps` writes again through `_ENCODE`, so errors keep their words.
    """
    try:
        from json import encoder as std

        made = std.c_make_encoder(
            None, _no_default, std.encode_basestring, None, ":", ",", False, False, False
        )
        probe = {"a": [1, 2.5, None, True, "\u00e9\ud800"], "b": {}}
        return made if "".join(made(probe, 0)) == _ENCODE(probe) else None
    except Exception:  # pragma: no cover - a json without a C encoder, or with another signature
        return None


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_C_ENCODE = _c_encoder()


def dumps(value: Any) -> str:
    """Compact canonical JSON: insertion order, floats as repr, no NaN."""
    if _C_ENCODE is not None:
        try:
            return "".join(_C_ENCODE(value, 0))
        except Exception:  # NaN, a cycle, a value with no JSON form: the standard words
            pass
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
    return _PRETTY(value)


_PRETTY = json.JSONEncoder(indent=2, ensure_ascii=False, allow_nan=False).encode


def chunks(value: Any, indent: bool = False, split: int = 5) -> Iterator[str]:
    """The text of `dumps(value)` (`pretty` with `indent`), piece by piece.

    Objects and arrays down to `split` levels are written a member at a time,
    deeper values whole (a run result's items are at level 5). Joined, the
    pieces are the one-shot text; a caller can count them as they come and stop
    (a result whose items share one big array is small in memory, huge as text).
    """
    t = type(value)
    if split <= 0 or (t is not dict and t is not list) or not value:
        yield _PRETTY(value) if indent else dumps(value)
        return
    if t is dict and not all(type(k) is str for k in value):
        yield _PRETTY(value) if indent else dumps(value)
        return
    close = "}" if t is dict else "]"
    yield "{" if t is dict else "["
    members = value.items() if t is dict else ((None, v) for v in value)
    for i, (k, v) in enumerate(members):
        lead = "," if i else ""
        if indent:
            lead += "\n  "
        if k is not None:
            lead += dumps(k) + (": " if indent else ":")
        yield lead
        for piece in chunks(v, indent, split - 1):
            yield piece.replace("\n", "\n  ") if indent else piece
    yield "\n" + close if indent else close


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
    if orjson is not None and (t is dict or t is list):  # natively: holding arrays or
        # objects, its text and back, in C (1,000 items of the report workload 3.0 -> 1.6 ms);
        # the same values, as _ROUND_TRIP says, or a refusal
        if _CONTAINERS.isdisjoint(map(type, value.values() if t is dict else value)):
            return value.copy()
        try:
            return orjson.loads(orjson.dumps(value, option=_ROUND_TRIP))
        except (TypeError, orjson.JSONEncodeError):
            pass  # integers beyond 64 bits, lone surrogates, nesting past 255: walked
    return _walk(value)


def _walk(value: Any) -> Any:
    """copy in Python: `dict.copy()` and `list.copy()` in C, then copies of the nested
    arrays and objects only (orjson is not tried again at each level below a refusal)."""
    t = type(value)
    if t is dict:
        out = value.copy()
        if not _CONTAINERS.isdisjoint(map(type, out.values())):
            for k, v in out.items():
                t = type(v)
                if t is dict or t is list:
                    out[k] = _walk(v)
        return out
    if t is list:
        if _CONTAINERS.isdisjoint(map(type, value)):
            return value.copy()
        return [_walk(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = frozenset({dict, list})
# orjson's text of a JSON value reads back as an equal value of the same types (floats
# exactly), or orjson refuses to write it; these options make it refuse the subclasses,
# dates and dataclasses it would otherwise write as something else. (copy is for JSON
# values: NaN, which orjson writes as null, and tuples are not among them.)
_ROUND_TRIP = (
    orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    if orjson is not None
    else 0
)


# Integers JSON text may hold: CPython's (and Pyodide's) limit for turning one into text.
MAX_DIGITS = 4_300
_INT_LIMIT = 10**MAX_DIGITS


def check_number(value: Any) -> None:
    """Raise ValueError for a number that has no JSON text: NaN, an infinity, or an
    integer of more than MAX_DIGITS digits (a sum of big numbers can grow past it)."""
    if type(value) is int and not -_INT_LIMIT < value < _INT_LIMIT:
        raise ValueError(f"a number with more than {MAX_DIGITS:,} digits cannot be written as JSON")
    check_finite(value)


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
