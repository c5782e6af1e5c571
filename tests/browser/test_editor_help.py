"""Expression help and the code editor (issue 15), as a person uses them: type `{{ $json.`
and take a field from the list with the keyboard, `$("` for a node's name, a function by
its first letters; write Python in the code editor with Tab and leave it with Escape; drag
a field of the data panel into a parameter. The code editor's chunk is fetched only when a
code field is drawn, never at start-up."""

from __future__ import annotations

import json

import pytest
from conftest import count, load, node, param
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOW = "2026-01-01T09:30:00Z"
ITEMS = [{"sku": "a", "price": 80, "customer": {"city": "Paris"}, "order id": 1},
         {"sku": "b", "price": 20, "customer": {"city": "Rome"}, "order id": 2}]  # fmt: skip
FIELD_MIME = "application/x-nodefox-field"


def doc(nodes: list[dict], edges: list[dict]) -> dict:
    return {"nodefox": 1, "name": "Test", "settings": {"now": NOW}, "nodes": nodes, "edges": edges}


def chain(*nodes: dict) -> dict:
    """Orders → each node in turn."""
    everything = [{"id": "src", "type": "data", "name": "Orders", "position": [0, 0], "params": {"items": ITEMS}}, *nodes]
    edges = [{"id": f"e{i}", "source": a["id"], "target": b["id"]} for i, (a, b) in enumerate(zip(everything, everything[1:], strict=False))]
    return doc(everything, edges)


def set_node(value, name="Totals", node_id="set") -> dict:
    return {"id": node_id, "type": "set", "name": name, "position": [300, 0], "params": {"fields": [{"name": "out", "value": value}]}}


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def params_of(page, node_id: str) -> dict:
    document = page.evaluate("window.nodefox.editor.export()")
    return next(n for n in document["nodes"] if n["id"] == node_id).get("params", {})


def suggestions(page):
    return page.get_by_test_id("suggestions").get_by_role("option")


def preview(page, pointer: str):
    return page.locator(f'[data-param-preview="{pointer}"]')


def type_at_end(page, pointer: str, text: str) -> None:
    field = param(page, pointer)
    field.click()
    field.press("End")
    field.press_sequentially(text)


def take_in_editor(page) -> None:
    """Enter on the code editor's list. CodeMirror ignores keys for a list opened less than
    75 ms ago (so fast typing's Enter stays a new line); a person is slower than that."""
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")


# -- expression fields: the list at the caret -------------------------------------------


def test_json_fields_of_the_input_items_are_offered_and_taken_with_the_keyboard(editor):
    load(editor, chain(set_node("=")))
    select(editor, "set")
    type_at_end(editor, "/fields/0/value", "{{ $json.")
    expect(suggestions(editor).first).to_have_text("sku" + "text")  # the name, then its kind
    labels = [o.locator(".fx-suggest-label").inner_text() for o in suggestions(editor).all()]
    assert labels[:4] == ["sku", "price", "customer", "order id"]
    field = param(editor, "/fields/0/value")
    expect(field).to_have_attribute("aria-expanded", "true")
    field.press("ArrowDown")  # to `price`
    expect(suggestions(editor).nth(1)).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", "suggest-/fields/0/value-1")
    field.press("Enter")
    expect(editor.get_by_test_id("suggestions")).to_have_count(0)
    expect(field).to_have_value("={{ $json.price")
    expect(field).to_be_focused()
    field.press_sequentially(" * 2 }}")
    expect(preview(editor, "/fields/0/value")).to_contain_text("= 160")
    assert params_of(editor, "set")["fields"][0]["value"] == "={{ $json.price * 2 }}"


