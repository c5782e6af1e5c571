"""The editor in a real browser, acting as a person would: drag, connect, type, undo,
reload, open files. Only the markers of web.md and visible controls are used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, count, load, node, param, status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOW = "2026-01-01T09:30:00Z"
ITEMS = [{"sku": s, "price": p} for s, p in [("a", 80), ("b", 20), ("c", 55), ("d", 5), ("e", 70)]]


def doc(nodes: list[dict], edges: list[dict]) -> dict:
    return {"nodefox": 1, "name": "Test", "settings": {"now": NOW}, "nodes": nodes, "edges": edges}


def chain() -> dict:
    return doc(
        [
            {"id": "src", "type": "data", "name": "Orders", "position": [0, 0], "params": {"items": ITEMS}},
            {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 10}},
        ],
        [{"id": "e1", "source": "src", "target": "lim"}],
    )


def drag(page, source, target) -> None:
    """Press on `source`, move in steps as a hand would, release on `target`."""
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    for i in range(1, 11):
        x = a["x"] + a["width"] / 2 + (b["x"] - a["x"] + (b["width"] - a["width"]) / 2) * i / 10
        y = a["y"] + a["height"] / 2 + (b["y"] - a["y"] + (b["height"] - a["height"]) / 2) * i / 10
        page.mouse.move(x, y)
    page.mouse.up()


def handle(page, node_id: str, port: str, kind: str):
    return node(page, node_id).locator(f'.react-flow__handle.{kind}[data-handleid="{port}"]')


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def test_hooks_run_gives_the_cli_result(editor):
    import nodefox

    assert editor.evaluate("window.nodefox.version") == nodefox.__version__
    editor.evaluate("window.nodefox.ready")
    document = json.loads((ROOT / "examples" / "orders.json").read_text())
    text = editor.evaluate("d => window.nodefox.run(JSON.stringify(d))", document)
    assert nodefox.canonical(json.loads(text)) == nodefox.canonical(nodefox.run(document))


def test_hooks_answer_bad_messages_as_handle_and_the_engine_goes_on(editor):
    """`apply` answers what is not a message as `handle()` does, alone or among others sent
    together; a `run` of something that is not text settles. Neither stops the engine."""
    from nodefox import bridge

    settled = "p => p.then((text) => 'answer ' + text, (e) => 'failed ' + e.message)"
    for message in ["not json", "null", "[1]"]:
        text = editor.evaluate(f"m => ({settled})(window.nodefox.apply(m))", message)
        assert text.startswith("answer ") and json.loads(text[7:]) == json.loads(bridge.handle(message))
    assert json.loads(editor.evaluate(f"({settled})(window.nodefox.apply(42))")[7:])["error"]
    assert editor.evaluate(f"({settled})(window.nodefox.run({{nodefox: 1, nodes: [], edges: []}}))").startswith("failed ")
    answers = editor.evaluate(
        """() => Promise.all([{rev: 1, ops: [{op: "add_node", node: {id: "a", type: "noop"}}]}, "nope",
                              {rev: 2, ops: [{op: "export"}]}]
             .map((m) => window.nodefox.apply(typeof m === "string" ? m : JSON.stringify(m))))"""
    )  # fmt: skip
    assert json.loads(answers[1]) == json.loads(bridge.handle("nope"))
    assert [n["id"] for n in json.loads(answers[2])["workflow"]["nodes"]] == ["a"]
    load(editor, chain())
    expect(count(editor, "lim", "out")).to_have_text("5")


def _by_hand(page, entry, pane):
    drag(page, entry, pane)


def _drag_to(page, entry, pane):
    entry.drag_to(pane)


def _drag_events(page, entry, pane):
    """What scripts for other React Flow apps do: drag events with one DataTransfer."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    entry.dispatch_event("dragstart", {"dataTransfer": transfer})
    box = pane.bounding_box()
    at = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
    pane.dispatch_event("dragover", {"dataTransfer": transfer, **at})
    pane.dispatch_event("drop", {"dataTransfer": transfer, **at})


