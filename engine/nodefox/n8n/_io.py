"""n8n's HTTP Request (v1 to v4) as NodeFox's `http`, and its file nodes.

n8n's file nodes move binary data between them (Read/Write Files from Disk
reads bytes, Extract from File parses them). NodeFox items hold files too
(`nodefox.filedata`, in n8n's own shape), and the importer keeps n8n's binary
property P of an item in the field `binary.P`; so each n8n file node becomes
one NodeFox node: `load_file`, `from_file`, `to_file` or `write_file`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ._holes import value_of
from .expressions import Py, Untranslatable, _key
from .nodes import Context, Done, Mapped, NotExpressible, Ports, literal, path

_METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}
_NEXT_URL = re.compile(r"^=\s*\{\{\s*\$response\.body((?:\.[A-Za-z_$][\w$]*|\[\s*(?:\"[^\"]*\"|'[^']*'|\d+)\s*\])+)\s*\}\}\s*$")
_SEGMENT = re.compile(r"\.([A-Za-z_$][\w$]*)|\[\s*(?:\"([^\"]*)\"|'([^']*)'|(\d+))\s*\]")


def _pairs(ctx: Context, entries: list, what: str, where: str, files: bool = False) -> dict:
    """Name-value pairs as an object; a pair NodeFox cannot send as given is left out and reported.
    With `files` (a multipart body) a binary field is sent as the item's file."""
    out: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        at = f"{where}.{i}"
        name = entry.get("name", "")
        if entry.get("parameterType") == "formBinaryData":
            if not files:
                ctx.drop(at, f"the {what} {name!r} sends binary data in a body that is not multipart")
                continue
            if not isinstance(name, str) or name.startswith("=") or name in out:
                ctx.drop(at, "a file part named by an expression (or twice); NodeFox needs fixed names")
                continue
            try:
                out[name] = _binary_value(entry.get("inputDataFieldName", "data"))
            except NotExpressible as exc:
                ctx.drop(at, str(exc))
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


def _binary_name(name: Any) -> str:
    """An n8n binary property name: fixed text, or an expression (kept, `=`-prefixed)."""
    if not isinstance(name, str):
        raise NotExpressible("a binary field name that is not text")
    if name.startswith("=") and "{{" not in name:
        name = name[1:]  # "=data" is an expression whose value is the text after "="
    if not name.startswith("="):
        name = name.strip()
        if not name or "," in name:
            raise NotExpressible("no binary field named, or several; NodeFox needs one")
        if "." in name:
            raise NotExpressible(f"the binary field name {name!r} has a dot, which n8n reads as part of the name")
    return name


def _binary_field(name: Any) -> str:
    """An n8n binary property name as the NodeFox field path `binary.<name>` (a name given
    by an expression stays one, translated with the others: `=binary.{{ ... }}`)."""
    name = _binary_name(name)
    return "=binary." + name[1:] if name.startswith("=") else f"binary.{name}"


def _binary_value(name: Any) -> Any:
    """An expression whose value is the item's file in that binary property."""
    name = _binary_name(name)
    if not name.startswith("="):
        return Done("={{ " + _key(Py("$json.binary", "object"), name) + " }}")
    inner = name[1:].strip()
    if not (inner.startswith("{{") and inner.endswith("}}") and inner.count("{{") == 1):
        raise NotExpressible("a binary field named by text with expressions inside")
    return "={{ $binary[" + inner[2:-2].strip() + "] }}"  # n8n's spelling: translated with the others


def _file_response(params: dict, prop: Any) -> None:
    params["response"] = "file"
    params["fileField"] = _binary_field(prop if prop else "data")


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
    if ctx.version < 3:  # version 3 is the node of version 4, with its parameters
        _http_v1(ctx, params)
    else:
        _http_v4(ctx, params)
    timeout = ctx.get("options.timeout")
    if type(timeout) is int and timeout > 0:
        params["timeoutMs"] = timeout
    if params.get("response") == "file" and 3 <= ctx.version < 4 and not params["fileField"].startswith("="):
        # version 3 alone gives a response file no directory
        return Mapped("http", params, Ports([[(1, "out")]], ["in"]),
                      parts=[("remove", {"fields": [params["fileField"] + ".directory"]})], links=[(0, "out", 1, "in")])
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
        _file_response(params, ctx.get("dataPropertyName", "data"))
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
        params["body"] = _binary_value(ctx.get("inputDataFieldName", "data"))
        params["bodyType"] = "file"
        return
    if content == "multipart-form-data":
        params["body"] = _pairs(ctx, ctx.list("bodyParameters.parameters"), "body parameter",
                                "bodyParameters.parameters", files=True)  # fmt: skip
        params["bodyType"] = "multipart"
        headers = params.get("headers")
        if isinstance(headers, dict):  # NodeFox writes the multipart type with its boundary
            for key in [k for k in headers if k.lower() == "content-type"]:
                del headers[key]
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
        _file_response(params, response.get("outputPropertyName", "data"))
        if response.get("fullResponse"):
            ctx.differ("a full response with a file is {status, headers} and the file; n8n keeps the item's other files too")
    elif fmt in ("json", "text"):
        params["response"] = fmt
    if response.get("fullResponse"):
        params["full"] = True


