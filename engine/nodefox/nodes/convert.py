"""Files held in items, converted in memory: `from_file` and `to_file` (docs/files.md).

A file in an item is a field holding `nodefox.filedata`'s object (bytes as base64
plus their type and name). These nodes touch no disk and no network, so their
effect is none: `from_file` parses such a file with the same readers `read_file`
uses, `to_file` makes one with the same writers `write_file` uses (or from one
field's text or base64), and the file then travels with the item to a node that
sends or writes it.
"""

from __future__ import annotations

import json
from typing import Any

from .. import _json, filedata, paths
from .._guards import type_name
from ..errors import NodeError
from ..formats import READERS, WRITERS, FileProblem, parse_json
from .base import NodeCall, NodeType, Outputs, obj_schema

ROWS = ("csv", "tsv", "json", "ndjson", "xlsx", "txt")  # formats read as rows (or elements)
PDF = "pdf"  # read as one item of the document's facts and text (`_pdf`)
WHOLE = ("txt", "json", "base64")  # formats read whole into one field with `into`
MIME = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json",
        "ndjson": "application/x-ndjson", "xlsx": filedata.MIME_TYPES["xlsx"], "txt": "text/plain",
        "text": "text/plain", "pdf": filedata.MIME_TYPES["pdf"]}  # fmt: skip
BOM = b"\xef\xbb\xbf"


def without(item: dict, field: str) -> dict:
    """The item without `field`; an object the removal leaves empty goes too (a file at
    `binary.data` was the only one: no `binary: {}` stays behind)."""
    new = dict(item)
    paths.delete(new, field)
    parts = paths.split(field)
    while len(parts) > 1:
        parts = parts[:-1]
        parent = ".".join(parts)
        if paths.get(new, parent) != {}:
            break
        paths.delete(new, parent)
    return new


def _kept(item: dict, field: str, keep: str) -> dict:
    """What of the item a file's content joins: nothing, its other fields, all of it, or
    the file's siblings (the item's other files when files sit in an object such as binary)."""
    if keep == "all":
        return dict(item)
    if keep == "fields":
        return without(item, field)
    new: dict = {}
    parent, _, key = field.rpartition(".")
    holder = paths.get(item, parent) if parent else None
    if keep == "files" and type(holder) is dict:
        siblings = {k: v for k, v in holder.items() if k != key}
        if siblings:
            paths.set_(new, parent, siblings)
    return new


def _format_of(params: dict, value: dict, where: str) -> str:
    fmt = params.get("format", "auto")
    if fmt != "auto":
        return fmt
    name = value.get("fileName") if type(value.get("fileName")) is str else ""
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    ext = {"jsonl": "ndjson", "tab": "tsv", "text": "txt"}.get(ext, ext)
    if ext in ROWS or ext == PDF:
        return ext
    media = value["mimeType"].split(";", 1)[0].strip().lower()
    for kind, mime in MIME.items():
        if media == mime and (kind in ROWS or kind == PDF):
            return kind
    raise NodeError(f"{where}: cannot tell the format of {filedata.summary(value)}: set format",
                    path="/format")  # fmt: skip


def run_from_file(call: NodeCall) -> Outputs:
    out: list = []
    params_of = call.item_params()

    def extract(item: dict, index: int) -> None:
        params = params_of(item, index)
        field = params.get("field", "file")
        value = paths.get(item, field)
        if value is None and params.get("skipMissing"):
            return
        data = filedata.content(value, f"field {field}")
        fmt = _format_of(params, value, f"field {field}")
        name = value.get("fileName") if type(value.get("fileName")) is str else field
        into = params.get("into")
        if fmt == PDF:
            out.append(_pdf_item(item, field, data, params, name if name != field else None))
            return
        if into is None:
            if fmt not in ROWS:
                raise NodeError(f"format {fmt} gives one value: name the field to put it in (into)", path="/into")
            rows = READERS[fmt](data, name, {**params, "format": fmt})
            empty = params.get("emptyCells", "keep")
            if empty == "drop" and fmt in ("csv", "tsv", "xlsx"):
                rows = [{k: v for k, v in row.items() if v != "" and v is not None} for row in rows]
            elif empty == "text" and fmt in ("csv", "tsv", "xlsx"):
                rows = [{k: "" if v is None else v for k, v in row.items()} for row in rows]
            out.extend(rows)
            return
        if fmt not in WHOLE:
            raise NodeError(f"into: format {fmt} gives rows, not one value (into takes txt, json or base64)",
                            path="/into")  # fmt: skip
        if fmt == "base64":
            whole: Any = filedata.encode64(data)
        else:
            whole = READERS["txt"](data, name, {})[0]["text"]
            if fmt == "json":
                try:
                    whole = parse_json(whole)
                except ValueError as exc:
                    raise FileProblem(name, f"not valid JSON: {exc}") from None
                except RecursionError:
                    raise FileProblem(name, "the JSON nests too deeply") from None
        keep = params.get("keep", "none")
        new = _kept(item, field, keep)
        paths.set_(new, into, whole)
        out.append(new)

    call.each(extract, out)
    return {"out": out}


