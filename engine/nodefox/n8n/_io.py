"""n8n's HTTP Request (v1 to v4) as NodeFox's `http`, and its file nodes.

n8n's file nodes move binary data between them (Read/Write Files from Disk
reads bytes, Extract from File parses them); NodeFox's `read_file` and
`write_file` do both steps in one node. So an n8n file node is translated
only when it is one half of such a pair on its own; otherwise its binary data
has no NodeFox equivalent and it becomes a placeholder.
"""

from __future__ import annotations

import re
from typing import Any

from ._holes import value_of
from .expressions import Untranslatable
from .nodes import Context, Done, Mapped, NotExpressible, Ports, literal, path

_METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}
_NEXT_URL = re.compile(r"^=\s*\{\{\s*\$response\.body((?:\.[A-Za-z_$][\w$]*|\[\s*(?:\"[^\"]*\"|'[^']*'|\d+)\s*\])+)\s*\}\}\s*$")
_SEGMENT = re.compile(r"\.([A-Za-z_$][\w$]*)|\[\s*(?:\"([^\"]*)\"|'([^']*)'|(\d+))\s*\]")


def _pairs(ctx: Context, entries: list, what: str, where: str) -> dict:
    """Name-value pairs as an object; a pair NodeFox cannot send as given is left out and reported."""
    out: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        at = f"{where}.{i}"
        name = entry.get("name", "")
        if entry.get("parameterType") == "formBinaryData":
            ctx.drop(at, f"the {what} {name!r} sends binary data, which NodeFox items do not carry")
            continue
        if not isinstance(name, str) or name.startswith("="):
            ctx.drop(at, f"a {what} name given by an expression; NodeFox needs fixed names")
            continue
        if name in out:
            ctx.drop(at, f"the {what} {name!r} is given twice; NodeFox sends each name once (the first)")
            continue
        value = entry.get("value", "")
        out[name] = value if isinstance(value, str) and value.startswith("=") else literal(value)
    return out


_MULTIPART = "the body is sent URL-encoded (application/x-www-form-urlencoded) where n8n sends multipart/form-data"
_FILE_RESPONSE = "the response is read as text into the item's body where n8n keeps it as a binary file"


def _multipart_headers(ctx: Context, params: dict) -> None:
    """A fixed multipart Content-Type header would mislabel the URL-encoded body: left out and reported."""
    headers = params.get("headers")
    if isinstance(headers, dict):
        for key in [k for k in headers if k.lower() == "content-type"]:
            value = headers[key]
            if isinstance(value, str) and "multipart" in value.lower():
                del headers[key]
                ctx.drop("headerParameters", f"the {key} header {value!r}; NodeFox sends the body URL-encoded with its own")


def _json_param(ctx: Context, text: Any, pointer: str, want_object: bool) -> Any:
    """A JSON parameter (possibly with `{{ }}` holes) as a NodeFox value."""
    if isinstance(text, (dict, list)):
        return literal(text)
    if not isinstance(text, str):
        raise NotExpressible(f"{pointer} is not JSON text")
    if not text.strip():
        return {}
    is_expr = text.startswith("=")
    if is_expr:
        ctx.total += 1
    try:
        value, _ = value_of(text)
    except Untranslatable as exc:
        if not is_expr:
            raise NotExpressible(f"{pointer}: {exc}") from None
        ctx.untranslated.append({"node": ctx.name, "path": pointer, "expression": text[1:], "reason": str(exc)})
        return Done(text)  # kept as written: the node fails on it rather than sending something else
    if is_expr:
        ctx.translated += 1
    if want_object and not isinstance(value, (dict, Done)):
        raise NotExpressible(f"{pointer} is not a JSON object")
    if want_object and isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
        raise NotExpressible(f"{pointer} holds a nested object, which n8n encodes as a[b]=c")
    return value if isinstance(value, Done) or is_expr else literal(value)


