"""What every answer of `nodefox serve` shares, below the routes: headers, the Host check,
and connections that may not sit idle.

Each piece is a plain ASGI callable (or uvicorn's protocol, for the timers that live below
ASGI), so serve.py only stacks them.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Scope = dict
ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]

# Every answer is cross-origin isolated (the worker's SharedArrayBuffer needs it) and its
# resources are not for other origins' pages.
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HEAD_TIMEOUT = 10.0  # seconds a connection may take to send a request's head, or sit idle
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept between requests


def is_loopback(host: str) -> bool:
    """Whether an address (or the name localhost) is loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts(port: int) -> frozenset[str]:
    """The Host header values a loopback server answers: its own names, with its port."""
    names = ("127.0.0.1", "localhost", "[::1]")
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:  # browsers leave the default port out
        hosts.update(names)
    return frozenset(hosts)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def send_json(send: Callable, status: int, body: dict, headers: Iterable = ()) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"), *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})


class HostCheck:
    """Refuses (400) a request whose Host is not one of `allowed`: a page on another site
    whose name was made to point at 127.0.0.1 (DNS rebinding) sends its own name."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None):
        self.app, self.allowed = app, allowed

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host = (header(scope, b"host") or "").lower()
            if host not in self.allowed:
                await send_json(send, 400, {"error": f"this server does not answer for Host {host!r}"})
                return
        await self.app(scope, receive, send)


class Isolation:
    """Adds the cross-origin isolation headers to every answer (404s, 304s, errors too)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.extra = [(k.lower().encode(), v.encode()) for k, v in ISOLATION.items()]

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *self.extra]}
            await send(message)

        await self.app(scope, receive, sending)


class Protocol(HttpToolsProtocol):
    """uvicorn's protocol with a deadline for each request's head.

    uvicorn closes a keep-alive connection idle between requests, but not one that never
    sends a whole request head (a new connection sending nothing, or a byte a minute): such
    connections would be held forever. The deadline runs from the connection (or the last
    answer) until the head is complete; the app's own time to answer is not counted.
    """

    head_timeout = HEAD_TIMEOUT

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
