"""The HTTP routes of `nodefox serve DIR`: the workspace API for the editor (`/api/...`) and,
with `--triggers`, the webhooks (`/hook/<path>`). Shapes are in docs/protocol.md.

The workspace API is for the editor on this machine only. It answers a loopback client of a
server bound to loopback (whose Host header serve.py already checked), and every route but
`/api/session` wants the per-start token in `X-NodeFox-Token`. The page gets the token from
`/api/session`, which a page of another origin cannot read (no CORS headers are ever sent,
and a rebinding name fails the Host check), and a cross-site form or fetch cannot add the
header without a CORS preflight this server never allows.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import __version__, _json
from ._http import is_loopback
from .executions import STATUSES, Store
from .triggers import Index, Runner
from .workspace import Conflict, Workspace, WorkspaceError

TOKEN_HEADER = "x-nodefox-token"
MAX_DOCUMENT = 16 * 1024 * 1024  # bytes: the largest workflow the API takes in a save
MAX_LIST = 1000
DRAIN = 64 * 1024 * 1024  # bytes of a refused body read and dropped before answering 413
DRAIN_SECONDS = 5.0


class TooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused (TooLarge) once it passes `limit` bytes.

    Nothing past the limit is kept, but the rest of a body is read and dropped (up to
    DRAIN bytes, for DRAIN_SECONDS) before the refusal: a socket closed with data unread is
    reset, and a caller still sending would see the reset instead of the 413.
    """
    chunks, size = [], 0
    declared = request.headers.get("content-length")
    too_large = declared is not None and declared.isdigit() and int(declared) > limit
    if not too_large:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                too_large = True
                break
            chunks.append(chunk)
    if too_large:
        with contextlib.suppress(asyncio.TimeoutError, ClientDisconnect, RuntimeError):
            await asyncio.wait_for(_drain(request, DRAIN), DRAIN_SECONDS)
        raise TooLarge
    return b"".join(chunks)


async def _drain(request: Request, most: int) -> None:
    dropped = 0
    async for chunk in request.stream():
        dropped += len(chunk)
        if dropped > most:
            return


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status, headers={"cache-control": "no-store"})


def ok(body: Any, status: int = 200, etag: str | None = None) -> Response:
    headers = {"cache-control": "no-store"}
    if etag is not None:
        headers["etag"] = etag
    return Response(_json.dumps(body), status, headers, media_type="application/json")