def _credential(ctx: Context, key: str | None) -> str | None:
    creds = ctx.raw.get("credentials")
    if not isinstance(creds, dict) or not creds:
        return None
    entry = creds.get(key) if key else None
    if entry is None and len(creds) == 1:
        entry = next(iter(creds.values()))
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
        return entry["name"]
    return None


def http(ctx: Context) -> Mapped:
    params: dict[str, Any] = {}
    if ctx.version < 4:
        _http_v1(ctx, params)
    else:
        _http_v4(ctx, params)
    timeout = ctx.get("options.timeout")
    if type(timeout) is int and timeout > 0:
        params["timeoutMs"] = timeout
    return Mapped("http", params)


def _method(value: Any, params: dict) -> None:
    if isinstance(value, str) and value.startswith("="):
        params["method"] = value
    elif value in _METHODS:
        if value != "GET":
            params["method"] = value
    else:
        raise NotExpressible(f"the method {value!r} has no NodeFox equivalent")


def _url(ctx: Context, params: dict) -> None:
    url = ctx.get("url", "")
    if not isinstance(url, str):
        raise NotExpressible("the URL is not text")
    params["url"] = url if url.startswith("=") else literal(url)


def _http_v1(ctx: Context, params: dict) -> None:
    _method(ctx.get("requestMethod", "GET"), params)
    _url(ctx, params)
    auth = ctx.get("authentication", "none")
    if auth != "none":
        name = _credential(ctx, {"basicAuth": "httpBasicAuth", "headerAuth": "httpHeaderAuth",
                                 "digestAuth": "httpDigestAuth", "queryAuth": "httpQueryAuth"}.get(auth))  # fmt: skip
        if name:
            params["credential"] = name
    fmt = ctx.get("responseFormat", "json")
    if fmt == "file":
        params["response"] = "text"
        ctx.differ(_FILE_RESPONSE)
    elif fmt == "string":
        params["response"] = "text"
    elif fmt == "json":
        params["response"] = "json"
    if ctx.get("options.fullResponse", False):
        params["full"] = True
    content = ctx.get("options.bodyContentType", "json")
    if ctx.get("jsonParameters", False):
        for key, target in (("queryParametersJson", "query"), ("headerParametersJson", "headers")):
            if ctx.get(key):
                params[target] = _json_param(ctx, ctx.get(key), f"/{target}", True)
        if ctx.get("bodyParametersJson"):
            params["body"] = _json_param(ctx, ctx.get("bodyParametersJson"), "/body", False)
    else:
        for key, target in (("queryParametersUi.parameter", "query"), ("headerParametersUi.parameter", "headers"),
                            ("bodyParametersUi.parameter", "body")):  # fmt: skip
            entries = ctx.list(key)
            if entries:
                params[target] = _pairs(ctx, entries, target, key)
    if "body" in params:
        if content == "form-urlencoded":
            params["bodyType"] = "form"
        elif content == "multipart-form-data":
            params["bodyType"] = "form"
            ctx.differ(_MULTIPART)
            _multipart_headers(ctx, params)
        elif content == "raw":
            raise NotExpressible("a raw body in an old HTTP Request has no NodeFox equivalent")


def _http_v4(ctx: Context, params: dict) -> None:
    _method(ctx.get("method", "GET"), params)
    _url(ctx, params)
    auth = ctx.get("authentication", "none")
    if auth == "genericCredentialType":
        name = _credential(ctx, ctx.get("genericAuthType"))
    elif auth == "predefinedCredentialType":
        name = _credential(ctx, ctx.get("nodeCredentialType"))
    else:
        name = None
    if name:
        params["credential"] = name
    if ctx.get("sendQuery", False):
        if ctx.get("specifyQuery", "keypair") == "json":
            params["query"] = _json_param(ctx, ctx.get("jsonQuery", "{}"), "/query", True)
        else:
            params["query"] = _pairs(ctx, ctx.list("queryParameters.parameters"), "query parameter", "queryParameters.parameters")
    if ctx.get("sendHeaders", False):
        if ctx.get("specifyHeaders", "keypair") == "json":
            params["headers"] = _json_param(ctx, ctx.get("jsonHeaders", "{}"), "/headers", True)
        else:
            params["headers"] = _pairs(ctx, ctx.list("headerParameters.parameters"), "header", "headerParameters.parameters")
    if ctx.get("sendBody", False):
        _body_v4(ctx, params)
    _response_v4(ctx, params)
    _pagination(ctx, params)