def _pagination(ctx: Context, params: dict) -> None:
    pagination = ctx.get("options.pagination.pagination", {})
    # n8n leaves its default mode, updating parameters, out of the export
    if not isinstance(pagination, dict) or not pagination or pagination.get(
            "paginationMode", "updateAParameterInEachRequest") == "off":  # fmt: skip
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
# n8n item {json: J, binary: {P: file}} is the NodeFox item J with the field
# `binary.P` holding the file (docs/n8n.md, "Files"). Each file node maps alone.

_GLOB = re.compile(r"[*?\[\]{}]")
_DRIVE = re.compile(r"^[A-Za-z]:/")
_UTF8 = (None, "", "utf8", "utf-8")
_CANNOT = {
    "xml": "parsing XML into n8n's object shape (xml2js) has no exact NodeFox equivalent",
    "html": "reading an HTML table has no NodeFox equivalent", "rtf": "reading RTF has no NodeFox equivalent",
    "ods": "reading ODS spreadsheets has no NodeFox equivalent (NodeFox reads xlsx)",
    "xls": "reading old Excel (xls) files has no NodeFox equivalent (NodeFox reads xlsx)",
    "iCal": "making iCalendar files has no NodeFox equivalent",
}  # fmt: skip


def _property(ctx: Context, key: str, default: str = "data") -> str:
    """An n8n binary property name (parameter `key`) as the NodeFox field `binary.<name>`."""
    try:
        return _binary_field(ctx.get(key, default))
    except NotExpressible as exc:
        raise NotExpressible(f"{key}: {exc}") from None


def _options(ctx: Context) -> dict:
    options = ctx.get("options", {})
    return options if isinstance(options, dict) else {}


def _refuse_options(options: dict, allowed: set[str], what: str) -> None:
    for key, value in options.items():
        if key not in allowed and value not in (None, "", False, -1, 0):
            raise NotExpressible(f"the {what} option {key} has no NodeFox equivalent")


def _text_option(ctx: Context, options: dict, key: str) -> Any:
    """A text option that may be an expression (kept for the expression pass) or a literal."""
    value = options.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise NotExpressible(f"the option {key} is not text")
    return value if value.startswith("=") else literal(value)


def _file(ctx: Context, key: str) -> Any:
    """An n8n file path as a NodeFox file name (a name in the files folder)."""
    value = ctx.get(key, "")
    if not isinstance(value, str) or not value.strip():
        raise NotExpressible(f"{key} is not a file path")
    if value.startswith("="):
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


def read_write_file(ctx: Context) -> Mapped:
    kind = ctx.raw.get("type", "").rsplit(".", 1)[-1]
    operation = "write" if kind == "writeBinaryFile" else "read" if kind == "readBinaryFile" else ctx.get("operation", "read")
    options = _options(ctx)
    if operation == "read":
        key = "filePath" if kind == "readBinaryFile" else "fileSelector"
        if kind == "readBinaryFile":
            field = _property(ctx, "dataPropertyName")
        else:
            field = _property(ctx, "options.dataPropertyName")
        _refuse_options(options, {"dataPropertyName", "mimeType"}, "read")
        params: dict[str, Any] = {"file": _file(ctx, key), "field": field}
        mime = _text_option(ctx, options, "mimeType")
        if mime is not None:
            params["mimeType"] = mime
        if kind == "readBinaryFile":
            params["keep"] = True  # the old node adds the file to the item it got
        else:
            params["metadata"] = True  # n8n's item: the file's metadata, and the file
            if ctx.version < 1.1:
                params["skipMissing"] = True  # version 1 gives nothing for a name no file has
        return Mapped("load_file", params)
    if operation != "write":
        raise NotExpressible(f"the operation {operation} has no NodeFox equivalent")
    _refuse_options(options, {"append"}, "write")
    params = {"file": _file(ctx, "fileName"), "field": _property(ctx, "dataPropertyName")}
    if options.get("append"):
        params["append"] = True
    return Mapped("write_file", params)


def _encoding(options: dict) -> None:
    if options.get("encoding") not in _UTF8:
        raise NotExpressible(f"the encoding {options.get('encoding')} (NodeFox reads and writes UTF-8)")