def _pdf_item(item: dict, field: str, data: bytes, params: dict, name: str | None) -> dict:
    """One item for a PDF: its facts and text (`_pdf.read`) at the top level, or in
    `into`, joined with what `keep` keeps of the item; the PDF's keys win, as in n8n."""
    from .._pdf import read

    facts = read(data, f"field {field}" + (f" ({name})" if name else ""), params)
    new = _kept(item, field, params.get("keep", "none"))
    into = params.get("into")
    if into is None:
        new.update(facts)
    else:
        paths.set_(new, into, facts)
    return new


def _text_of(value: Any, where: str) -> tuple[str, bool]:
    """A field's value as the text of a file, and whether it is JSON (an object, array or null)."""
    if type(value) is str:
        return value, False
    if value is None or type(value) in (dict, list):
        return _json.dumps(value), True
    raise NodeError(f"{where} is {type_name(value)}; a text file is made from text (or an object, as JSON)")


def run_to_file(call: NodeCall) -> Outputs:
    fmt = call.plan.params.get("format", "csv")
    if fmt in WRITERS and not (fmt == "json" and call.plan.params.get("each") is True):
        params = call.params()
        items = call.first
        if fmt in ("csv", "tsv") and params.get("csvStyle") == "excel":
            from .._sheetcsv import write as write_sheet_csv

            data = write_sheet_csv(items, {**params, "delimiter": params.get("delimiter") or ("\t" if fmt == "tsv" else ",")})
        elif fmt == "json":  # JSON.stringify's text: compact, or indented by two with no newline at the end
            text = json.dumps(items, indent=2 if params.get("pretty") else None, ensure_ascii=False,
                              allow_nan=False, separators=None if params.get("pretty") else (",", ":"))  # fmt: skip
            data = text.encode("utf-8")
        else:
            data = WRITERS[fmt](items, params)
        return {"out": [_made(params, data, fmt)]}
    out: list = []
    params_of = call.item_params()

    def convert(item: dict, index: int) -> None:
        params = params_of(item, index)
        kind = params.get("format", "csv")
        source = params.get("source")
        mime = params.get("mimeType")
        if kind not in ("text", "base64", "json"):
            raise NodeError(f"format {kind} makes one file of all items: it cannot come from an expression",
                            path="/format")  # fmt: skip
        if kind == "json":
            data = _json.dumps(item if source is None else paths.get(item, source)).encode("utf-8")
            out.append(_made(params, data, "json"))
            return
        if not source and kind == "base64":
            raise NodeError("format base64 converts one field of each item: name it in source", path="/source")
        if source and not paths.has(item, source):
            raise NodeError(f'source: the item has no field "{source}"', path="/source")
        value = paths.get(item, source) if source else item  # text without source: the whole item, as JSON
        if kind == "base64":
            if type(value) is not str:
                raise NodeError(f"source: {source} is {type_name(value)}, not base64 text", path="/source")
            data, uri_mime = filedata.from_base64_text(value, f"source {source}")
            out.append(_made(params, data, None, mime or uri_mime))
            return
        text, is_json = _text_of(value, f"source {source}")
        out.append(_made(params, text.encode("utf-8"), "text", "application/json" if is_json else mime))

    call.each(convert, out)
    return {"out": out}


def _made(params: dict, data: bytes, fmt: str | None, mime: str | None = None) -> dict:
    """The output item: the file in `field`, named and typed as the params say."""
    if params.get("bom") and fmt is not None:
        data = BOM + data
    mime = mime or params.get("mimeType") or (MIME.get(fmt) if fmt else None)
    name = params.get("fileName") or None
    value = filedata.make(data, name, mime, where=params.get("field", "file"))
    if not name:
        ext = value.get("fileExtension")
        value["fileName"] = f"file.{ext}" if ext else "file"
        value["fileSize"] = value.pop("fileSize")  # the keys in the order make() gives them
        value["bytes"] = value.pop("bytes")
    item: dict = {}
    paths.set_(item, params.get("field", "file"), value)
    return item