def test_a_field_name_that_is_no_python_name_goes_in_brackets_and_nested_fields_follow(editor):
    load(editor, chain(set_node("=")))
    select(editor, "set")
    type_at_end(editor, "/fields/0/value", "{{ $json.ord")
    expect(suggestions(editor).first.locator(".fx-suggest-label")).to_have_text("order id")
    param(editor, "/fields/0/value").press("Tab")  # Tab takes it too
    expect(param(editor, "/fields/0/value")).to_have_value('={{ $json["order id"]')
    param(editor, "/fields/0/value").press_sequentially(" }} {{ $json.customer.c")
    expect(suggestions(editor).first.locator(".fx-suggest-label")).to_have_text("city")
    param(editor, "/fields/0/value").press("Enter")
    param(editor, "/fields/0/value").press_sequentially(" }}")
    expect(preview(editor, "/fields/0/value")).to_contain_text('"1 Paris"')


def test_node_names_after_dollar_paren_are_the_nodes_upstream(editor):
    later = {"id": "late", "type": "noop", "name": "Later", "position": [600, 0]}
    load(editor, chain({"id": "lim", "type": "limit", "name": "First one", "position": [300, 0], "params": {"max": 1}},
                       set_node("=", node_id="set"), later))  # fmt: skip
    select(editor, "set")
    type_at_end(editor, "/fields/0/value", '{{ $("')
    expect(suggestions(editor)).to_have_count(2)
    labels = [o.locator(".fx-suggest-label").inner_text() for o in suggestions(editor).all()]
    assert labels == ["First one", "Orders"]  # nearest first; not itself, not what comes after
    param(editor, "/fields/0/value").press("ArrowDown")
    param(editor, "/fields/0/value").press("Enter")
    expect(param(editor, "/fields/0/value")).to_have_value('={{ $("Orders")')
    param(editor, "/fields/0/value").press_sequentially(".item.")
    expect(suggestions(editor).first.locator(".fx-suggest-label")).to_have_text("sku")  # that node's fields
    param(editor, "/fields/0/value").press_sequentially("sku }}")
    expect(preview(editor, "/fields/0/value")).to_contain_text('"a"')


def test_functions_are_offered_with_their_signature_and_escape_closes_the_list(editor):
    load(editor, chain(set_node("=")))
    select(editor, "set")
    type_at_end(editor, "/fields/0/value", "{{ if_e")
    first = suggestions(editor).first
    expect(first.locator(".fx-suggest-label")).to_have_text("if_empty")
    expect(first.locator(".fx-suggest-detail")).to_contain_text("if_empty(value, fallback)")
    field = param(editor, "/fields/0/value")
    field.press("Escape")
    expect(editor.get_by_test_id("suggestions")).to_have_count(0)
    expect(field).to_be_focused()
    expect(field).to_have_value("={{ if_e")
    field.press("Control+Space")  # asked for again
    expect(suggestions(editor).first.locator(".fx-suggest-label")).to_have_text("if_empty")
    field.press("Enter")
    field.press_sequentially('$json.nothing, "none") }}')
    expect(preview(editor, "/fields/0/value")).to_contain_text('"none"')


def test_a_fixed_text_gets_the_list_inside_braces_and_the_field_stays_in_place(editor):
    load(editor, chain(set_node("")))
    select(editor, "set")
    field = param(editor, "/fields/0/value")
    before = field.bounding_box()
    type_at_end(editor, "/fields/0/value", "{{ $json.pr")
    expect(suggestions(editor).first.locator(".fx-suggest-label")).to_have_text("price")
    assert field.bounding_box() == before, "the field moved when the help arrived"
    field.press("Enter")
    field.press_sequentially(" }}")
    expect(field).to_have_value("{{ $json.price }}")
    assert params_of(editor, "set")["fields"][0]["value"] == "{{ $json.price }}"  # still fixed text
    editor.get_by_role("button", name="Fixed value for /fields/0/value: switch to expression").click()
    expect(preview(editor, "/fields/0/value")).to_contain_text("= 80")


