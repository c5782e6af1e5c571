"""XLSX through openpyxl, imported on first use (in the browser its wheel is fetched
only when a workflow reads or writes xlsx; docs/files.md).

An XLSX file is a zip of XML. Before openpyxl sees one, the sizes its entries
declare are added up and refused past `MAX_UNPACKED` (zipfile never inflates an
entry beyond its declared size: it stops there and fails the CRC check), so a zip
bomb costs a directory read. Sheets are read in read-only mode, a row at a time,
with the sheet's declared dimensions ignored (a hostile `A1:XFD1048576` would
otherwise pad every row to 16,384 cells).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from . import _json
from .errors import NodeError
from .formats import MAX_COLUMNS, FileProblem, columns, optional

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every written entry's and the document's time: see _Fixed
MAX_UNPACKED = 256 << 20  # bytes all entries of one XLSX file may inflate to
MAX_ENTRIES = 10_000  # entries in its zip
MAX_CELL_TEXT = 32_767  # characters in one cell: Excel's own limit
EXCEL_COLUMNS = 16_384


def _openpyxl(name: str) -> Any:
    return optional("openpyxl", f"reading or writing {name}", "XLSX reader")


def _opened(path: str | bytes) -> Any:
    """A path, or a file's bytes as a file object (a file held in an item)."""
    return io.BytesIO(path) if isinstance(path, bytes) else path