def _body_v4(ctx: Context, params: dict) -> None:
    content = ctx.get("contentType", "json")
    if content == "binaryData":
        raise NotExpressible("a body that is the item's binary file has no NodeFox equivalent")
    if content == "multipart-form-data":
        params["body"] = _pairs(ctx, ctx.list("bodyParameters.parameters"), "body parameter", "bodyParameters.parameters")
        params["bodyType"] = "form"
        ctx.differ(_MULTIPART)
        _multipart_headers(ctx, params)
        return
    if content == "raw":
        body = ctx.get("body", "")
        kind = ctx.get("rawContentType", "")
        if not isinstance(body, str) or not isinstance(kind, str):
            raise NotExpressible("a raw body that is not text")
        params["body"] = body if body.startswith("=") else literal(body)
        params["bodyType"] = "text"
        if kind:
            headers = params.setdefault("headers", {})
            if isinstance(headers, Done):
                raise NotExpressible("a raw body's content type with headers given as an expression")
            headers.setdefault("Content-Type", literal(kind))
        return
    if content not in ("json", "form-urlencoded"):
        raise NotExpressible(f"a {content} body has no NodeFox equivalent")
    if ctx.get("specifyBody", "keypair") == "json":
        params["body"] = _json_param(ctx, ctx.get("jsonBody", ""), "/body", False)
    elif ctx.get("specifyBody") == "string":
        body = ctx.get("body", "")
        params["body"] = body if isinstance(body, str) and body.startswith("=") else literal(body)
        params["bodyType"] = "text"
        return
    else:
        params["body"] = _pairs(ctx, ctx.list("bodyParameters.parameters"), "body parameter", "bodyParameters.parameters")
    if content == "form-urlencoded":
        params["bodyType"] = "form"


def _response_v4(ctx: Context, params: dict) -> None:
    response = ctx.get("options.response.response", {})
    if not isinstance(response, dict):
        return
    if response.get("neverError"):
        ctx.drop("options.response.response.neverError", "NodeFox fails the item on a status outside 2xx (set onError to continue past it)")
    fmt = response.get("responseFormat", "autodetect")
    if fmt == "file":
        params["response"] = "text"
        ctx.differ(_FILE_RESPONSE)
    elif fmt in ("json", "text"):
        params["response"] = fmt
    if response.get("fullResponse"):
        params["full"] = True


def _pagination(ctx: Context, params: dict) -> None:
    pagination = ctx.get("options.pagination.pagination", {})
    if not isinstance(pagination, dict) or pagination.get("paginationMode", "off") == "off":
        return
    where = "options.pagination.pagination"
    if pagination.get("paginationMode") != "responseContainsNextURL":
        ctx.drop(where, "pagination by updating parameters has no NodeFox equivalent; only the first page is fetched")
        return
    m = _NEXT_URL.match(pagination.get("nextURL", "") or "") if isinstance(pagination.get("nextURL", ""), str) else None
    if not m:
        ctx.drop(where, "pagination by a next URL that is not a field of the response body; only the first page is fetched")
        return
    pointer = "".join("/" + next(g for g in seg.groups() if g is not None).replace("~", "~0").replace("/", "~1")
                      for seg in _SEGMENT.finditer(m.group(1)))  # fmt: skip
    page: dict[str, Any] = {"next": pointer}
    if pagination.get("limitPagesFetched"):
        pages = pagination.get("maxRequests", 100)
        if type(pages) is int and pages > 0:
            page["maxPages"] = pages
    else:
        page["maxPages"] = 100
    params["paginate"] = page


