"""Items to and from file formats: CSV, TSV, JSON, NDJSON, TXT (XLSX in `_xlsx.py`).

Readers take a path (or the bytes of a file held in an item, `nodefox.filedata`)
and the name the document gave (every message names the file and, where there is
one, the line), and stream where the format allows: a CSV or
NDJSON file is read a line at a time, so memory holds the items, not the text too.
Hostile files fail with a message, never a hang or a crash: a line longer than
`MAX_LINE`, a row wider than `MAX_COLUMNS`, invalid UTF-8, broken quoting, or a
whole-file format larger than `MAX_WHOLE`.

Writers take items and give bytes; the same writers serve the data panel's
downloads, so a file written by `write_file` and a downloaded one are alike.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from . import _json
from .errors import NodeError
from .paths import parse_pointer

MAX_LINE = 1 << 20  # characters in one physical line of a CSV/TSV/NDJSON file (1 MiB)
MAX_FIELD = MAX_LINE  # characters in one CSV cell (a quoted cell may span lines)
MAX_COLUMNS = 4096  # cells in one row; Excel's own limit is 16,384
MAX_WHOLE = 256 << 20  # bytes of a file read whole (json, txt)
MAX_SAFE_INT = 2**53 - 1  # inferTypes: larger integers stay text, as JSON readers lose digits
BOM = b"\xef\xbb\xbf"

FORMATS = ("csv", "tsv", "json", "ndjson", "xlsx", "txt")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".ndjson": "ndjson",
              ".jsonl": "ndjson", ".xlsx": "xlsx", ".txt": "txt"}  # fmt: skip


def open_binary(source: str | bytes) -> BinaryIO:
    """A source opened for reading bytes."""
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


def size_of(source: str | bytes) -> int:
    return len(source) if isinstance(source, bytes) else os.path.getsize(source)


def format_of(name: str, given: str | None) -> str:
    """The format the params ask for, or by the name's extension for `auto`."""
    if given and given != "auto":
        return given
    ext = os.path.splitext(name)[1].lower()
    found = EXTENSIONS.get(ext)
    if found is None:
        raise NodeError(
            f'cannot tell the format of "{name}" from its extension: set format to one of '
            + ", ".join(FORMATS),
            path="/format",
        )
    return found


def optional(module: str, doing: str, reader: str) -> Any:
    """A package only some formats need (openpyxl, pypdf), imported on first use: a
    NodeError saying how to get it when it is missing. In the browser the page loads
    it before a run whose document mentions its format (docs/files.md)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if sys.platform == "emscripten":
            raise NodeError(f"{doing} needs the {reader}, which is not loaded: load the package {module} "
                            "first (nodefox.nodes.files.packages says which packages a workflow "
                            "needs)") from None  # fmt: skip
        raise NodeError(f"{doing} needs the {module} package (pip install {module})") from None


class FileProblem(NodeError):
    """Something wrong inside a file, located by its name and line (or row)."""

    def __init__(self, name: str, message: str, line: int | None = None, unit: str = "line"):
        where = f"{name} {unit} {line}" if line is not None else name
        super().__init__(f"{where}: {message}")


# -- reading text ---------------------------------------------------------------------


def _lines(f: TextIO, name: str) -> Iterator[str]:
    """A text file's physical lines, refusing one longer than MAX_LINE before it is
    all in memory (a file iterator would read a 10 GB line whole)."""
    readline = f.readline
    limit = MAX_LINE + 1
    count = 0
    while True:
        line = readline(limit)
        if not line:
            return
        count += 1
        if len(line) > MAX_LINE:
            raise FileProblem(name, f"the line is longer than {MAX_LINE:,} characters", count)
        yield line


def bad_utf8(path: str | bytes, name: str) -> FileProblem:
    """The first line of a file that is not UTF-8, as a problem to raise.

    Only the failing path reads the file again, so reading stays fast; a line is
    exact because the newline byte never occurs inside a UTF-8 sequence.
    """
    with open_binary(path) as f:
        for number, line in enumerate(iter(lambda: f.readline(MAX_LINE + 1), b""), 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.end >= len(line) and len(line) > MAX_LINE:
                    continue  # a sequence cut by the read limit, not by the file
                return FileProblem(name, f"not valid UTF-8 (byte {exc.start + 1} of the line: "
                                   f"{line[exc.start:exc.start + 1]!r}); save the file as UTF-8",
                                   number)  # fmt: skip
    return FileProblem(name, "not valid UTF-8; save the file as UTF-8")


def read_whole(path: str | bytes, name: str) -> str:
    """A whole file as text (without a byte order mark), for formats read at once."""
    size = size_of(path)
    if size > MAX_WHOLE:
        raise FileProblem(name, f"{size:,} bytes; a file read whole (json, txt) may have at most "
                          f"{MAX_WHOLE:,}: use ndjson or csv for more")  # fmt: skip
    with open_binary(path) as f:
        data = f.read(MAX_WHOLE + 1)
    if data.startswith(BOM):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_utf8(path, name) from None


# -- CSV and TSV ----------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # JSON's grammar
_MAYBE = frozenset("-0123456789tTfF")  # how a cell that is not text starts


def infer(cell: str) -> Any:
    """A CSV cell as a JSON value, for `inferTypes` (docs/files.md says it exactly):
    empty → null; `true`/`false` in any case → a boolean; a JSON number → a number
    (an integer without fraction or exponent when within ±(2**53 - 1), else text;
    a float when finite); anything else stays text, as it was."""
    if not cell:
        return None
    if cell[0] not in _MAYBE:
        return cell
    if cell.isdigit() and cell.isascii():  # the common case, without the regex
        if cell[0] == "0" and len(cell) > 1:
            return cell  # a leading zero: a code such as 007 or 01234, not a number
        number = int(cell)
        return number if number <= MAX_SAFE_INT else cell
    lower = cell.lower()
    if lower == "true":
        return True
    if lower == "false":
        return False
    if _NUMBER.fullmatch(cell) is None:
        return cell
    if "." in cell or "e" in lower:
        value = float(cell)
        return value if math.isfinite(value) else cell
    number = int(cell)
    return number if number >= -MAX_SAFE_INT else cell


def _keys(header: list[str]) -> list[str]:
    """Item keys from a header row: an empty name becomes `columnN`, a repeated one
    `name_2`, `name_3`... so no cell is lost."""
    keys, seen = [], set()
    for i, cell in enumerate(header, 1):
        key = cell if cell else f"column{i}"
        if key in seen:
            n = 2
            while f"{key}_{n}" in seen:
                n += 1
            key = f"{key}_{n}"
        seen.add(key)
        keys.append(key)
    return keys


def _start_line(end: int, row: list[str]) -> int:
    """The line a record starts on, from the line it ended on and its cells' newlines."""
    breaks = sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in row)
    return end - breaks


