"""The editor with a workspace (`nodefox serve DIR`), acting as a person would: open a
workflow file from the list, edit it and find the edit in the file, change the file on disk
and be offered to reload it; create, duplicate, rename and delete files; open a recorded
execution and edit with its data. And without a workspace: several workflows kept in the
browser."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SITE, count, node, status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def chain(n: int = 2) -> dict:
    items = [{"sku": f"s{i}", "price": 10 * i} for i in range(n)]
    return {
        "nodefox": 1,
        "name": "Orders",
        "nodes": [
            {"id": "src", "type": "data", "name": "Orders", "position": [0, 0], "params": {"items": items}},
            {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 10}},
        ],
        "edges": [{"id": "e1", "source": "src", "target": "lim"}],
    }


def hook_flow() -> dict:
    return {
        "nodefox": 1,
        "name": "Greet",
        "nodes": [
            {"id": "hook", "type": "webhook", "name": "Hook", "position": [0, 0], "params": {"path": "greet"}},
            {"id": "hi", "type": "set", "name": "Hi", "position": [300, 0],
             "params": {"fields": [{"name": "greeting", "value": "=Hello {{ $json.body.name }}"}]}},
        ],
        "edges": [{"id": "e1", "source": "hook", "target": "hi"}],
    }  # fmt: skip


class Served:
    """`nodefox serve DIR [args]` on a free port, with the built site."""

    def __init__(self, folder: Path, *args: str):
        if not (SITE / "index.html").is_file():
            pytest.fail("build/site/index.html is missing: run scripts/build-site first")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "engine")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nodefox", "serve", str(folder), "--host", "127.0.0.1", "--port", "0", *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        found = re.search(r"http://[^/]+:(\d+)/", line)
        if not found:
            self.proc.kill()
            pytest.fail(f"nodefox serve did not start: {line!r} {self.proc.stderr.read()}")
        self.url = f"http://127.0.0.1:{found.group(1)}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "flows"
    folder.mkdir()
    return folder


def start(page, url: str):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    page.errors = errors
    return page


def wait_file(path: Path, check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = json.loads(path.read_text())
            if check(value):
                return value
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{path.name} never became as expected: {path.read_text() if path.exists() else 'missing'}")


def entry(page, name: str):
    return page.locator(f'[data-testid="workflows-panel"] [data-testid="workflow-entry"][data-name="{name}"]')


def open_panel(page):
    page.get_by_test_id("workflows-button").click()
    expect(page.get_by_test_id("workflows-panel")).to_be_visible()


def test_a_file_changed_on_disk_is_offered_for_reload_never_overwritten(page, workspace):
    (workspace / "orders.json").write_text(json.dumps(chain(2), indent=2))
    server = Served(workspace)
    try:
        start(page, server.url)
        open_panel(page)
        expect(entry(page, "orders")).to_contain_text("2 nodes")
        entry(page, "orders").locator(".fx-entry-open").click()
        expect(count(page, "lim", "out")).to_have_text("2")
        expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")

        # an edit in the editor is saved back to the file
        name = page.get_by_label("Workflow name")
        name.fill("Orders of the day")
        name.press("Enter")
        saved = wait_file(workspace / "orders.json", lambda d: d.get("name") == "Orders of the day")
        assert [n["id"] for n in saved["nodes"]] == ["src", "lim"]
        text = (workspace / "orders.json").read_text()
        assert text.startswith('{\n  "nodefox": 1,\n  "name": "Orders of the day"'), text[:80]  # pretty, stable order
        expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")

        # someone changes the file on disk: the editor offers to reload, and saves nothing
        changed = chain(3)
        changed["name"] = "Changed on disk"
        (workspace / "orders.json").write_text(json.dumps(changed, indent=2))
        bar = page.get_by_test_id("disk-changed")
        expect(bar).to_be_visible(timeout=10_000)
        expect(bar).to_contain_text("orders.json was changed on disk")
        name.fill("Mine")  # an edit while the question is open is not written over the file
        name.press("Enter")
        time.sleep(1.5)
        assert json.loads((workspace / "orders.json").read_text())["name"] == "Changed on disk"

        bar.get_by_role("button", name="Reload from disk").click()
        expect(bar).to_be_hidden()
        expect(count(page, "lim", "out")).to_have_text("3")
        expect(name).to_have_value("Changed on disk")
        expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")

        # and "Keep mine" after another change on disk writes the editor's version
        other = chain(1)
        other["name"] = "Again on disk"
        (workspace / "orders.json").write_text(json.dumps(other, indent=2))
        expect(bar).to_be_visible(timeout=10_000)
        bar.get_by_role("button", name="Keep mine").click()
        expect(bar).to_be_hidden()
        wait_file(workspace / "orders.json", lambda d: d.get("name") == "Changed on disk" and len(d["nodes"][0]["params"]["items"]) == 3)
        assert page.errors == []
    finally:
        server.stop()


def test_the_list_creates_duplicates_renames_and_deletes_files(page, workspace):
    (workspace / "orders.json").write_text(json.dumps(chain(2), indent=2))
    server = Served(workspace)
    try:
        start(page, server.url)
        open_panel(page)
        panel = page.get_by_test_id("workflows-panel")

        panel.get_by_test_id("workflow-new").click()
        panel.get_by_test_id("name-input").fill("fresh")
        panel.get_by_role("button", name="Create").click()
        expect(panel).to_be_hidden()  # the new workflow is on the canvas
        assert json.loads((workspace / "fresh.json").read_text())["nodes"] == []
        expect(page.get_by_test_id("save-state")).to_contain_text("fresh.json")

        # adding a node to the new workflow saves it into fresh.json
        page.locator('[data-testid="palette-item"][data-type="data"]').first.click()
        wait_file(workspace / "fresh.json", lambda d: len(d["nodes"]) == 1)
        open_panel(page)
        expect(entry(page, "fresh")).to_contain_text("1 node", timeout=10_000)

        entry(page, "orders").get_by_role("button", name="Duplicate orders").click()
        panel.get_by_test_id("name-input").fill("orders 2")
        panel.get_by_role("button", name="Duplicate", exact=True).click()
        expect(entry(page, "orders 2")).to_contain_text("2 nodes")
        assert json.loads((workspace / "orders 2.json").read_text())["nodes"] == chain(2)["nodes"]

        entry(page, "orders 2").get_by_role("button", name="Rename orders 2").click()
        panel.get_by_test_id("name-input").fill("archive")
        panel.get_by_role("button", name="Rename", exact=True).click()
        expect(entry(page, "archive")).to_be_visible()
        assert not (workspace / "orders 2.json").exists() and (workspace / "archive.json").exists()

        # a bad name is refused before it is sent
        entry(page, "archive").get_by_role("button", name="Rename archive").click()
        panel.get_by_test_id("name-input").fill("../evil")
        expect(panel.get_by_role("button", name="Rename", exact=True)).to_be_disabled()
        panel.get_by_role("button", name="Cancel").click()

        entry(page, "archive").get_by_role("button", name="Delete archive").click()
        panel.get_by_test_id("confirm-delete").click()
        expect(entry(page, "archive")).to_have_count(0)
        assert not (workspace / "archive.json").exists()
        assert sorted(p.name for p in workspace.glob("*.json")) == ["fresh.json", "orders.json"]

        # after a reload the open file is open again
        page.reload()
        page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
        expect(page.get_by_test_id("save-state")).to_contain_text("fresh.json")
        assert page.errors == []
    finally:
        server.stop()


def test_an_execution_opens_read_only_and_edits_with_its_data(page, workspace):
    (workspace / "greet.json").write_text(json.dumps(hook_flow(), indent=2))
    server = Served(workspace, "--triggers")
    try:
        call = urllib.request.Request(server.url + "/hook/greet", data=json.dumps({"name": "Ada"}).encode(),
                                      method="POST", headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(call, timeout=30) as resp:
            assert resp.status == 200 and json.loads(resp.read())[0]["greeting"] == "Hello Ada"
            execution = resp.headers["X-NodeFox-Execution"]

        start(page, server.url)
        page.get_by_test_id("executions-button").click()
        panel = page.get_by_test_id("executions-panel")
        row = panel.locator(f'[data-testid="execution"][data-id="{execution}"]')
        expect(row).to_have_attribute("data-status", "ok")
        panel.get_by_test_id("filter-status").select_option("error")
        expect(row).to_have_count(0)
        panel.get_by_test_id("filter-status").select_option("ok")
        panel.get_by_test_id("filter-workflow").select_option("greet")
        row.locator("button").click()

        view = page.get_by_test_id("execution-view")
        expect(view).to_be_visible()
        expect(view.locator('.react-flow__node[data-id="hi"] [data-testid="node-status"]')).to_have_attribute("data-status", "ok")
        expect(view.locator('.react-flow__node[data-id="hi"] [data-testid="port-count"][data-port="out"]')).to_have_text("1")
        view.locator('.react-flow__node[data-id="hi"]').click()
        expect(view.get_by_test_id("execution-items")).to_contain_text("Hello Ada")

        view.get_by_test_id("edit-with-data").click()
        expect(view).to_be_hidden()
        expect(page.get_by_test_id("save-state")).to_contain_text("greet.json")
        status(page, "hi", not_="running")
        expect(node(page, "hi").locator('[data-testid="node-status"]')).to_have_attribute("data-status", "ok")
        page_items = page.evaluate(
            """async () => JSON.parse(await window.nodefox.apply(JSON.stringify(
                 {rev: null, ops: [{op: "inspect", id: "hi", port: "out", offset: 0, limit: 5}]}))).page.items"""
        )
        assert [item["greeting"] for item in page_items] == ["Hello Ada"]
        assert page.errors == []
    finally:
        server.stop()


def test_a_webhook_previews_the_last_recorded_call_when_its_file_opens(page, workspace):
    (workspace / "greet.json").write_text(json.dumps(hook_flow(), indent=2))
    server = Served(workspace, "--triggers")
    try:
        for name in ("Ada", "Grace"):
            call = urllib.request.Request(server.url + "/hook/greet", data=json.dumps({"name": name}).encode(),
                                          method="POST", headers={"Content-Type": "application/json"})  # fmt: skip
            with urllib.request.urlopen(call, timeout=30) as resp:
                assert resp.status == 200
        start(page, server.url)
        open_panel(page)
        entry(page, "greet").locator("button.fx-entry-open").click()
        expect(page.get_by_test_id("save-state")).to_contain_text("greet.json")
        inspect = """async () => JSON.parse(await window.nodefox.apply(JSON.stringify(
            {rev: null, ops: [{op: "inspect", id: "hi", port: "out", offset: 0, limit: 5}]}))).page.items"""
        page.wait_for_function(f"async () => (await ({inspect})()).map(i => i.greeting).join() === 'Hello Grace'",
                               timeout=30_000)  # fmt: skip
        assert page.errors == []
    finally:
        server.stop()


def test_without_a_workspace_the_browser_keeps_a_list(editor):
    from conftest import load

    load(editor, chain(2))
    open_panel(editor)
    panel = editor.get_by_test_id("workflows-panel")
    expect(panel).to_contain_text("Kept in this browser")
    expect(entry(editor, "Orders")).to_contain_text("2 nodes")

    panel.get_by_test_id("workflow-new").click()
    expect(editor.locator(".react-flow__node")).to_have_count(0)
    open_panel(editor)
    expect(panel.get_by_test_id("workflow-entry")).to_have_count(2)

    # an example (or New, or Open…) gets an entry of its own: the workflow before stays listed
    second = chain(1)
    second["name"] = "Second"
    editor.evaluate("d => window.nodefox.editor.load(d)", second)
    expect(entry(editor, "Second")).to_contain_text("2 nodes")

    entry(editor, "Orders").locator(".fx-entry-open").click()
    expect(count(editor, "lim", "out")).to_have_text("2")
    open_panel(editor)
    expect(entry(editor, "Orders")).to_have_class("open")
    editor.get_by_test_id("workflows-button").click()

    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    open_panel(editor)
    expect(editor.get_by_test_id("workflows-panel").get_by_test_id("workflow-entry")).to_have_count(
        editor.evaluate("JSON.parse(localStorage.getItem('nodefox.workflows')).length")
    )
    expect(entry(editor, "Second")).to_be_visible()
    expect(count(editor, "lim", "out")).to_have_text("2")


def test_two_tabs_on_one_workflow_lose_no_edit(editor):
    from conftest import load, param

    load(editor, chain(2))
    other = editor.context.new_page()  # a second tab of the same browser, on the same workflow
    other.goto(editor.url)
    other.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(count(other, "lim", "out")).to_have_text("2")

    # an edit in the second tab: the first is asked, and writes nothing over it meanwhile
    node(other, "lim").locator(".fx-node-head").click()
    param(other, "/max").fill("1")
    expect(count(other, "lim", "out")).to_have_text("1")
    question = editor.get_by_test_id("question")
    expect(question).to_contain_text("This workflow was changed in another tab", timeout=10_000)
    question.get_by_role("button", name="Load the other version").click()
    expect(count(editor, "lim", "out")).to_have_text("1")

    # and the list made in one tab is the other's too
    open_panel(other)
    other.get_by_test_id("workflows-panel").get_by_test_id("workflow-new").click()
    expect(other.locator(".react-flow__node")).to_have_count(0)
    node(editor, "lim").locator(".fx-node-head").click()
    param(editor, "/max").fill("0")  # an edit here saves the list: the new entry stays in it
    expect(count(editor, "lim", "out")).to_have_text("0")
    editor.wait_for_timeout(800)  # past the list's write delay
    names = editor.evaluate("JSON.parse(localStorage.getItem('nodefox.workflows')).map(e => e.name)")
    assert sorted(names) == ["My workflow", "Orders"]
    other.close()
