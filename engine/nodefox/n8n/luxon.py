"""Luxon's DateTime (n8n's `$now`, `$today`, `DateTime`) as NodeFox date text.

NodeFox dates are text in the `$now` form, so a DateTime is that text and its
methods become `date_add` and `date_format`. Luxon's format tokens are
translated to strftime codes; tokens strftime cannot spell portably (`d`, `M`
without padding) are written as the number of the padded form.
"""

from __future__ import annotations

from typing import Any

from ._js import Num, Obj, Str


class LuxonError(ValueError):
    """A Luxon format with a token NodeFox cannot write."""


# Luxon token -> strftime code, or ("int", code) for an unpadded number
_TOKENS: dict[str, Any] = {
    "yyyy": "%Y", "yy": "%y", "MM": "%m", "LL": "%m", "dd": "%d", "HH": "%H", "hh": "%I",
    "mm": "%M", "ss": "%S", "a": "%p", "MMM": "%b", "LLL": "%b", "MMMM": "%B", "LLLL": "%B",
    "EEE": "%a", "ccc": "%a", "EEEE": "%A", "cccc": "%A", "ooo": "%j",
    "M": ("int", "%m"), "L": ("int", "%m"), "d": ("int", "%d"), "H": ("int", "%H"),
    "h": ("int", "%I"), "m": ("int", "%M"), "s": ("int", "%S"), "y": "%Y", "E": "%u", "c": "%u",
}  # fmt: skip


def strftime_of(fmt: str) -> list[tuple[str, str]]:
    """Pieces of a Luxon format: ("fmt", strftime text) or ("int", strftime code)."""
    pieces: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if kind == "fmt" and pieces and pieces[-1][0] == "fmt":
            pieces[-1] = ("fmt", pieces[-1][1] + text)
        else:
            pieces.append((kind, text))

    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "'":
            end = fmt.find("'", i + 1)
            if end < 0:
                raise LuxonError("an unclosed quote in the format")
            add("fmt", ("'" if end == i + 1 else fmt[i + 1 : end]).replace("%", "%%"))
            i = end + 1
            continue
        if c.isalpha():
            j = i
            while j < len(fmt) and fmt[j] == c:
                j += 1
            token = fmt[i:j]
            code = _TOKENS.get(token)
            if code is None:
                raise LuxonError(f"the Luxon token {token!r} has no NodeFox equivalent")
            if isinstance(code, tuple):
                pieces.append(code)
            else:
                add("fmt", code)
            i = j
            continue
        add("fmt", "%%" if c == "%" else c)
        i += 1
    return pieces


def format_call(date_text: str, fmt: str) -> str:
    """Python for `date.toFormat(fmt)`."""
    from .expressions import _string

    pieces = strftime_of(fmt)
    parts = []
    for kind, text in pieces:
        if kind == "fmt":
            parts.append(f"date_format({date_text}, {_string(text)})")
        else:
            parts.append(f"str(int(date_format({date_text}, {_string(text)})))")
    return " + ".join(parts) if parts else '""'


_UNITS = {"days": ("days", 1), "day": ("days", 1), "weeks": ("days", 7), "week": ("days", 7),
          "hours": ("hours", 1), "hour": ("hours", 1), "minutes": ("minutes", 1),
          "minute": ("minutes", 1), "seconds": ("seconds", 1), "second": ("seconds", 1)}  # fmt: skip


def date_method(tr: Any, obj: Any, prop: str, args: tuple) -> Any:
    from .expressions import DATE, STR, Untranslatable, _atom, _op, _paren

    if prop in ("toISO", "toISOString", "toJSON") and not args:
        # the $now form (UTC, Z, no milliseconds) where Luxon writes 2026-01-01T09:30:00.000+00:00
        return _atom(obj.text, STR)
    if prop in ("toJSDate", "toUTC") and not args:
        return obj
    if prop in ("toMillis", "getTime", "valueOf") and not args:
        from ._context import _EPOCH_MS

        return _atom(_EPOCH_MS % obj.text, "num")
    if prop in ("toSeconds", "toUnixInteger") and not args:
        seconds = f'date_diff("1970-01-01T00:00:00Z", {obj.text}, "seconds")'
        return _atom(f"int({seconds} // 1)" if prop == "toUnixInteger" else seconds, "num")
    if prop == "toISODate" and not args:
        return _atom(f'date_format({obj.text}, "%Y-%m-%d")', STR)
    if prop in ("toFormat", "format") and len(args) == 1 and isinstance(args[0], Str):
        try:
            return _op(format_call(obj.text, args[0].value), STR)
        except LuxonError as exc:
            raise Untranslatable(str(exc)) from None
    if prop in ("plus", "minus") and len(args) in (1, 2):
        sign = "" if prop == "plus" else "-"
        amounts: dict[str, list[str]] = {}
        if len(args) == 1 and isinstance(args[0], Obj):
            pairs = args[0].props
        elif len(args) == 2 and isinstance(args[1], Str):
            pairs = ((args[1].value, args[0]),)
        else:
            raise Untranslatable(f".{prop}() needs {{days: n}} or (n, 'days')")
        for key, value in pairs:
            if not isinstance(key, str) or key not in _UNITS:
                raise Untranslatable(f".{prop}() of {key if isinstance(key, str) else 'a computed unit'}: months and years have no NodeFox equivalent")
            unit, factor = _UNITS[key]
            amount = tr.value(value)
            if amount.kind not in ("num", "index"):
                raise Untranslatable(f".{prop}() of an amount that may not be a number")
            text = _paren(amount) if factor == 1 else f"{_paren(amount)} * {factor}"
            if isinstance(value, Num) and factor == 1:
                text = amount.text
            amounts.setdefault(unit, []).append(text)
        kw = ", ".join(f"{unit}={sign}{_wrap(' + '.join(v)) if sign or len(v) > 1 else v[0]}" for unit, v in amounts.items())
        return _atom(f"date_add({obj.text}, {kw})" if kw else obj.text, DATE)
    raise Untranslatable(f"the date method .{prop}() has no NodeFox equivalent")


def _wrap(text: str) -> str:
    return text if text.replace(".", "").replace("_", "").isalnum() else f"({text})"