@pytest.mark.parametrize("how", [_by_hand, _drag_to, _drag_events], ids=["mouse", "drag_to", "events"])
def test_drag_a_node_from_the_palette(editor, how):
    entry = editor.locator('[data-testid="palette-item"][data-type="data"]')
    how(editor, entry, editor.locator(".react-flow__pane"))
    added = editor.locator(".react-flow__node")
    expect(added).to_have_count(1)
    node_id = added.get_attribute("data-id")
    expect(status(editor, node_id)).to_have_attribute("data-status", "ok")
    expect(count(editor, node_id, "out")).to_have_text("0")
    editor.wait_for_timeout(300)  # a second node would show up by now
    expect(added).to_have_count(1)
    assert editor.evaluate("window.nodefox.editor.export()")["nodes"][0]["type"] == "data"


def test_keyboard_adds_from_the_palette_next_to_the_selection(editor):
    load(editor, chain())
    select(editor, "lim")
    editor.locator('[data-testid="palette-item"][data-type="noop"]').focus()
    editor.keyboard.press("Enter")
    expect(editor.locator(".react-flow__node")).to_have_count(3)
    exported = editor.evaluate("window.nodefox.editor.export()")
    added = exported["nodes"][-1]
    assert added["type"] == "noop"
    assert {"source": "lim", "target": added["id"]}.items() <= exported["edges"][-1].items()
    expect(count(editor, added["id"], "out")).to_have_text("5")


def test_connect_two_nodes_by_dragging_between_ports(editor):
    document = chain()
    document["nodes"].append({"id": "tail", "type": "noop", "position": [600, 0]})
    load(editor, document)
    expect(status(editor, "tail")).to_have_attribute("data-status", "idle")
    drag(editor, handle(editor, "lim", "out", "source"), handle(editor, "tail", "in", "target"))
    expect(count(editor, "tail", "out")).to_have_text("5")
    expect(status(editor, "tail")).to_have_attribute("data-status", "ok")
    # and with Playwright's own drag, from the other end: input port to output port
    editor.keyboard.press("Control+z")
    expect(status(editor, "tail")).to_have_attribute("data-status", "idle")
    handle(editor, "tail", "in", "target").drag_to(handle(editor, "lim", "out", "source"))
    expect(count(editor, "tail", "out")).to_have_text("5")


def test_a_cycle_is_refused_while_dragging(editor):
    document = doc(
        [
            {"id": "a", "type": "noop", "position": [0, 0]},
            {"id": "b", "type": "noop", "position": [300, 0]},
        ],
        [{"id": "e1", "source": "a", "target": "b"}],
    )
    load(editor, document)
    out_b, in_a = handle(editor, "b", "out", "source"), handle(editor, "a", "in", "target")
    a, b = out_b.bounding_box(), in_a.bounding_box()
    editor.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    editor.mouse.down()
    editor.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    expect(editor.locator('[data-testid="connection-refused"]')).to_contain_text("cycle")
    editor.mouse.up()
    expect(editor.locator(".react-flow__edge")).to_have_count(1)
    assert len(editor.evaluate("window.nodefox.editor.export()")["edges"]) == 1


def test_typing_into_a_parameter_updates_the_counts(editor):
    load(editor, chain())
    expect(count(editor, "lim", "out")).to_have_text("5")
    select(editor, "lim")
    field = param(editor, "/max")
    field.fill("2")
    expect(count(editor, "lim", "out")).to_have_text("2")
    field.press("End")
    field.press("Backspace")
    field.type("3")
    expect(count(editor, "lim", "out")).to_have_text("3")


def test_an_expression_error_shows_on_the_node_and_in_the_inspector(editor):
    document = chain()
    document["nodes"][1] = {
        "id": "lim", "type": "set", "name": "Double", "position": [300, 0],
        "params": {"fields": [{"name": "double", "value": "={{ $json.price * 2 }}"}]},
    }  # fmt: skip
    load(editor, document)
    select(editor, "lim")
    field = param(editor, "/fields/0/value")
    expect(editor.locator('[data-param-preview="/fields/0/value"]')).to_contain_text("160")
    field.fill("={{ $json.price * }}")
    marker = status(editor, "lim")
    expect(marker).to_have_attribute("data-status", "error")
    expect(marker).to_have_attribute("title", "syntax error: invalid syntax (at /fields/0/value)")
    expect(editor.locator('[data-param-preview="/fields/0/value"]')).to_contain_text("syntax error")
    field.fill("={{ $json.price + 1 }}")
    expect(marker).to_have_attribute("data-status", "ok")
    expect(editor.locator('[data-param-preview="/fields/0/value"]')).to_contain_text("81")


