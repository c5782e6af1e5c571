"""The editor served by `nodefox serve` sends its HTTP requests through `/relay`: an API
without CORS headers answers, and the page's Stop ends a request that hangs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conftest import count, node, status
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)


def workflow(url: str, timeout_ms: int = 10_000) -> dict:
    return {
        "nodefox": 1, "name": "relay",
        "nodes": [
            {"id": "src", "type": "data", "position": [0, 0], "params": {"items": [{}]}},
            {"id": "h", "type": "http", "position": [300, 0], "params": {"url": url, "timeoutMs": timeout_ms}},
        ],
        "edges": [{"id": "e1", "source": "src", "target": "h"}],
    }  # fmt: skip


def apply(page, *ops: dict) -> dict:
    return json.loads(page.evaluate("m => window.nodefox.apply(m)", json.dumps({"rev": None, "ops": list(ops)})))


def test_an_api_without_cors_answers_the_editor(editor, http_server):  # noqa: F811
    url = http_server.url("/nocors")
    # the page itself may not read it: the browser blocks the answer (no CORS headers)
    blocked = editor.evaluate("u => fetch(u).then(() => 'read', (e) => String(e))", url)
    assert blocked.startswith("TypeError")
    editor.evaluate("d => window.nodefox.editor.load(d)", workflow(url))
    # a document opened starts with no hosts (its own answers: none yet); then this one is allowed
    assert apply(editor, {"op": "set_permissions", "net": ["127.0.0.1"]})["rejected"] == []
    expect(count(editor, "h", "out")).to_have_text("1", timeout=20_000)
    expect(status(editor, "h")).to_have_attribute("data-status", "ok")
    answer = apply(editor, {"op": "inspect", "id": "h", "port": "out", "offset": 0, "limit": 10})
    assert answer["page"]["items"] == [{"cors": False}]
    sent = [r for r in http_server.requests("/nocors") if r[0] == "GET"][-1][2]
    assert sent["User-Agent"].startswith("nodefox/")  # the request the relay sent, as natively


def test_a_hanging_request_is_stopped_and_the_next_edit_answers(editor, http_server):  # noqa: F811
    http_server.log.clear()
    editor.evaluate("d => window.nodefox.editor.load(d)", workflow(http_server.url("/slow?ms=60000"), 120_000))
    # allowed after the load, which starts with no hosts; not awaited: its answer waits for the hang
    editor.evaluate("m => { void window.nodefox.apply(m); }",
                    json.dumps({"rev": None, "ops": [{"op": "set_permissions", "net": ["127.0.0.1"]}]}))
    expect(editor.get_by_test_id("stop")).to_be_visible(timeout=20_000)
    deadline = time.monotonic() + 20
    while not http_server.requests("/slow?ms=60000") and time.monotonic() < deadline:
        time.sleep(0.1)  # the request is out: the worker is waiting for it
    assert http_server.requests("/slow?ms=60000")
    start = time.monotonic()
    editor.get_by_test_id("stop").click()
    expect(status(editor, "h")).to_have_attribute("data-status", "stale", timeout=10_000)
    assert time.monotonic() - start < 10
    editor.evaluate(
        "m => window.nodefox.apply(m)",
        json.dumps({"rev": None, "ops": [{"op": "patch_params", "id": "h", "path": "/url",
                                          "value": http_server.url("/nocors")}]}),
    )  # fmt: skip
    expect(count(editor, "h", "out")).to_have_text("1", timeout=10_000)
    expect(status(editor, "h")).to_have_attribute("data-status", "ok")
    assert time.monotonic() - start < 20  # long before the slow answer would have come
    expect(node(editor, "h")).to_be_visible()
