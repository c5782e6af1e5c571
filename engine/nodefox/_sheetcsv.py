"""CSV as spreadsheet programs write it (`to_file` with `csvStyle: "excel"`).

This is the CSV that SheetJS writes (and so n8n's Convert to File and Spreadsheet
File): a UTF-8 byte order mark first; nested objects and arrays spread into
`a.b` and `a.0` columns; `TRUE`/`FALSE`; numbers in Excel's General format
(at most eleven characters: `0.30000000000000004` is `0.3`, `1099511627776` is
`1.09951E+12`); null as an empty cell; rows joined by `\\n` with none after the
last. The number formatting follows JavaScript's `toFixed`, `toPrecision` and
`toExponential` exactly (ties of the exact binary value round away from zero),
computed here with `decimal` so the text is the same natively and in Pyodide.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

BOM = "\ufeff"
_INT32 = (-(2**31), 2**31 - 1)
LOG10E = 0.4342944819032518  # JavaScript's Math.LOG10E
_EXACT = Context(prec=1200)  # enough digits for any double written out in full


def _is_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1


def js_ordered(obj: dict) -> dict:
    """The object with its keys in JavaScript's order: keys that are array indexes
    (`"0"`, `"10"`) first, ascending, then the others as they came."""
    if not any(_is_index(k) for k in obj):
        return obj
    indexes = sorted((k for k in obj if _is_index(k)), key=int)
    return {**{k: obj[k] for k in indexes}, **{k: v for k, v in obj.items() if not _is_index(k)}}


def flatten(item: dict) -> dict:
    """An item with its nested objects and arrays spread into dotted keys (`a.b`, `a.0`),
    in JavaScript's key order (n8n's flattenObject); an empty object or array leaves no key."""
    out: dict = {}
    for key, value in js_ordered(item).items():
        if type(value) is dict or type(value) is list:
            inner = flatten(value if type(value) is dict else {str(i): v for i, v in enumerate(value)})
            for sub, v in inner.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return js_ordered(out)


def _digits(v: float, p: int) -> tuple[str, int]:
    """The first `p` significant digits of |v| (ties away from zero) and its exponent."""
    d = Decimal(abs(v))
    if d == 0:
        return "0" * p, 0
    e = d.adjusted()
    q = d.scaleb(-e, _EXACT).quantize(Decimal(1).scaleb(-(p - 1)), ROUND_HALF_UP, _EXACT)
    if q >= 10:
        e += 1
        q = d.scaleb(-e, _EXACT).quantize(Decimal(1).scaleb(-(p - 1)), ROUND_HALF_UP, _EXACT)
    return format(q, "f").replace(".", ""), e


def to_fixed(v: float, n: int) -> str:
    """JavaScript's `v.toFixed(n)`."""
    if abs(v) >= 1e21:
        return js_number(v)
    text = format(Decimal(abs(v)).quantize(Decimal(1).scaleb(-n), ROUND_HALF_UP, _EXACT), "f")
    return ("-" if v < 0 else "") + text


def to_precision(v: float, p: int) -> str:
    """JavaScript's `v.toPrecision(p)`."""
    digits, e = _digits(v, p)
    sign = "-" if v < 0 else ""
    if e < -6 or e >= p:
        mantissa = digits[0] + ("." + digits[1:] if p > 1 else "")
        return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    if e >= 0:
        return sign + digits[: e + 1] + ("." + digits[e + 1 :] if p > e + 1 else "")
    return sign + "0." + "0" * (-e - 1) + digits


def to_exponential(v: float, f: int) -> str:
    """JavaScript's `v.toExponential(f)`."""
    digits, e = _digits(v, f + 1)
    mantissa = digits[0] + ("." + digits[1:] if f else "")
    return f"{'-' if v < 0 else ''}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_number(v: float) -> str:
    """JavaScript's `String(v)` for a finite number: the shortest digits that read back
    (as Python's repr finds them), written in JavaScript's form."""
    if v == 0:
        return "0"
    digits, _, exp = repr(abs(float(v))).partition("e")
    whole, _, frac = digits.partition(".")
    frac = frac.rstrip("0")
    point = len(whole) + (int(exp) if exp else 0)  # where the decimal point sits in the digits
    digits = (whole + frac).lstrip("0")
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    sign = "-" if v < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _strip_decimal(o: str) -> str:
    """Trailing zeros after a decimal point dropped (and the point, if nothing is left);
    only when the text ends in those digits (not `1.50E+12`)."""
    head, point, tail = o.partition(".")
    if not point or (tail and not tail.isdigit()):
        return o
    tail = tail.rstrip("0")
    return head + ("." + tail if tail else "")


def _normalize_exp(o: str) -> str:
    if "E" not in o:
        return o
    mantissa, _, exp = o.partition("E")
    mantissa = _strip_decimal(mantissa)
    if len(exp) == 2:  # E+5 is E+05
        exp = exp[0] + "0" + exp[1]
    return f"{mantissa}E{exp}"


def _small_exp(v: float) -> str:
    w = 12 if v < 0 else 11
    o = _strip_decimal(to_fixed(v, 12))
    if len(o) <= w:
        return o
    o = to_precision(v, 10)
    if len(o) <= w:
        return o
    return to_exponential(v, 5)


def _large_exp(v: float) -> str:
    o = _strip_decimal(to_fixed(v, 11))
    return to_precision(v, 6) if len(o) > (12 if v < 0 else 11) or o in ("0", "-0") else o


def general(v: Any) -> str:
    """A value as Excel's General format shows it (SheetJS's `SSF_general`)."""
    if v is None:
        return ""
    if v is True or v is False:
        return "TRUE" if v else "FALSE"
    if type(v) is str:
        return v
    if type(v) is int and _INT32[0] <= v <= _INT32[1]:
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return "#NUM!" if math.isnan(v) else "#DIV/0!"
    if v == 0:
        return "0"
    big = math.floor(math.log(abs(v)) * LOG10E)
    if -4 <= big <= -1:
        o = to_precision(v, 10 + big)
    elif abs(big) <= 9:
        o = _small_exp(v)
    elif big == 10:
        o = to_fixed(v, 10)[:12]
    else:
        o = _large_exp(v)
    return _strip_decimal(_normalize_exp(o.upper()))


def _cell(text: str, delimiter: str) -> str:
    if delimiter in text or "\n" in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if text == "ID":  # a file starting with ID reads as SYLK in Excel: SheetJS quotes it
        return '"ID"'
    return text


def write(items: list[dict], options: dict) -> bytes:
    """All items as one spreadsheet-style CSV file (the module's docstring says how)."""
    delimiter = options.get("delimiter") or ","
    rows = [flatten(item) for item in items]
    keys: dict[str, None] = {}
    for row in rows:
        for key in row:
            keys.setdefault(key, None)
    header = rows and options.get("header", True) is not False
    lines = [delimiter.join(_cell(k, delimiter) for k in keys)] if header else []  # "" with no keys
    for row in rows:
        cells = []
        for key in keys:
            value = row.get(key)
            cells.append(_cell(general(value) if type(value) is not str else value, delimiter))
        lines.append(delimiter.join(cells))
    return (BOM + "\n".join(lines)).encode("utf-8")

