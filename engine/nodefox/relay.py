"""`/relay`: the editor's engine sends its HTTP requests through its own server, so an API
that sends no CORS headers works from the page too (docs/http.md, docs/protocol.md).

Who may use it. The relay answers only a loopback client of a server bound to loopback
(whose Host header _http.py already checked), only with the per-start token the page got
from `/api/session` (the workspace API's), and only for a target whose host is among the
hosts the request says the workflow was allowed. The page states those hosts itself; that
is acceptable because only our own same-origin page can hold the token: the server never
sends CORS headers, so another origin can neither read `/api/session` nor add the token
header, and a rebinding name fails the Host check. Whoever holds the token already runs
the engine and its permissions, so the relay cannot reach more than the engine could natively.
The host list keeps the relay from being more than the permission the user gave, and the
relay never sends to its own server (a workflow could read the token from /api/session).

What travels. The request to relay is `POST /relay` (any method is taken) whose headers
name the target (`X-NodeFox-Target`, `-Method`, `-Headers` as JSON, `-Allow`, `-Timeout`)
and whose body is the request's body. The upstream request carries exactly the engine's
headers (nothing the browser added: no cookies or Origin of this server) and is sent with
the engine's own urllib3 transport in a thread (the event loop is not blocked), without
following redirects: the engine follows them and checks each hop's host. The answer is
always a 200 from the relay with the upstream's status and headers in headers
(`X-NodeFox-Status`, `-Reason`, `-Headers` as JSON) and its body as the body: the browser
then neither follows a redirect, nor keeps a cookie or a cache entry, nor clears site data
for this server's origin because an API said so, and the engine sees exactly what the API
answered. The relay's own failures carry `X-NodeFox-Relay: error` and `{"error": ...}`; a
502 is "the API gave no response" with the same reason a direct request gives.

Stopping. A request in the page's worker is a synchronous XMLHttpRequest that Python cannot
interrupt, so the engine asks in slices: with `X-NodeFox-Wait: S` the relay waits at most
S seconds and, if the API has not answered yet, answers 202 `X-NodeFox-Relay: pending` with
`X-NodeFox-Job: ID`; the engine asks again with that job id (between slices Python sees the
page's Stop) and `DELETE /relay` with the id drops a job it no longer wants.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._http import is_loopback
from .world import host_allowed

TOKEN = "x-nodefox-token"
TARGET = "x-nodefox-target"
METHOD = "x-nodefox-method"
HEADERS = "x-nodefox-headers"
ALLOW = "x-nodefox-allow"
TIMEOUT = "x-nodefox-timeout"
WAIT = "x-nodefox-wait"
JOB = "x-nodefox-job"
MARK = "x-nodefox-relay"
STATUS = "x-nodefox-status"
REASON = "x-nodefox-reason"

MAX_REQUEST = 10 * 1024 * 1024  # bytes of a request body the relay forwards (413 beyond)
DEFAULT_TIMEOUT = 10.0  # seconds, when the engine names none (the http node's default)
MAX_TIMEOUT = 600.0  # seconds an upstream request may take at most
MAX_JOBS = 32  # requests in flight or answered but not yet collected (one thread each)
KEEP = 60.0  # seconds an answered job waits to be collected before it is dropped
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
# never forwarded: they describe one connection, not the request (RFC 9110 7.6.1), or urllib3 sets them
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
                        "trailer", "upgrade", "proxy-authorization", "proxy-authenticate",
                        "host", "content-length"})  # fmt: skip


def refusal(client: str, loopback: bool, token: str, given: str, fetch_site: str | None) -> tuple[int, str] | None:
    """Why a caller may not use the relay ((status, message)), or None when it may."""
    if not loopback or not is_loopback(client):
        return 403, "the relay answers only on loopback (serve with --host 127.0.0.1)"
    if fetch_site not in (None, "same-origin", "none"):
        return 403, f"the relay is for this server's own page, not a {fetch_site} one"
    if not hmac.compare_digest(given.encode(), token.encode()):
        return 401, f"the relay needs this server's token in {TOKEN} (GET /api/session)"
    return None


def allowed_hosts(value: str) -> Any:
    """`X-NodeFox-Allow` as World.allow_net holds it: `*` is any host, else a comma list."""
    value = value.strip()
    if value == "*":
        return True
    return [h.strip() for h in value.split(",") if h.strip()] or None


def failure(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers={MARK: "error", "cache-control": "no-store"})


@dataclass
class Job:
    task: asyncio.Future
    done_at: float | None = None
    id: str = ""


@dataclass
class Relay:
    """The `/relay` route, with the server's per-start token."""

    token: str
    loopback: bool
    jobs: dict[str, Job] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    # its own threads: a slow API holds one, never one of the threads the rest of the server uses
    _pool: Any = field(default_factory=lambda: concurrent.futures.ThreadPoolExecutor(MAX_JOBS, "nodefox-relay"))

    def routes(self) -> list[Route]:
        return [Route("/relay", self.call, methods=sorted(METHODS))]

    async def call(self, request: Request) -> Response:
        client = request.client.host if request.client else ""
        refused = refusal(client, self.loopback, self.token, request.headers.get(TOKEN, ""),
                          request.headers.get("sec-fetch-site"))  # fmt: skip
        if refused is not None:
            return failure(*refused)
        self._forget_old()
        try:
            wait = _seconds(request.headers.get(WAIT), MAX_TIMEOUT + 5, "wait")
            job_id = request.headers.get(JOB)
            if job_id is not None:
                job = self.jobs.get(job_id)
                if job is None:
                    return failure(404, f"no relayed request {job_id} (answered already, or dropped)")
                if request.method == "DELETE":
                    self._drop(job)
                    return Response(status_code=204, headers={MARK: "dropped", "cache-control": "no-store"})
                return await self._answer(job, wait)
            job = await self._start(request)
        except _Refused as exc:
            return failure(exc.status, exc.message)
        return await self._answer(job, wait)

    async def _start(self, request: Request) -> Job:
        from .api import TooLarge, read_body

        target = request.headers.get(TARGET)
        if not target or not target[:8].lower().startswith(("http://", "https://")):
            raise _Refused(400, f"{TARGET} must be the http: or https: URL to send the request to")
        host = _host(target)
        hosts = allowed_hosts(request.headers.get(ALLOW, ""))
        if not host_allowed(host, hosts):
            raise _Refused(403, f"the workflow was not allowed to contact {host} ({ALLOW} names the hosts it was)")
        if _is_self(target, request.scope.get("server")):
            raise _Refused(403, "the relay does not send requests to its own server (its API holds the token)")
        method = (request.headers.get(METHOD) or request.method).upper()
        if method not in METHODS:
            raise _Refused(400, f"{METHOD} must be one of {', '.join(sorted(METHODS))}")
        headers = _header_object(request.headers.get(HEADERS))
        timeout = _seconds(request.headers.get(TIMEOUT), MAX_TIMEOUT, "timeout") or DEFAULT_TIMEOUT
        if len(self.jobs) >= MAX_JOBS:
            raise _Refused(503, f"the relay already has {MAX_JOBS} requests in flight")
        try:
            body = await read_body(request, MAX_REQUEST)
        except TooLarge:
            raise _Refused(413, f"the request body is larger than {MAX_REQUEST // (1024 * 1024)} MB") from None
        except ClientDisconnect:
            raise _Refused(400, "the request body did not arrive") from None
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(self._pool, _send, method, target, headers, body or None, timeout)
        job = Job(task, id=str(next(self._ids)))
        task.add_done_callback(lambda _: setattr(job, "done_at", time.monotonic()))
        self.jobs[job.id] = job
        return job

    async def _answer(self, job: Job, wait: float | None) -> Response:
        try:
            await asyncio.wait_for(asyncio.shield(job.task), wait)
        except TimeoutError:
            return Response(status_code=202, headers={MARK: "pending", JOB: job.id, "cache-control": "no-store"})
        except asyncio.CancelledError:
            if not job.task.cancelled():
                raise  # this request's own task is being cancelled
            return failure(404, f"the relayed request {job.id} was dropped")
        except Exception:
            pass  # the task's own failure, read below
        self.jobs.pop(job.id, None)
        from .net import NetworkError

        try:
            status, reason, got, data = job.task.result()
        except NetworkError as exc:
            return failure(502, str(exc))
        except OSError as exc:
            return failure(502, exc.strerror or str(exc))
        pairs = got.items() if hasattr(got, "items") else got
        return Response(data, 200, {
            MARK: "ok", STATUS: str(status), REASON: _latin1(reason or ""),
            HEADERS: json.dumps([[str(k), str(v)] for k, v in pairs]),
            "content-type": "application/octet-stream", "cache-control": "no-store",
        })  # fmt: skip

    def _drop(self, job: Job) -> None:
        # the thread cannot be stopped; it ends at its timeout and its answer is thrown away
        self.jobs.pop(job.id, None)
        job.task.cancel()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job in [j for j in self.jobs.values() if j.done_at is not None and now - j.done_at > KEEP]:
            self.jobs.pop(job.id, None)


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _send(method: str, url: str, headers: dict, body: bytes | None, timeout: float) -> tuple:
    from .net import urllib3_transport

    return urllib3_transport(method, url, headers, body, timeout)


def _host(url: str) -> str:
    from .errors import NodeFoxError
    from .net import host_of

    try:
        return host_of(url)
    except NodeFoxError as exc:
        raise _Refused(400, f"{TARGET}: {exc}") from None


def _is_self(url: str, server: Any) -> bool:
    """Whether `url` names this server (a loopback name with its port): a workflow could
    otherwise read the token from /api/session through the relay and use the API."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return bool(server) and port == server[1] and is_loopback(parts.hostname or "")


def _header_object(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        raise _Refused(400, f"{HEADERS} must be a JSON object of header values (text)")
    return {k: v for k, v in value.items() if k.lower() not in HOP_BY_HOP}


def _seconds(text: str | None, most: float, what: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= most:  # also refuses nan
        raise _Refused(400, f"the {what} must be a number of seconds above 0 and at most {most:g}")
    return value


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