# -- files ---------------------------------------------------------------------------
#
# n8n moves files between nodes as binary data: Read/Write Files from Disk reads
# bytes that Extract from File (or Spreadsheet File) parses, and Convert to File
# (or Spreadsheet File) makes bytes that Read/Write Files from Disk writes.
# NodeFox items carry no bytes; its `read_file` reads and parses in one node and
# `write_file` formats and writes in one. So such a pair, when the two nodes feed
# only each other, becomes one file node plus (in the other n8n node's place) the
# step that gives n8n's exact item shape, or a pass-through `noop`. A lone reader
# of a file NodeFox can parse becomes `read_file` with the difference reported;
# any other file node works on bytes only and stays a placeholder.

_READERS = ("readWriteFile", "readBinaryFile")
_EXTRACT = {"csv": "csv", "xlsx": "xlsx", "fromJson": "json", "text": "txt"}  # Extract from File operations
_CONVERT = {"csv": "csv", "xlsx": "xlsx", "toJson": "json", "toText": "txt"}  # Convert to File operations
_SHEETS = {"csv": "csv", "xlsx": "xlsx"}  # Spreadsheet File formats NodeFox reads and writes
_GLOB = re.compile(r"[*?\[\]{}]")
_DRIVE = re.compile(r"^[A-Za-z]:/")
_BINARY = "works on binary data, which NodeFox items do not carry"
_SOURCE = Ports([["out"]], [])  # read_file has no input: what fed n8n's reader is reported under edges


def _kind(raw: dict | None) -> str:
    kind = raw.get("type", "") if isinstance(raw, dict) else ""
    return kind.split(".", 1)[1] if kind.startswith("n8n-nodes-base.") else ""


def _params(raw: dict) -> dict:
    return raw["parameters"] if isinstance(raw.get("parameters"), dict) else {}


def _reads(raw: dict | None) -> bool:
    kind = _kind(raw)
    return kind == "readBinaryFile" or (kind == "readWriteFile" and _params(raw).get("operation", "read") == "read")


def _writes(raw: dict | None) -> bool:
    kind = _kind(raw)
    return kind == "writeBinaryFile" or (kind == "readWriteFile" and _params(raw).get("operation") == "write")


def _parse_format(raw: dict | None) -> str | None:
    """The `read_file` format of a node that parses a read file (Extract from File, Spreadsheet File), or None."""
    params = _params(raw) if isinstance(raw, dict) else {}
    if _kind(raw) == "extractFromFile":
        return _EXTRACT.get(params.get("operation", "csv"))
    if _kind(raw) == "spreadsheetFile" and params.get("operation", "fromFile") == "fromFile":
        fmt = params.get("fileFormat", "autodetect")
        return _SHEETS.get(fmt) if fmt != "autodetect" else "auto"
    return None


def _make_format(raw: dict | None) -> str | None:
    """The `write_file` format of a node that makes a file to write (Convert to File, Spreadsheet File), or None."""
    params = _params(raw) if isinstance(raw, dict) else {}
    if _kind(raw) == "convertToFile":
        op = params.get("operation", "csv")
        if op == "toJson" and params.get("mode", "once") != "once":
            return None  # a JSON file per item
        source = params.get("sourceProperty", "data")
        if op == "toText" and (not isinstance(source, str) or not source or source.startswith("=")):
            return None
        return _CONVERT.get(op)
    if _kind(raw) == "spreadsheetFile" and params.get("operation") == "toFile":
        return _SHEETS.get(params.get("fileFormat", "xls"))
    return None


