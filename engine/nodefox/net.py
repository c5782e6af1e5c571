"""Sending HTTP requests for the `http` node, the same way natively and in Pyodide.

Every request goes through `fetch(world, ...)`, which in this order

1. checks the run may contact the host (`World.check_net`): nothing is sent otherwise;
2. answers a `read` request (GET, HEAD, OPTIONS) from the live session's cache when
   the session has one (`World.cache`), so a re-run sends nothing;
3. attaches the named credential when the host is among the credential's `hosts`;
4. sends it with the run's transport, retrying after network errors, 429 and 5xx when
   asked, and follows redirects itself (each hop's host checked, the credential
   attached again only where it applies).

## The transport

A transport is a function

    transport(method: str, url: str, headers: dict[str, str], body: bytes | None,
              timeout: float) -> (status: int, reason: str, headers, body: bytes)

`url` is complete (query and any query credential included), `timeout` is in seconds
for the whole request, and the returned `headers` are a list of (name, value) pairs
or a mapping (names in any case; a repeated name may come as several pairs). It must
not follow redirects: a 3xx comes back as it is. When no response came (refused,
unreachable, timed out) it raises `NetworkError` with a short reason (or an
`OSError`); such a request may be retried.

`World.transport`, when set, replaces the default, `urllib3_transport` (tests give a
fake one). In the editor served by `nodefox serve`, `World.relay` names the server's
`/relay` and requests go through `relay_transport` (relay.py says why and how). urllib3 (>= 2.2, pure Python) runs natively and in Pyodide, where it sends
through the JavaScript `fetch` (JSPI) or a synchronous XMLHttpRequest; it is imported
only when the first real request is sent.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from http.client import HTTPException
from typing import Any, NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit

from . import __version__, _json, credentials
from .errors import NodeError, NodeFoxError
from .world import SECRET, World

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # and every other 5xx
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
FIRST_WAIT = 0.5  # seconds before the first retry without Retry-After; doubles each time
MAX_WAIT = 60.0  # a Retry-After asking for longer is not waited for: the response stands
MAX_BODY = 64 * 1024 * 1024  # bytes of one response body: more fails the request

Transport = Callable[[str, str, dict, "bytes | None", float], tuple]


class NetworkError(NodeFoxError):
    """A request that got no response (refused, unreachable, timed out)."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # names lower case, sorted, repeated names joined
    body: bytes
    url: str  # where it came from after redirects (no query credential in it)
    hosts: tuple[str, ...] = ()  # every host contacted for it, checked again on a cache hit

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Request(NamedTuple):
    method: str
    url: str  # complete, without the credential
    headers: dict[str, str]
    body: bytes | None
    timeout: float  # seconds


def fetch(world: World, node_id: str, request: Request, credential: str | None = None,
          retries: int = 0) -> Response:  # fmt: skip
    """Send `request` as the world allows (see the module docstring); the final response
    whatever its status. Raises NodeError when it may not be sent or got no response."""
    cred = _credential(world, credential)
    world.check_net(host_of(request.url))
    cache = world.cache if request.method in READ_METHODS else None
    key = None
    if cache is not None:
        key = _json.key((request.method, request.url, request.headers, _text(request.body), credential))
        hit = cache.get(node_id, key)
        if hit is not None:
            for seen in hit.hosts:
                world.check_net(seen)
            return hit
    response = _follow(world, request, cred, retries)
    if cache is not None:
        cache.put(node_id, key, response)
    return response


def _credential(world: World, name: str | None) -> dict | None:
    if name is None:
        return None
    cred = credentials.find(world.credentials, name)
    if cred is None:
        raise NodeError(
            f"no credential named {name!r}: natively pass --credentials FILE or set "
            f"{credentials.ENV_PREFIX}{credentials.env_name(name)}, in the editor add it under Credentials",
            path="/credential",
        )
    trouble = credentials.problem(cred)
    if trouble is not None:
        raise NodeError(f"credential {name!r}: {trouble}", path="/credential")
    return cred