def delimiter_of(options: dict) -> str:
    delimiter = options.get("delimiter") or ("\t" if options.get("format") == "tsv" else ",")
    if delimiter in ('"', "\r", "\n"):
        raise NodeError(f"delimiter: {delimiter!r} cannot separate cells (it quotes or ends rows)",
                        path="/delimiter")  # fmt: skip
    return delimiter


def read_csv(path: str | bytes, name: str, options: dict) -> list[dict]:
    """Rows as items: cells as text (or inferred), keyed by the header or `columnN`."""
    delimiter = delimiter_of(options)
    header = options.get("header", True)
    inferring = bool(options.get("inferTypes"))
    if csv.field_size_limit() != MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)
    items: list[dict] = []
    append = items.append
    # a byte order mark is dropped, unless kept as part of the first cell (`bom: "keep"`, as n8n reads CSV)
    encoding = "utf-8" if options.get("bom") == "keep" else "utf-8-sig"
    with io.TextIOWrapper(open_binary(path), encoding=encoding, newline="") as f:
        reader = csv.reader(_lines(f, name), delimiter=delimiter, strict=True)
        keys: list[str] | None = None
        width = 0
        last = 0  # the line the last complete record ended on
        try:
            for row in reader:
                if len(row) != width or keys is None:
                    if not row:  # a blank line
                        last = reader.line_num
                        continue
                    if keys is None:
                        if len(row) > MAX_COLUMNS:
                            raise FileProblem(name, f"{len(row):,} columns; at most {MAX_COLUMNS:,} are read",
                                              _start_line(reader.line_num, row))  # fmt: skip
                        keys = _keys(row) if header else [f"column{i}" for i in range(1, len(row) + 1)]
                        width = len(keys)
                        last = reader.line_num
                        if header:
                            continue
                    else:
                        what = "the header has" if header else "the first row has"
                        raise FileProblem(name, f"{len(row):,} cells where {what} {width:,}",
                                          _start_line(reader.line_num, row))  # fmt: skip
                if inferring:
                    append(dict(zip(keys, map(infer, row), strict=True)))
                else:
                    append(dict(zip(keys, row, strict=True)))
                last = reader.line_num
        except csv.Error as exc:
            hint = " (a quote that is never closed?)" if "field limit" in str(exc) or "end of data" in str(exc) else ""
            raise FileProblem(name, f"broken CSV: {exc}{hint}", last + 1) from None
        except UnicodeDecodeError:
            raise bad_utf8(path, name) from None
    return items


def _cell(value: Any) -> str:
    """One value as CSV text: text as it is, null empty, the rest as compact JSON."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    return _json.dumps(value)


def columns(items: list[dict]) -> list[str]:
    """The union of the items' keys, in first-seen order."""
    seen: dict[str, None] = {}
    for item in items:
        for key in item:
            if key not in seen:
                seen[key] = None
    return list(seen)


