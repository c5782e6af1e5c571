"""The functions expressions may call, each deterministic.

`CATALOGUE` documents them for `nodefox nodes` and the README.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import _json, limits, paths
from ._guards import MAX_DIGITS, MAX_LENGTH, MAX_RANGE, MAX_WORK, consume, spend, spend_inside
from .errors import ExpressionError

UTC = dt.UTC
MAX_PATTERN = 1_000  # longest regular expression accepted
_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*")


def format_instant(moment: dt.datetime) -> str:
    """The `$now` form: UTC, `Z`, fractions of a second only when there are some."""
    moment = moment.astimezone(UTC)
    # `%Y-%m-%dT%H:%M:%S` spelled out (as `_strftime` writes it, without its per-code calls:
    # `date_add` writes one per item); the year padded to four digits on every platform
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{_clock(moment)}"
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def parse_instant(text: Any) -> dt.datetime:
    """An RFC 3339 / ISO 8601 date or date-time; no offset means UTC."""
    if type(text) is str:
        return _parse_text(text)
    raise ExpressionError(f"expected a date as text, got {_shown(text)}")


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> dt.datetime:
    if not isinstance(text, str):
        raise ExpressionError(f"expected a date as text, got {_shown(text)}")
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ExpressionError(f"{text!r} is not a date (expected e.g. 2026-01-01T09:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


@lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    """An IANA zone read from the `tzdata` package, the same data everywhere."""
    if name == "UTC":
        return UTC
    if not _ZONE_NAME.fullmatch(name):  # a path out of tzdata ("../x") is no zone
        raise ExpressionError(f"unknown time zone {name!r}")
    from importlib import resources
    from zoneinfo import ZoneInfo

    try:
        parts = name.split("/")
        ref = resources.files("tzdata.zoneinfo").joinpath(*parts)
        with ref.open("rb") as fh:
            return ZoneInfo.from_file(fh, key=name)
    except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError, ValueError, OSError):
        raise ExpressionError(f"unknown time zone {name!r}") from None


def if_empty(value: Any, fallback: Any) -> Any:
    """`fallback` when `value` is null, "", [] or {}; else `value`."""
    if value is None or (type(value) in (str, list, dict) and len(value) == 0):
        return fallback
    return value


def _shown(value: Any) -> str:
    """A wrong argument in a message: its JSON text, or its kind when it has none."""
    from ._guards import type_name

    if value is None:
        return "null"
    try:
        return _json.dumps(value)
    except (TypeError, ValueError):
        return type_name(value)


def json_parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise ExpressionError(f"json_parse needs text, got {_shown(text)}")
    spend(len(text))
    try:
        return _json.loads(text)
    except ValueError as exc:
        raise ExpressionError(f"json_parse: {exc}") from None


def json_stringify(value: Any) -> str:
    from ._guards import to_json

    text = _json.dumps(to_json(value))
    spend(len(text))
    return text


@lru_cache(maxsize=512)
def _regex(pattern: Any) -> re.Pattern:
    if not isinstance(pattern, str):
        raise ExpressionError("a regular expression must be text")
    if len(pattern) > MAX_PATTERN:
        raise ExpressionError(f"a regular expression may be at most {MAX_PATTERN} characters")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ExpressionError(f"bad regular expression {pattern!r}: {exc}") from None


def _text(value: Any, fn: str) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{fn} needs text, got {_shown(value)}")
    return value


def re_match(pattern: str, text: str) -> bool:
    regex = _regex(pattern)
    spend(len(_text(text, "re_match")))
    return limits.searching(regex.search, text) is not None


def re_findall(pattern: str, text: str) -> list:
    regex = _regex(pattern)
    spend(len(_text(text, "re_findall")))
    found = limits.searching(regex.findall, text)
    spend(len(found))
    return found


def re_sub(pattern: str, repl: str, text: str) -> str:
    regex = _regex(pattern)
    spend(len(_text(text, "re_sub")))
    template = _text(repl, "re_sub")
    size = len(text)

    def replace(match: re.Match) -> str:
        # checked as it grows: re.sub('', 'x' * 99999, text) must not be built first
        nonlocal size
        piece = match.expand(template)
        size += len(piece) - (match.end() - match.start())
        if size > MAX_LENGTH:
            raise ExpressionError(f"the result would be longer than {MAX_LENGTH:,}")
        return piece

    result = limits.searching(regex.sub, replace, text)
    spend(len(result))
    return result


def date_add(iso: str, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> str:
    if type(iso) is str and type(days) is int and type(hours) is int and type(minutes) is int and type(seconds) is int:
        return _date_add(iso, days, hours, minutes, seconds)
    return _date_add.__wrapped__(iso, days, hours, minutes, seconds)


@lru_cache(maxsize=4096)
def _date_add(iso: str, days: float, hours: float, minutes: float, seconds: float) -> str:
    moment = parse_instant(iso)
    try:
        moment += dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except (TypeError, OverflowError) as exc:
        raise ExpressionError(f"date_add: {exc}") from None
    return format_instant(moment)


def date_diff(a: str, b: str, unit: str = "days") -> float:
    if unit not in _UNITS:
        raise ExpressionError(f"date_diff unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    delta = parse_instant(b) - parse_instant(a)
    return delta.total_seconds() / _UNITS[unit]


@lru_cache(maxsize=64)
def date_format_in(tz_name: str):
    """`date_format(iso, fmt)` bound to a workflow's time zone."""

    def date_format(iso: str, fmt: str) -> str:
        if not isinstance(fmt, str) or len(fmt) > 200:
            raise ExpressionError("date_format needs a format text of at most 200 characters")
        return _strftime(parse_instant(iso).astimezone(zone(tz_name)), fmt)

    return date_format


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip
_CODE = re.compile(r"%(:z|.?)", re.S)


