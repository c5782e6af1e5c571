"""`nodefox serve`: the built site over HTTP, cross-origin isolated, with .wasm typed right;
with a folder, its workspace API; with `--triggers` (or `nodefox up DIR`), its webhooks and
schedules; always the relay its own page sends HTTP requests through (relay.py).

Starlette on uvicorn: each piece (the site, the API, the hooks, the Host check, the headers)
is one ASGI callable, stacked here. What makes it safe to leave running sits in _http.py: a
loopback server answers only Host names of its own address (DNS rebinding), and connections
that never send a request are closed; uvicorn answers malformed requests with 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import stat
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

# /assets/ is the web app's build output, every file named by its content hash (Vite): it
# can be kept for good. Everything else (index.html, the runtime, the wheels, the lockfile,
# the snapshot, the examples) keeps its name when it changes, so the browser keeps a copy but
# asks every time (a 304 by Last-Modified when unchanged): a changed wheel is never served
# stale (its lockfile sha256 would fail), and a kept pyodide.asm.wasm lets the browser reuse
# the wasm code it compiled last time.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

MEDIA_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


def cache_control(path: str, status: int = 200) -> str:
    """The Cache-Control header for a request path (query ignored) answered with `status`."""
    path = urllib.parse.urlsplit(path).path
    hashed = path.startswith("/assets/") and not path.endswith("/") and status in (200, 304)
    return IMMUTABLE if hashed else REVALIDATE


class SiteFiles(StaticFiles):
    """The built site. Links are never followed out of it (Starlette resolves each path and
    refuses one outside the folder), a folder answers only with its index.html (no listing),
    and every answer, 404s too, carries the Cache-Control above."""

    def __init__(self, directory: Path):
        super().__init__(directory=str(directory), html=True, follow_symlink=False)

    def file_response(self, full_path: Any, stat_result: os.stat_result, scope: dict, status_code: int = 200):
        kind = MEDIA_TYPES.get(Path(str(full_path)).suffix.lower())
        response = super().file_response(full_path, stat_result, scope, status_code)
        if kind is not None and isinstance(response, FileResponse):
            response.media_type = kind
            response.headers["content-type"] = kind
        return response

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "/")

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"cache-control"]
                headers.append((b"cache-control", cache_control(path, message["status"]).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await super().__call__(scope, receive, sending)
        except HTTPException as exc:
            text = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, "Error")
            await PlainTextResponse(text, exc.status_code, exc.headers)(scope, receive, sending)


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _no_triggers(request: Any) -> PlainTextResponse:
    return PlainTextResponse("no webhooks run here: start the server with `nodefox serve DIR --triggers` "
                             "(or `nodefox up DIR`)\n", status_code=404)  # fmt: skip


async def _no_site(request: Any) -> PlainTextResponse:
    """The root of a server started without the editor site (`nodefox up DIR` on a machine
    that never built it): a 200 that says what runs here, for people and readiness checks."""
    from . import __version__

    return PlainTextResponse(f"NodeFox {__version__}: the workspace API and triggers run here; the editor "
                             "site is not built (scripts/build-site).\n", headers={"cache-control": "no-cache"})  # fmt: skip


def site_candidates(explicit: str | None = None) -> list[Path]:
    """Where the built site is looked for: --site, else ./build/site, the checkout's, the package's."""
    if explicit:
        return [Path(explicit)]
    return [
        Path.cwd() / "build" / "site",
        Path(__file__).resolve().parents[2] / "build" / "site",
        Path(__file__).resolve().parent / "site",
    ]


def find_site(explicit: str | None = None) -> Path | None:
    for c in site_candidates(explicit):
        if (c / "index.html").is_file():
            return c
    return None


def build_app(site: Path | None, *, workspace: str | None = None, triggers: bool = False,
              loopback: bool = True, allowed_hosts: frozenset[str] | None = None,
              workers: int | None = None, token: str | None = None) -> Any:  # fmt: skip
    """The whole server as one ASGI app (also what tests and embedders call)."""
    from ._http import HostCheck, Isolation
    from .api import Hooks, WorkspaceAPI
    from .relay import Relay
    from .workspace import Workspace

    ws = Workspace(workspace) if workspace is not None else None
    token = token or secrets.token_urlsafe(32)  # one per start: the page's key to the API and the relay
    api = WorkspaceAPI(ws, token, loopback, triggers)
    routes: list = api.routes() + Relay(token, loopback).routes()
    lifespan = None
    if ws is not None and not triggers:  # with triggers, their index says it on each change
        ws.scan()
        for problem in ws.skipped_problems():
            print(f"nodefox: {problem}", file=sys.stderr, flush=True)
    if triggers:
        assert ws is not None, "triggers need a workspace"
        from .executions import Store
        from .triggers import Index, Runner, load_config, schedule_loop

        config = load_config(ws.root)
        index = Index(ws)
        index.refresh()
        store = Store.of(ws.root)
        runner = Runner(ws, store, config, workers)
        routes += Hooks(index, runner).routes()

        @contextlib.asynccontextmanager
        async def lifespan(app: Any):
            await runner.start()
            ticking = asyncio.get_running_loop().create_task(schedule_loop(index, runner))
            try:
                yield
            finally:
                ticking.cancel()
                await runner.stop()
                store.close()

    else:  # a webhook call to a server that does not run triggers: say so, whatever the site
        routes.append(Route("/hook/{path:path}", _no_triggers, methods=_ALL_METHODS))
    if site is not None:
        routes.append(Mount("/", SiteFiles(site)))
    else:
        routes.append(Route("/", _no_site, methods=["GET", "HEAD"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    return Isolation(HostCheck(app, allowed_hosts))


def _listen(host: str, port: int) -> socket.socket:
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(info[4])
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(host: str = "127.0.0.1", port: int = 8000, site: str | None = None,
          workspace: str | None = None, triggers: bool = False, workers: int | None = None,
          idle_timeout: float | None = None) -> int:  # fmt: skip
    import uvicorn

    from ._http import HEAD_TIMEOUT, KEEP_ALIVE, Protocol, is_loopback, loopback_hosts

    if workspace is not None:
        info = os.stat(workspace) if os.path.exists(workspace) else None
        if info is None or not stat.S_ISDIR(info.st_mode):
            print(f"nodefox: the workspace {workspace} is not a folder", file=sys.stderr)
            return 2
    root = find_site(site)
    if root is None:
        looked = "\n".join(f"  {c / 'index.html'}" for c in site_candidates(site))
        message = (f"the editor site has not been built; no index.html in:\n{looked}\n"
                   "Build it with scripts/build-site (the README's serve command does this first).")  # fmt: skip
        if workspace is None or site is not None:
            print(f"nodefox: {message}", file=sys.stderr)
            return 2
        print(f"nodefox: serving without the editor: {message}", file=sys.stderr)
    try:
        sock = _listen(host, port)
    except OSError as exc:
        print(f"nodefox: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]  # the one the system chose for --port 0
    loopback = is_loopback(host)
    try:
        app = build_app(root, workspace=workspace, triggers=triggers, loopback=loopback,
                        allowed_hosts=loopback_hosts(port) if loopback else None, workers=workers)  # fmt: skip
    except Exception as exc:  # nodefox.toml that cannot be used, a workspace that cannot be read
        import sqlite3

        from .triggers import ConfigError

        if not isinstance(exc, ConfigError | OSError | sqlite3.Error | RuntimeError):
            raise
        print(f"nodefox: {exc}", file=sys.stderr)
        sock.close()
        return 2
    shown = f"[{host}]" if ":" in host else host
    what = f"serving {root}" if root is not None else "no editor site"
    if workspace is not None:
        what += f"; workspace {Path(workspace).resolve()}" + (" with triggers" if triggers else "")
    print(f"NodeFox editor on http://{shown}:{port}/ ({what}); Ctrl+C stops", flush=True)
    idle = HEAD_TIMEOUT if idle_timeout is None else idle_timeout
    protocol = type("Protocol", (Protocol,), {"head_timeout": idle})
    config = uvicorn.Config(
        app, http=protocol, lifespan="on" if triggers else "off", log_level="warning",
        access_log=False, server_header=False, proxy_headers=False,
        timeout_keep_alive=min(KEEP_ALIVE, idle), timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