def write_csv(items: list[dict], options: dict) -> bytes:
    """A header of every key (first-seen order), then one row per item; a missing key
    is an empty cell, a nested value compact JSON. Lines end with \\n."""
    delimiter = delimiter_of(options)
    keys = columns(items)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if keys:
        writer.writerow(keys)
    for item in items:
        writer.writerow([_cell(item[k]) if k in item else "" for k in keys])
    return out.getvalue().encode("utf-8")


# -- JSON and NDJSON ------------------------------------------------------------------


def _parse(text: str) -> Any:
    """JSON text to a value; the standard library words the error, so it reads the
    same natively (where orjson parses) and in Pyodide."""
    try:
        return _json.loads(text)
    except ValueError as exc:
        if str(exc) == _json.TOO_LARGE:  # json.loads would read it as infinity
            raise
    try:
        return json.loads(text, parse_constant=_refuse)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None


parse_json = _parse  # for a file's whole text parsed as one JSON value (`from_file` into)


def _refuse(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def as_item(value: Any) -> dict:
    """An element as an item: objects as they are, anything else as {"value": x}."""
    return value if type(value) is dict else {"value": value}


def at_pointer(value: Any, pointer: str, name: str) -> Any:
    try:
        parts = parse_pointer(pointer)
    except ValueError as exc:
        raise NodeError(f"split: {exc}", path="/split") from None
    for part in parts:
        if type(value) is dict and part in value:
            value = value[part]
        elif type(value) is list and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise FileProblem(name, f"nothing at split {pointer}")
    return value


def read_json(path: str | bytes, name: str, options: dict) -> list[dict]:
    """An array's elements, an object as one item, or the array at `split`."""
    try:
        value = _parse(read_whole(path, name))
    except ValueError as exc:
        raise FileProblem(name, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise FileProblem(name, "the JSON nests too deeply") from None
    split = options.get("split")
    if split:
        value = at_pointer(value, split, name)
        if type(value) is not list:
            raise FileProblem(name, f"split {split} is {_kind(value)}, not an array")
    if type(value) is list:
        return [as_item(v) for v in value]
    return [as_item(value)]


def _kind(value: Any) -> str:
    from ._guards import type_name

    kind = type_name(value)
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def read_ndjson(path: str | bytes, name: str, options: dict) -> list[dict]:
    """One item per non-blank line; an error names the line."""
    items: list[dict] = []
    append = items.append
    with open_binary(path) as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE + 1), b""), 1):
            if len(raw) > MAX_LINE:
                raise FileProblem(name, f"the line is longer than {MAX_LINE:,} characters", number)
            if number == 1 and raw.startswith(BOM):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise bad_utf8(path, name) from None
            if not line.strip():
                continue
            try:
                append(as_item(_parse(line)))
            except ValueError as exc:
                raise FileProblem(name, f"not valid JSON: {exc}", number) from None
            except RecursionError:
                raise FileProblem(name, "the JSON nests too deeply", number) from None
    return items


def write_json(items: list[dict], options: dict) -> bytes:
    """The items as one JSON array, indented by two spaces."""
    return (json.dumps(items, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_ndjson(items: list[dict], options: dict) -> bytes:
    """One compact JSON object per line."""
    return "".join(_json.dumps(item) + "\n" for item in items).encode("utf-8")


# -- TXT ------------------------------------------------------------------------------


def read_txt(path: str | bytes, name: str, options: dict) -> list[dict]:
    """The whole file as one item {"text"}, line endings as they are."""
    return [{"text": read_whole(path, name)}]


def write_txt(items: list[dict], options: dict) -> bytes:
    """Each item's `text`, joined by newlines (one item: its text exactly)."""
    texts = []
    for index, item in enumerate(items):
        text = item.get("text")
        if type(text) is not str:
            raise NodeError("txt writes each item's text field, which must be text "
                            f"(this one is {_kind(text)})", item=index)  # fmt: skip
        texts.append(text)
    return "\n".join(texts).encode("utf-8")


def read_xlsx(path: str | bytes, name: str, options: dict) -> list[dict]:
    from ._xlsx import read

    return read(path, name, options)


def write_xlsx(items: list[dict], options: dict) -> bytes:
    from ._xlsx import write

    return write(items, options)


READERS = {"csv": read_csv, "tsv": read_csv, "json": read_json, "ndjson": read_ndjson,
           "xlsx": read_xlsx, "txt": read_txt}  # fmt: skip
WRITERS = {"csv": write_csv, "tsv": write_csv, "json": write_json, "ndjson": write_ndjson,
           "xlsx": write_xlsx, "txt": write_txt}  # fmt: skip