def test_undo_and_redo(editor):
    load(editor, chain())
    select(editor, "lim")
    param(editor, "/max").fill("1")
    expect(count(editor, "lim", "out")).to_have_text("1")
    editor.locator(".react-flow__pane").click()
    editor.keyboard.press("Control+z")
    expect(count(editor, "lim", "out")).to_have_text("5")
    editor.keyboard.press("Control+Shift+z")
    expect(count(editor, "lim", "out")).to_have_text("1")
    editor.get_by_role("button", name="Undo").click()
    expect(count(editor, "lim", "out")).to_have_text("5")


def test_arrow_key_moves_undo_as_one_step(editor):
    load(editor, chain())
    select(editor, "lim")
    start = editor.evaluate("window.nodefox.editor.export()")["nodes"][1]["position"]
    for _ in range(4):
        editor.keyboard.press("ArrowRight")
    editor.wait_for_function("x => window.nodefox.editor.export().nodes[1].position[0] > x", arg=start[0])
    editor.keyboard.press("Control+z")
    editor.wait_for_function("p => JSON.stringify(window.nodefox.editor.export().nodes[1].position) === p",
                             arg=json.dumps(start, separators=(",", ":")))  # fmt: skip


def test_delete_and_undo_a_node(editor):
    load(editor, chain())
    select(editor, "lim")
    editor.keyboard.press("Delete")
    expect(node(editor, "lim")).to_have_count(0)
    assert [n["id"] for n in editor.evaluate("window.nodefox.editor.export()")["nodes"]] == ["src"]
    editor.keyboard.press("Control+z")
    expect(count(editor, "lim", "out")).to_have_text("5")


def test_reload_keeps_the_workflow(editor):
    load(editor, chain())
    select(editor, "lim")
    param(editor, "/max").fill("4")
    expect(count(editor, "lim", "out")).to_have_text("4")
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version")
    expect(count(editor, "lim", "out")).to_have_text("4")
    assert editor.evaluate("window.nodefox.editor.export()")["nodes"][1]["params"]["max"] == 4


def test_open_an_example(editor):
    editor.get_by_test_id("examples-menu").click()
    editor.locator('[data-example="orders"]').click()
    expected = json.loads((ROOT / "examples" / "orders.expected.json").read_text())
    for node_id, entry in expected["nodes"].items():
        expect(status(editor, node_id)).to_have_attribute("data-status", entry["status"])
        for port, items in entry.get("outputs", {}).items():
            expect(count(editor, node_id, port)).to_have_text(str(len(items)))


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"nodefox": 1, "nodes": [], "edges": [{"source": "x", "target": "y"}]}', "/edges/0"),
        ('{"nodefox": 2, "nodes": [], "edges": []}', "nodefox"),
    ],
)
def test_a_broken_file_shows_what_is_wrong_and_changes_nothing(editor, tmp_path: Path, content, says):
    load(editor, chain())
    before = editor.evaluate("window.nodefox.editor.export()")
    broken = tmp_path / "broken.json"
    broken.write_text(content)
    editor.get_by_test_id("open-file").set_input_files(str(broken))
    expect(editor.get_by_test_id("notice").last).to_contain_text(says)
    expect(editor.get_by_test_id("notice").last).to_contain_text("broken.json")
    assert editor.evaluate("window.nodefox.editor.export()") == before
    expect(count(editor, "lim", "out")).to_have_text("5")


