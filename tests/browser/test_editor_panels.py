"""What an n8n user misses in the editor (issue 15), used as a person would: search the data
panel and read its schema, drag a field name out of it, open the `?` shortcut sheet, see
the page dark when the system is, and tidy up a tangled graph in one undoable step."""

from __future__ import annotations

import json
import re
import time

import pytest
from conftest import load, node, status
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOW = "2026-01-01T09:30:00Z"
FIELD_TYPE = "application/x-nodefox-field"


def doc(nodes: list[dict], edges: list[dict]) -> dict:
    return {"nodefox": 1, "name": "Panels", "settings": {"now": NOW}, "nodes": nodes, "edges": edges}


def data(node_id: str, name: str, items: list, x: int = 0, y: int = 0) -> dict:
    return {"id": node_id, "type": "data", "name": name, "position": [x, y], "params": {"items": items}}


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def panel(page):
    return page.get_by_test_id("data-panel")


def shown_rows(page) -> list[str]:
    """The item numbers (first column) of the table's rows, as the panel shows them."""
    return panel(page).locator(".fx-table tbody tr td:first-child").all_inner_texts()


def drag(page, source, target) -> None:
    """Press on `source`, move in steps as a hand would, release on `target`."""
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(a["x"] + a["width"] / 2 + (b["x"] + b["width"] / 2 - a["x"] - a["width"] / 2) * i / 10,
                        a["y"] + a["height"] / 2 + (b["y"] + b["height"] / 2 - a["y"] - a["height"] / 2) * i / 10)  # fmt: skip
    page.mouse.up()


# What a parameter field receives when a field is dropped on it: a plain element of the
# test's own over the inspector, recording the drag data of every type offered.
PROBE = """() => {
  const probe = document.createElement("div");
  probe.id = "drop-probe";
  Object.assign(probe.style, {position: "fixed", right: "10px", top: "120px", width: "300px", height: "120px",
                              zIndex: 1000, background: "rgba(0,128,255,0.2)"});
  probe.addEventListener("dragover", (e) => e.preventDefault());
  probe.addEventListener("drop", (e) => {
    e.preventDefault();
    window.__dropped = Object.fromEntries([...e.dataTransfer.types].map((t) => [t, e.dataTransfer.getData(t)]));
  });
  document.body.append(probe);
}"""


def dropped(page, source) -> dict:
    """Drag `source` by hand onto the probe; what the drop saw, by type."""
    if not page.locator("#drop-probe").count():
        page.evaluate(PROBE)
    page.evaluate("() => { window.__dropped = null; }")
    drag(page, source, page.locator("#drop-probe"))
    page.wait_for_function("() => window.__dropped !== null")
    return page.evaluate("() => window.__dropped")


# -- search ---------------------------------------------------------------------------------

ORDERS = [{"sku": f"S{i:03}", "customer": {"name": "Ada" if i % 40 == 7 else "Bob"}, "price": i} for i in range(120)]


def test_search_finds_items_on_every_page_and_pages_through_the_matches(editor):
    load(editor, doc([data("src", "Orders", ORDERS)], []))
    select(editor, "src")
    expect(panel(editor).get_by_test_id("data-items")).to_have_attribute("data-total", "120")
    expect(panel(editor).locator(".fx-pager")).to_contain_text("1–50 of 120")
    search = panel(editor).get_by_role("searchbox", name="Search the items")
    search.click()
    search.type("ADA")  # in a nested value, on pages 1, 2 and 3, ignoring case
    expect(panel(editor).get_by_test_id("match-count")).to_have_text("3 of 120 items match “ADA”")
    expect(panel(editor).locator(".fx-table tbody tr")).to_have_count(3)
    assert shown_rows(editor) == ["7", "47", "87"]  # each match keeps its own number
    expect(panel(editor).locator(".fx-pager")).to_have_count(0)  # three matches: one page
    search.fill("S1")  # S100 to S119
    expect(panel(editor).get_by_test_id("match-count")).to_contain_text("20 of 120")
    search.fill("s0")  # 100 matches: the pager pages through them
    expect(panel(editor).locator(".fx-pager")).to_contain_text("1–50 of 100 matching")
    panel(editor).get_by_role("button", name="Next ›").click()
    expect(panel(editor).locator(".fx-pager")).to_contain_text("51–100 of 100 matching")
    assert shown_rows(editor)[0] == "50"
    search.fill("customer")  # a key matches too
    expect(panel(editor).get_by_test_id("match-count")).to_contain_text("120 of 120")
    search.fill("zebra")
    expect(panel(editor).get_by_test_id("match-count")).to_have_text("No items match “zebra”")
    expect(panel(editor).locator(".fx-table")).to_have_count(0)
    search.press("Escape")  # clears the search: every item again, page 1
    expect(search).to_have_value("")
    expect(panel(editor).locator(".fx-pager")).to_contain_text("1–50 of 120")
    expect(panel(editor).get_by_test_id("match-count")).to_have_count(0)