_FIELD = {"type": "string", "minLength": 1, "default": "file",
          "description": "the field that holds the file (a path such as file or binary.data)"}  # fmt: skip
_DELIMITER = {"type": "string", "minLength": 1, "maxLength": 1,
              "description": "csv/tsv: the character between cells (default , for csv, tab for tsv)"}  # fmt: skip

NODES = [
    NodeType(
        "from_file", "From File", "Files",
        "Reads the file held in a field of each item: its rows or elements become items "
        "(CSV, TSV, JSON, NDJSON, XLSX, TXT), or with into, its text, JSON value or base64 "
        "goes into one field; a PDF gives one item of its text, page count and metadata. "
        "In memory: no disk, no network.",
        ("in",), ("out",),
        obj_schema({
            "field": _FIELD,
            "format": {"type": "string", "enum": ["auto", *ROWS, PDF, "base64"], "default": "auto",
                       "description": "auto: by the file's name, else its type"},
            "into": {"type": "string", "minLength": 1,
                     "description": "txt, json, base64: put the whole text, JSON value or base64 in this "
                                    "field of one item per file (pdf: its facts, else at the top level)"},
            "keep": {"type": "string", "enum": ["none", "files", "fields", "all"], "default": "none",
                     "description": "with into or pdf: nothing else, the other files beside it (the other fields "
                                    "of the object holding it, such as binary), the item's other fields, or all"},
            "skipMissing": {"type": "boolean", "default": False,
                            "description": "an item without a file gives nothing (else it fails)"},
            "delimiter": _DELIMITER,
            "header": {"type": "boolean", "default": True,
                       "description": "csv/tsv/xlsx: the first row names the fields"},
            "inferTypes": {"type": "boolean", "default": False,
                           "description": "csv/tsv: numbers, true/false and empty cells (null) from their text"},
            "emptyCells": {"type": "string", "enum": ["keep", "drop", "text"], "default": "keep",
                           "description": "csv/tsv/xlsx: drop leaves out the empty cells (empty text or null), "
                                          "text makes them empty text"},
            "bom": {"type": "string", "enum": ["strip", "keep"], "default": "strip",
                    "description": "csv/tsv: keep leaves a byte order mark in the first column's name (as n8n does)"},
            "split": {"type": "string", "description": "json: a JSON pointer to the array whose elements become items"},
            "sheet": {"type": "string", "description": "xlsx: the sheet's name (default: the first)"},
            "joinPages": {"type": "boolean", "default": True,
                          "description": "pdf: the pages' texts joined by a blank line (else a list of them)"},
            "maxPages": {"type": "integer", "minimum": 0,
                         "description": "pdf: the text of at most this many pages (0: none; default all)"},
            "password": {"type": "string", "description": "pdf: the password of an encrypted file"},
        }),
        run_from_file,
    ),
    NodeType(
        "to_file", "To File", "Files",
        "Makes a file held in an item: all items as one CSV, TSV, JSON, NDJSON, XLSX or TXT "
        "file, or one file per item from a field's text or base64. In memory: write it with "
        "write_file, or send it with http.",
        ("in",), ("out",),
        obj_schema({
            "format": {"type": "string", "enum": ["csv", "tsv", "json", "ndjson", "xlsx", "txt", "text", "base64"],
                       "default": "csv",
                       "description": "csv...txt: all items in one file; text, base64: each item's source field"},
            "source": {"type": "string", "minLength": 1,
                       "description": "text, base64 (and json with each): the field each file is made from "
                                      "(text without it: the whole item as JSON)"},
            "each": {"type": "boolean", "default": False, "description": "json: one file per item"},
            "field": _FIELD,
            "fileName": {"type": "string", "description": "the file's name (default file.<extension>)"},
            "mimeType": {"type": "string", "description": "the file's type (default by format or name)"},
            "pretty": {"type": "boolean", "default": False, "description": "json: indented by two spaces"},
            "bom": {"type": "boolean", "default": False, "description": "start the file with a UTF-8 byte order mark"},
            "csvStyle": {"type": "string", "enum": ["plain", "excel"], "default": "plain",
                         "description": "csv/tsv: excel writes as spreadsheet programs (and n8n) do: a byte order "
                                        "mark, nested values as a.b columns, TRUE/FALSE, Excel's General numbers, "
                                        "no newline at the end"},
            "header": {"type": "boolean", "default": True, "description": "csv/tsv with csvStyle excel: a header row"},
            "delimiter": _DELIMITER,
        }),
        run_to_file,
    ),
]  # fmt: skip