def test_a_file_nested_deeper_than_the_engine_reads_is_refused_and_the_engine_goes_on(editor, tmp_path: Path):
    """It ran Pyodide's parser out of WebAssembly stack: a fatal error, no edit answered after."""
    load(editor, chain())
    before = editor.evaluate("window.nodefox.editor.export()")
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps(doc([{"id": "d", "type": "data", "params": {"items": [{"x": 1}]}}], []))
                    .replace('{"x": 1}', '{"x": ' + "[" * 3000 + "]" * 3000 + "}"))  # fmt: skip
    editor.get_by_test_id("open-file").set_input_files(str(deep))
    editor.get_by_role("button", name="Replace", exact=True).click()
    expect(editor.get_by_test_id("notice").last).to_contain_text("Cannot open deep.json")
    expect(editor.get_by_test_id("notice").last).to_contain_text("nests too deeply")
    assert editor.evaluate("window.nodefox.editor.export()") == before
    select(editor, "lim")
    param(editor, "/max").fill("2")
    expect(count(editor, "lim", "out")).to_have_text("2")


def test_copy_and_paste_as_workflow_json(editor):
    load(editor, chain())
    select(editor, "lim")
    editor.keyboard.press("Control+d")  # duplicate: copy and paste in one step
    expect(editor.locator(".react-flow__node")).to_have_count(3)
    names = [n.get("name") for n in editor.evaluate("window.nodefox.editor.export()")["nodes"]]
    assert names == ["Orders", "Few", "Few 2"]


def test_a_slow_preview_is_interrupted_and_the_next_edit_answers(editor):
    document = chain()
    document["nodes"].append({
        "id": "slow", "type": "code", "position": [600, 0],
        "params": {"code": "while True:\n    pass\nreturn items"},
    })  # fmt: skip
    document["edges"].append({"id": "e2", "source": "lim", "target": "slow"})
    editor.evaluate("d => window.nodefox.editor.load(d)", document)
    expect(editor.get_by_test_id("stop")).to_be_visible()
    editor.get_by_test_id("stop").click()
    expect(status(editor, "slow")).to_have_attribute("data-status", "stale")
    select(editor, "slow")
    param(editor, "/code").fill("return items[:1]")
    expect(count(editor, "slow", "out")).to_have_text("1")
    expect(status(editor, "slow")).to_have_attribute("data-status", "ok")


def test_connect_and_disconnect_from_the_keyboard(editor):
    document = chain()
    document["nodes"].append({"id": "tail", "type": "noop", "position": [600, 0]})
    load(editor, document)
    select(editor, "tail")
    chooser = editor.get_by_test_id("connect-from")
    chooser.focus()  # the candidates are worked out when the list gets focus
    chooser.select_option(label="Few · out → in")
    editor.get_by_role("button", name="Connect", exact=True).click()
    expect(count(editor, "tail", "out")).to_have_text("5")
    editor.get_by_role("button", name="Disconnect Few → tail").click()
    expect(status(editor, "tail")).to_have_attribute("data-status", "idle")


def test_edits_before_the_engine_is_ready_are_queued(page, site_url):
    held = []
    page.route("**/pyodide/nodefox-*.whl", lambda route: held.append(route))
    page.add_init_script(f"localStorage.setItem('nodefox.workflow', {json.dumps(json.dumps(chain()))})")
    page.goto(site_url + "/")
    loading = page.get_by_test_id("loading")
    expect(loading.locator('[data-step="runtime"]')).to_have_attribute("data-state", "done", timeout=60_000)
    expect(status(page, "lim")).to_have_attribute("data-status", "running")
    select(page, "lim")
    param(page, "/max").fill("2")  # the engine is not there yet: the edit waits for it
    for _ in range(300):  # the worker asks for the wheel once the runtime is up
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the engine's wheel was requested"
    assert page.evaluate("window.nodefox.version") == ""
    expect(count(page, "lim", "out")).to_have_text("–")
    held[0].continue_()
    expect(count(page, "lim", "out")).to_have_text("2", timeout=60_000)
    expect(loading).to_have_count(0)
    assert page.evaluate("window.nodefox.editor.export()")["nodes"][1]["params"]["max"] == 2