@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    """The host a URL names (lower case); NodeError when it names none or is malformed.
    Remembered: a re-run asks again for the same URLs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise NodeError(f"{url!r} is not a valid URL: {exc}", path="/url") from None
    if not host:
        raise NodeError(f"{url!r} names no host", path="/url")
    if _CONTROL.search(url) or _UNSAFE_AUTHORITY.search(_authority(url)) or not _HOST.fullmatch(host):
        # urlsplit, urllib3 and the browser's URL parser must all read the same host, or the
        # permission and the credential are checked for one host and sent to another:
        # `http://evil\@allowed/` is `allowed` here and `evil` to the browser and urllib3
        raise NodeError(f"{url!r} is not a valid URL: a host is letters, digits, dots and hyphens "
                        "(international names in their xn-- form); no backslash or space comes "
                        "before the path, and no control character anywhere", path="/url")  # fmt: skip
    return host


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # urlsplit and browsers drop tabs and newlines; urllib3 may not
_UNSAFE_AUTHORITY = re.compile(r"[\\\s]")
_HOST = re.compile(r"[a-z0-9._~-]+|\[[0-9a-f:.]+\]|[0-9a-f:.]+")  # a name, an IPv4 or IPv6 address


def _authority(url: str) -> str:
    """The URL's text between `//` and the path, as written (urlsplit has cleaned its own)."""
    rest = url.partition("//")[2]
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _text(body: bytes | None) -> str | None:
    return None if body is None else body.decode("utf-8", "surrogateescape")


def _follow(world: World, request: Request, cred: dict | None, retries: int) -> Response:
    """Send, following redirects: each hop's host is checked, the credential re-decided."""
    method, url, headers, body = request.method, request.url, request.headers, request.body
    hosts: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        host = host_of(url)
        world.check_net(host)
        hosts.append(host)
        response = _send_retrying(world, method, url, headers, body, request.timeout, cred, retries)
        location = response.header("location")
        if response.status not in REDIRECTS or not location:
            return Response(response.status, response.reason, response.headers, response.body,
                            url, tuple(dict.fromkeys(hosts)))  # fmt: skip
        url = urljoin(url, location)
        if not url[:8].lower().startswith(("http://", "https://")):
            raise NodeError(f"{request.method} {request.url} redirects to {url!r}, not an HTTP URL")
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            if method != "HEAD":
                method = "GET"
            body = None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    raise NodeError(f"{request.method} {request.url}: more than {MAX_REDIRECTS} redirects")


def _send_retrying(world: World, method: str, url: str, headers: dict, body: bytes | None,
                   timeout: float, cred: dict | None, retries: int) -> Response:  # fmt: skip
    wire_url, wire_headers = url, headers
    if cred is not None and credentials.applies(cred, host_of(url)):
        wire_headers, pairs = credentials.attach(cred, headers)
        if pairs:
            wire_url = with_query(url, pairs)
    transport = world.transport or (_through(world) if world.relay else urllib3_transport)
    wait = FIRST_WAIT
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            status, reason, got, data = transport(method, wire_url, wire_headers, body, timeout)
        except (NetworkError, OSError) as exc:
            if last:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise NodeError(redactor(world)(f"{method} {url} got no response: {reason}")) from None
            _sleep(wait)
            wait *= 2
            continue
        response = Response(int(status), str(reason or ""), _headers(got), bytes(data or b""), url)
        if last or not (response.status in RETRY_STATUSES or response.status >= 500):
            return response
        asked = retry_after(response.header("retry-after"))
        if asked is not None and asked > MAX_WAIT:
            return response
        _sleep(asked if asked is not None else wait)
        if asked is None:
            wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """`url` with the pairs added to its query, before any fragment (after it they would
    never be sent)."""
    url, hash_, fragment = url.partition("#")
    joint = "?" if "?" not in url else "" if url.endswith(("?", "&")) else "&"
    return url + joint + urlencode(pairs) + hash_ + fragment


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _headers(got: Any) -> tuple[tuple[str, str], ...]:
    pairs = got.items() if isinstance(got, Mapping) or hasattr(got, "items") else got or ()
    joined: dict[str, str] = {}
    for name, value in pairs:
        name = str(name).lower()
        joined[name] = f"{joined[name]}, {value}" if name in joined else str(value)
    return tuple(sorted(joined.items()))


