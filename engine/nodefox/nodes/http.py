"""The `http` node: call an HTTP API (`world.md`).

One request per input item (or one in all with `once`), made one at a time in item
order, so the items out are the same whenever the responses are. The node builds
requests and turns responses into items; `nodefox.net` sends them, through the run's
World (permission, credentials, the session's cache of reads, the transport).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from .. import _json, filedata, net, paths
from .._guards import type_name
from ..errors import NodeError, NodeFoxError
from ..expressions import is_template
from .base import NodeCall, NodeType, Outputs, obj_schema

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
MAX_RETRIES = 10
MAX_PAGES = 1000
BODY_START = 200  # characters of a failed response's body quoted in its error
CONTENT_TYPES = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
    "text": "text/plain; charset=utf-8",
}
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name
_JSON_TYPE = re.compile(r"^(application|text)/([\w.+-]*\+)?json$")
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.I)


def effect(params: dict) -> str:
    """GET, HEAD and OPTIONS read; the other methods write, and so does a method given
    by an expression (what it will be is not known before the run)."""
    method = params.get("method", "GET")
    if type(method) is not str or is_template(method):
        return "write"
    return "read" if method.upper() in net.READ_METHODS else "write"


def run_http(call: NodeCall) -> Outputs:
    out: list = []
    redact = net.redactor(call.world)
    if call.plan.params.get("once") is True:
        try:
            out.extend(_call(call, call.params(), None, redact))
        except NodeError as exc:
            raise NodeError(redact(exc.message), path=exc.path, expression=exc.expression) from None
        return {"out": out}
    fixed = call.fixed_params()
    for index, item in enumerate(call.first):
        try:
            params = fixed if fixed is not None else call.params_at(index, item)
            if params.get("once") is True:  # given by an expression: the first item's value
                if index == 0:
                    out.extend(_call(call, params, None, redact))
                break
            out.extend(_call(call, params, index, redact))
        except NodeFoxError as exc:
            err = exc if isinstance(exc, NodeError) else NodeError(str(exc))
            call.item_failed(index, item, NodeError(redact(err.message), item=err.item,
                             path=err.path, expression=err.expression), out)  # fmt: skip
    return {"out": out}


def _call(call: NodeCall, params: dict, index: int | None, redact: Any) -> list:
    """The items of one request (and the pages after it)."""
    method = params.get("method", "GET")
    retries = params.get("retries", 0)
    if retries > MAX_RETRIES:
        raise NodeError(f"retries: at most {MAX_RETRIES}", path="/retries")
    paginate = params.get("paginate")
    next_at = paginate.get("next") if paginate else None
    max_pages = paginate.get("maxPages", 10) if paginate else 1
    if max_pages > MAX_PAGES:
        raise NodeError(f"maxPages: at most {MAX_PAGES}", path="/paginate/maxPages")
    split = params.get("split")
    for ptr, where in ((split, "/split"), (next_at if next_at != "link" else None, "/paginate/next")):
        if ptr is not None and ptr != "" and not ptr.startswith("/"):
            raise NodeError(f"{ptr!r} is not a JSON pointer (like /data/items)", path=where)
    headers, body = _body(params)
    request = net.Request(method, _url(params), headers, body, params.get("timeoutMs", 10000) / 1000)
    items: list = []
    seen = {request.url}
    for page in range(max_pages):
        response = net.fetch(call.world, call.node_id, request, params.get("credential"), retries)
        if not response.ok:
            raise NodeError(_failure(method, request.url, response, redact))
        if params.get("response") == "file":
            # the item that asked, with the response's file added (n8n's too); with full,
            # the status and headers instead of the item's fields
            item = dict(call.first[index]) if index is not None else {}
            if params.get("full", False):
                item = {"status": response.status, "headers": {k: redact(v) for k, v in response.headers}}
            paths.set_(item, params.get("fileField", "file"), _as_file(response, call.world, redact))
            items.append(item)
            break
        value = _decode(response, params.get("response", "auto"), method, redact)
        items.extend(_items(response, value, split, params.get("full", False), redact))
        following = _next_url(response, value, next_at) if next_at else None
        if not following or following in seen:
            break
        if page + 1 == max_pages:
            where = "" if index is None else f"item {index}: "
            call.warnings.append(f"{where}stopped after {max_pages} page(s) (paginate.maxPages); "
                                 "the last one links to more")  # fmt: skip
            break
        seen.add(following)
        request = net.Request(request.method, following, request.headers, request.body, request.timeout)
    return items


# -- the request -----------------------------------------------------------------------


def _url(params: dict) -> str:
    url = params.get("url")
    if type(url) is not str or not url.strip():
        raise NodeError("url must be an http: or https: URL", path="/url")
    url = url.strip()
    if not url[:8].lower().startswith(("http://", "https://")):
        raise NodeError(f"{url!r} is not an http: or https: URL", path="/url")
    net.host_of(url)  # names a host, and is well formed
    query = params.get("query")
    pairs = _pairs(query) if query else None
    return net.with_query(url, pairs) if pairs else url


def _pairs(values: dict) -> list[tuple[str, str]]:
    """Query or form fields as text pairs: an array repeats its key, null leaves it out."""
    pairs = []
    for key, value in values.items():
        for one in value if type(value) is list else [value]:
            if one is not None:
                pairs.append((key, _as_text(one)))
    return pairs


def _as_text(value: Any) -> str:
    return value if type(value) is str else _json.dumps(value)


def check_headers(headers: dict[str, str]) -> None:
    """NodeError naming the first header HTTP cannot carry (a request's, or a webhook's answer)."""
    for name, value in headers.items():
        where = "/headers" + paths.pointer(name)
        if not _TOKEN.match(name) or any(c in value for c in "\r\n\0"):
            raise NodeError(f"header {name!r} is not a valid header name and value", path=where)
        if not value.isascii() and not _latin1(value):
            # HTTP carries header values as bytes; browsers refuse anything past Latin-1 too
            raise NodeError(f"header {name!r}: its value has characters HTTP headers cannot carry "
                            "(beyond Latin-1): encode it first (percent-encoding, base64)",
                            path=where)  # fmt: skip


def _body(params: dict) -> tuple[dict[str, str], bytes | None]:
    headers = dict(params.get("headers") or {})
    check_headers(headers)
    if "body" not in params:
        return headers, None
    body, kind = params["body"], params.get("bodyType", "json")
    content_type = CONTENT_TYPES.get(kind)
    if kind == "file":
        data = filedata.content(body, "body")
        content_type = body["mimeType"]
    elif kind == "multipart":
        if type(body) is not dict:
            raise NodeError(f"a multipart body must be an object, not {type_name(body)}", path="/body")
        data, content_type = _multipart(body)
    elif kind == "form":
        if type(body) is not dict:
            raise NodeError(f"a form body must be an object, not {type_name(body)}", path="/body")
        data = urlencode(_pairs(body)).encode()
    elif kind == "text":
        data = _as_text(body).encode("utf-8")
    else:
        data = _json.dumps(body).encode("utf-8")
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = content_type
    return headers, data


def _multipart(body: dict) -> tuple[bytes, str]:
    """multipart/form-data: a file value becomes a file part (its name and type), anything
    else a text field. The boundary is derived from the parts, so the same body is the
    same bytes (and the same cache key) every time."""
    parts = []
    for name, value in body.items():
        for one in value if type(value) is list else [value]:
            if one is None:
                continue
            quoted = name.replace("\\", "\\\\").replace('"', '\\"')
            if filedata.is_file(one):
                data = filedata.content(one, "/body" + paths.pointer(name))
                filename = str(one.get("fileName") or name).replace('"', "%22")
                head = (f'Content-Disposition: form-data; name="{quoted}"; filename="{filename}"\r\n'
                        f"Content-Type: {one['mimeType']}\r\n\r\n")  # fmt: skip
            else:
                data = _as_text(one).encode("utf-8")
                head = f'Content-Disposition: form-data; name="{quoted}"\r\n\r\n'
            parts.append((head.encode("utf-8"), data))
    digest = hashlib.sha256()
    for head, data in parts:
        digest.update(head)
        digest.update(data)
    boundary = "nodefox-" + digest.hexdigest()[:32]
    out = bytearray()
    for head, data in parts:
        out += f"--{boundary}\r\n".encode() + head + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _file_name(response: net.Response) -> str | None:
    """The response's file name: Content-Disposition's filename, else the URL path's last part."""
    disposition = response.header("content-disposition") or ""
    found = re.search(r"""filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)|filename\s*=\s*(?:"([^"]*)"|([^;]+))""", disposition)
    if found:
        if found.group(1):
            return unquote(found.group(1).strip())
        return (found.group(2) if found.group(2) is not None else found.group(3)).strip()
    last = unquote(urlsplit(response.url).path).rsplit("/", 1)[-1]
    return last or None