def _offset(moment: dt.datetime, colon: bool) -> str:
    delta = moment.utcoffset()
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    parts = [seconds // 3600, seconds // 60 % 60] + ([seconds % 60] if seconds % 60 else [])
    return sign + (":" if colon else "").join(f"{p:02d}" for p in parts)


def _yday(m: dt.datetime) -> int:
    return m.timetuple().tm_yday


def _clock(m: dt.datetime) -> str:
    return f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}"


# Each strftime code, as Python documents it, in the C locale: computed only when asked for.
_CODES: dict[str, Callable[[dt.datetime], str]] = {
    "d": lambda m: f"{m.day:02d}", "m": lambda m: f"{m.month:02d}", "H": lambda m: f"{m.hour:02d}",
    "M": lambda m: f"{m.minute:02d}", "S": lambda m: f"{m.second:02d}", "f": lambda m: f"{m.microsecond:06d}",
    "j": lambda m: f"{_yday(m):03d}", "y": lambda m: f"{m.year % 100:02d}", "Y": lambda m: f"{m.year:04d}",
    "I": lambda m: f"{(m.hour % 12) or 12:02d}", "p": lambda m: "AM" if m.hour < 12 else "PM",
    "a": lambda m: _DAYS[m.weekday()][:3], "A": lambda m: _DAYS[m.weekday()],
    "b": lambda m: _MONTHS[m.month - 1][:3], "B": lambda m: _MONTHS[m.month - 1],
    "w": lambda m: str(m.isoweekday() % 7), "u": lambda m: str(m.isoweekday()),
    "G": lambda m: f"{m.isocalendar()[0]:04d}", "V": lambda m: f"{m.isocalendar()[1]:02d}",
    "U": lambda m: f"{(_yday(m) + 6 - m.isoweekday() % 7) // 7:02d}",
    "W": lambda m: f"{(_yday(m) + 6 - m.weekday()) // 7:02d}",
    "z": lambda m: _offset(m, False), ":z": lambda m: _offset(m, True), "Z": lambda m: m.tzname() or "",
    "%": lambda m: "%", "X": _clock, "x": lambda m: f"{m.month:02d}/{m.day:02d}/{m.year % 100:02d}",
    "c": lambda m: f"{_DAYS[m.weekday()][:3]} {_MONTHS[m.month - 1][:3]} {m.day:2d} {_clock(m)} {m.year:04d}",
}  # fmt: skip


def _code(moment: dt.datetime, code: str) -> str:
    write = _CODES.get(code)
    if write is not None:
        return write(moment)
    shown = f"%{code}" if code else "a lone % at the end"
    raise ExpressionError(f"date_format: {shown} is not a format code (Python's strftime codes such as "
                          "%Y-%m-%d %H:%M; %% for a percent sign)")  # fmt: skip


