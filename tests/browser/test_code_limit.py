"""A `code` node that never ends (issue 15, item 4): its preview stops at the editor's time
limit with the node's own error, the session goes on, and Stop drops the re-runs of that
code that edits queued behind it, keeping the edits. Each runs with the interrupt buffer
(`nodefox serve` sends the cross-origin isolation headers) and without it (the same page
served without them: the worker is restarted instead)."""

from __future__ import annotations

import pytest
from conftest import count, node, param, status, throttle
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HANG = "while True:\n    pass\nreturn items"
ITEMS = [{"n": i} for i in range(5)]


def doc(code: str) -> dict:
    return {
        "nodefox": 1, "name": "Hang",
        "nodes": [
            {"id": "src", "type": "data", "name": "Numbers", "position": [0, 0], "params": {"items": ITEMS}},
            {"id": "lim", "type": "limit", "name": "Few", "position": [250, 0], "params": {"max": 4}},
            {"id": "hang", "type": "code", "name": "Forever", "position": [500, 0], "params": {"code": code}},
            {"id": "tail", "type": "noop", "name": "After", "position": [750, 0]},
        ],
        "edges": [
            {"id": "e1", "source": "src", "target": "lim"},
            {"id": "e2", "source": "lim", "target": "hang"},
            {"id": "e3", "source": "hang", "target": "tail"},
        ],
    }  # fmt: skip


def without_isolation(route) -> None:
    """The page as a static host without COOP/COEP serves it: no SharedArrayBuffer."""
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if not k.lower().startswith("cross-origin")}
    route.fulfill(response=response, headers=headers)


@pytest.fixture(params=["isolated", "not-isolated"])
def limited(request, page, site_url, cpu):
    """The editor with a code time limit of `seconds` (the setting in localStorage)."""

    def open_with(seconds: float):
        if request.param == "not-isolated":
            page.route(site_url + "/", without_isolation)
        page.add_init_script(f"localStorage.setItem('nodefox.codeSeconds', '{seconds}')")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(site_url + "/")
        page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
        isolated = page.evaluate("self.crossOriginIsolated")
        assert isolated is (request.param == "isolated")
        if cpu != 1:
            throttle(page, cpu)
        page.errors = errors
        return page

    yield open_with
    assert getattr(page, "errors", []) == [], f"uncaught errors on the page: {page.errors}"


def put(page, document: dict) -> None:
    page.evaluate("d => window.nodefox.editor.load(d)", document)


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def error_of(page, node_id: str):
    return node(page, node_id).locator('[data-testid="node-error"]')


def test_code_past_its_time_limit_fails_and_the_session_goes_on(limited):
    page = limited(1)
    put(page, doc(HANG))
    expect(status(page, "hang")).to_have_attribute("data-status", "error", timeout=20_000)
    expect(error_of(page, "hang")).to_contain_text("took longer than 1 s")
    expect(status(page, "tail")).to_have_attribute("data-status", "blocked")
    # the next edit runs normally, and the same code is not run again (it answers at once)
    select(page, "lim")
    param(page, "/max").fill("2")
    expect(count(page, "lim", "out")).to_have_text("2")
    expect(status(page, "hang")).to_have_attribute("data-status", "error")
    expect(page.get_by_test_id("stop")).to_be_hidden()
    # once the code changes it runs again
    select(page, "hang")
    param(page, "/code").fill("return items[:1]")
    expect(count(page, "hang", "out")).to_have_text("1", timeout=20_000)
    expect(count(page, "tail", "out")).to_have_text("1")


def test_stop_drops_the_queued_re_runs_of_the_stuck_code_but_keeps_the_edits(limited):
    page = limited(120)  # the limit is not what stops it here
    put(page, doc(HANG))
    expect(page.get_by_test_id("stop")).to_be_visible(timeout=20_000)
    # typed while the code hangs: queued behind it
    select(page, "lim")
    field = param(page, "/max")
    field.fill("3")
    field.fill("2")
    page.get_by_test_id("stop").click()
    # the edits reach the engine; the code they would re-run is answered as stopped
    expect(count(page, "lim", "out")).to_have_text("2", timeout=20_000)
    expect(status(page, "hang")).to_have_attribute("data-status", "error", timeout=20_000)
    expect(error_of(page, "hang")).to_contain_text("stopped")
    expect(page.get_by_test_id("stop")).to_be_hidden()
    maxes = [n["params"]["max"] for n in page.evaluate("window.nodefox.editor.export()")["nodes"] if n["id"] == "lim"]
    assert maxes == [2]
    # and code that ends runs as before
    select(page, "hang")
    param(page, "/code").fill("return items")
    expect(count(page, "tail", "out")).to_have_text("2", timeout=20_000)