def test_search_follows_the_items_as_they_change(editor):
    load(editor, doc([data("src", "Orders", ORDERS[:10]), {"id": "lim", "type": "limit", "name": "Few", "position": [300, 0],
                                                          "params": {"max": 10}}],
                     [{"id": "e1", "source": "src", "target": "lim"}]))  # fmt: skip
    select(editor, "lim")
    panel(editor).get_by_role("searchbox", name="Search the items").fill("S00")
    expect(panel(editor).get_by_test_id("match-count")).to_contain_text("10 of 10")
    field = editor.locator('[data-testid="inspector"] [data-param="/max"]')
    field.fill("3")
    expect(panel(editor).get_by_test_id("match-count")).to_contain_text("3 of 3")


# -- schema ---------------------------------------------------------------------------------

NESTED = [
    {"id": 1, "customer": {"name": "Ada", "address": {"city": "Oslo"}}, "tags": [{"label": "vip"}], "paid": True},
    {"id": 2, "customer": {"name": None}, "note": None, "paid": False},
]


def test_the_schema_lists_fields_with_types_examples_and_nesting(editor):
    load(editor, doc([data("src", "Orders", NESTED)], []))
    select(editor, "src")
    panel(editor).get_by_role("button", name="Schema").click()
    fields = panel(editor).get_by_test_id("schema").locator("li")
    paths = [f.get_attribute("data-field") for f in fields.all()]
    assert paths == ["id", "customer", "customer.name", "customer.address", "customer.address.city", "tags", "tags[0].label", "paid", "note"]
    city = panel(editor).locator('[data-field="customer.address.city"]')
    expect(city).to_contain_text("city")
    expect(city).to_contain_text("string")
    expect(city).to_contain_text("Oslo")
    expect(panel(editor).locator('[data-field="customer.name"]')).to_contain_text("string | null")
    expect(panel(editor).locator('[data-field="tags"]')).to_contain_text("[1 item]")
    indent = [panel(editor).locator(f'[data-field="{p}"] .fx-schema-key').bounding_box()["x"] for p in ("customer", "customer.name", "customer.address.city")]
    assert indent[0] < indent[1] < indent[2], f"nested fields are not indented: {indent}"
    # the search narrows the schema to the matching items' fields
    panel(editor).get_by_role("searchbox", name="Search the items").fill("vip")
    expect(panel(editor).get_by_test_id("match-count")).to_contain_text("1 of 2")
    expect(panel(editor).locator('[data-field="note"]')).to_have_count(0)


# -- dragging a field -----------------------------------------------------------------------