def test_a_long_expression_opens_in_the_code_editor_with_the_same_help(editor):
    long = "={{ " + " + ".join(["$json.price"] * 8) + " }}"
    load(editor, chain(set_node(long)))
    select(editor, "set")
    content = editor.locator('.cm-content[data-param="/fields/0/value"]')
    expect(content).to_be_visible()
    expect(preview(editor, "/fields/0/value")).to_contain_text("= 640")
    content.click()
    editor.keyboard.press("Control+End")
    for _ in range(3):
        editor.keyboard.press("ArrowLeft")  # before " }}"
    editor.keyboard.type(" + $json.cust")
    option = editor.locator(".cm-tooltip-autocomplete li", has_text="customer")
    expect(option).to_be_visible()
    take_in_editor(editor)
    editor.keyboard.type(".c")
    expect(editor.locator(".cm-tooltip-autocomplete li", has_text="city")).to_be_visible()
    editor.keyboard.press("Escape")  # closes the list; the editor keeps the focus
    expect(editor.locator(".cm-tooltip-autocomplete")).to_have_count(0)
    expect(content).to_be_focused()
    editor.keyboard.type("ity")
    expect(preview(editor, "/fields/0/value")).to_contain_text("cannot add a number and text")  # 640 + "Paris": the engine says so
    assert params_of(editor, "set")["fields"][0]["value"].endswith("$json.customer.city }}")
    editor.get_by_role("button", name="One line for /fields/0/value").click()
    expect(editor.locator('input[data-param="/fields/0/value"]')).to_have_value(params_of(editor, "set")["fields"][0]["value"])


# -- the code editor ---------------------------------------------------------------------


def test_the_code_editor_loads_only_when_a_code_field_is_drawn(editor):
    fetched: list[str] = []
    editor.on("request", lambda r: fetched.append(r.url))
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0], "params": {"code": "return items"}}))
    editor.wait_for_timeout(300)
    assert not [u for u in fetched if "/CodeEditor-" in u], "the code editor was fetched before it was needed"
    select(editor, "code")
    expect(editor.locator('.cm-content[data-param="/code"]')).to_be_visible()
    assert [u for u in fetched if "/CodeEditor-" in u]
    started = editor.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/CodeEditor-')).length")
    assert started == 1


def test_until_the_editor_arrives_the_code_field_is_a_textarea_that_works(editor):
    held = []
    editor.route("**/assets/CodeEditor-*", lambda route: held.append(route))
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0], "params": {"code": "return items"}}))
    select(editor, "code")
    field = param(editor, "/code")
    expect(field).to_be_visible()
    assert field.evaluate("el => el.tagName") == "TEXTAREA"
    field.click()
    field.press("Control+End")
    field.press_sequentially("[:1]")
    expect(count(editor, "code", "out")).to_have_text("1")
    assert held, "the editor's chunk was not asked for"
    held[0].continue_()  # it arrives while the person is in the field: the editor takes over there
    content = editor.locator('.cm-content[data-param="/code"]')
    expect(content).to_be_visible()
    expect(content).to_be_focused()
    expect(content).to_have_text("return items[:1]")
    editor.keyboard.press("Backspace")  # at the end, where the caret was
    editor.keyboard.press("Backspace")
    editor.keyboard.type("2]")
    expect(count(editor, "code", "out")).to_have_text("2")
    assert params_of(editor, "code")["code"] == "return items[:2]"


def test_keys_typed_as_the_editor_arrives_are_all_kept(editor):
    """The textarea hands over to the editor between two keystrokes: none falls between them
    (a `fill` or a key that came after the textarea left and before the editor took the
    focus went nowhere, and the code stayed as it was)."""
    held = []
    editor.route("**/assets/CodeEditor-*", lambda route: held.append(route))
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0], "params": {"code": "return items"}}))
    select(editor, "code")
    field = param(editor, "/code")
    field.click()
    field.press("Control+End")
    for _ in range(100):
        if held:
            break
        editor.wait_for_timeout(50)
    assert held, "the editor's chunk was not asked for"
    held[0].continue_()
    typed = "  # " + "abcdefghij" * 8
    editor.keyboard.type(typed)  # one key at a time, while the editor arrives
    expect(editor.locator('.cm-content[data-param="/code"]')).to_be_focused()
    assert params_of(editor, "code")["code"] == "return items" + typed