def _as_file(response: net.Response, world: Any, redact: Any) -> dict:
    """The response's body as a file: typed by its content type, named by Content-Disposition
    or the URL's last segment, and (as n8n has it) `directory` the URL it came from. Secrets
    are hidden in the bytes and in the name and URL (a redirect may have put one there)."""
    media = _media(response)[0] if response.header("content-type") else None
    name = _file_name(response)
    body = net.redact_bytes(world, response.body)
    value = filedata.make(body, name and redact(name), media or None, where="the response")
    value.pop("directory", None)
    return {**{k: v for k, v in value.items() if k not in ("fileName", "fileSize", "bytes")},
            "directory": redact(response.url.partition("#")[0]),
            **{k: value[k] for k in ("fileName", "fileSize", "bytes") if k in value}}  # fmt: skip


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


# -- the response ----------------------------------------------------------------------


def _failure(method: str, url: str, response: net.Response, redact: Any) -> str:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = response.reason
    text = _quoted_body(response, redact)
    start = text[:BODY_START] + ("…" if len(text) > BODY_START else "")
    return redact(f"HTTP {response.status} {phrase} from {method} {url}" + (f": {start}" if start else ""))


def _quoted_body(response: net.Response, redact: Any) -> str:
    """The body as an error quotes it: its whitespace collapsed, every secret hidden before
    the collapse (which would change a secret holding a tab or two spaces) and after it
    (before any cut, which could halve a secret)."""
    return redact(" ".join(redact(_decode_text(response)).split()))