class WorkspaceAPI:
    """`/api/...`: the workspace's workflows, data files and recorded executions."""

    def __init__(self, workspace: Workspace | None, token: str, loopback: bool, triggers: bool):
        self.workspace, self.token, self.loopback, self.triggers = workspace, token, loopback, triggers
        self._store: Store | None = None

    def routes(self) -> list[Route]:
        w = self.guarded
        return [
            Route("/api/session", self.session, methods=["GET"]),
            Route("/api/workflows", w(self.list), methods=["GET"]),
            Route("/api/workflows", w(self.create), methods=["POST"]),
            Route("/api/workflows/{name}", w(self.read), methods=["GET"]),
            Route("/api/workflows/{name}", w(self.save), methods=["PUT"]),
            Route("/api/workflows/{name}", w(self.delete), methods=["DELETE"]),
            Route("/api/workflows/{name}/duplicate", w(self.duplicate), methods=["POST"]),
            Route("/api/workflows/{name}/rename", w(self.rename), methods=["POST"]),
            Route("/api/files", w(self.files), methods=["GET"]),
            Route("/api/executions", w(self.executions), methods=["GET"]),
            Route("/api/executions/{id:int}", w(self.execution), methods=["GET"]),
            Route("/api/{rest:path}", self.unknown, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    async def unknown(self, request: Request) -> Response:
        return error(404, f"no such API route: {request.method} {request.url.path}")

    # -- who may ask ---------------------------------------------------------------------

    def refusal(self, request: Request) -> Response | None:
        client = request.client.host if request.client else ""
        if not self.loopback or not is_loopback(client):
            return error(403, "the workspace API answers only on loopback (serve with --host 127.0.0.1)")
        site = request.headers.get("sec-fetch-site")
        if site not in (None, "same-origin", "none"):
            return error(403, f"the workspace API is for this server's own page, not a {site} one")
        return None

    def guarded(self, endpoint):
        async def guard(request: Request) -> Response:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            given = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return error(401, f"the workspace API needs this server's token in {TOKEN_HEADER} (GET /api/session)")
            if self.workspace is None:
                return error(404, "no workspace: start nodefox serve DIR to keep workflows as files")
            try:
                return await endpoint(request)
            except Conflict as exc:
                return error(409, str(exc), etag=exc.etag)
            except WorkspaceError as exc:
                return error(exc.status, str(exc))
            except TooLarge:
                return error(413, f"the request body is larger than {MAX_DOCUMENT} bytes")
            except ClientDisconnect:
                return error(400, "the request body did not arrive")
            except OSError as exc:
                return error(500, f"the workspace could not be changed: {exc.strerror or exc}")

        return guard

    async def session(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        ws = self.workspace
        return ok({"version": __version__, "token": self.token, "triggers": self.triggers,
                   "workspace": None if ws is None else {"name": ws.root.name, "files": ws.files.name}})  # fmt: skip

    # -- workflows -------------------------------------------------------------------------

    async def _json_body(self, request: Request) -> Any:
        data = await read_body(request, MAX_DOCUMENT)
        try:
            return _json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise WorkspaceError("the request body nests too deeply") from None

    async def list(self, request: Request) -> Response:
        return ok({"workflows": [e.as_dict() for e in self.workspace.entries()]})

    async def read(self, request: Request) -> Response:
        data, etag = self.workspace.read_bytes(request.path_params["name"])
        return Response(data, 200, {"etag": etag, "cache-control": "no-store"}, media_type="application/json")

    async def create(self, request: Request) -> Response:
        body = await self._json_body(request)
        if not isinstance(body, dict) or "name" not in body:
            raise WorkspaceError('create takes {"name": ..., "document"?: {...}}')
        etag = self.workspace.create(body["name"], body.get("document"))
        return ok({"name": body["name"], "etag": etag}, 201, etag)

    async def save(self, request: Request) -> Response:
        document = await self._json_body(request)
        etag = self.workspace.save(request.path_params["name"], document, request.headers.get("if-match"))
        return ok({"name": request.path_params["name"], "etag": etag}, 200, etag)

    async def delete(self, request: Request) -> Response:
        self.workspace.delete(request.path_params["name"], request.headers.get("if-match"))
        return Response(status_code=204, headers={"cache-control": "no-store"})

    async def duplicate(self, request: Request) -> Response:
        new = _new_name(await self._json_body(request))
        etag = self.workspace.duplicate(request.path_params["name"], new)
        return ok({"name": new, "etag": etag}, 201, etag)

    async def rename(self, request: Request) -> Response:
        new = _new_name(await self._json_body(request))
        etag = self.workspace.rename(request.path_params["name"], new, request.headers.get("if-match"))
        return ok({"name": new, "etag": etag}, 200, etag)

    async def files(self, request: Request) -> Response:
        out = []
        folder = self.workspace.files
        if folder.is_dir() and not folder.is_symlink():
            for entry in sorted(folder.iterdir()):
                if entry.is_file() and not entry.is_symlink():
                    info = entry.stat()
                    out.append({"name": entry.name, "size": info.st_size})
        return ok({"files": out})

    # -- executions ------------------------------------------------------------------------

    def store(self) -> Store | None:
        if self._store is None and Store.exists(self.workspace.root):
            self._store = Store.of(self.workspace.root)
        return self._store

    async def executions(self, request: Request) -> Response:
        q = request.query_params
        status = q.get("status")
        if status is not None and status not in STATUSES:
            raise WorkspaceError(f"status must be one of {', '.join(STATUSES)}")
        try:
            limit = int(q.get("limit", 100))
            before = int(q["before"]) if "before" in q else None
        except ValueError:
            raise WorkspaceError("limit and before must be whole numbers") from None
        if not 1 <= limit <= MAX_LIST:
            raise WorkspaceError(f"limit must be from 1 to {MAX_LIST}")
        store = self.store()
        rows = store.list(q.get("workflow"), status, limit, before) if store else []
        return ok({"executions": rows})

    async def execution(self, request: Request) -> Response:
        store = self.store()
        found = store.get(request.path_params["id"]) if store else None
        if found is None:
            return error(404, f"no execution {request.path_params['id']}")
        return ok(found)


def _new_name(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise WorkspaceError('this takes {"name": "the new name"}')
    return body["name"]


# -- webhooks ----------------------------------------------------------------------------------


def _query(request: Request) -> dict:
    out: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in out:
            out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + [value]
        else:
            out[key] = value
    return out


def _body(request: Request, data: bytes) -> Any:
    """The call's body as the webhook's item holds it: JSON parsed, a form as an object,
    text as text, nothing as {}."""
    if not data:
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return _json.loads(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # a form too: its bytes are not text, so not a form either
        return {"base64": base64.b64encode(data).decode()}
    if kind == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        form: dict[str, Any] = {}
        for key, value in parse_qsl(text, keep_blank_values=True):
            form[key] = (form[key] if isinstance(form[key], list) else [form[key]]) + [value] if key in form else value
        return form
    return text


class Hooks:
    """`/hook/<path>`: run the workflow whose webhook has that path and answer for it."""

    def __init__(self, index: Index, runner: Runner):
        self.index, self.runner = index, runner

    def routes(self) -> list[Route]:
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        return [Route("/hook/{path:path}", self.call, methods=methods)]

    async def call(self, request: Request) -> Response:
        self.index.refresh()
        path = request.path_params["path"].strip("/")
        hook = self.index.hooks.get(path)
        if hook is None:
            return error(404, f"no workflow in this workspace has a webhook with path {path!r}")
        if request.method != hook.method:
            refused = error(405, f"the webhook {path!r} takes {hook.method}", workflow=hook.workflow)
            refused.headers["allow"] = hook.method
            return refused
        try:
            limit = self.runner.config.max_body
            data = await read_body(request, limit)
        except TooLarge:
            return error(413, f"the request body is larger than {limit} bytes")
        except ClientDisconnect:
            return error(400, "the request body did not arrive")
        try:
            body = _body(request, data)
        except (ValueError, UnicodeDecodeError) as exc:
            return error(400, f"the request body is not valid JSON: {exc}")
        except RecursionError:
            return error(400, "the request body nests too deeply")
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        item = {"method": request.method, "path": path, "query": _query(request), "headers": headers, "body": body}
        text = self.index.texts.get(hook.workflow)
        if text is None:
            return error(404, f"no workflow in this workspace has a webhook with path {path!r}")
        later = hook.respond == "immediately"
        try:
            job = self.runner.queue(hook.workflow, text, "webhook", [item], hook.respond, run_next=not later,
                                    node=hook.node)  # fmt: skip
        except Exception as exc:  # sqlite3 or psycopg: nothing was accepted, so nothing runs
            return error(503, f"the call could not be recorded, so it was not run: {type(exc).__name__}: {exc}")
        mark = {"x-nodefox-execution": str(job.execution)}
        if later:
            self.runner.background(job)
            accepted = ok({"execution": job.execution, "status": "queued"}, 202)
            accepted.headers.update(mark)
            return accepted
        outcome = await self.runner.run(job)
        status, answer_headers, answer = outcome.answer
        return Response(answer, status, {**answer_headers, **mark})
