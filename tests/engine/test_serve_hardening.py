"""`nodefox serve` left running on a machine: the probes of a red-team pass, each refused.

Links out of the site, directory listings, DNS rebinding (a foreign Host), malformed
requests and connections that never send a request, against a real server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hardening")
    root = base / "site"
    (root / "assets").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text("<!doctype html><title>NodeFox</title>", encoding="utf-8")
    (root / "assets" / "a.js").write_text("export {};", encoding="utf-8")
    (base / "secret.txt").write_text("the secret", encoding="utf-8")
    (root / "leak.txt").symlink_to(base / "secret.txt")
    (root / "outside").symlink_to(base)
    (root / "inside.js").symlink_to(root / "assets" / "a.js")
    return root


@pytest.fixture(scope="module")
def port(site: Path) -> Iterator[int]:
    env = {**os.environ, "PYTHONPATH": str(ENGINE)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nodefox", "serve", "--port", "0", "--site", str(site), "--idle-timeout", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        assert found, proc.stderr.read()
        yield int(found.group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert "Traceback" not in proc.stderr.read()


def exchange(port: int, raw: bytes, wait: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(raw)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
                if b"\r\n\r\n" in out and b"content-length: 0" in out.lower():
                    break
        except TimeoutError:
            pass
        return out


def get(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    host = host if host is not None else f"127.0.0.1:{port}"
    raw = exchange(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    status = int(raw.split(b" ", 2)[1])
    return status, raw.partition(b"\r\n\r\n")[2]


def test_links_out_of_the_site_are_not_followed(port):
    for path in ("/leak.txt", "/outside/secret.txt", "/outside/", "/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        status, body = get(port, path)
        assert status == 404 and b"the secret" not in body, path


def test_a_link_inside_the_site_is_served(port):
    status, body = get(port, "/inside.js")
    assert status == 200 and body == b"export {};"


def test_no_directory_listing(port):
    for path in ("/assets/", "/empty/", "/assets"):
        status, body = get(port, path)
        assert status == 404 and b"a.js" not in body, path


def test_foreign_host_refused_own_names_answered(port):
    """A page of evil.example whose name resolves to 127.0.0.1 sends Host: evil.example."""
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}", "", f"localhost.:{port}"):
        status, body = get(port, "/", host)
        assert status == 400 and b"NodeFox" not in body, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        status, body = get(port, "/", host)
        assert status == 200 and b"NodeFox" in body, host


def test_a_request_without_host_is_refused(port):
    raw = exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 400")


@pytest.mark.parametrize("request_line", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS hello on the plain port
])  # fmt: skip
def test_malformed_requests_get_400(port, request_line):
    raw = exchange(port, request_line)
    assert raw.startswith(b"HTTP/1.1 400"), raw[:80]


def test_idle_connections_are_closed(port):
    """--idle-timeout 1: a connection that sends nothing, or half a request head, is closed."""
    for sent in (b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(sent)
            start = time.monotonic()
            assert sock.recv(100) == b"", "closed without an answer"
            assert time.monotonic() - start < 5


def test_a_slow_answer_is_not_cut_by_the_idle_timer(port):
    """The timer covers the request head only: a keep-alive connection serves several requests."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(f"GET /assets/a.js HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            data = b""
            while not data.endswith(b"export {};"):
                chunk = sock.recv(4096)
                assert chunk, "the connection stayed open between requests"
                data += chunk
            time.sleep(0.5)