def _media(response: net.Response) -> tuple[str, str]:
    """The content type's media type (lower case) and charset (default utf-8)."""
    return _content_type(response.header("content-type") or "")


@lru_cache(maxsize=256)
def _content_type(ctype: str) -> tuple[str, str]:
    media, _, rest = ctype.partition(";")
    charset = "utf-8"
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    return media.strip().lower(), charset


def _decode_text(response: net.Response) -> str:
    charset = _media(response)[1]
    try:
        return response.body.decode(charset, "replace")
    except LookupError:
        return response.body.decode("utf-8", "replace")


class _Text(str):
    """A body read as text (not JSON)."""


def _decode(response: net.Response, mode: str, method: str, redact: Any) -> Any:
    """The body as a JSON value, or as `_Text`."""
    if not response.body:
        return _Text("")
    if mode == "text" or (mode == "auto" and not _JSON_TYPE.match(_media(response)[0])):
        return _Text(_decode_text(response))
    try:
        return _json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        start = _quoted_body(response, redact)[:40]
        raise NodeError(f"the response from {method} {response.url} is not valid JSON "
                        f"(it starts {start!r})") from None  # fmt: skip


def _items(response: net.Response, value: Any, split: str | None, full: bool, redact: Any) -> list:
    text = type(value) is _Text
    if split is not None:
        if text:
            raise NodeError(f"split: the response from {response.url} is not JSON", path="/split")
        try:
            found = _at(value, split)
        except KeyError:
            raise NodeError(f"split: the response has nothing at {split}", path="/split") from None
        if type(found) is not list:
            raise NodeError(f"split: {split or 'the body'} is {type_name(found)}, not an array",
                            path="/split")  # fmt: skip
        parts = found
    elif full:
        parts = [str(value) if text else value]
    elif text:
        return [{"body": redact(str(value))}]
    else:
        parts = value if type(value) is list else [value]
    if full:
        headers = {k: redact(v) for k, v in response.headers}
        return [{"status": response.status, "headers": headers, "body": net.redact_value(p, redact)}
                for p in parts]  # fmt: skip
    return [net.redact_value(p if type(p) is dict else {"value": p}, redact) for p in parts]