def _file(ctx: Context, key: str, writing: bool = False) -> Any:
    """An n8n file path as a NodeFox file name (a name in the files folder)."""
    value = ctx.get(key, "")
    if not isinstance(value, str) or not value.strip():
        raise NotExpressible(f"{key} is not a file path")
    if value.startswith("="):
        if not writing:
            raise NotExpressible(f"{key} is an expression; NodeFox's read_file has no input items to compute it from")
        ctx.differ("the file is a name in the files folder, not a path on the machine")
        return value
    if _GLOB.search(value):
        raise NotExpressible(f"{key} is a pattern of several files; NodeFox reads one named file")
    name = value.strip().replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    if name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/"):
        base = name.rsplit("/", 1)[-1]
        ctx.differ(f"the path {value} is the name {base} in the files folder")
        name = base
    if not name:
        raise NotExpressible(f"{key} names a folder, not a file")
    return literal(name)


def _by_extension(name: Any) -> str | None:
    from ..formats import FORMATS

    if not isinstance(name, str) or name.startswith("=") or "." not in name:
        return None
    ext = name.rsplit(".", 1)[1].lower()
    ext = {"jsonl": "ndjson"}.get(ext, ext)
    return ext if ext in FORMATS else None


def read_write_file(ctx: Context) -> Mapped:
    if _reads(ctx.raw):
        return _read(ctx, "fileSelector" if _kind(ctx.raw) == "readWriteFile" else "filePath")
    if _writes(ctx.raw):
        return _write(ctx, "fileName")
    raise NotExpressible(f"Read/Write Files from Disk {_BINARY}")


def _read(ctx: Context, key: str) -> Mapped:
    name = _file(ctx, key)
    parser = ctx.graph.sole_next(ctx.raw.get("name")) if ctx.graph else None
    fmt = _parse_format(parser)
    if fmt == "auto" and _by_extension(name) not in ("csv", "tsv", "xlsx"):
        raise NotExpressible("a spreadsheet whose format NodeFox cannot tell from the file name")
    if fmt is not None:
        params: dict[str, Any] = {"file": name}
        if fmt in ("json", "txt"):
            params["format"] = "txt"  # n8n puts the whole text (or its JSON) under one key: the next node does that
        elif fmt != "auto":
            params["format"] = fmt
        options = _params(parser).get("options") if isinstance(_params(parser).get("options"), dict) else {}
        if fmt in ("csv", "auto") and isinstance(options.get("delimiter"), str) and len(options["delimiter"]) == 1:
            params["delimiter"] = options["delimiter"]
        if options.get("headerRow") is False:
            params["header"] = False
        if isinstance(options.get("sheetName"), str) and options["sheetName"] and not options["sheetName"].startswith("="):
            params["sheet"] = options["sheetName"]
        ctx.differ(f"reads and parses the file in one step; the next node, {parser.get('name')}, gives n8n's item shape")
        return Mapped("read_file", params, _SOURCE)
    fmt = _by_extension(name)
    if fmt is None:
        raise NotExpressible(f"reading a file as bytes for a later node {_BINARY} (NodeFox reads csv, tsv, json, ndjson, xlsx and txt files as items)")
    ctx.differ(f"n8n reads the file as binary data for a later node to parse; NodeFox reads it as {fmt} items")
    return Mapped("read_file", {"file": name}, _SOURCE)


def _write(ctx: Context, key: str) -> Mapped:
    maker = ctx.graph.sole_previous(ctx.raw.get("name")) if ctx.graph else None
    fmt = _make_format(maker)
    if fmt is None:
        raise NotExpressible(f"writing an item's binary data {_BINARY}")
    name = _file(ctx, key, writing=True)
    if ctx.get("options.append", False):
        ctx.drop("options.append", "NodeFox writes the whole file; appending has no NodeFox equivalent")
    params: dict[str, Any] = {"file": name, "format": fmt}
    options = _params(maker).get("options") if isinstance(_params(maker).get("options"), dict) else {}
    if fmt == "csv" and isinstance(options.get("delimiter"), str) and len(options["delimiter"]) == 1:
        params["delimiter"] = options["delimiter"]
    if fmt == "txt":
        ctx.differ("NodeFox writes every item's text into one file; n8n writes a file per item")
    ctx.differ(f"formats and writes the file in one step; the previous node, {maker.get('name')}, passes items on")
    ctx.differ("it outputs {file, bytes, items}; n8n outputs the item with the file's metadata")
    return Mapped("write_file", params)