# -- hiding secrets ------------------------------------------------------------------


def redactor(world: World) -> Callable[[str], str]:
    """A function that replaces every form of every secret in a text with `***`."""
    secrets = _secret_forms(world)
    if not secrets:
        return _same

    def redact(text: str) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, SECRET)
        return text

    return redact


def redact_bytes(world: World, data: bytes) -> bytes:
    """A response body kept as a file, with every form of every secret (UTF-8) as `***`:
    the file is shown in previews and read by later nodes like any text."""
    for secret in _secret_forms(world):
        form = secret.encode("utf-8", "surrogatepass")
        if form in data:
            data = data.replace(form, SECRET.encode())
    return data


def _secret_forms(world: World) -> list[str]:
    secrets = world.secrets() + credentials.secret_forms(world.credentials)
    secrets.sort(key=len, reverse=True)  # the longer form first: a token inside it goes too
    return secrets


def _same(text: str) -> str:
    return text


def redact_value(value: Any, redact: Callable[[str], str]) -> Any:
    """A JSON value with every string (keys too) passed through `redact`."""
    if redact is _same:
        return value
    kind = type(value)
    if kind is str:
        return redact(value)
    if kind is dict:
        return {redact(k): redact_value(v, redact) for k, v in value.items()}
    if kind is list:
        return [redact_value(v, redact) for v in value]
    return value


# -- the default transport: urllib3 --------------------------------------------------

_pool: Any = None
USER_AGENT = f"nodefox/{__version__}"  # browsers send their own: fetch may not set it


def urllib3_transport(method: str, url: str, headers: dict, body: bytes | None,
                      timeout: float) -> tuple:  # fmt: skip
    """Send one request with urllib3: no retries, no redirects (fetch() does both)."""
    import urllib3

    global _pool
    if not any(name.lower() == "user-agent" for name in headers):
        headers = {**headers, "User-Agent": USER_AGENT}
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=16, maxsize=1)
    try:
        # preload_content: the body read whole. Streaming it would let a too large body be
        # refused sooner, but urllib3 2.8's streaming path in Pyodide fails on a response
        # without a body (a 204: JavaScript's null body is not None there).
        r = _pool.request(
            method, url, headers=headers, body=body, timeout=urllib3.Timeout(total=timeout),
            retries=False, redirect=False, preload_content=True, decode_content=True,
        )  # fmt: skip
        data = r.data
    # (urllib3's NewConnectionError is a kind of ConnectTimeoutError: it must come first)
    except urllib3.exceptions.NameResolutionError:
        raise NetworkError(f"cannot find the host {host_of(url)}") from None
    except urllib3.exceptions.NewConnectionError as exc:
        raise NetworkError(_connect_failure(exc)) from None
    except urllib3.exceptions.TimeoutError:
        raise NetworkError(f"timed out after {round(timeout * 1000)} ms") from None
    except urllib3.exceptions.HTTPError as exc:
        raise NetworkError(_describe(exc)) from None
    if len(data) > MAX_BODY:
        raise NetworkError(f"the response is larger than {MAX_BODY // (1024 * 1024)} MB")
    return r.status, r.reason or "", list(r.headers.items()), data


# -- through the relay of `nodefox serve` (relay.py) ----------------------------------

RELAY_SLICE = 0.25  # seconds the relay waits per ask: how soon the page's Stop is seen
RELAY_MARGIN = 5.0  # seconds on top of the request's own timeout before giving up on the relay


def _through(world: World) -> Transport:
    allowed = "*" if world.allow_net is True else ",".join(world.allow_net or ())

    def transport(method: str, url: str, headers: dict, body: bytes | None, timeout: float) -> tuple:
        return relay_transport(world.relay or {}, allowed, method, url, headers, body, timeout)

    return transport


