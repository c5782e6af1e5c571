"""What a newcomer's first hour trips over (issue 15), each as a person meets it: click,
type, read what the page shows, and compare with what the document holds."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, count, load, node, param, status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOW = "2026-01-01T09:30:00Z"
ITEMS = [{"sku": s, "price": p} for s, p in [("a", 80), ("b", 20), ("c", 55), ("d", 5), ("e", 70)]]


def doc(nodes: list[dict], edges: list[dict]) -> dict:
    return {"nodefox": 1, "name": "Test", "settings": {"now": NOW}, "nodes": nodes, "edges": edges}


def source(items=ITEMS, **extra) -> dict:
    return {"id": "src", "type": "data", "name": "Orders", "position": [0, 0], "params": {"items": items}, **extra}


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def exported(page) -> dict:
    return page.evaluate("window.nodefox.editor.export()")


def params_of(page, node_id: str) -> dict:
    return next(n for n in exported(page)["nodes"] if n["id"] == node_id).get("params", {})


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None, f"{locator} is not drawn"
    return b


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


# 1. every select holds the value it shows


def test_a_new_aggregation_holds_the_operation_its_select_shows(editor):
    load(editor, doc([source(), {"id": "sum", "type": "summarize", "name": "Totals", "position": [300, 0],
                                 "params": {"aggregations": []}}], [{"id": "e1", "source": "src", "target": "sum"}]))  # fmt: skip
    select(editor, "sum")
    editor.locator('[data-testid="inspector"] [data-add="/aggregations"]').click()
    op = param(editor, "/aggregations/0/op")
    expect(op).to_be_visible()
    shown = op.evaluate("el => el.options[el.selectedIndex].text")
    expect(status(editor, "sum")).to_have_attribute("data-status", "ok")
    assert params_of(editor, "sum")["aggregations"][0]["op"] == shown == "count"
    expect(count(editor, "sum", "out")).to_have_text("1")
    op.select_option("sum")
    param(editor, "/aggregations/0/field").fill("price")
    expect(status(editor, "sum")).to_have_attribute("data-status", "ok")
    row = params_of(editor, "sum")["aggregations"][0]
    assert row["op"] == "sum" and row["field"] == "price"
    assert set(row) <= {"op", "field", "skipEmpty"} and not row.get("skipEmpty")  # defaults written, none on


def test_a_select_whose_value_is_not_an_option_says_choose(editor):
    load(editor, doc([source(), {"id": "sum", "type": "summarize", "name": "Totals", "position": [300, 0],
                                 "params": {"aggregations": [{"op": "", "field": "price"}]}}],
                     [{"id": "e1", "source": "src", "target": "sum"}]))  # fmt: skip
    select(editor, "sum")
    op = param(editor, "/aggregations/0/op")
    assert op.evaluate("el => el.options[el.selectedIndex].text") == "(choose)"
    op.select_option("count")  # the first option: a change, so it is written
    expect(status(editor, "sum")).to_have_attribute("data-status", "ok")
    assert params_of(editor, "sum")["aggregations"][0]["op"] == "count"


# 9. "+ Add" never fails the node before anything is typed


def test_a_new_empty_field_row_waits_until_it_is_filled(editor):
    load(editor, doc([source(), {"id": "set", "type": "set", "name": "Totals", "position": [300, 0],
                                 "params": {"fields": [{"name": "gross", "value": "={{ $json.price * 1.19 }}"}]}}],
                     [{"id": "e1", "source": "src", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    editor.locator('[data-testid="inspector"] [data-add="/fields"]').click()
    expect(param(editor, "/fields/1/name")).to_be_visible()
    editor.wait_for_timeout(300)
    expect(status(editor, "set")).to_have_attribute("data-status", "ok")
    assert len(params_of(editor, "set")["fields"]) == 1
    param(editor, "/fields/1/name").type("net")
    expect(param(editor, "/fields/1/name")).to_be_focused()
    expect(param(editor, "/fields/1/name")).to_have_value("net")
    expect(status(editor, "set")).to_have_attribute("data-status", "ok")
    assert params_of(editor, "set")["fields"][1]["name"] == "net"


# 2. nothing draws over the inspector; new nodes are in view; Fit keeps nodes clear of the minimap


def test_a_wide_table_and_the_minimap_stay_left_of_the_inspector(editor):
    wide = [{f"column_{i:02}": "x" * 40 for i in range(30)} for _ in range(3)]
    load(editor, doc([source(wide)], []))
    select(editor, "src")
    expect(editor.locator(".fx-table")).to_be_visible()
    inspector = box(editor.get_by_test_id("inspector"))
    for part in (editor.get_by_test_id("data-panel"), editor.locator(".react-flow__minimap"), editor.get_by_test_id("canvas")):
        drawn = box(part)
        assert drawn["x"] + drawn["width"] <= inspector["x"] + 1, f"{part} reaches under the inspector"


def test_nodes_added_from_the_palette_land_in_view_and_clear_of_the_minimap(editor):
    canvas = box(editor.get_by_test_id("canvas"))
    for i in range(5):
        editor.locator(".react-flow__pane").click(position={"x": 5, "y": 5})  # nothing selected
        editor.locator('[data-testid="palette-item"][data-type="noop"]').click()
        expect(editor.locator(".react-flow__node")).to_have_count(i + 1)
    editor.wait_for_timeout(300)
    minimap = box(editor.locator(".react-flow__minimap"))
    for handle in editor.locator(".react-flow__node").all():
        drawn = box(handle)
        assert canvas["x"] <= drawn["x"] and drawn["x"] + drawn["width"] <= canvas["x"] + canvas["width"]
        assert canvas["y"] <= drawn["y"] and drawn["y"] + drawn["height"] <= canvas["y"] + canvas["height"]
        assert not overlaps(drawn, minimap), "a new node landed under the minimap"


def test_fit_keeps_every_node_clear_of_the_minimap(editor):
    nodes = [source()] + [{"id": f"n{i}", "type": "noop", "name": f"Step {i}", "position": [260 * (i % 4), 140 * (i // 4)]}
                          for i in range(1, 12)]  # fmt: skip
    load(editor, doc(nodes, [{"id": "e1", "source": "src", "target": "n1"}]))
    editor.get_by_role("button", name="Fit", exact=True).click()
    editor.wait_for_timeout(400)
    minimap = box(editor.locator(".react-flow__minimap"))
    for handle in editor.locator(".react-flow__node").all():
        assert not overlaps(box(handle), minimap), "Fit put a node under the minimap"


# 5. the fixed/expression switch


def test_template_text_becomes_that_expression_when_switched(editor):
    load(editor, doc([source(), {"id": "set", "type": "set", "name": "Label", "position": [300, 0],
                                 "params": {"fields": [{"name": "label", "value": "plain"}]}}],
                     [{"id": "e1", "source": "src", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    param(editor, "/fields/0/value").fill("{{ $json.sku }}-{{ $json.price }}")
    editor.get_by_role("button", name="Fixed value for /fields/0/value: switch to expression").click()
    assert params_of(editor, "set")["fields"][0]["value"] == "={{ $json.sku }}-{{ $json.price }}"
    expect(editor.locator('[data-param-preview="/fields/0/value"]')).to_contain_text('"a-80"')


def test_a_cleared_expression_field_stays_an_expression(editor):
    load(editor, doc([source(), {"id": "set", "type": "set", "name": "Label", "position": [300, 0],
                                 "params": {"fields": [{"name": "label", "value": "={{ $json.sku }}"}]}}],
                     [{"id": "e1", "source": "src", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    field = param(editor, "/fields/0/value")
    field.fill("")
    expect(editor.get_by_role("button", name="Expression value for /fields/0/value: switch to fixed")).to_be_visible()
    field.press("End")
    field.type("{{ $json.price }}")
    expect(editor.locator('[data-param-preview="/fields/0/value"]')).to_contain_text("80")
    assert params_of(editor, "set")["fields"][0]["value"] == "={{ $json.price }}"


# 7. New, Open and Examples ask before they replace a workflow; examples open fitted


def test_new_asks_before_it_replaces_the_workflow(editor):
    load(editor, doc([source(), {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 2}}],
                     [{"id": "e1", "source": "src", "target": "lim"}]))  # fmt: skip
    editor.get_by_role("button", name="New", exact=True).click()
    question = editor.get_by_test_id("question")
    expect(question).to_contain_text("Replace")
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_have_count(0)
    assert len(exported(editor)["nodes"]) == 2
    editor.get_by_role("button", name="New", exact=True).click()
    editor.get_by_test_id("question").get_by_role("button", name="Replace").click()
    expect(editor.locator(".react-flow__node")).to_have_count(0)
    editor.keyboard.press("Control+z")  # and the replaced workflow comes back
    expect(count(editor, "lim", "out")).to_have_text("2")


def test_an_example_asks_first_and_opens_fitted_in_view(editor):
    load(editor, doc([source()], []))
    editor.get_by_test_id("examples-menu").click()
    editor.locator('[data-example="orders"]').click()
    editor.get_by_test_id("question").get_by_role("button", name="Replace").click()
    expected = json.loads((ROOT / "examples" / "orders.expected.json").read_text())
    first = next(iter(expected["nodes"]))
    expect(status(editor, first)).not_to_have_attribute("data-status", "running")
    editor.wait_for_timeout(500)
    canvas, minimap = box(editor.get_by_test_id("canvas")), box(editor.locator(".react-flow__minimap"))
    boxes = [box(h) for h in editor.locator(".react-flow__node").all()]
    left = min(b["x"] for b in boxes) - canvas["x"]
    right = canvas["x"] + canvas["width"] - max(b["x"] + b["width"] for b in boxes)
    assert abs(left - right) < 60, f"the example is off-centre: {left:.0f} px left, {right:.0f} px right"
    assert all(not overlaps(b, minimap) for b in boxes)


def test_opening_a_file_asks_first_and_cancel_changes_nothing(editor, tmp_path):
    load(editor, doc([source()], []))
    before = exported(editor)
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc([{"id": "x", "type": "noop", "name": "Other", "position": [0, 0]}], [])))
    editor.get_by_test_id("open-file").set_input_files(str(other))
    editor.get_by_test_id("question").get_by_role("button", name="Cancel").click()
    assert exported(editor) == before


def test_the_first_dropped_node_is_not_zoomed_in(editor):
    editor.locator('[data-testid="palette-item"][data-type="noop"]').drag_to(editor.locator(".react-flow__pane"))
    expect(editor.locator(".react-flow__node")).to_have_count(1)
    editor.wait_for_timeout(400)
    zoom = editor.evaluate(
        "() => new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a"
    )
    assert zoom <= 1.01


# 3. the expression preview computes what the node computes


def test_a_later_field_preview_sees_the_earlier_fields(editor):
    load(editor, doc([source(), {"id": "tot", "type": "set", "name": "Totals", "position": [300, 0], "params": {"fields": [
        {"name": "net", "value": "={{ $json.price * 2 }}"},
        {"name": "gross", "value": "={{ $json.net + 1 }}"},
    ]}}], [{"id": "e1", "source": "src", "target": "tot"}]))  # fmt: skip
    select(editor, "tot")
    preview = editor.locator('[data-param-preview="/fields/1/value"]')
    expect(preview).to_contain_text("= 161")
    param(editor, "/fields/1/value").fill("={{ $json.net * 10 }}")
    expect(preview).to_contain_text("= 1600")
    expect(status(editor, "tot")).to_have_attribute("data-status", "ok")


# 6. errors wrap inside the node and do not move the field being typed in


def test_an_error_wraps_inside_its_node_and_the_field_stays_put(editor):
    load(editor, doc([source(), {"id": "set", "type": "set", "name": "Label", "position": [300, 0],
                                 "params": {"fields": [{"name": "label", "value": "={{ $json.sku }}"}]}}],
                     [{"id": "e1", "source": "src", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    width = box(node(editor, "set"))["width"]
    field = param(editor, "/fields/0/value")
    at = box(field)["y"]
    field.fill("={{ $json.a_rather_long_field_name_that_does_not_exist_anywhere.again_and_again }}")
    expect(status(editor, "set")).to_have_attribute("data-status", "error")
    assert box(node(editor, "set"))["width"] <= max(width, 262), "the error widened its node"
    assert abs(box(field)["y"] - at) < 2, "the field moved under the caret"
    expect(editor.get_by_test_id("inspector-error")).to_have_count(0)  # said once, under the field
    expect(editor.locator('[data-testid="inspector"] .fx-field-error')).to_have_count(1)


# 8. Ctrl+Z in a field undoes the workflow edit and keeps the focus there


def test_undo_in_a_field_undoes_the_edit_and_keeps_the_focus(editor):
    load(editor, doc([source(), {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 10}},
                      {"id": "two", "type": "limit", "name": "Two", "position": [300, 150], "params": {"max": 10}}],
                     [{"id": "e1", "source": "src", "target": "lim"}, {"id": "e2", "source": "src", "target": "two"}]))  # fmt: skip
    select(editor, "two")
    param(editor, "/max").fill("4")
    expect(count(editor, "two", "out")).to_have_text("4")
    select(editor, "lim")
    field = param(editor, "/max")
    field.fill("2")
    expect(count(editor, "lim", "out")).to_have_text("2")
    field.press("Control+z")
    expect(count(editor, "lim", "out")).to_have_text("5")
    expect(field).to_be_focused()
    expect(field).to_have_value("10")
    field.press("Control+z")  # the field's own edits are undone: the next undo is the other node's
    expect(count(editor, "two", "out")).to_have_text("5")
    expect(field).to_be_focused()


def test_undo_and_redo_in_a_node_setting_are_the_workflows(editor):
    load(editor, doc([source(), {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 2}}],
                     [{"id": "e1", "source": "src", "target": "lim"}]))  # fmt: skip
    select(editor, "lim")
    disabled = editor.locator('[data-testid="inspector"] [data-setting="disabled"]')
    disabled.check()
    expect(status(editor, "lim")).to_have_attribute("data-status", "disabled")
    disabled.press("Control+z")  # the focus is still on the checkbox
    expect(status(editor, "lim")).to_have_attribute("data-status", "ok")
    expect(disabled).not_to_be_checked()
    disabled.press("Control+Shift+z")
    expect(status(editor, "lim")).to_have_attribute("data-status", "disabled")
    on_error = editor.locator('[data-testid="inspector"] [data-setting="onError"]')
    on_error.select_option("continue")
    on_error.press("Control+z")
    expect(on_error).to_have_value("stop")
    assert "onError" not in next(n for n in exported(editor)["nodes"] if n["id"] == "lim")


# 11. one notice at a time, dismissible, clear of the data panel's pager


def test_import_errors_do_not_stack_or_cover_the_pager(editor, tmp_path):
    load(editor, doc([source([{"n": i} for i in range(120)])], []))
    select(editor, "src")
    pager = editor.get_by_role("navigation", name="Pages")
    expect(pager).to_be_visible()
    for i in range(3):
        broken = tmp_path / f"broken{i}.json"
        broken.write_text("{not json")
        editor.get_by_test_id("open-file").set_input_files(str(broken))
        expect(editor.get_by_test_id("notice")).to_contain_text(f"broken{i}.json")
    expect(editor.get_by_test_id("notice")).to_have_count(1)
    assert not overlaps(box(editor.get_by_test_id("notice")), box(pager))
    editor.get_by_test_id("notice").get_by_role("button", name="Dismiss").click()
    expect(editor.get_by_test_id("notice")).to_have_count(0)


# 10. words, not codes


def test_connections_operators_and_labels_read_as_words(editor):
    load(editor, doc([source(), {"id": "big", "type": "if", "name": "Big ones", "position": [300, 0], "params": {
        "conditions": [{"left": "={{ $json.price }}", "op": "gt", "right": 50}]}}],
        [{"id": "e1", "source": "src", "target": "big"}]))  # fmt: skip
    select(editor, "big")
    inspector = editor.get_by_test_id("inspector")
    expect(inspector.get_by_role("region", name="Connections")).to_contain_text("Orders → Big ones")
    op = param(editor, "/conditions/0/op")
    assert op.evaluate("el => el.options[el.selectedIndex].text") == "is greater than"
    expect(inspector.locator('label[for="param-/looseTypes"]')).to_contain_text("Loose types")
    expect(inspector.locator('label[for="param-/combinator"]')).to_contain_text("Combinator")
    tabs = editor.get_by_test_id("data-panel").get_by_role("tab")
    expect(tabs.first).to_contain_text("Input ← Orders")
    expect(editor.get_by_test_id("data-panel")).not_to_contain_text("out out")


def test_every_value_of_a_list_has_a_label(editor):
    load(editor, doc([source(), {"id": "by", "type": "summarize", "name": "By sku", "position": [300, 0],
                                 "params": {"groupBy": ["sku", "price"], "aggregations": [{"op": "count"}]}}],
                     [{"id": "e1", "source": "src", "target": "by"}]))  # fmt: skip
    select(editor, "by")
    expect(param(editor, "/groupBy/0")).to_have_accessible_name("Group by 1")
    expect(param(editor, "/groupBy/1")).to_have_accessible_name("Group by 2")