def _parser_step(ctx: Context, fmt: str) -> Mapped:
    """The parsing half of a folded read: n8n's item shape from `read_file`'s items."""
    ctx.differ("the file is read and parsed by the previous node's read_file")
    options = ctx.get("options", {})
    if isinstance(options, dict) and options.get("keepSource") not in (None, "json"):
        ctx.drop("options.keepSource", "keeping the file's binary data; NodeFox items carry no bytes")
    if fmt == "csv" and not (isinstance(options, dict) and options.get("includeEmptyCells")):
        ctx.differ("empty cells are empty text; n8n leaves them out unless Include Empty Cells is on")
    if fmt not in ("json", "txt"):
        return Mapped("noop", {})
    dest = ctx.get("destinationKey", "data")
    if not isinstance(dest, str) or not dest or dest.startswith("="):
        raise NotExpressible("a destination given by an expression")
    if fmt == "txt":
        return Mapped("rename", {"keys": [{"from": "text", "to": path(dest)}]}) if dest != "text" else Mapped("noop", {})
    step = {"op": "parse", "field": "text", "destination": path(dest)}
    if dest == "text":
        return Mapped("json", step)
    return Mapped("json", step, Ports([[(1, "out")]], ["in"]), parts=[("remove", {"fields": ["text"]})],
                  links=[(0, "out", 1, "in")])


def _folded_parser(ctx: Context) -> Mapped | None:
    reader = ctx.graph.sole_previous(ctx.raw.get("name")) if ctx.graph else None
    fmt = _parse_format(ctx.raw)
    if fmt is None or not _reads(reader):
        return None
    try:
        name = _file(Context(reader, str(reader.get("name"))), "fileSelector" if _kind(reader) == "readWriteFile" else "filePath")
    except NotExpressible:
        return None
    if fmt == "auto" and _by_extension(name) not in ("csv", "tsv", "xlsx"):
        return None
    return _parser_step(ctx, fmt)


def _folded_maker(ctx: Context) -> Mapped | None:
    writer = ctx.graph.sole_next(ctx.raw.get("name")) if ctx.graph else None
    if _make_format(ctx.raw) is None or not _writes(writer):
        return None
    try:
        _file(Context(writer, str(writer.get("name"))), "fileName", writing=True)
    except NotExpressible:
        return None
    if _kind(ctx.raw) == "convertToFile" and ctx.get("operation") == "toText":
        ctx.differ("the file is written by the next node's write_file")
        return Mapped("rename", {"keys": [{"from": path(ctx.get("sourceProperty", "data")), "to": "text"}]})
    ctx.differ("the file is made and written by the next node's write_file")
    return Mapped("noop", {})


def extract_from_file(ctx: Context) -> Mapped:
    mapped = _folded_parser(ctx)
    if mapped is None:
        raise NotExpressible(f"Extract from File {_BINARY} (it is translated only after a read of a named file)")
    return mapped


def convert_to_file(ctx: Context) -> Mapped:
    mapped = _folded_maker(ctx)
    if mapped is None:
        raise NotExpressible(f"Convert to File {_BINARY} (it is translated only before a write to a named file)")
    return mapped


def spreadsheet_file(ctx: Context) -> Mapped:
    mapped = _folded_parser(ctx) or _folded_maker(ctx)
    if mapped is None:
        raise NotExpressible(f"Spreadsheet File {_BINARY} (it is translated only next to a read or write of a named file)")
    return mapped
