"""Browser tests: the real built site (`build/site`), served by `nodefox serve` on
127.0.0.1, driven in Debian's headless Chromium through pytest-playwright."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.fail("build/site/index.html is missing: run scripts/build-site first")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "nodefox", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"nodefox serve exited: {server.stderr.read().decode()}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }  # fmt: skip


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


# Every editor test runs twice: as is, and with the page's CPU slowed 4x (Chromium's
# `Emulation.setCPUThrottlingRate`), as a busy machine would, so races between a keystroke,
# its answer and the next keystroke show in CI and not only on a loaded laptop.
THROTTLING = [1, 4]


def throttle(page, rate: float) -> None:
    """Slow the page's CPU `rate` times (1: as fast as the machine)."""
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


@pytest.fixture(params=THROTTLING, ids=lambda rate: "plain" if rate == 1 else f"cpu/{rate}")
def cpu(request) -> float:
    """The CPU throttling rate a test's page runs at."""
    return request.param


@pytest.fixture
def editor(page, site_url, cpu):
    """The editor, engine ready, on an empty workflow (a fresh browser context each test),
    its CPU throttled `cpu` times once the engine is up (loading is not what is tested)."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site_url + "/")
    page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    if cpu != 1:
        throttle(page, cpu)
    page.errors = errors
    yield page
    assert errors == [], f"uncaught errors on the page: {errors}"


def load(page, document: dict) -> None:
    """Put a document on the canvas through the automation hook and wait for its results."""
    page.evaluate("d => window.nodefox.editor.load(d)", document)
    for node in document["nodes"]:
        status(page, node["id"], not_="running")


def node(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def count(page, node_id: str, port: str):
    return node(page, node_id).locator(f'[data-testid="port-count"][data-port="{port}"]')


def status(page, node_id: str, not_: str | None = None):
    marker = node(page, node_id).locator('[data-testid="node-status"]')
    if not_ is not None:
        page.wait_for_function(
            "([id, s]) => { const e = document.querySelector(`.react-flow__node[data-id=\"${id}\"] [data-testid=node-status]`);"
            " return e && e.dataset.status !== s; }",
            arg=[node_id, not_],
        )
    return marker


def param(page, pointer: str):
    return page.locator(f'[data-testid="inspector"] [data-param="{pointer}"]')


def read_json(path: Path):
    return json.loads(path.read_text())