def _strftime(moment: dt.datetime, fmt: str) -> str:
    """`moment.strftime(fmt)` with Python's documented codes, written here rather than by the
    C library, whose codes and padding differ between platforms (glibc writes the year 99
    as `99`, the browser's as `0099`, and each knows codes the other does not): the same
    text natively and in Pyodide, whatever the machine's time zone."""
    return _CODE.sub(lambda match: _code(moment, match.group(1)), fmt)


def lookup(value: Any, path: Any) -> Any:
    if not isinstance(path, str):
        raise ExpressionError("lookup needs a field path as text")
    return paths.get(value, path)


def capped_range(*args: Any) -> range:
    r = range(*args)
    try:
        size = len(r)
    except OverflowError:  # more than fits in a machine word
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise ExpressionError(f"range() may give at most {MAX_RANGE:,} numbers")
    return r


def _round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if type(ndigits) is int:
        # round(5, -10**8) computes 10 ** 10**8 first; past the digits a number can have
        # (MAX_DIGITS, or a float's 324) every ndigits gives the same result
        ndigits = max(-_ROUND_DIGITS, min(ndigits, _ROUND_DIGITS))
    return round(number, ndigits)


_ROUND_DIGITS = MAX_DIGITS + 10


# Functions that walk an iterable or build text spend from the evaluation's work
# budget (`_guards.MAX_WORK`), so a comprehension cannot repeat them without bound.


def _list(iterable: Any = ()) -> list:
    return list(consume(iterable))


def _sorted(iterable: Any, **options: Any) -> list:
    values = consume(iterable)
    spend_inside(values)  # the elements are compared with each other
    if "reverse" in options:  # any value, by its truth, as newer CPythons (Pyodide's) take it
        options["reverse"] = bool(options["reverse"])
    return sorted(values, **options)


def _dict(*args: Any, **kwargs: Any) -> dict:
    args = tuple(consume(a) for a in args)
    try:
        return dict(*args, **kwargs)
    except TypeError:
        if args and type(args[0]) is list:
            for i, pair in enumerate(args[0]):  # newer CPythons word this "object is not iterable"
                if not hasattr(pair, "__iter__"):
                    raise TypeError(f"cannot convert dictionary update sequence element #{i} to a sequence") from None
        raise


def _str(*args: Any, **kwargs: Any) -> str:
    for value in (*args, *kwargs.values()):
        _check_printable(value)
    text = str(*args, **kwargs)
    spend(len(text))
    return text


_PRINTABLE = frozenset({str, int, float, bool, type(None), bytes, list, tuple, dict, range,
                        type({}.keys()), type({}.values()), type({}.items())})  # fmt: skip


def _check_printable(value: Any) -> None:
    """str() only of data: the text of a function or a node reference (`<... at 0x7f...>`)
    holds a memory address, which would make results differ from run to run."""
    stack = [value]
    seen = 0
    while stack:
        v = stack.pop()
        t = type(v)
        seen += 1
        if seen > MAX_WORK:  # str() would spend at least this much: the budget's message
            spend(seen)
        if t not in _PRINTABLE:
            from ._guards import Exposed

            what = "a node reference" if isinstance(v, Exposed) else "a function" if callable(v) else type(v).__name__
            raise ExpressionError(f"str() has no text for {what}; it takes data: text, numbers, arrays, objects")
        if t is dict:
            stack.extend(v.keys())
            stack.extend(v.values())
        elif t in (list, tuple) or t in _VIEW_TYPES:
            stack.extend(v)


_VIEW_TYPES = (type({}.keys()), type({}.values()), type({}.items()))