def check_archive(path: str | bytes, name: str) -> None:
    """Refuse a file that is not a zip, or whose entries would inflate too far."""
    try:
        with zipfile.ZipFile(_opened(path)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(name, f"not an XLSX file (not a zip archive: {exc})") from None
    if len(entries) > MAX_ENTRIES:
        raise FileProblem(name, f"{len(entries):,} entries in its zip; an XLSX file may have at most {MAX_ENTRIES:,}")
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED:
        biggest = max(entries, key=lambda e: e.file_size)
        raise FileProblem(
            name,
            f"would unpack to {total:,} bytes ({biggest.filename}: {biggest.file_size:,} from "
            f"{biggest.compress_size:,}), more than the {MAX_UNPACKED:,} allowed; refused "
            "(a zip bomb, or a sheet too big for this reader: save it as CSV)",
        )


def _value(value: Any) -> Any:
    """A cell's value as JSON: numbers, text and booleans as they are, dates as ISO text
    (a midnight as the date alone), times as HH:MM:SS, durations as H:MM:SS."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if t is dt.datetime:
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat()
    if t is dt.date or t is dt.time:
        return value.isoformat()
    if t is dt.timedelta:
        seconds = value.days * 86400 + value.seconds
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        text = f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return text + (f".{value.microseconds // 1000:03d}" if value.microseconds else "")
    return str(value)


def _key(value: Any, column: int) -> str:
    if value is None or value == "":
        return f"column{column}"
    value = _value(value)
    return value if type(value) is str else _json.dumps(value)


def read(path: str | bytes, name: str, options: dict) -> list[dict]:
    """The sheet's rows as items (the first sheet unless `sheet` names one)."""
    check_archive(path, name)
    openpyxl = _openpyxl(name)
    try:
        book = openpyxl.load_workbook(_opened(path), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileProblem(name, f"not an XLSX file openpyxl can read ({type(exc).__name__}: {exc})") from None
    try:
        wanted = options.get("sheet")
        if wanted:
            if wanted not in book.sheetnames:
                raise FileProblem(name, f"has no sheet {wanted!r}; its sheets are "
                                  + ", ".join(repr(s) for s in book.sheetnames))  # fmt: skip
            sheet = book[wanted]
        else:
            sheet = book.worksheets[0] if book.worksheets else None
            if sheet is None:
                raise FileProblem(name, "has no worksheet")
        if not hasattr(sheet, "iter_rows"):
            raise FileProblem(name, f"{sheet.title!r} is a chart sheet, not a worksheet")
        sheet.reset_dimensions()
        return _rows(sheet, f"{name} sheet {sheet.title!r}", options.get("header", True))
    finally:
        book.close()


def _rows(sheet: Any, where: str, header: bool) -> list[dict]:
    items: list[dict] = []
    keys: list[str] | None = None
    number = 0
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            if len(row) > MAX_COLUMNS:
                raise FileProblem(where, f"{len(row):,} columns; at most {MAX_COLUMNS:,} are read", number, "row")
            if all(v is None for v in row):
                continue  # an empty row
            if keys is None:
                if header:
                    keys = [_key(v, i) for i, v in enumerate(row, 1)]
                    seen: dict[str, int] = {}
                    for i, k in enumerate(keys):  # a repeated name gets _2, _3...
                        seen[k] = seen.get(k, 0) + 1
                        if seen[k] > 1:
                            keys[i] = f"{k}_{seen[k]}"
                    continue
                keys = []
            if len(row) > len(keys):  # a value right of the header: columnN, as without one
                last = max((i for i, v in enumerate(row) if v is not None), default=-1)
                keys = keys + [f"column{i}" for i in range(len(keys) + 1, last + 2)]
            item = {k: _value(row[i]) if i < len(row) else None for i, k in enumerate(keys)}
            items.append(item)
    except NodeError:
        raise
    except Exception as exc:  # a damaged sheet: bad XML, a date out of range...
        raise FileProblem(where, f"cannot be read ({type(exc).__name__}: {exc})", number + 1, "row") from None
    return items


def _text(value: Any) -> Any:
    """A value as an XLSX cell value: nested values as compact JSON text."""
    t = type(value)
    if t is dict or t is list:
        return _json.dumps(value)
    return value


def write(items: list[dict], options: dict) -> bytes:
    """One sheet: a header row of every key (first-seen order), then a row per item."""
    openpyxl = _openpyxl("an xlsx file")
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    keys = columns(items)
    if len(keys) > EXCEL_COLUMNS:
        raise NodeError(f"the items have {len(keys):,} keys; an XLSX sheet holds at most {EXCEL_COLUMNS:,} columns")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")

    def cell(value: Any, index: int | None, key: str) -> Any:
        value = _text(value)
        t = type(value)
        if (t is float and float(f"{value:.16g}") != value) or (t is int and abs(value) >= 10**16):
            # openpyxl writes numbers as %.16g, which loses the last digit of some floats
            # (0.1 + 0.2) and of big integers: give it the exact text to write instead
            c = WriteOnlyCell(sheet)
            c._value, c.data_type = repr(value), "n"
            return c
        if t is str:
            if len(value) > MAX_CELL_TEXT:
                raise NodeError(f"{key}: {len(value):,} characters; an XLSX cell holds at most "
                                f"{MAX_CELL_TEXT:,}", item=index)  # fmt: skip
            if value.startswith("="):  # text, never a formula
                c = WriteOnlyCell(sheet, value)
                c.data_type = "s"
                return c
        return value

    try:
        sheet.append([cell(k, None, "a key") for k in keys])
        for index, item in enumerate(items):
            sheet.append([cell(item[k], index, k) if k in item else None for k in keys])
    except IllegalCharacterError:
        raise NodeError("a value holds a control character that XLSX cannot store") from None
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = dt.datetime(*ZIP_TIME)
    buffer = io.BytesIO()
    with _Fixed(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
    return buffer.getvalue()


class _Fixed(zipfile.ZipFile):
    """A zip whose entries carry one fixed time and mode, so the same items always give
    the same bytes (and the same `bytes` count natively and in Pyodide); openpyxl alone
    stamps the clock into the file and each entry."""

    def writestr(self, name: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if not isinstance(name, zipfile.ZipInfo):
            name = zipfile.ZipInfo(name, ZIP_TIME)
            name.compress_type = self.compression
            name.external_attr = 0o644 << 16
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        with open(filename, "rb") as f:  # the write-only sheet's temporary file
            self.writestr(arcname or filename, f.read(), compress_type, compresslevel)
