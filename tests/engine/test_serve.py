"""`nodefox serve` (`serve.py`): the built site, cross-origin isolated, .wasm typed right."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nodefox.serve import find_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "site"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>NodeFox</title>", encoding="utf-8")
    (root / "assets" / "engine.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "assets" / "worker.mjs").write_text("export {};", encoding="utf-8")
    (root / "assets" / "nodefox-0.1.0-py3-none-any.whl").write_bytes(b"PK\3\4")
    return root


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nodefox", "serve", "--port", "0", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """One server for the module: starting one costs a few hundred milliseconds."""
    proc = start("--site", str(site), cwd=site.parent)
    try:
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found and found.group(1) != "0", f"the actual port is announced: {line!r}"
        yield found.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert "Traceback" not in proc.stderr.read()


def fetch(url: str) -> tuple[int, Any, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def isolated(headers: Any) -> bool:
    return headers.get("Cross-Origin-Opener-Policy") == "same-origin" and \
        headers.get("Cross-Origin-Embedder-Policy") == "require-corp"


def test_index_is_served_cross_origin_isolated(server):
    status, headers, body = fetch(server)
    assert status == 200 and b"NodeFox" in body
    assert isolated(headers)
    assert headers["Content-Type"].startswith("text/html")


def test_wasm_is_application_wasm(server):
    status, headers, body = fetch(server + "assets/engine.wasm")
    assert status == 200 and body == b"\0asm\1\0\0\0"
    assert headers["Content-Type"] == "application/wasm"
    assert isolated(headers)


def test_module_scripts_and_wheels(server):
    assert fetch(server + "assets/worker.mjs")[1]["Content-Type"].startswith("text/javascript")
    assert fetch(server + "assets/nodefox-0.1.0-py3-none-any.whl")[1]["Content-Type"] == "application/zip"


def test_a_missing_file_is_404_and_still_isolated(server):
    status, headers, _ = fetch(server + "nope.js")
    assert status == 404 and isolated(headers)


def test_nothing_outside_the_site_is_served(server, site):
    (site.parent / "secret.txt").write_text("secret", encoding="utf-8")
    status, _, body = fetch(server + "../secret.txt")
    assert b"secret" not in body or status != 200


def test_a_site_not_built_gives_a_clear_message(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = start("--site", str(empty), cwd=tmp_path)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and out == ""
    assert "not been built" in err and "scripts/build-site" in err and str(empty) in err
    assert "Traceback" not in err


def test_find_site(site, tmp_path, monkeypatch):
    assert find_site(str(site)) == site
    assert find_site(str(tmp_path / "nowhere")) is None
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "site").symlink_to(site)
    monkeypatch.chdir(tmp_path)
    assert find_site() == tmp_path / "build" / "site"


def test_a_port_in_use_is_a_message(site):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "nodefox", "serve", "--port", str(port), "--site", str(site)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    assert proc.returncode == 2 and "cannot listen" in proc.stderr and "Traceback" not in proc.stderr



def test_cache_headers(server, site):
    """Vite's content-hashed /assets/ are kept for good; everything else is revalidated (304)."""
    status, headers, _ = fetch(server + "assets/worker.mjs?v=1")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, headers, _ = fetch(server + "assets/missing.js")
    assert status == 404 and headers["Cache-Control"] == "no-cache", "a 404 is never kept"
    (site / "pyodide").mkdir(exist_ok=True)
    (site / "pyodide" / "pyodide-lock.json").write_text("{}", encoding="utf-8")
    for path in ("", "index.html", "pyodide/pyodide-lock.json"):
        status, headers, _ = fetch(server + path)
        assert status == 200 and headers["Cache-Control"] == "no-cache", path
        assert headers["Last-Modified"], f"{path}: a Last-Modified to revalidate against"
        again = urllib.request.Request(server + path, headers={"If-Modified-Since": headers["Last-Modified"]})
        assert fetch(again)[0] == 304, f"{path}: unchanged, so not sent again"
