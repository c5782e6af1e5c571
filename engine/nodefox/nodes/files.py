"""File nodes: `read_file` (effect read) and `write_file` (effect write), `world.md`.

Documents name files, never paths; `nodefox.files` resolves a name inside the run's
files folder, and `nodefox.formats` turns file contents into items and back.
"""

from __future__ import annotations

import os

from .. import _json, filedata, files, paths
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
    # a live session re-runs a read node whenever the session runs it again: a file
    # with the same content (its hash, world.md) is not parsed again
    try:
        key = _json.dumps([path, files.content_key(path), options])
    except OSError as exc:
        raise files.refused(name, f"cannot be read: {exc.strerror or exc}") from None
    items = cache.get(call.node_id, key)
    if items is None:
        items = READERS[fmt](path, name, options)
        cache.put(call.node_id, key, items)
    return {"out": list(items)}


def run_load_file(call: NodeCall) -> Outputs:
    """Each item's file (its name may come from the item) into a field, as a file value."""
    out: list = []
    params_of = call.item_params()
    cache = call.world.cache

    def load(item: dict, index: int) -> None:
        params = params_of(item, index)
        name = params["file"]
        if params.get("skipMissing") and files.missing(name, call.world.files):
            return  # no such file: nothing for this item (n8n's first Read Files node)
        path, info = files.for_reading(name, call.world.files)
        if info.st_size > filedata.MAX_FILE:
            raise files.refused(name, f"{info.st_size:,} bytes; a file held in an item may have at most "
                                f"{filedata.MAX_FILE:,}")  # fmt: skip
        key = _json.dumps([path, files.version_key(info)])
        data = cache.get(call.node_id, key) if cache is not None else None
        if data is None:
            try:
                with open(path, "rb") as f:
                    data = f.read(filedata.MAX_FILE + 1)
            except OSError as exc:
                raise files.refused(name, f"cannot be read: {exc.strerror or exc}") from None
            if cache is not None:
                cache.put(call.node_id, key, data)
        # the type by the name's extension only, as n8n reads a file from disk
        value = filedata.make(data, name, params.get("mimeType") or filedata.mime_of(name) or "text/plain")
        new: dict = dict(item) if params.get("keep") else {}
        if params.get("metadata"):
            new.update({k: value[k] for k in _METADATA if k in value})
        paths.set_(new, params.get("field", "file"), value)
        out.append(new)

    call.each(load, out)
    return {"out": out}


_METADATA = ("mimeType", "fileType", "fileName", "fileExtension", "fileSize")


def _write_each(call: NodeCall, field: str) -> Outputs:
    """Each item's file, from `field`, written under the name its params give; the item
    passes on with `fileName` (the name written)."""
    out: list = []
    params_of = call.item_params()

    def write(item: dict, index: int) -> None:
        params = params_of(item, index)
        name = params["file"]
        data = filedata.content(paths.get(item, field), f"field {field}")
        call.world.check_write(f'the file "{name}"')
        path = files.for_writing(name, call.world.files)
        if params.get("append") and os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read() + data
        try:
            files.write_bytes(path, data)
        except OSError as exc:
            raise files.refused(name, f"cannot be written: {exc.strerror or exc}") from None
        out.append({**item, "fileName": name})

    call.each(write, out)
    return {"out": out}


def run_write_file(call: NodeCall) -> Outputs:
    field = call.plan.params.get("field")
    if isinstance(field, str) and field:
        return _write_each(call, field)
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
PDF_PACKAGES = ["pypdf"]  # from_file's pdf (`_pdf`)


def packages(document: dict) -> list[str]:
    """The optional packages this document's file nodes may need (`["openpyxl"]` when
    one may read or write xlsx: by its format, its file's extension, or an expression
    that could give either; `["pypdf"]` when a from_file may read a PDF), so a browser
    page loads them before a run, and only then."""
    wanted: set[str] = set()
    for node in document.get("nodes") or [] if isinstance(document, dict) else []:
        if not isinstance(node, dict) or node.get("type") not in ("read_file", "write_file", "from_file", "to_file"):
            continue
        params = node.get("params") if isinstance(node.get("params"), dict) else {}
        if node["type"] in ("from_file", "to_file"):  # a file held in an item: by its format alone
            fmt = params.get("format", "auto" if node["type"] == "from_file" else "csv")
            if not isinstance(fmt, str):
                continue
            unknown = fmt == "auto" or fmt.startswith("=")
            if unknown or fmt == "xlsx":
                wanted.update(XLSX_PACKAGES)
            if node["type"] == "from_file" and (unknown or fmt == "pdf"):
                wanted.update(PDF_PACKAGES)
            continue
        fmt, name = params.get("format", "auto"), params.get("file", "")
        if not isinstance(fmt, str) or not isinstance(name, str):
            continue
        if fmt.startswith("=") or fmt == "xlsx":
            wanted.update(XLSX_PACKAGES)
        if fmt == "auto" and (name.startswith("=") or name.lower().endswith(".xlsx")):
            wanted.update(XLSX_PACKAGES)
    return sorted(wanted)


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
        "emits {file, bytes, items}. CSV columns: every key in first-seen order. With field: "
        "writes the file each item holds there.",
        ("in",), ("out",),
        obj_schema({
            "file": _FILE, "format": _FORMAT, "delimiter": _DELIMITER,
            "field": {"type": "string", "minLength": 1,
                      "description": "write the file held in this field of each item instead (one file per "
                                     "item, file evaluated per item); items pass on with fileName"},
            "append": {"type": "boolean", "default": False,
                       "description": "with field: add to the end of an existing file"},
        }, ["file"]),
        run_write_file,
        effect="write",
        reads=frozenset({"files"}),
    ),
    NodeType(
        "load_file", "Load File", "Files",
        "Reads a file from the files folder into a field of each item as a file (base64 with its "
        "name and type), unparsed: for from_file, http or write_file. The name may come from the item.",
        ("in",), ("out",),
        obj_schema({
            "file": _FILE,
            "field": {"type": "string", "minLength": 1, "default": "file",
                      "description": "the field the file goes in (a path such as file or binary.data)"},
            "mimeType": {"type": "string", "description": "the file's type (default: by its extension)"},
            "keep": {"type": "boolean", "default": False,
                     "description": "keep the item's fields (else the new item holds only the file)"},
            "skipMissing": {"type": "boolean", "default": False,
                            "description": "a file that does not exist gives no item (else the item fails)"},
            "metadata": {"type": "boolean", "default": False,
                         "description": "also copy mimeType, fileType, fileName, fileExtension and fileSize "
                                        "to the item's top level"},
        }, ["file"]),
        run_load_file,
        effect="read",
        reads=frozenset({"files"}),
    ),
]  # fmt: skip