def test_a_field_dragged_from_the_input_carries_its_json_expression(editor):
    load(editor, doc([data("src", "Orders", NESTED), {"id": "set", "type": "set", "name": "Label", "position": [300, 0],
                                                     "params": {"fields": []}}],
                     [{"id": "e1", "source": "src", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    panel(editor).get_by_role("tab", name="Input ← Orders").click()
    got = dropped(editor, panel(editor).locator('.fx-table th[data-field="customer"]'))
    assert json.loads(got[FIELD_TYPE]) == {"path": "customer", "node": "Orders", "expression": "{{ $json.customer }}"}
    assert got["text/plain"] == "{{ $json.customer }}"
    panel(editor).get_by_role("button", name="Schema").click()
    got = dropped(editor, panel(editor).locator('[data-field="customer.address.city"]'))
    assert json.loads(got[FIELD_TYPE]) == {"path": "customer.address.city", "node": "Orders", "expression": "{{ $json.customer.address.city }}"}
    assert got["text/plain"] == "{{ $json.customer.address.city }}"


def test_a_field_of_an_earlier_node_is_read_by_its_name(editor):
    load(editor, doc([data("src", "Orders", NESTED),
                      {"id": "lim", "type": "limit", "name": "First", "position": [300, 0], "params": {"max": 1}},
                      {"id": "set", "type": "set", "name": "Label", "position": [600, 0], "params": {"fields": []}}],
                     [{"id": "e1", "source": "src", "target": "lim"}, {"id": "e2", "source": "lim", "target": "set"}]))  # fmt: skip
    select(editor, "set")
    editor.get_by_test_id("earlier-node").select_option(label="Orders (2)")
    expect(panel(editor).get_by_test_id("data-items")).to_have_attribute("data-total", "2")
    got = dropped(editor, panel(editor).locator('.fx-table th[data-field="paid"]'))
    assert json.loads(got[FIELD_TYPE]) == {"path": "paid", "node": "Orders", "expression": '{{ $("Orders").item.paid }}'}
    assert got["text/plain"] == '{{ $("Orders").item.paid }}'
    # and the expression is one the engine reads: typed into a field, the node computes it
    editor.locator('[data-testid="inspector"] [data-add="/fields"]').click()
    editor.locator('[data-testid="inspector"] [data-param="/fields/0/name"]').fill("was_paid")
    editor.locator('[data-testid="inspector"] [data-param="/fields/0/value"]').fill("=" + got["text/plain"])
    expect(status(editor, "set")).to_have_attribute("data-status", "ok")
    panel(editor).get_by_role("tab", name="Output").click()
    expect(panel(editor).locator(".fx-table")).to_contain_text("true")


# -- the shortcut sheet ---------------------------------------------------------------------


def test_question_mark_opens_the_shortcut_sheet_and_escape_closes_it(editor):
    load(editor, doc([data("src", "Orders", NESTED)], []))
    editor.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    editor.keyboard.press("?")
    sheet = editor.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_visible()
    for text in ("Undo", "Redo", "Delete the selected", "Duplicate", "Select every node", "Export the workflow", "Tidy up", "Select the nodes in a box"):
        expect(sheet).to_contain_text(text)
    editor.keyboard.press("Escape")
    expect(sheet).to_have_count(0)
    # typing a ? into a field is typing, not a shortcut
    select(editor, "src")
    search = panel(editor).get_by_role("searchbox", name="Search the items")
    search.click()
    search.type("what?")
    expect(search).to_have_value("what?")
    expect(sheet).to_have_count(0)
    editor.get_by_role("button", name="Keyboard shortcuts").click()  # and the toolbar's button
    expect(sheet).to_be_visible()
    editor.keyboard.press("Backspace")  # keys stay on the sheet: the selected node stays
    editor.keyboard.press("Control+a")
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_have_count(0)
    expect(node(editor, "src")).to_have_count(1)
    assert len(editor.evaluate("window.nodefox.editor.export()")["nodes"]) == 1


# -- dark mode ------------------------------------------------------------------------------


def _luminance(rgb: str) -> float:
    parts = [float(p) for p in rgb[rgb.index("(") + 1 : rgb.index(")")].replace("/", " ").replace(",", " ").split()[:3]]
    lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


STYLE = "([sel, prop]) => getComputedStyle(document.querySelector(sel))[prop]"


def colour(page, selector: str, prop: str = "backgroundColor") -> str:
    return page.evaluate(STYLE, [selector, prop])


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_page_follows_the_system_colour_scheme(editor, scheme):
    editor.emulate_media(color_scheme=scheme)
    load(editor, doc([data("src", "Orders", NESTED), {"id": "bad", "type": "limit", "name": "Broken", "position": [300, 0],
                                                     "params": {"max": "={{ 1 / 0 }}"}}],
                     [{"id": "e1", "source": "src", "target": "bad"}]))  # fmt: skip
    select(editor, "src")
    dark = scheme == "dark"
    expect(editor.locator(".react-flow").first).to_have_class(re.compile(rf"\b{scheme}\b"))  # React Flow's colorMode
    assert (_luminance(colour(editor, "html")) < 0.05) == dark
    # every colour variable holds a colour (a variable defined by itself computes to nothing)
    names = editor.evaluate("""() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
        .flatMap((rule) => [rule, ...(rule.cssRules ? [...rule.cssRules] : [])])
        .filter((rule) => rule.selectorText === ":root")
        .flatMap((rule) => [...rule.style].filter((name) => name.startsWith("--") && !name.startsWith("--lightningcss")))""")
    assert {"--bg", "--panel", "--text", "--muted", "--ok", "--bad", "--warn", "--code-node", "--shadow"} <= set(names)
    empty = editor.evaluate("(names) => names.filter((n) => !getComputedStyle(document.documentElement).getPropertyValue(n).trim())", names)
    assert empty == [], f"colour variables without a value: {empty}"
    parts = {
        "toolbar": ".fx-toolbar", "palette": ".fx-palette", "inspector": ".fx-inspector", "data panel": ".fx-data",
        "node": '.react-flow__node[data-id="src"] .fx-node', "minimap": ".react-flow__minimap", "canvas": ".react-flow",
    }  # fmt: skip
    for name, selector in parts.items():
        bg = colour(editor, selector)
        assert (_luminance(bg) < 0.05) == dark, f"the {name} is {bg} in {scheme} mode"
    # text is readable on every panel (WCAG AA: 4.5 for text)
    text, panel_bg = colour(editor, ".fx-inspector", "color"), colour(editor, ".fx-inspector")
    assert contrast(text, panel_bg) >= 7
    for selector, least in [(".fx-node-name", 4.5), (".fx-node-type", 4.5), ('.react-flow__node[data-id="bad"] .fx-node-error', 4.5),
                            ('.react-flow__node[data-id="src"] .fx-node-status', 4.5), (".fx-table td.fx-muted", 4.5)]:  # fmt: skip
        fg = colour(editor, selector, "color")
        behind = colour(editor, selector)
        if behind in ("rgba(0, 0, 0, 0)", "transparent"):
            behind = colour(editor, ".fx-node" if "node" in selector else ".fx-data")
        assert contrast(fg, behind) >= least, f"{selector}: {fg} on {behind} in {scheme} mode"
    # a dialog too
    editor.keyboard.press("?")
    sheet = editor.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_visible()
    assert (_luminance(colour(editor, ".fx-shortcuts")) < 0.05) == dark
    assert contrast(colour(editor, ".fx-shortcuts", "color"), colour(editor, ".fx-shortcuts")) >= 7


# -- tidy up --------------------------------------------------------------------------------


def tangle() -> dict:
    """A branch and a merge, every node dropped on top of the others."""
    nodes = [
        data("src", "Orders", NESTED, 400, 300),
        {"id": "if", "type": "if", "name": "Paid?", "position": [420, 310],
         "params": {"conditions": [{"left": "={{ $json.paid }}", "op": "true"}]}},
        {"id": "yes", "type": "noop", "name": "Ship", "position": [380, 290]},
        {"id": "no", "type": "noop", "name": "Remind", "position": [410, 320]},
        {"id": "all", "type": "merge", "name": "Together", "position": [390, 305]},
    ]  # fmt: skip
    edges = [
        {"id": "e1", "source": "src", "target": "if"},
        {"id": "e2", "source": "if", "sourcePort": "true", "target": "yes"},
        {"id": "e3", "source": "if", "sourcePort": "false", "target": "no"},
        {"id": "e4", "source": "yes", "target": "all", "targetPort": "in1"},
        {"id": "e5", "source": "no", "target": "all", "targetPort": "in2"},
    ]
    return doc(nodes, edges)


def boxes(page) -> dict:
    return {h.get_attribute("data-id"): h.bounding_box() for h in page.locator(".react-flow__node").all()}


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def compact(value) -> str:
    """`value` as JSON.stringify writes it."""
    return json.dumps(value, separators=(",", ":"))


def positions(page) -> dict:
    return {n["id"]: n["position"] for n in page.evaluate("window.nodefox.editor.export()")["nodes"]}


@pytest.mark.parametrize("how", ["button", "keys"])
def test_tidy_up_lays_the_graph_out_in_one_undoable_step(editor, how):
    fetched: list[str] = []
    editor.on("request", lambda r: fetched.append(r.url))
    document = tangle()
    load(editor, document)
    before = positions(editor)
    assert not any("layout-" in url for url in fetched), "the layout code was fetched before it was needed"
    if how == "button":
        editor.get_by_role("button", name="Tidy up").click()
    else:
        editor.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
        editor.keyboard.press("Shift+Alt+T")
    editor.wait_for_function("(old) => JSON.stringify(window.nodefox.editor.export().nodes.map(n => n.position)) !== old",
                             arg=compact([n["position"] for n in document["nodes"]]))  # fmt: skip
    canvas = editor.get_by_test_id("canvas").bounding_box()

    def fitted() -> bool:  # the view is fitted to the result
        return all(canvas["x"] <= b["x"] and b["x"] + b["width"] <= canvas["x"] + canvas["width"]
                   for b in boxes(editor).values())  # fmt: skip

    deadline = time.monotonic() + 5  # the fit's animation: 400 ms idle, longer on a busy, throttled page
    while not fitted() and time.monotonic() < deadline:
        editor.wait_for_timeout(50)
    after = positions(editor)
    assert any("layout-" in url for url in fetched)
    # left to right along the edges, true above false, nothing on top of anything
    assert after["src"][0] < after["if"][0] < after["yes"][0] < after["all"][0]
    assert after["yes"][0] == after["no"][0] and after["yes"][1] < after["no"][1]
    drawn = boxes(editor)
    for a in drawn:
        for b in drawn:
            if a < b:
                assert not overlaps(drawn[a], drawn[b]), f"{a} and {b} overlap after tidying up"
    for b in drawn.values():  # and the view is fitted to the result
        assert canvas["x"] <= b["x"] and b["x"] + b["width"] <= canvas["x"] + canvas["width"]
    # one undo step puts every node back
    editor.get_by_role("button", name="Undo").click()
    editor.wait_for_function("(old) => JSON.stringify(window.nodefox.editor.export().nodes.map(n => n.position)) === old",
                             arg=compact(list(before.values())))  # fmt: skip
    editor.get_by_role("button", name="Redo").click()
    editor.wait_for_function("(now) => JSON.stringify(window.nodefox.editor.export().nodes.map(n => n.position)) === now",
                             arg=compact(list(after.values())))  # fmt: skip


def test_tidy_up_with_nodes_selected_moves_only_those(editor):
    load(editor, doc([data("a", "Orders", NESTED, 0, 0),
                      {"id": "b", "type": "noop", "name": "Middle", "position": [40, 300]},
                      {"id": "c", "type": "noop", "name": "End", "position": [500, 140]}],
                     [{"id": "e1", "source": "a", "target": "b"}, {"id": "e2", "source": "b", "target": "c"}]))  # fmt: skip
    node(editor, "b").locator(".fx-node-head").click()
    node(editor, "c").locator(".fx-node-head").click(modifiers=["Shift"])
    expect(node(editor, "b")).to_have_class(re.compile(r"\bselected\b"))
    expect(node(editor, "c")).to_have_class(re.compile(r"\bselected\b"))
    editor.get_by_role("button", name="Tidy up").click()
    editor.wait_for_function("() => { const p = Object.fromEntries(window.nodefox.editor.export().nodes.map(n => [n.id, n.position]));"
                             " return p.b[1] === p.c[1]; }")  # fmt: skip
    after = positions(editor)
    assert after["a"] == [0, 0]  # not selected: it stays
    assert after["b"] == [40, 140] and after["c"][0] > after["b"][0]  # the two, from their top-left corner