def test_questions_sent_together_each_get_their_own_answer(editor):
    load(editor, chain())
    answers = editor.evaluate(
        """() => Promise.all([1, 2, 3].map((n) => window.nodefox.apply(JSON.stringify({rev: null, ops: [
             {op: "evaluate", id: "lim", path: "/x", expression: `={{ $json.price * ${n} }}`}]}))))"""
    )
    assert [json.loads(a)["evaluated"] for a in answers] == [{"value": 80}, {"value": 160}, {"value": 240}]
    pages = editor.evaluate(
        """() => Promise.all([0, 1].map((offset) => window.nodefox.apply(JSON.stringify({rev: null, ops: [
             {op: "inspect", id: "src", port: "out", offset, limit: 1}]}))))"""
    )
    assert [json.loads(p)["page"]["items"] for p in pages] == [[ITEMS[0]], [ITEMS[1]]]


def test_opening_a_file_that_shares_nodes_draws_all_their_counts(editor, tmp_path: Path):
    """The engine answers a load with only the nodes whose entry changed: the canvas keeps
    the counts of the others (they are never left "running")."""
    first, second = chain(), chain()
    second["nodes"][1]["params"]["max"] = 2
    for name, document in (("first.json", first), ("second.json", second)):
        path = tmp_path / name
        path.write_text(json.dumps(document))
        editor.get_by_test_id("open-file").set_input_files(str(path))
        replace = editor.get_by_role("button", name="Replace", exact=True)
        if name == "second.json":
            replace.click()
        expect(count(editor, "lim", "out")).to_have_text("5" if name == "first.json" else "2")
        expect(status(editor, "src")).to_have_attribute("data-status", "ok")
        expect(count(editor, "src", "out")).to_have_text("5")
    # and undo, another load answered with only what changed
    editor.keyboard.press("Control+z")
    expect(count(editor, "lim", "out")).to_have_text("5")
    expect(status(editor, "src")).to_have_attribute("data-status", "ok")
    expect(count(editor, "src", "out")).to_have_text("5")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ({"nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"}],
          "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}, "cycle"),
        ({"nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"}],
          "edges": [{"id": "e", "source": "a", "sourcePort": "zz", "target": "b"}]}, "zz"),
        ({"nodes": [{"id": "a", "type": "noop", "name": "Same"}, {"id": "b", "type": "noop", "name": "Same"}],
          "edges": []}, "Same"),
    ],
    ids=["cycle", "port", "name"],
)  # fmt: skip
def test_a_file_the_engine_refuses_leaves_the_workflows_list_alone(editor, tmp_path: Path, content, says):
    load(editor, chain())
    before = editor.evaluate("window.nodefox.editor.export()")

    def entries():
        editor.get_by_test_id("workflows-button").click()
        names = editor.locator(".fx-entry-open").all_inner_texts()
        editor.get_by_test_id("workflows-button").click()
        return [n.split("\n")[0] for n in names]

    listed = entries()
    bad = tmp_path / "refused.json"
    bad.write_text(json.dumps({"nodefox": 1, "name": "Refused", **content}))
    for _ in range(2):
        editor.get_by_test_id("open-file").set_input_files(str(bad))
        editor.get_by_role("button", name="Replace", exact=True).click()
        expect(editor.get_by_test_id("notice").last).to_contain_text("refused.json")
        expect(editor.get_by_test_id("notice").last).to_contain_text(says, ignore_case=True)
        editor.get_by_test_id("notice").last.get_by_role("button", name="Dismiss").click()
    assert editor.evaluate("window.nodefox.editor.export()") == before
    expect(count(editor, "lim", "out")).to_have_text("5")
    assert entries() == listed
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version")
    assert entries() == listed
    assert editor.evaluate("window.nodefox.editor.export()") == before


def test_escape_closes_the_examples_menu_opened_with_the_mouse(editor):
    menu = editor.get_by_test_id("examples-menu")
    for _ in range(2):
        menu.click()
        expect(editor.locator("[data-example]").first).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "true")
        editor.keyboard.press("Escape")
        expect(editor.locator("[data-example]")).to_have_count(0)
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_focused()
    # opened from the keyboard, Escape from an item: the same
    menu.press("Enter")
    editor.locator("[data-example]").first.focus()
    editor.keyboard.press("Escape")
    expect(editor.locator("[data-example]")).to_have_count(0)
    expect(menu).to_be_focused()
