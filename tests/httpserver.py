"""A real HTTP server on 127.0.0.1 for the `http` node's tests (threaded, HTTP/1.1).

Routes (every one sends CORS headers except /nocors):

    /json               {"id": 1, "name": "Ada", "tags": ["x", "y"]}
    /list               [{"id": 1}, {"id": 2}, 3]
    /nested             {"data": {"items": [...]}, "total": 2}
    /text               text/plain "hello\\nworld"
    /html               text/html
    /badjson            application/json that is not JSON
    /empty              204, no body
    /status/CODE        that status, with a JSON body {"error": "..."}
    /slow?ms=N          answers after N ms
    /flaky?key=K&fail=N&code=503
                        the first N requests with that key get `code`, then 200
    /limited?key=K&fail=N&after=S
                        the first N get 429 with Retry-After: S, then 200
    /pages?page=N&last=M
                        {"items": [...], "next": "/pages?page=N+1&last=M" or null}
    /linked?page=N&last=M
                        a JSON array, with a Link: <...>; rel="next" header
    /loop               a page whose next link points at itself
    /echo               {"method", "path", "query", "headers", "body"} of the request
    /echo?pick=method,body,h:authorization
                        only those parts (h: a header), for results alike on every client
    /redirect?to=URL&code=302
                        a redirect
    /nocors             JSON without any CORS header
    /big?kb=N           N kilobytes of text

The server answers with a fixed `Date` and `Server`, so a `full` response is the same
in every run. `server.log` lists (method, path with query, headers) of every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE",
    "Access-Control-Expose-Headers": "*",
}
FIXED_DATE = "Thu, 01 Jan 2026 09:30:00 GMT"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK, about 40 ms per request on a kept-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return "testserver"

    def date_time_string(self, timestamp=None) -> str:
        return FIXED_DATE

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes = b"", ctype: str = "application/json",
                headers: dict | None = None, cors: bool = True) -> None:  # fmt: skip
        self.send_response(status)
        if body or status not in (204, 304):
            self.send_header("Content-Type", ctype)
        for name, value in {**(CORS if cors else {}), **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value, status: int = 200, **kw) -> None:
        self._answer(status, json.dumps(value, separators=(",", ":")).encode(), **kw)

    def do_OPTIONS(self) -> None:
        self.server.log.append(("OPTIONS", self.path, dict(self.headers)))
        self._answer(204, cors=not self.path.startswith("/nocors"))

    def do_GET(self) -> None:
        self._route(b"")

    def do_HEAD(self) -> None:
        self._route(b"")

    def do_DELETE(self) -> None:
        self._route(self._body())

    def do_POST(self) -> None:
        self._route(self._body())

    do_PUT = do_PATCH = do_POST

    def _route(self, body: bytes) -> None:
        self.server.log.append((self.command, self.path, dict(self.headers)))
        parts = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path
        if path == "/json":
            self._json({"id": 1, "name": "Ada", "tags": ["x", "y"]})
        elif path == "/list":
            self._json([{"id": 1}, {"id": 2}, 3])
        elif path == "/nested":
            self._json({"data": {"items": [{"n": 1}, {"n": 2}], "note": "x"}, "total": 2})
        elif path == "/text":
            self._answer(200, b"hello\nworld", "text/plain; charset=utf-8")
        elif path == "/latin1":
            self._answer(200, "café".encode("latin-1"), "text/plain; charset=iso-8859-1")
        elif path == "/html":
            self._answer(200, b"<p>hi</p>", "text/html")
        elif path == "/badjson":
            self._answer(200, b"{not json", "application/json")
        elif path == "/empty":
            self._answer(204)
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._json({"error": f"status {code} on purpose"}, code)
        elif path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self._json({"slow": True})
        elif path in ("/flaky", "/limited"):
            key = (path, q.get("key", ""))
            seen = self.server.counts[key] = self.server.counts.get(key, 0) + 1
            if seen <= int(q.get("fail", "1")):
                if path == "/limited":
                    self._json({"error": "slow down"}, 429, headers={"Retry-After": q.get("after", "1")})
                else:
                    self._json({"error": "try again"}, int(q.get("code", "503")))
            else:
                self._json({"ok": True, "attempts": seen})
        elif path == "/pages":
            page, last = int(q.get("page", "1")), int(q.get("last", "3"))
            nxt = f"/pages?page={page + 1}&last={last}" if page < last else None
            self._json({"items": [{"page": page, "i": i} for i in range(2)], "next": nxt})
        elif path == "/linked":
            page, last = int(q.get("page", "1")), int(q.get("last", "3"))
            links = [f'<{self._base()}/linked?page=1&last={last}>; rel="first"']
            if page < last:
                links.append(f'<{self._base()}/linked?page={page + 1}&last={last}>; rel="next"')
            self._json([{"page": page}], headers={"Link": ", ".join(links)})
        elif path == "/loop":
            self._json({"items": [{"again": True}], "next": "/loop"})
        elif path == "/echo":
            echoed = {
                "method": self.command, "path": parts.path, "query": parts.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }  # fmt: skip
            if "pick" in q:  # pick=method,body,h:authorization: what every client sends alike
                picked = q["pick"].split(",")
                echoed = {k: v for k, v in echoed.items() if k in picked} | {
                    h[2:]: echoed["headers"].get(h[2:]) for h in picked if h.startswith("h:")
                }
            self._json(echoed)
        elif path == "/redirect":
            self._answer(int(q.get("code", "302")), b"", headers={"Location": q.get("to", "/json")})
        elif path == "/nocors":
            self._json({"cors": False}, cors=False)
        elif path == "/say":  # says `text` with `status` and `ctype`
            self._answer(int(q.get("status", "200")), q.get("text", "").encode(), q.get("ctype", "text/plain"))
        elif path == "/big":
            self._answer(200, b"x" * (1024 * int(q.get("kb", "1"))), "text/plain")
        else:
            self._json({"error": "no such route"}, 404)

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[tuple[str, str, dict]] = []
        self.counts: dict[tuple, int] = {}

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (a timeout test) is not news

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, path_prefix: str = "") -> list[tuple[str, str, dict]]:
        return [r for r in self.log if r[1].startswith(path_prefix)]


@contextmanager
def serve() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def http_server() -> Iterator[Server]:
    """The test server, started once per session; tests use unique keys or clear `log`."""
    with serve() as server:
        yield server


if __name__ == "__main__":  # a manual look: python tests/httpserver.py
    with serve() as s:
        print(s.base, flush=True)
        threading.Event().wait()
