"""No code from elsewhere runs without a yes (issue 10): a workflow opened from a file, or
restored from this browser's storage, whose `code` nodes were not written here, asks
"This workflow contains code: Run / Keep disabled"; the answer is remembered per workflow.

Until asked, the engine is told `set_permissions` with `code: false` and the `code` nodes
are `waiting`. An engine from before that op reports them as errors instead (the page then
uses the bridge's allowCode option): `test_code_not_allowed_is_waiting` skips there."""

from __future__ import annotations

import json

import pytest
from conftest import count, node, status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ITEMS = [{"n": i} for i in range(5)]
STRANGER = {
    "nodefox": 1, "name": "From a stranger", "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [
        {"id": "src", "type": "data", "name": "Data", "position": [0, 0], "params": {"items": ITEMS}},
        {"id": "code", "type": "code", "name": "Script", "position": [300, 0],
         "params": {"code": "return [{'ran': True}]"}},
    ],
    "edges": [{"id": "e1", "source": "src", "target": "code"}],
}  # fmt: skip
NOT_RUN = ("waiting", "error")  # "waiting" once the engine knows set_permissions


def open_file(page, tmp_path, document: dict, name: str = "stranger.json") -> None:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    page.get_by_test_id("open-file").set_input_files(str(path))


def not_run(page) -> None:
    expect(status(page, "src")).to_have_attribute("data-status", "ok")
    page.wait_for_timeout(200)
    assert status(page, "code").get_attribute("data-status") in NOT_RUN
    expect(count(page, "code", "out")).to_have_text("–")


def test_code_from_a_file_waits_for_run_and_the_answer_is_remembered(editor, tmp_path):
    open_file(editor, tmp_path, STRANGER)
    consent = editor.get_by_test_id("code-consent")
    expect(consent).to_contain_text("This workflow contains code")
    not_run(editor)
    consent.get_by_role("button", name="Run", exact=True).click()
    expect(count(editor, "code", "out")).to_have_text("1")
    expect(status(editor, "code")).to_have_attribute("data-status", "ok")
    expect(consent).to_have_count(0)
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(count(editor, "code", "out")).to_have_text("1")
    expect(editor.get_by_test_id("code-consent")).to_have_count(0)


def test_code_kept_disabled_stays_disabled_after_a_reload(editor, tmp_path):
    open_file(editor, tmp_path, STRANGER)
    editor.get_by_test_id("code-consent").get_by_role("button", name="Keep disabled").click()
    expect(editor.get_by_test_id("code-disabled")).to_be_visible()
    not_run(editor)
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(editor.get_by_test_id("code-disabled")).to_be_visible()
    expect(editor.get_by_test_id("code-consent")).to_have_count(0)
    not_run(editor)
    editor.get_by_test_id("code-disabled").get_by_role("button", name="Run the code").click()
    expect(count(editor, "code", "out")).to_have_text("1")


def test_code_restored_from_storage_asks_before_it_runs(page, site_url):
    page.add_init_script(f"localStorage.setItem('nodefox.workflow', {json.dumps(json.dumps(STRANGER))})")
    page.goto(site_url + "/")
    page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(page.get_by_test_id("code-consent")).to_be_visible()
    not_run(page)


def test_code_written_here_runs_without_a_question(editor):
    document = {**STRANGER, "nodes": STRANGER["nodes"][:1], "edges": []}
    editor.evaluate("d => window.nodefox.editor.load(d)", document)
    expect(status(editor, "src")).to_have_attribute("data-status", "ok")
    node(editor, "src").locator(".fx-node-head").click()
    editor.locator('[data-testid="palette-item"][data-type="code"]').click()  # added next to the selection
    expect(editor.locator(".react-flow__node")).to_have_count(2)
    added = editor.evaluate("window.nodefox.editor.export()")["nodes"][-1]["id"]
    expect(status(editor, added)).to_have_attribute("data-status", "ok")
    expect(editor.get_by_test_id("code-consent")).to_have_count(0)


def test_code_not_allowed_is_waiting(editor, tmp_path):
    known = editor.evaluate(
        """async () => JSON.parse(await window.nodefox.apply(JSON.stringify({rev: null, ops: [
             {op: "set_permissions", code: true}]}))).rejected.length === 0"""
    )
    if not known:
        pytest.skip("the engine has no set_permissions op yet: code not allowed shows as an error")
    open_file(editor, tmp_path, STRANGER)
    expect(status(editor, "code")).to_have_attribute("data-status", "waiting")
    expect(status(editor, "code")).to_contain_text("waiting")