def relay_transport(relay: dict, allowed: str, method: str, url: str, headers: dict,
                    body: bytes | None, timeout: float) -> tuple:  # fmt: skip
    """Send one request through the relay at `relay["url"]` (a transport once the first two
    arguments are given): the API's status, headers and body exactly as the relay got them.

    The relay is asked in slices of RELAY_SLICE seconds, so Python runs between them and
    an interrupt (the page's Stop) ends the wait; the relay is then told to drop the request.
    """
    if not any(name.lower() == "user-agent" for name in headers):
        headers = {**headers, "User-Agent": USER_AGENT}
    ask = {"X-NodeFox-Token": relay["token"], "X-NodeFox-Wait": str(RELAY_SLICE)}
    first = {**ask, "X-NodeFox-Target": url, "X-NodeFox-Method": method, "X-NodeFox-Allow": allowed,
             "X-NodeFox-Headers": json.dumps(headers), "X-NodeFox-Timeout": repr(float(timeout))}  # fmt: skip
    deadline = time.monotonic() + timeout + RELAY_MARGIN
    status, got, data = _ask_relay(relay["url"], "POST", first, body)
    job = None
    try:
        while status == 202 and got.get("x-nodefox-relay") == "pending":
            job = got.get("x-nodefox-job", "")
            if time.monotonic() > deadline:
                raise NetworkError(f"timed out after {round(timeout * 1000)} ms")
            status, got, data = _ask_relay(relay["url"], "POST", {**ask, "X-NodeFox-Job": job}, None)
        job = None
    finally:
        if job is not None:  # stopped, or timed out: the relay need not keep the answer
            with contextlib.suppress(NetworkError, OSError):
                _ask_relay(relay["url"], "DELETE", {"X-NodeFox-Token": relay["token"], "X-NodeFox-Job": job}, None)
    mark = got.get("x-nodefox-relay")
    if mark == "ok":
        pairs = _json.loads(got.get("x-nodefox-headers") or "[]")
        return int(got["x-nodefox-status"]), got.get("x-nodefox-reason", ""), pairs, data
    message = _relay_error(data) or f"HTTP {status}"
    if mark == "error" and status == 502:  # the API gave no response: as a direct request says it
        raise NetworkError(message)
    if mark == "error" and status == 401:
        message += "; the server was restarted since this page was loaded: reload the page"
    if mark == "error":
        raise NodeError(f"the relay of the editor's server refused the request: {message}")
    raise NodeError(f"{relay['url']} is not a NodeFox relay (it answered HTTP {status})")


def _ask_relay(url: str, method: str, headers: dict, body: bytes | None) -> tuple[int, dict, bytes]:
    import urllib3

    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=16, maxsize=1)
    try:
        r = _pool.request(method, url, headers=headers, body=body, timeout=urllib3.Timeout(total=RELAY_SLICE + 30),
                          retries=False, redirect=False, preload_content=True, decode_content=True)  # fmt: skip
    except urllib3.exceptions.HTTPError as exc:
        raise NetworkError(f"the editor's server (its relay) did not answer: {_describe(exc)}") from None
    return r.status, {k.lower(): v for k, v in r.headers.items()}, r.data


def _relay_error(data: bytes) -> str | None:
    try:
        value = _json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return value.get("error") if isinstance(value, dict) and isinstance(value.get("error"), str) else None


def _connect_failure(exc: Exception) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    return "cannot connect: " + text.split(": ", 1)[-1]


def _describe(exc: Exception) -> str:
    """The innermost reason of a urllib3 error, without urllib3's wrapping."""
    inner: Any = exc
    while isinstance(inner, Exception) and len(inner.args) == 2 and isinstance(inner.args[1], Exception):
        inner = inner.args[1]  # ProtocolError("Connection aborted.", cause)
    text = str(getattr(inner, "reason", None) or inner or type(inner).__name__)
    if sys.platform == "emscripten" and isinstance(inner, HTTPException):
        # the JavaScript fetch failed; a page is not told why, and CORS looks the same
        return (f"the browser could not fetch it ({text}): the host is unreachable, or its "
                "answers do not allow this page's origin (CORS)")  # fmt: skip
    return text