def _keep_source(ctx: Context, options: dict) -> str:
    keep = options.get("keepSource")
    if keep == "json":
        return "fields"
    if keep == "both":
        return "all"
    if keep in (None, ""):
        return "files"  # n8n's new item: the parsed value, and the item's other files
    raise NotExpressible(f"keeping the source as {keep} has no NodeFox equivalent")


def _rows_options(ctx: Context, params: dict, options: dict, fmt: str) -> None:
    """Spreadsheet reading options shared by Extract from File and Spreadsheet File."""
    if options.get("headerRow") is False:
        raise NotExpressible("rows without a header row become arrays under row in n8n; NodeFox names columns")
    for key in ("fromLine", "maxRowCount", "relaxQuotes", "range", "readAsString", "skipRecordsWithErrors"):
        if options.get(key) not in (None, "", False, -1, 0, 1) or (key == "range" and options.get(key)):
            raise NotExpressible(f"the option {key} has no NodeFox equivalent")
    _encoding(options)
    if isinstance(options.get("delimiter"), str) and options["delimiter"] not in ("", ","):
        if len(options["delimiter"]) != 1:
            raise NotExpressible("a delimiter of more than one character")
        params["delimiter"] = options["delimiter"]
    if isinstance(options.get("sheetName"), str) and options["sheetName"]:
        if options["sheetName"].startswith("="):
            raise NotExpressible("a sheet named by an expression")
        params["sheet"] = options["sheetName"]
    if not options.get("includeEmptyCells"):
        params["emptyCells"] = "drop"
    elif fmt in ("xlsx", "auto"):
        params["emptyCells"] = "text"  # SheetJS fills a row's empty cells with empty text
    if fmt in ("csv", "auto") and not options.get("enableBOM"):
        params["bom"] = "keep"  # csv-parse keeps a byte order mark in the first column's name
    if options.get("rawData"):
        ctx.drop("options.rawData", "NodeFox reads the cells' values")
    if fmt in ("xlsx", "auto"):
        ctx.differ("xlsx cells are read by openpyxl: dates come as ISO text where n8n (SheetJS) gives day numbers")


def extract_from_file(ctx: Context) -> Mapped:
    op = ctx.get("operation", "csv")
    field = _property(ctx, "binaryPropertyName")
    options = _options(ctx)
    if op in ("text", "fromJson", "binaryToPropery"):
        dest = ctx.get("destinationKey", "data")
        if not isinstance(dest, str) or not dest or dest.startswith("="):
            raise NotExpressible("a destination given by an expression")
        if op != "binaryToPropery":
            _encoding(options)
            if options.get("stripBOM") is False:
                raise NotExpressible("keeping a byte order mark in the text")
        fmt = {"text": "txt", "fromJson": "json", "binaryToPropery": "base64"}[op]
        params = {"field": field, "format": fmt, "into": path(dest), "skipMissing": True}
        params["keep"] = _keep_source(ctx, options)
        return Mapped("from_file", params)
    if op in ("csv", "xlsx"):
        params = {"field": field, "format": op}
        _rows_options(ctx, params, options, op)
        return Mapped("from_file", params)
    if op == "pdf":
        return Mapped("from_file", _pdf_params(ctx, field, options))
    raise NotExpressible(_CANNOT.get(op, f"extracting {op} has no NodeFox equivalent"))


def _pdf_params(ctx: Context, field: str, options: dict) -> dict:
    """Extract from File's pdf: one item of the PDF's facts and text (n8n reads it with
    pdf.js, NodeFox with pypdf: the same fields, the text laid out by another reader)."""
    _refuse_options(options, {"password", "joinPages", "maxPages", "keepSource"}, "PDF")
    params: dict[str, Any] = {"field": field, "format": "pdf", "keep": _keep_source(ctx, options)}
    join = options.get("joinPages", True)
    if join is not True:
        if not isinstance(join, bool) and not (isinstance(join, str) and join.startswith("=")):
            raise NotExpressible("the option joinPages is not true or false")
        params["joinPages"] = join
    if "maxPages" in options:  # n8n reads no page's text for 0 (the option's default), and all without it
        pages = options["maxPages"]
        if isinstance(pages, str) and pages.startswith("="):
            params["maxPages"] = pages
        elif isinstance(pages, (int, float)) and not isinstance(pages, bool):
            params["maxPages"] = max(0, math.floor(pages))  # n8n reads pages 1, 2... while <= maxPages
        else:
            raise NotExpressible("the option maxPages is not a number")
    password = _text_option(ctx, options, "password")
    if password is not None:
        params["password"] = password
    ctx.differ("the PDF's text is read by pypdf where n8n uses pdf.js: the same words, but spaces and line "
               "breaks within a page can differ, and version names pypdf")  # fmt: skip
    return params


