"""Starting `nodefox serve` as a real process and talking HTTP to it, for the server tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ENGINE = Path(__file__).resolve().parents[2] / "engine"


class Server:
    """`nodefox serve [DIR] [args]` on a free port; `stop()` ends it (SIGTERM, or SIGKILL)."""

    def __init__(self, folder: Path | None, *args: str, host: str = "127.0.0.1"):
        env = {**os.environ, "PYTHONPATH": str(ENGINE)}
        self.folder = folder
        where = [str(folder)] if folder is not None else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nodefox", "serve", *where, "--host", host, "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        found = re.search(r"http://[^/]+:(\d+)/", line)
        if not found:
            self.proc.kill()
            raise AssertionError(f"the server did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self._token: str | None = None

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.call("GET", "/api/session", token=False)[2]["token"]
        return self._token

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None,
             token: bool = True, raw: bytes | None = None, timeout: float = 30) -> tuple[int, dict, Any]:  # fmt: skip
        """(status, headers with lower-case names, the body parsed as JSON when it is)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None and "content-type" not in {k.lower() for k in req.headers}:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("X-NodeFox-Token", self.token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, got, text = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, got, text = exc.code, exc.headers, exc.read()
        hdrs = {k.lower(): v for k, v in got.items()}
        try:
            value = json.loads(text) if text else None
        except ValueError:
            value = text
        return status, hdrs, value

    def stop(self, kill: bool = False) -> str:
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


def wait_for(check, timeout: float = 20.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
