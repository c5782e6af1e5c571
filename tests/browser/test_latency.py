"""The preview answers at once, every time (issue 16): the first edit after selecting a
node, the first edit that leaves a parameter invalid, a list row added. Generous bounds:
the exact figures are the bench's (scripts/bench_browser.py), not a test's."""

from __future__ import annotations

import pytest
from conftest import load, node
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ITEMS = [{"i": i} for i in range(20)]
DOC = {
    "nodefox": 1, "name": "Stall", "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [
        {"id": "d", "type": "data", "name": "Data", "position": [0, 0], "params": {"items": ITEMS}},
        {"id": "a", "type": "limit", "name": "A", "position": [300, -150], "params": {"max": 10}},
        {"id": "b", "type": "limit", "name": "B", "position": [300, 0], "params": {"max": 10}},
        {"id": "s", "type": "summarize", "name": "S", "position": [300, 150], "params": {"aggregations": []}},
    ],
    "edges": [{"id": "e1", "source": "d", "target": "a"}, {"id": "e2", "source": "d", "target": "b"},
              {"id": "e3", "source": "d", "target": "s"}],
}  # fmt: skip

# times, in the page, from the last input event or click to `marker` showing `want`
_WATCH = """([selector, attribute, want]) => { window.__watched = new Promise((resolve, reject) => {
  const started = window.__lastInput;
  const seen = () => {
    const el = document.querySelector(selector);
    return el && (attribute ? el.getAttribute(attribute) : el.textContent.trim()) === want;
  };
  if (seen()) return resolve(performance.now() - started);
  const observer = new MutationObserver(() => {
    if (!seen()) return;
    observer.disconnect();
    resolve(performance.now() - window.__lastInput);
  });
  observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  setTimeout(() => { observer.disconnect(); reject(new Error(`${selector} never showed ${want}`)); }, 15000);
}); }"""
_MARK = """() => {
  const mark = () => { window.__lastInput = performance.now(); };
  document.addEventListener("input", mark, true);
  document.addEventListener("click", mark, true);
}"""


def watch(page, selector: str, want: str, attribute: str | None = None) -> None:
    """Start timing: `took(page)` then gives the ms from the next input or click to `want`."""
    page.evaluate(_WATCH, [selector, attribute, want])


def took(page) -> float:
    return page.evaluate("() => window.__watched")


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    page.locator(f'[data-testid="inspector"][data-node="{node_id}"]').wait_for()


def test_first_edits_after_selecting_a_node_answer_at_once(editor, cpu):
    bound = 400 * cpu  # the stall was 1,600-2,100 ms; an answer takes a few ms
    editor.evaluate(_MARK)
    load(editor, DOC)
    for node_id, value in (("a", "3"), ("b", "4"), ("a", "5")):
        select(editor, node_id)
        count = f'.react-flow__node[data-id="{node_id}"] [data-testid="port-count"][data-port="out"]'
        watch(editor, count, value)
        editor.locator('[data-testid="inspector"] [data-param="/max"]').fill(value)
        assert took(editor) < bound
    # the first value the engine finds invalid: its message once took 2 s to build
    select(editor, "b")
    marker = '.react-flow__node[data-id="b"] [data-testid="node-status"]'
    watch(editor, marker, "error", "data-status")
    field = editor.locator('[data-testid="inspector"] [data-param="/max"]')
    field.fill("")
    assert took(editor) < bound
    expect(node(editor, "b").locator('[data-testid="node-error"]')).to_contain_text("max")


def test_a_row_added_to_a_list_shows_the_engines_status_at_once(editor, cpu):
    editor.evaluate(_MARK)
    load(editor, DOC)
    select(editor, "s")
    count = '.react-flow__node[data-id="s"] [data-testid="port-count"][data-port="out"]'
    watch(editor, count, "1")  # summarize with one `count` aggregation: one item
    editor.locator('[data-testid="inspector"] [data-add="/aggregations"]').click()
    assert took(editor) < 400 * cpu
    expect(node(editor, "s").locator('[data-testid="node-status"]')).to_have_attribute("data-status", "ok")
    rows = editor.evaluate("window.nodefox.editor.export()")["nodes"][3]["params"]["aggregations"]
    assert [{k: v for k, v in r.items() if k != "skipEmpty"} for r in rows] == [{"op": "count", "field": ""}]


CHAIN = {
    "nodefox": 1, "name": "Statuses", "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [
        {"id": "d", "type": "data", "name": "Data", "position": [0, 0], "params": {"items": ITEMS}},
        {"id": "a", "type": "limit", "name": "A", "position": [300, -100], "params": {"max": 10}},
        {"id": "c", "type": "limit", "name": "C", "position": [600, -100], "params": {"max": 2}},
        {"id": "b", "type": "limit", "name": "B", "position": [300, 100], "params": {"max": 5}},
    ],
    "edges": [{"id": "e1", "source": "d", "target": "a"}, {"id": "e2", "source": "a", "target": "c"},
              {"id": "e3", "source": "d", "target": "b"}],
}  # fmt: skip

# every node's status as drawn (the node's own line and React Flow's label of it), kept each
# time any of them changes
_DRAWN = """() => {
  const shown = () => Object.fromEntries([...document.querySelectorAll('.react-flow__node[data-id]')].map(n =>
    [n.dataset.id, [n.querySelector('[data-testid="node-status"]')?.dataset.status, n.getAttribute('aria-label')?.split(', ').at(-1)]]));
  window.__drawn = [shown()];
  new MutationObserver(() => window.__drawn.push(shown()))
    .observe(document.querySelector('.react-flow'), {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_the_canvas_shows_the_engines_statuses_once_an_answer_is_drawn(editor, cpu):
    # each node draws its own result from the store (FlowNode.tsx), and React Flow's list of
    # nodes changes only with their statuses: when an answer is drawn, no node (the edited
    # one, the one below it, the one beside it) still shows a status the engine no longer has
    load(editor, CHAIN)
    editor.evaluate(_DRAWN)
    for node_id, value, want in (("a", "", "error"), ("a", "4", "ok"), ("b", "", "error"), ("a", "", "error"),
                                 ("b", "3", "ok"), ("a", "6", "ok")):  # fmt: skip
        select(editor, node_id)
        editor.evaluate("() => { window.__drawn = [window.__drawn.at(-1)]; }")
        editor.locator('[data-testid="inspector"] [data-param="/max"]').fill(value)
        expect(node(editor, node_id).locator('[data-testid="node-status"]')).to_have_attribute("data-status", want)
        engine = editor.evaluate(
            "async () => JSON.parse(await window.nodefox.run(JSON.stringify(window.nodefox.editor.export()))).nodes")
        truth = {n: r["status"] for n, r in engine.items()}
        drawn = editor.evaluate("() => window.__drawn")
        # the first drawing that shows the edited node's new status shows every node's
        first = next(d for d in drawn if d[node_id][0] == want)
        assert {n: s for n, (s, _) in first.items()} == truth, (node_id, value, drawn)
        assert {n: label for n, (_, label) in first.items()} == truth
        assert {n: s for n, (s, _) in drawn[-1].items()} == truth
