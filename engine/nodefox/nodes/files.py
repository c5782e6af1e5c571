"""File nodes: `read_file` (effect read) and `write_file` (effect write), `world.md`.

Documents name files, never paths; `nodefox.files` resolves a name inside the run's
files folder, and `nodefox.formats` turns file contents into items and back.
"""

from __future__ import annotations

from .. import _json, files
from ..formats import FORMATS, READERS, WRITERS, format_of
from .base import NodeCall, NodeType, Outputs, obj_schema

_FILE = {"type": "string", "minLength": 1,
         "description": "a file name in the files folder, such as orders.csv or reports/may.xlsx"}  # fmt: skip
_FORMAT = {"type": "string", "enum": ["auto", *FORMATS], "default": "auto",
           "description": "auto: by the file name's extension"}  # fmt: skip
_DELIMITER = {"type": "string", "minLength": 1, "maxLength": 1,
              "description": "csv/tsv: the character between cells (default , for csv, tab for tsv)"}  # fmt: skip


def _options(params: dict, fmt: str) -> dict:
    return {**params, "format": fmt}


def run_read_file(call: NodeCall) -> Outputs:
    params = call.params()
    name = params["file"]
    fmt = format_of(name, params.get("format"))
    path, info = files.for_reading(name, call.world.files)
    options = _options(params, fmt)
    cache = call.world.cache
    if cache is None:  # a whole run reads once anyway
        return {"out": READERS[fmt](path, name, options)}
    # a live session re-runs a read node whenever the session runs it again: an
    # unchanged file (same size and modification time) is not read again
    key = _json.dumps([path, files.version_key(info), options])
    items = cache.get(call.node_id, key)
    if items is None:
        items = READERS[fmt](path, name, options)
        cache.put(call.node_id, key, items)
    return {"out": list(items)}


def run_write_file(call: NodeCall) -> Outputs:
    params = call.params()
    name = params["file"]
    fmt = format_of(name, params.get("format"))
    call.world.check_write(f'the file "{name}"')
    path = files.for_writing(name, call.world.files)
    items = call.first
    data = WRITERS[fmt](items, _options(params, fmt))
    try:
        files.write_bytes(path, data)
    except OSError as exc:
        raise files.refused(name, f"cannot be written: {exc.strerror or exc}") from None
    return {"out": [{"file": name, "bytes": len(data), "items": len(items)}]}


XLSX_PACKAGES = ["openpyxl"]  # et_xmlfile comes with it: the lockfile lists it as a dependency


def packages(document: dict) -> list[str]:
    """The optional packages this document's file nodes may need (`["openpyxl"]` when
    one may read or write xlsx: by its format, its file's extension, or an expression
    that could give either), so a browser page loads them before a run, and only then."""
    for node in document.get("nodes") or [] if isinstance(document, dict) else []:
        if not isinstance(node, dict) or node.get("type") not in ("read_file", "write_file"):
            continue
        params = node.get("params") if isinstance(node.get("params"), dict) else {}
        fmt, name = params.get("format", "auto"), params.get("file", "")
        if not isinstance(fmt, str) or not isinstance(name, str):
            continue
        if fmt.startswith("=") or fmt == "xlsx":
            return list(XLSX_PACKAGES)
        if fmt == "auto" and (name.startswith("=") or name.lower().endswith(".xlsx")):
            return list(XLSX_PACKAGES)
    return []


NODES = [
    NodeType(
        "read_file", "Read File", "Files",
        "Reads a CSV, TSV, JSON, NDJSON, XLSX or TXT file from the files folder: its rows or "
        "elements become items (txt: one item {text}). CSV cells stay text unless inferTypes.",
        (), ("out",),
        obj_schema({
            "file": _FILE,
            "format": _FORMAT,
            "delimiter": _DELIMITER,
            "header": {"type": "boolean", "default": True,
                       "description": "csv/tsv/xlsx: the first row names the fields (else column1, column2...)"},
            "inferTypes": {"type": "boolean", "default": False,
                           "description": "csv/tsv: numbers, true/false and empty cells (null) from their text"},
            "split": {"type": "string",
                      "description": "json: a JSON pointer to the array whose elements become items, e.g. /data"},
            "sheet": {"type": "string", "description": "xlsx: the sheet's name (default: the first)"},
        }, ["file"]),
        run_read_file,
        effect="read",
        reads=frozenset({"files"}),
    ),
    NodeType(
        "write_file", "Write File", "Files",
        "Writes all input items into one file in the files folder (needs --allow-write) and "
        "emits {file, bytes, items}. CSV columns: every key in first-seen order.",
        ("in",), ("out",),
        obj_schema({"file": _FILE, "format": _FORMAT, "delimiter": _DELIMITER}, ["file"]),
        run_write_file,
        effect="write",
        reads=frozenset({"files"}),
    ),
]  # fmt: skip