def test_python_in_the_code_editor_tab_indents_escape_leaves_and_item_fields_are_offered(editor):
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0],
                        "params": {"code": "return items", "mode": "all"}}))  # fmt: skip
    select(editor, "code")
    content = editor.locator('.cm-content[data-param="/code"]')
    expect(content).to_be_visible()
    expect(editor.locator('.cm-content[data-param="/code"] .tok-keyword, .cm-content[data-param="/code"] span').first).to_be_visible()
    content.click()
    editor.keyboard.press("Control+a")
    editor.keyboard.type("out = []\nfor item in items:\n")
    editor.keyboard.press("Home")  # the editor indented the new line: take it back, then Tab
    editor.keyboard.press("Shift+Tab")
    editor.keyboard.press("Tab")
    editor.keyboard.type('out.append({"p": item["pr')
    expect(editor.locator(".cm-tooltip-autocomplete li", has_text="price")).to_be_visible()
    take_in_editor(editor)
    editor.keyboard.type(" * 2})\n")
    editor.keyboard.press("Shift+Tab")
    editor.keyboard.type("return out")
    expect(count(editor, "code", "out")).to_have_text("2")
    assert params_of(editor, "code")["code"] == 'out = []\nfor item in items:\n    out.append({"p": item["price"] * 2})\nreturn out'
    editor.keyboard.press("Escape")  # closes the list of names if one is open, else leaves the editor
    editor.wait_for_timeout(100)
    if editor.evaluate("document.activeElement.classList.contains('cm-content')"):
        expect(editor.locator(".cm-tooltip-autocomplete")).to_have_count(0)
        editor.keyboard.press("Escape")  # out of the editor: Tab now moves on instead of indenting
    expect(content).not_to_be_focused()
    editor.keyboard.press("Tab")
    focused = editor.evaluate("document.activeElement.getAttribute('data-param')")
    assert focused == "/mode"
    assert params_of(editor, "code")["code"].endswith("return out")
    editor.keyboard.press("Shift+Tab")
    editor.keyboard.press("Shift+Tab")  # and back into it
    expect(content).to_be_focused()


def test_undo_in_the_code_editor_undoes_the_workflow_edit(editor):
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0], "params": {"code": "return items"}}))
    select(editor, "code")
    content = editor.locator('.cm-content[data-param="/code"]')
    content.click()
    editor.keyboard.press("Control+End")
    editor.keyboard.type("[:1]")
    expect(count(editor, "code", "out")).to_have_text("1")
    editor.keyboard.press("Control+z")
    expect(count(editor, "code", "out")).to_have_text("2")
    expect(content).to_have_text("return items")
    expect(content).to_be_focused()


# -- dropping a field from the data panel ------------------------------------------------

DRAGGABLE = """([mime, data]) => {
  const el = document.createElement("span");
  el.id = "dragged-field"; el.draggable = true; el.textContent = "customer.city";
  el.style.cssText = "position:fixed;left:300px;top:600px;z-index:99;padding:4px;background:#fff";
  el.addEventListener("dragstart", (e) => { e.dataTransfer.setData(mime, data); e.dataTransfer.setData("text/plain", "customer.city"); });
  document.body.appendChild(el);
}"""


def drag_field(page, target, path="customer.city", expression="{{ $json.customer.city }}", position=None) -> None:
    """Drag a field as the data panel offers it (a draggable element with its data) onto `target`."""
    data = json.dumps({"path": path, "node": "Orders", "expression": expression})
    page.evaluate(DRAGGABLE, [FIELD_MIME, data])
    page.locator("#dragged-field").drag_to(target, target_position=position)
    page.evaluate("document.getElementById('dragged-field').remove()")