def _at(value: Any, ptr: str) -> Any:
    """The value at a JSON pointer; KeyError when there is none."""
    try:
        keys = paths.parse_pointer(ptr)
    except ValueError:
        raise KeyError(ptr) from None
    for key in keys:
        if type(value) is dict and key in value:
            value = value[key]
        elif type(value) is list and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise KeyError(ptr)
    return value


def _next_url(response: net.Response, value: Any, next_at: str) -> str | None:
    if next_at == "link":
        found = link_next(response.header("link") or "")
    else:
        if type(value) is _Text:
            raise NodeError(f"paginate: the response from {response.url} is not JSON",
                            path="/paginate/next")  # fmt: skip
        try:
            found = _at(value, next_at)
        except KeyError:
            return None
        if found is not None and type(found) is not str:
            raise NodeError(f"paginate: {next_at} is {type_name(found)}, not a URL",
                            path="/paginate/next")  # fmt: skip
    return urljoin(response.url, found) if found else None


def link_next(header: str) -> str | None:
    """The URL of the `rel="next"` link in a `Link` header (RFC 8288), or None."""
    for target, attrs in _LINK.findall(header):
        for quoted, bare in _REL.findall(attrs):
            if "next" in (quoted or bare).lower().split():
                return target.strip()
    return None


_TEXT = {"type": "string"}
_QUERY_VALUE = {"type": ["string", "number", "boolean", "null", "array"]}

SCHEMA = obj_schema({
    "method": {"type": "string", "enum": list(METHODS), "default": "GET",
               "description": "GET, HEAD and OPTIONS read; POST, PUT, PATCH and DELETE write, "
                              "and wait for ▶ in the editor"},
    "url": {"type": "string", "description": "an http: or https: URL"},
    "query": {"type": "object", "default": {}, "additionalProperties": _QUERY_VALUE,
              "description": "query parameters added to the URL (an array repeats the name)"},
    "headers": {"type": "object", "default": {}, "additionalProperties": _TEXT,
                "description": "request headers, as text"},
    "body": {"description": "the request body: any JSON value, sent as bodyType"},
    "bodyType": {"type": "string", "enum": ["json", "form", "text", "file", "multipart"], "default": "json",
                 "description": "json, form (an object, URL-encoded), text, file (the body is a file held "
                                "in an item, sent as its bytes) or multipart (an object; files become file parts)"},
    "credential": {"type": "string",
                   "description": "the name of a credential, attached only to its hosts"},
    "once": {"type": "boolean", "default": False,
             "description": "one request in all (params from the first item) instead of one per item"},
    "response": {"type": "string", "enum": ["auto", "json", "text", "file"], "default": "auto",
                 "description": "auto: JSON when the content type says so, else text; file: the item "
                                "that asked, with the body as a file in fileField"},
    "fileField": {"type": "string", "minLength": 1, "default": "file",
                  "description": "response file: the field the file goes in (such as file or binary.data)"},
    "split": {"type": "string",
              "description": "JSON pointer to an array in the body whose elements become items"},
    "full": {"type": "boolean", "default": False,
             "description": "items {status, headers, body} instead of the body alone"},
    "timeoutMs": {"type": "integer", "minimum": 1, "default": 10000,
                  "description": "per request, in milliseconds"},
    "retries": {"type": "integer", "minimum": 0, "default": 0,
                "description": "retries after network errors, 429 and 5xx (at most 10)"},
    "paginate": obj_schema({
        "next": {"type": "string",
                 "description": "JSON pointer to the next page's URL, or \"link\" for the Link header"},
        "maxPages": {"type": "integer", "minimum": 1, "default": 10},
    }, ["next"], description="fetch following pages and gather their items"),
}, ["url"])  # fmt: skip

NODES = [
    NodeType(
        "http", "HTTP Request", "Network",
        "Calls an HTTP API once per item (or once in all) and emits the response's items.",
        ("in",), ("out",), SCHEMA, run_http,
        effect=effect, reads=frozenset({"network"}),
    ),
]  # fmt: skip