def _to_file_name(ctx: Context, params: dict, options: dict, default: str | None) -> None:
    name = _text_option(ctx, options, "fileName")
    if name is not None:
        params["fileName"] = name
    elif default:
        params["fileName"] = default


def convert_to_file(ctx: Context) -> Mapped:
    op = ctx.get("operation", "csv")
    options = _options(ctx)
    params: dict[str, Any] = {"field": _property(ctx, "binaryPropertyName")}
    if op in ("csv", "xlsx"):
        return _spreadsheet_out(ctx, params, options, op, f"File.{op}")
    _encoding(options)
    if options.get("addBOM"):
        params["bom"] = True
    if op == "toJson":
        _refuse_options(options, {"fileName", "encoding", "addBOM", "format"}, "Convert to JSON")
        params["format"] = "json"
        if ctx.get("mode", "once") == "each":
            params["each"] = True
        if options.get("format"):
            ctx.drop("options.format", "n8n writes the JSON compact here whatever this option says")
        _to_file_name(ctx, params, options, None)
        ctx.differ("the JSON holds the items' fields; items holding files would include them under binary")
        return Mapped("to_file", params)
    if op in ("toText", "toBinary"):
        source = ctx.get("sourceProperty", "")
        if not isinstance(source, str):
            raise NotExpressible("the source field is not text")
        if source:
            params["source"] = path(source)
        elif op == "toBinary" and options.get("dataIsBase64") is not False:
            raise NotExpressible("base64 from the whole item (no source field) is not a file in n8n either")
        if op == "toText" or options.get("dataIsBase64") is False:
            params["format"] = "text"
        else:
            params["format"] = "base64"
            params.pop("bom", None)
        mime = _text_option(ctx, options, "mimeType")
        if mime is not None and op == "toBinary":
            params["mimeType"] = mime
        _to_file_name(ctx, params, options, "file.txt" if op == "toText" else None)
        return Mapped("to_file", params)
    raise NotExpressible(_CANNOT.get(op, f"converting to {op} has no NodeFox equivalent"))


def _spreadsheet_out(ctx: Context, params: dict, options: dict, fmt: str, default: str) -> Mapped:
    _refuse_options(options, {"fileName", "headerRow", "sheetName", "delimiter", "compression"}, "spreadsheet")
    params["format"] = fmt
    if isinstance(options.get("delimiter"), str) and options["delimiter"] not in ("", ","):
        if len(options["delimiter"]) != 1:
            raise NotExpressible("a delimiter of more than one character")
        params["delimiter"] = options["delimiter"]
    if fmt == "csv":
        params["csvStyle"] = "excel"  # SheetJS's CSV, as n8n writes it
        if options.get("headerRow") is False:
            params["header"] = False
    else:
        if options.get("headerRow") is False:
            raise NotExpressible("a spreadsheet without its header row has no NodeFox equivalent")
        if options.get("sheetName") not in (None, "", "Sheet"):
            ctx.drop("options.sheetName", "NodeFox names the sheet itself")
        ctx.differ("the xlsx file is written by NodeFox's writer (openpyxl): the same cells, other bytes than "
                   "n8n's (SheetJS)")  # fmt: skip
    _to_file_name(ctx, params, options, default)
    return Mapped("to_file", params)


def spreadsheet_file(ctx: Context) -> Mapped:
    op = ctx.get("operation", "fromFile")
    options = _options(ctx)
    field = _property(ctx, "binaryPropertyName")
    if op == "toFile":
        fmt = ctx.get("fileFormat", "xls")
        if fmt not in ("csv", "xlsx"):
            raise NotExpressible(_CANNOT.get(fmt, f"writing {fmt} spreadsheets has no NodeFox equivalent"))
        return _spreadsheet_out(ctx, {"field": field}, options, fmt, f"spreadsheet.{fmt}")
    if op != "fromFile":
        raise NotExpressible(f"the operation {op} has no NodeFox equivalent")
    fmt = ctx.get("fileFormat", "autodetect")
    if fmt not in ("autodetect", "csv", "xlsx"):
        raise NotExpressible(_CANNOT.get(fmt, f"reading {fmt} spreadsheets has no NodeFox equivalent"))
    params: dict[str, Any] = {"field": field, "format": "auto" if fmt == "autodetect" else fmt}
    _rows_options(ctx, params, options, params["format"])
    if ctx.version < 2 and fmt != "xlsx":
        # version 1 reads CSV through SheetJS, which gives numbers for numeric cells
        params.pop("bom", None)
        params["inferTypes"] = True
        ctx.differ("CSV numbers are inferred by NodeFox's rules (inferTypes), n8n v1 by SheetJS's")
    return Mapped("from_file", params)
