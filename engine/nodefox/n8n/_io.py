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
from .nodes import Context, Done, Mapped, NotExpressible, literal

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


def _binary(what: str):
    def mapper(ctx: Context) -> Mapped:
        raise NotExpressible(f"{what} works on binary data, which NodeFox items do not carry")

    return mapper


read_write_file = _binary("Read/Write Files from Disk")
extract_from_file = _binary("Extract from File")
convert_to_file = _binary("Convert to File")
spreadsheet_file = _binary("Spreadsheet File")