def test_a_field_dropped_on_a_fixed_text_makes_it_an_expression_at_the_drop_point(editor):
    load(editor, chain(set_node("")))
    select(editor, "set")
    drag_field(editor, param(editor, "/fields/0/value"))
    expect(editor.get_by_role("button", name="Expression value for /fields/0/value: switch to fixed")).to_be_visible()
    expect(param(editor, "/fields/0/value")).to_have_value("={{ $json.customer.city }}")
    expect(param(editor, "/fields/0/value")).to_be_focused()
    expect(preview(editor, "/fields/0/value")).to_contain_text('"Paris"')
    assert params_of(editor, "set")["fields"][0]["value"] == "={{ $json.customer.city }}"


def test_a_field_dropped_inside_braces_goes_in_bare_and_at_the_drop_point(editor):
    load(editor, chain(set_node("={{ }} in {{ $json.price }}")))
    select(editor, "set")
    field = param(editor, "/fields/0/value")
    # the drop point: between the first "{{ " and " }}", measured in the field's own font
    x = field.evaluate("""el => { const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');
        c.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        return parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth) + c.measureText("={{ ").width + 2; }""")
    drag_field(editor, field, position={"x": x, "y": 8})
    expect(field).to_have_value("={{ $json.customer.city }} in {{ $json.price }}")
    expect(preview(editor, "/fields/0/value")).to_contain_text('"Paris in 80"')


def test_a_field_dropped_on_a_number_replaces_it_with_the_expression(editor):
    load(editor, chain({"id": "lim", "type": "limit", "name": "Few", "position": [300, 0], "params": {"max": 5}}))
    select(editor, "lim")
    drag_field(editor, param(editor, "/max"), path='["order id"]', expression='{{ $json["order id"] }}')
    expect(param(editor, "/max")).to_have_value('={{ $json["order id"] }}')
    expect(count(editor, "lim", "out")).to_have_text("1")


def test_a_field_dropped_into_the_code_editor_is_python(editor):
    load(editor, chain({"id": "code", "type": "code", "name": "Script", "position": [300, 0],
                        "params": {"code": "return {'city': }", "mode": "each"}}))  # fmt: skip
    select(editor, "code")
    content = editor.locator('.cm-content[data-param="/code"]')
    expect(content).to_be_visible()
    # the drop point: right after "'city': ", where the browser draws that character
    point = content.evaluate("""el => { const line = el.querySelector('.cm-line'); let offset = line.textContent.indexOf(': ') + 2;
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT); const range = document.createRange(); let t;
        while ((t = walker.nextNode())) { if (offset <= t.length) { range.setStart(t, offset); break; } offset -= t.length; }
        const r = range.getBoundingClientRect(), b = el.getBoundingClientRect(); return { x: r.left - b.left + 1, y: r.top - b.top + r.height / 2 }; }""")
    drag_field(editor, content, position=point)
    expect(content).to_have_text("""return {'city': item["customer"]["city"]}""")
    assert params_of(editor, "code")["code"] == """return {'city': item["customer"]["city"]}"""
    expect(count(editor, "code", "out")).to_have_text("2")


def test_a_field_dropped_into_a_long_expression_goes_in_once(editor):
    long = "={{ " + " + ".join(["$json.price"] * 8) + " }}"
    load(editor, chain(set_node(long)))
    select(editor, "set")
    content = editor.locator('.cm-content[data-param="/fields/0/value"]')
    expect(content).to_be_visible()
    drag_field(editor, content, position={"x": 2, "y": 8})  # before everything: after the "="
    expected = "={{ $json.customer.city }}" + long[1:]
    expect(content).to_have_text(expected)
    assert params_of(editor, "set")["fields"][0]["value"] == expected