def _walking(fn: Any) -> Any:
    """min, max, any, all: one iterable argument is walked through."""

    def walk(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1:
            args = (consume(args[0]),)
            if fn is min or fn is max:
                spend_inside(args[0])  # they compare the elements
        return fn(*args, **kwargs)

    walk.__name__ = fn.__name__
    return walk


def _sum(iterable: Any, start: Any = 0) -> Any:
    values = consume(iterable)
    if type(start) in (list, tuple):
        # sum() would copy the growing list once per element: quadratic
        out = list(start)
        for v in values:
            if type(v) is not type(start):
                raise TypeError(f'can only concatenate {type(start).__name__} (not "{type(v).__name__}") to {type(start).__name__}')
            spend(len(v))
            out.extend(v)
        return out if type(start) is list else tuple(out)
    return number_sum(values, start)


_REAL = frozenset({int, float, bool})


def number_sum(values: list, start: Any = 0) -> Any:
    """`sum()`, with floats added exactly and rounded once (`math.fsum`).

    CPython 3.12 changed how `sum()` adds floats (compensated), so the same numbers summed
    to different last digits natively (3.11) and in Pyodide; fsum's answer is one number,
    the same everywhere. Whole numbers keep Python's exact sum.
    """
    kinds = set(map(type, values))
    kinds.add(type(start))
    if float in kinds and kinds <= _REAL and any(values):  # zeros alone: their sign as Python gives it
        try:
            return math.fsum((start, *values))
        except OverflowError:  # past the largest float: the plain sum, infinite, is refused later
            pass
    return sum(values, start)


# Functions every expression can call, by name. `date_format` is added per run
# because it depends on the workflow's time zone.
FUNCTIONS: dict[str, Any] = {
    "len": len, "str": _str, "int": int, "float": float, "bool": bool, "round": _round,
    "abs": abs, "min": _walking(min), "max": _walking(max), "sum": _sum, "sorted": _sorted,
    "reversed": reversed, "any": _walking(any), "all": _walking(all), "list": _list,
    "dict": _dict, "enumerate": enumerate, "zip": zip,
    "range": capped_range, "if_empty": if_empty, "json_parse": json_parse,
    "json_stringify": json_stringify, "re_match": re_match, "re_findall": re_findall,
    "re_sub": re_sub, "date_add": date_add, "date_diff": date_diff, "lookup": lookup,
}  # fmt: skip
CONTEXT_FUNCTIONS = frozenset({"date_format"})

CATALOGUE = [
    {"name": name, "signature": sig, "description": text}
    for name, sig, text in [
        ("len", "len(x)", "length of a string, array or object"),
        ("str", "str(x)", "Python's text form of a value"),
        ("int", "int(x)", "integer from a number or numeric text"),
        ("float", "float(x)", "float from a number or numeric text"),
        ("bool", "bool(x)", "truth value"),
        ("round", "round(x, ndigits=None)", "Python's round (half to even)"),
        ("abs", "abs(x)", "absolute value"),
        ("min", "min(a, b, ...) / min(list)", "smallest"),
        ("max", "max(a, b, ...) / max(list)", "largest"),
        ("sum", "sum(list)", "sum of numbers (floats added exactly, rounded once)"),
        ("sorted", "sorted(list, reverse=False)", "sorted copy"),
        ("reversed", "reversed(list)", "reversed sequence"),
        ("any", "any(list)", "true if any element is truthy"),
        ("all", "all(list)", "true if every element is truthy"),
        ("list", "list(x)", "a list from any sequence"),
        ("dict", "dict(pairs)", "an object from key/value pairs"),
        ("enumerate", "enumerate(list)", "(index, value) pairs"),
        ("zip", "zip(a, b)", "pairs of elements"),
        ("range", "range(stop) / range(start, stop, step)", f"numbers, at most {MAX_RANGE:,}"),
        ("if_empty", "if_empty(value, fallback)", "fallback when value is null, \"\", [] or {}"),
        ("json_parse", "json_parse(text)", "the value JSON text describes"),
        ("json_stringify", "json_stringify(value)", "compact JSON text"),
        ("re_match", "re_match(pattern, text)", "true if the pattern matches somewhere in text"),
        ("re_findall", "re_findall(pattern, text)", "every match (or group) in text"),
        ("re_sub", "re_sub(pattern, repl, text)", "text with every match replaced"),
        ("date_add", "date_add(iso, days=0, hours=0, minutes=0, seconds=0)", "a date moved, in the $now form"),
        ("date_format", "date_format(iso, fmt)", "strftime in settings.timezone"),
        ("date_diff", "date_diff(a, b, unit=\"days\")", "b - a in seconds, minutes, hours or days"),
        ("lookup", "lookup(value, path)", "read a field path such as \"a.b.0\""),
    ]
]
