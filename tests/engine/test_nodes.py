"""The built-in node types (`nodes/`): each row of `nodes.md`, every condition op, merge modes, code."""

from __future__ import annotations

import json

import nodefox
import pytest
from conftest import data, document, edge, error_of, node, outputs, run, run_one

ROWS = [{"a": 1, "b": "x", "l": [1, 2]}, {"a": 2, "b": "y", "l": [3]}]


def test_catalogue_ports_are_exact():
    """The spec's first set, port names exact; types added later keep to the same shape."""
    ports = {t.type: (t.inputs, t.outputs) for t in nodefox.BUILTINS}
    spec = {
        "trigger": ((), ("out",)), "data": ((), ("out",)),
        "set": (("in",), ("out",)), "rename": (("in",), ("out",)), "remove": (("in",), ("out",)),
        "sort": (("in",), ("out",)), "limit": (("in",), ("out",)), "dedupe": (("in",), ("out",)),
        "split_out": (("in",), ("out",)), "aggregate": (("in",), ("out",)),
        "summarize": (("in",), ("out",)), "json": (("in",), ("out",)), "code": (("in",), ("out",)),
        "filter": (("in",), ("kept", "discarded")), "if": (("in",), ("true", "false")),
        "switch": (("in",), ("fallback",)), "merge": (("in1", "in2"), ("out",)), "noop": (("in",), ("out",)),
        "http": (("in",), ("out",)),
        "read_file": ((), ("out",)), "write_file": (("in",), ("out",)),
    }  # fmt: skip
    assert {t: ports.get(t) for t in spec} == spec
    for node_type, (ins, outs) in ports.items():
        for names in (ins, outs):
            assert all(type(p) is str and p for p in names) and len(set(names)) == len(names), node_type
        assert "error" not in outs, f"{node_type}: `error` is the port onError: errorOutput adds"


def test_every_node_type_describes_itself():
    for t in nodefox.BUILTINS:
        d = t.describe()
        assert d["title"] and d["category"] in ("Sources", "Transform", "Flow", "Network", "Files") and d["description"]
        assert d["schema"]["type"] == "object"


# -- sources ---------------------------------------------------------------------


def test_data_evaluates_expressions_once_with_empty_json():
    result = run(document([data("d", [{"now": "={{ $now }}", "j": "={{ $json }}", "t": "=n{{ 1 + 1 }}"}])]))
    assert result["nodes"]["d"]["outputs"]["out"] == [{"now": "2026-01-01T09:30:00Z", "j": {}, "t": "n2"}]


def test_data_items_must_be_objects():
    result = run(document([node("d", "data", {"items": "={{ [1] }}"})]))
    assert result["nodes"]["d"]["status"] == "error"


# -- set -------------------------------------------------------------------------


@pytest.mark.parametrize("include, selected", [
    ("none", []), ("selected", ["a", "b"]), ("selected", ["b", "a", "b"]), ("selected", ["x", "a"]),
    ("selected", ["l"]), ("selected", ["a", "zz"]),
])  # fmt: skip
def test_set_of_constants_on_new_items_makes_what_the_item_by_item_path_makes(include, selected):
    """Constant fields on items of the selected keys (or none) are made at once, one dict each:
    the same items, keys in the same order, as values written by expressions item by item."""
    every = [{"a": 1, "b": "x", "l": [1, 2], "zz": 0}, {"zz": 1, "b": "y", "a": 2, "l": [], "x": 5}]
    fields = [("x", 7), ("l", {"k": [1]}), ("y", None)]
    for items in (every, [*every, {"a": 3}]):  # with an item that lacks some selected keys
        quick, general = (outputs("set", {"include": include, "selected": selected, "fields": [
            {"name": n, "value": v if literal else f"={{{{ {json.dumps(v) if v is not None else 'None'} }}}}"}
            for n, v in fields]}, items) for literal in (True, False))  # fmt: skip
        assert quick == general
        assert [list(i) for i in quick] == [list(i) for i in general]


SET_LOOP_FIELDS = [
    [("x", "={{ $json.a * 2 }}"), ("y", "={{ $json.x + 1 }}")],
    [("x", "={{ $json }}"), ("y", "={{ [$json, $json.x] }}"), ("z", 5)],
    [("b", "={{ $json.b.upper() }}"), ("k", "={{ {'n': $json.c} }}"), ("n", "={{ $index }}")],
    [("u", "={{ $json.c.d }}")], [("q", "={{ 1 / $json.a }}")], [("f", "={{ [x * 2 for x in $json.l] }}")],
    [("v", "={{ $vars.k }}"), ("w", "={{ $json.a if $json.a > 1 else None }}")],
    [("t", "=#{{ $json.a }} {{ $json.b.upper() }}!"), ("u", "={{ $json.t }}")],
    [("t", "=x{{ $json.c }}y{{ $json.l }}{{ $json.zz }}"), ("s", "={{ $json.a }}{{ $json.b }}")],
    [("t", "=a{{ 1 / $json.a }}b"), ("n", "=plain text")], [("t", "=a{{ $json.c.d }}")],
]


@pytest.mark.parametrize("fields", SET_LOOP_FIELDS)
@pytest.mark.parametrize("on_error", ["stop", "continue"])
def test_set_loop_gives_what_the_item_by_item_path_gives(monkeypatch, fields, on_error):
    """`set` of fixed names runs its whole loop as one function with the expressions written
    in it: the same items (later fields seeing earlier ones, `$json` written in without making
    an item hold itself), and the same errors, as field by field, item by item."""
    from nodefox.nodes import transform

    items = [{"a": 1, "b": "x", "c": {"d": 2}, "l": [1, 2]}, {"a": 2.5, "b": "y", "c": None, "l": []},
             {"a": 0, "b": "z", "c": {"d": None}, "l": [3]}]  # fmt: skip
    doc = document([data("src", items), node("n", "set", {"fields": [{"name": k, "value": v} for k, v in fields]},
                                             onError=on_error)], [edge("src", "n")])  # fmt: skip
    doc["variables"] = {"k": [1, {"m": 2}]}
    # item by item first (a definition's plan, and the loop it keeps, outlive a run)
    monkeypatch.setattr(transform, "_loop_pays", lambda memo, items: False)
    slow = run(doc)["nodes"]["n"]
    monkeypatch.setattr(transform, "_LOOP_FROM", 0)  # built for any count
    monkeypatch.setattr(transform, "_loop_pays", lambda memo, items: True)
    quick = run(doc)["nodes"]["n"]
    for entry in (quick, slow):
        entry.pop("ms", None)
    assert quick == slow


def test_set_loop_is_built_where_it_pays():
    """Built on a definition's first run (of 256 items or more) only for many items; from its
    second for any (set asks only for 256 or more)."""
    from nodefox.nodes.transform import _loop_pays

    assert [_loop_pays(memo, n) for memo, n in (({}, 300), ({}, 5000), ({"runs": 1}, 300))] == [False, True, True]


def test_set_loop_is_used_and_names_no_builtin():
    """The loop is built for constants and `={{ }}` values; names the user cannot write
    (`_dict`, ...) hold what it needs, and a builtin's name is as unknown in it as elsewhere."""
    from nodefox.nodes import transform
    from nodefox.params import ParamPlan

    plan = ParamPlan({"fields": [{"name": "x", "value": "={{ $json.a }}"}, {"name": "y", "value": 3}]})
    writers = [transform._field_writer(type("Call", (), {"plan": plan})(), k) for k in range(2)]
    assert transform._set_loop(type("Call", (), {"plan": plan})(), writers) is not None
    for name in ("type", "_str", "_dict", "_enumerate"):
        got = run_one("set", {"fields": [{"name": "x", "value": f"={{{{ {name}(1) }}}}"}]}, [{"a": 1}])
        assert got["status"] == "error" and name in got["error"]["message"], got


def test_set_names_the_field_whose_path_an_item_cannot_take():
    err = error_of("set", {"fields": [{"name": "a", "value": 1}, {"name": "l.x", "value": 1}]}, [{"l": [1, 2]}])
    assert err["path"] == "/fields/1/name" and err["item"] == 0 and "indexed by the digits" in err["message"]


def test_set_include_all_and_later_fields_see_earlier_ones():
    got = outputs("set", {"fields": [{"name": "x", "value": "={{ $json.a * 10 }}"},
                                     {"name": "y", "value": "={{ $json.x + 1 }}"}]}, ROWS)  # fmt: skip
    assert got == [{**ROWS[0], "x": 10, "y": 11}, {**ROWS[1], "x": 20, "y": 21}]


def test_set_include_none_and_selected():
    fields = [{"name": "c.d", "value": "={{ $json.a }}"}]
    assert outputs("set", {"fields": fields, "include": "none"}, ROWS) == [{"c": {"d": 1}}, {"c": {"d": 2}}]
    got = outputs("set", {"fields": fields, "include": "selected", "selected": ["b", "zz"]}, ROWS)
    assert got == [{"b": "x", "c": {"d": 1}}, {"b": "y", "c": {"d": 2}}]


def test_set_include_none_still_sees_earlier_fields():
    fields = [{"name": "x", "value": 5}, {"name": "y", "value": "={{ $json.x + $json.a }}"}]
    assert outputs("set", {"fields": fields, "include": "none"}, ROWS[:1]) == [{"x": 5, "y": 6}]


def test_set_overwrites_in_place_and_a_path_creates_objects():
    got = outputs("set", {"fields": [{"name": "a", "value": 9}, {"name": "n.m", "value": 1}]}, ROWS[:1])
    assert got == [{"a": 9, "b": "x", "l": [1, 2], "n": {"m": 1}}]
    assert list(got[0]) == ["a", "b", "l", "n"]


def test_set_name_may_be_an_expression():
    got = outputs("set", {"fields": [{"name": "={{ $json.b }}", "value": 1}]}, ROWS)
    assert got == [{**ROWS[0], "x": 1}, {**ROWS[1], "y": 1}]


@pytest.mark.parametrize("include, want", [("none", [{"x": 1}]), ("all", [{**ROWS[0], "x": 1}])])
def test_set_include_may_be_an_expression(include, want):
    params = {"fields": [{"name": "x", "value": 1}], "include": f"={{{{ '{include}' }}}}"}
    assert outputs("set", params, ROWS[:1]) == want


def test_set_selected_may_be_an_expression():
    params = {"fields": [], "include": "selected", "selected": "={{ ['b'] }}"}
    assert outputs("set", params, ROWS[:1]) == [{"b": "x"}]


@pytest.mark.parametrize("params", [
    {"include": "={{ 'all' }}"},
    {"include": "={{ 'selected' }}", "selected": ["a"]},
    {"include": "selected", "selected": "={{ ['a'] }}"},
    {"include": "={{ 'none' }}"},
    {"object": {"k": 1}},
])  # fmt: skip
def test_set_later_fields_see_earlier_ones_when_params_resolve_per_item(params):
    fields = [{"name": "x", "value": "={{ $json.a + 1 }}"}, {"name": "y", "value": "={{ $json.x * 10 }}"},
              {"name": "={{ 'z' + str($json.y) }}", "value": True}]  # fmt: skip
    got = outputs("set", {**params, "fields": fields}, [{"a": 1, "b": 2}])[0]
    assert (got["x"], got["y"], got["z20"]) == (2, 20, True)
    assert ("b" in got) == (params.get("include") == "={{ 'all' }}" or "object" in params)


def test_set_bad_include_from_an_expression_fails():
    err = error_of("set", {"fields": [], "include": "={{ 'q' }}"}, ROWS)
    assert err["path"] == "/include"


def test_set_object_writes_its_keys_as_fields_before_the_fields():
    params = {"fields": [{"name": "z", "value": "={{ $json.a }}"}], "include": "none",
              "object": "={{ {'k': $json.b, 'n.m': $json.l, 'a': 0} }}"}  # fmt: skip
    got = outputs("set", params, ROWS)
    # the fields come after the object's keys and see them, as later fields see earlier ones
    assert got == [{"k": "x", "n": {"m": [1, 2]}, "a": 0, "z": 0}, {"k": "y", "n": {"m": [3]}, "a": 0, "z": 0}]
    assert outputs("set", {"fields": [], "object": {"b": 5}}, ROWS[:1]) == [{**ROWS[0], "b": 5}]


def test_set_object_that_is_not_an_object_fails():
    err = error_of("set", {"fields": [], "object": "={{ $json.l }}"}, ROWS)
    assert err["path"] == "/object" and "array" in err["message"]
    err = error_of("set", {"fields": [], "object": "={{ $json.missing }}"}, ROWS)
    assert err["path"] == "/object" and "null" in err["message"]


# -- rename / remove ---------------------------------------------------------------


def test_rename_top_level_keeps_the_key_place():
    got = outputs("rename", {"keys": [{"from": "a", "to": "z"}, {"from": "missing", "to": "q"}]}, ROWS[:1])
    assert got == [{"z": 1, "b": "x", "l": [1, 2]}] and list(got[0]) == ["z", "b", "l"]


def test_rename_into_an_existing_key_replaces_it():
    got = outputs("rename", {"keys": [{"from": "a", "to": "b"}]}, ROWS[:1])
    assert got == [{"b": 1, "l": [1, 2]}]


@pytest.mark.parametrize("pairs", [
    [("a", "z")], [("a", "b")], [("b", "a")], [("a", "b"), ("b", "c")], [("a", "b"), ("b", "a")],
    [("a", "c"), ("c", "a")], [("x", "y")], [("l", "a"), ("a", "q"), ("b", "l")], [("a", "b"), ("a", "c")],
])  # fmt: skip
def test_rename_of_fixed_keys_makes_what_the_item_by_item_path_makes(pairs):
    """Fixed top-level renames are worked out once per shape of item: the same items, keys in
    the same places, as renames read per item (written as expressions)."""
    items = [{"a": 1, "b": "x", "l": [1, 2]}, {"b": "y", "a": 2}, {"l": []}, {"c": 3, "a": 4}, {}, {"a": 5, "b": 6, "l": 7}]

    def params(quoted):
        return {"keys": [{"from": f"={{{{ '{a}' }}}}" if quoted else a, "to": b} for a, b in pairs]}

    # mixed shapes, then many items of one shape (one comprehension for them all)
    for some in (items, [{**items[0], "i": i} for i in range(70)], [{**items[3], "i": i} for i in range(70)]):
        quick, general = (outputs("rename", params(q), some) for q in (False, True))
        assert [list(i.items()) for i in quick] == [list(i.items()) for i in general]


def test_rename_nested_paths_append():
    got = outputs("rename", {"keys": [{"from": "a", "to": "n.a"}]}, ROWS[:1])
    assert got == [{"b": "x", "l": [1, 2], "n": {"a": 1}}]
    got = outputs("rename", {"keys": [{"from": "n.m", "to": "m"}]}, [{"n": {"m": 1, "k": 2}, "z": 0}])
    assert got == [{"n": {"k": 2}, "z": 0, "m": 1}]


def test_rename_nested_paths_append_even_over_a_key_already_there():
    got = outputs("rename", {"keys": [{"from": "n.x", "to": "x"}]}, [{"x": 0, "n": {"x": 1}, "z": 2}])
    assert list(got[0].items()) == [("n", {}), ("z", 2), ("x", 1)]
    got = outputs("rename", {"keys": [{"from": "a", "to": "n.x"}]}, [{"a": 1, "n": {"x": 0, "y": 2}}])
    assert list(got[0]["n"].items()) == [("y", 2), ("x", 1)]
    got = outputs("rename", {"keys": [{"from": "a", "to": "l.0"}]}, [{"a": 9, "l": [1, 2]}])  # an array keeps its places
    assert got == [{"l": [9, 2]}]


@pytest.mark.parametrize("fields", [["a"], ["a", "b", "a"], ["zz"], [], ["l", "a", ""]])
def test_remove_of_fixed_top_level_keys_makes_what_the_item_by_item_path_makes(fields):
    items = [{"a": 1, "b": "x", "l": [1, 2]}, {"b": "y"}, {}, {"l": 3, "a": None}]
    quick = outputs("remove", {"fields": fields}, items)
    general = outputs("remove", {"fields": [f"={{{{ {f!r} }}}}" for f in fields]}, items)
    assert [list(i.items()) for i in quick] == [list(i.items()) for i in general]
    assert items[0] == {"a": 1, "b": "x", "l": [1, 2]}


def test_remove_drops_fields_and_ignores_missing_ones():
    got = outputs("remove", {"fields": ["a", "l.0", "nope.x"]}, ROWS[:1])
    assert got == [{"b": "x", "l": [2]}]
    assert ROWS[0] == {"a": 1, "b": "x", "l": [1, 2]}


# -- sort ---------------------------------------------------------------------------

MIXED = [{"v": "b"}, {"v": 2}, {}, {"v": True}, {"v": None}, {"v": [1]}, {"v": {"k": 1}}, {"v": 1.5},
         {"v": "a"}, {"v": False}, {"v": [0, 5]}]  # fmt: skip


def test_sort_across_kinds_with_null_and_missing_last():
    got = outputs("sort", {"fields": [{"field": "v"}]}, MIXED)
    assert got == [{"v": 1.5}, {"v": 2}, {"v": "a"}, {"v": "b"}, {"v": False}, {"v": True}, {"v": [0, 5]},
                   {"v": [1]}, {"v": {"k": 1}}, {}, {"v": None}]  # fmt: skip


def test_sort_desc_still_puts_null_and_missing_last():
    got = outputs("sort", {"fields": [{"field": "v", "order": "desc"}]}, MIXED)
    assert got[:2] == [{"v": {"k": 1}}, {"v": [1]}] and got[-2:] == [{}, {"v": None}]
    assert got[-4:-2] == [{"v": 2}, {"v": 1.5}]


def test_sort_is_stable_and_uses_fields_in_order():
    items = [{"g": 2, "n": "a"}, {"g": 1, "n": "b"}, {"g": 2, "n": "c"}, {"g": 1, "n": "d"}]
    got = outputs("sort", {"fields": [{"field": "g"}]}, items)
    assert [i["n"] for i in got] == ["b", "d", "a", "c"]
    got = outputs("sort", {"fields": [{"field": "g", "order": "desc"}, {"field": "n", "order": "desc"}]}, items)
    assert [i["n"] for i in got] == ["c", "a", "d", "b"]


@pytest.mark.parametrize("values", [
    [3, 1.0, 2, 1, 2.0, -0.5, 3.0, 1], ["b", "a", "B", "", "a", "ä"], [2, "a", 1, None, True, "b", 1.0, [1], {}],
])  # fmt: skip
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("missing", [True, False])
@pytest.mark.parametrize("nested", [False, True], ids=["top-level", "nested"])
def test_sort_by_one_kind_orders_as_the_ranked_key_does(values, order, missing, nested):
    """All numbers or all text sort by value directly (with none missing: a top-level key by
    itemgetter, a nested one by positions, from C); equal values keep their order (1 and 1.0 too)."""
    from nodefox.nodes.transform import _sort_key

    items = [{"k": v, "i": i} for i, v in enumerate(values)] + ([{"i": -1}] if missing else [])
    present = sorted([it for it in items if "k" in it], key=lambda it: _sort_key(it["k"]), reverse=order == "desc")
    present = [it for it in present if it["k"] is not None] + [it for it in items if it.get("k") is None]
    if nested:
        items = [{"o": it} for it in items]
    got = outputs("sort", {"fields": [{"field": "o.k" if nested else "k", "order": order}]}, items)
    assert [(it["o"] if nested else it)["i"] for it in got] == [it["i"] for it in present]


def test_sort_strings_by_code_point_and_booleans_are_not_numbers():
    got = outputs("sort", {"fields": [{"field": "v"}]}, [{"v": "b"}, {"v": "B"}, {"v": "é"}, {"v": "a"}])
    assert [i["v"] for i in got] == ["B", "a", "b", "é"]
    got = outputs("sort", {"fields": [{"field": "v"}]}, [{"v": True}, {"v": 0}, {"v": 2}])
    assert [i["v"] for i in got] == [0, 2, True]


# -- limit / dedupe -----------------------------------------------------------------


@pytest.mark.parametrize("params, want", [
    ({"max": 2}, [0, 1]), ({"max": 2, "keep": "last"}, [2, 3]), ({"max": 0}, []),
    ({"max": 0, "keep": "last"}, []), ({"max": 10}, [0, 1, 2, 3]), ({"max": 10, "keep": "last"}, [0, 1, 2, 3]),
    ({"max": 1.0}, [0]), ({"max": "={{ 4 / 2 }}"}, [0, 1]),  # whole numbers written as floats
])  # fmt: skip
def test_limit(params, want):
    assert [i["i"] for i in outputs("limit", params, [{"i": i} for i in range(4)])] == want


def test_limit_bad_max():
    assert error_of("limit", {"max": -1}, ROWS)["path"] == "/max"
    assert error_of("limit", {"max": "={{ 'x' }}"}, ROWS)["path"] == "/max"
    assert "integer" in error_of("limit", {"max": "={{ 3 / 2 }}"}, ROWS)["message"]


@pytest.mark.parametrize("values", [["b", "a", "b", "c", "a"], [3, 1, 3, 3, 2], ["a", 1, "a"], [1, 1.0, 1],
                                    ["x", None, "x"], [[1], [1]]])  # fmt: skip
def test_dedupe_by_one_field_keeps_what_a_path_keeps(values):
    """A top-level field of text (or whole numbers) in every item is deduplicated from C: the
    same first items, in order, as the same values read by a path."""
    items = [{"g": v, "x": {"g": v}, "n": i} for i, v in enumerate(values)]
    quick, general = (outputs("dedupe", {"fields": [f]}, items) for f in ("g", "x.g"))
    assert quick == general and [i["n"] for i in quick] == [i["n"] for i in general]


def test_dedupe_whole_item_and_fields():
    items = [{"a": 1, "b": 1}, {"a": 1, "b": 1}, {"a": 1.0, "b": 2}, {"a": True, "b": 3}, {"b": 4}, {"a": None}]
    assert outputs("dedupe", {}, items) == [items[0], items[2], items[3], items[4], items[5]]
    # canonical JSON: 1 and 1.0 and true differ; missing and null are the same
    assert outputs("dedupe", {"fields": ["a"]}, items) == [items[0], items[2], items[3], items[4]]


def test_dedupe_whole_item_respects_key_order():
    items = [{"a": 1, "b": 2}, {"b": 2, "a": 1}]
    assert outputs("dedupe", {}, items) == items


# -- split_out ------------------------------------------------------------------------


@pytest.mark.parametrize("include", ["all", "none"])
@pytest.mark.parametrize("destination", [None, "t", "a"])
def test_split_out_of_a_fixed_top_level_field_makes_what_the_item_by_item_path_makes(include, destination):
    """Fixed params on a top-level field split in one loop: the same items as params read per
    item (the field written as an expression)."""
    items = [{"a": 1, "l": [1, 2, 3]}, {"l": "x", "a": 2}, {"a": 3}, {"l": None}, {"l": []}, {"l": [{"k": 1}], "z": 0}]

    def params(field):
        return {"field": field, "include": include, **({"destination": destination} if destination else {})}

    quick, general = (outputs("split_out", params(f), items) for f in ("l", "={{ 'l' }}"))
    assert [list(i.items()) for i in quick] == [list(i.items()) for i in general]


def test_split_out():
    items = [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": "c"}, {"id": 3, "tags": None}, {"id": 4}]
    assert outputs("split_out", {"field": "tags"}, items) == [{"tags": "a"}, {"tags": "b"}, {"tags": "c"}]
    got = outputs("split_out", {"field": "tags", "destination": "tag", "include": "all"}, items)
    assert got == [{"id": 1, "tag": "a"}, {"id": 1, "tag": "b"}, {"id": 2, "tag": "c"}]


def test_split_out_nested_path_uses_the_last_segment():
    got = outputs("split_out", {"field": "o.lines", "include": "all"}, [{"o": {"lines": [1, 2], "k": 0}, "z": 1}])
    assert got == [{"o": {"k": 0}, "z": 1, "lines": 1}, {"o": {"k": 0}, "z": 1, "lines": 2}]


def test_split_out_zip_pairs_elements_by_index():
    items = [{"id": 1, "a": [1, 2, 3], "o": {"b": ["x", "y"]}, "c": "s"}, {"id": 2, "a": []}]
    params = {"field": "a", "zip": [{"field": "o.b", "destination": "B"}, {"field": "c"}]}
    assert outputs("split_out", params, items) == [{"a": 1, "B": "x", "c": "s"}, {"a": 2, "B": "y"}, {"a": 3}]
    got = outputs("split_out", {**params, "include": "all"}, items[:1])
    assert got == [{"id": 1, "o": {}, "a": 1, "B": "x", "c": "s"}, {"id": 1, "o": {}, "a": 2, "B": "y"}, {"id": 1, "o": {}, "a": 3}]


# -- aggregate -----------------------------------------------------------------------


def test_aggregate_fields_skip_missing_values():
    items = [{"a": 1, "n": {"b": 2}}, {"a": None}, {"n": {"b": 3}}]
    got = outputs("aggregate", {"fields": [{"field": "a"}, {"field": "n.b", "as": "bs"}]}, items)
    assert got == [{"a": [1, None], "bs": [2, 3]}]


def test_aggregate_missing_nulls_and_flatten():
    items = [{"a": 1, "l": [1, None]}, {"a": None, "l": None}, {"l": [3]}]
    fields = [{"field": "a"}, {"field": "l"}]
    assert outputs("aggregate", {"fields": fields, "missing": "null"}, items) == [{"a": [1, None, None], "l": [[1, None], None, [3]]}]
    assert outputs("aggregate", {"fields": fields, "nulls": "drop"}, items) == [{"a": [1], "l": [[1], [3]]}]
    got = outputs("aggregate", {"fields": fields, "nulls": "drop", "flatten": True}, items)
    assert got == [{"a": [1], "l": [1, 3]}]


def test_aggregate_all():
    assert outputs("aggregate", {"all": True}, ROWS) == [{"data": ROWS}]
    assert outputs("aggregate", {"all": True, "as": "rows"}, ROWS) == [{"rows": ROWS}]


# -- summarize ------------------------------------------------------------------------

SALES = [
    {"c": {"k": "DE"}, "n": 2, "f": 1.5, "t": "x"},
    {"c": {"k": "SE"}, "n": 3, "f": None, "t": "y"},
    {"c": {"k": "DE"}, "n": 4, "t": "x"},
    {"c": {"k": "DE"}, "n": None, "f": 2.5, "t": 1},
]


@pytest.mark.parametrize("values", [
    ["b", "a", "b", "c", "a"], [3, 1, 3, 3], [f"k{i % 20}" for i in range(45)], ["a", 1, "a"], [1, 1.0, 2],
    ["a", None, "a"], [True, False, True], [[1], [1], [2]],
])  # fmt: skip
def test_summarize_by_one_field_groups_as_by_a_path(values):
    """A top-level field of text (or whole numbers) in every item, in 16 groups or fewer, is
    grouped from C: the same rows, in the same order, as the same values grouped by a path."""
    items = [{"g": v, "x": {"g": v}, "n": i} for i, v in enumerate(values)]
    aggregations = [{"op": "count", "field": "n"}, {"op": "sum", "field": "n"}, {"op": "concat", "field": "n"}]
    quick, general = (outputs("summarize", {"groupBy": [f], "aggregations": aggregations}, items) for f in ("g", "x.g"))
    assert quick == general and [list(r.items()) for r in quick] == [list(r.items()) for r in general]


def test_summarize_every_op():
    aggs = [{"op": op, "field": f} for op, f in [
        ("count", "n"), ("countUnique", "t"), ("sum", "n"), ("avg", "n"), ("min", "n"), ("max", "n"),
        ("concat", "t"), ("first", "f"), ("last", "f"), ("sum", "f")]]  # fmt: skip
    got = outputs("summarize", {"groupBy": ["c.k"], "aggregations": aggs}, SALES)
    assert got == [
        {"k": "DE", "count_n": 2, "countUnique_t": 2, "sum_n": 6, "avg_n": 3.0, "min_n": 2, "max_n": 4,
         "concat_t": "x, x, 1", "first_f": 1.5, "last_f": 2.5, "sum_f": 4.0},
        {"k": "SE", "count_n": 1, "countUnique_t": 1, "sum_n": 3, "avg_n": 3.0, "min_n": 3, "max_n": 3,
         "concat_t": "y", "first_f": None, "last_f": None, "sum_f": 0},
    ]  # fmt: skip


def test_summarize_without_group_by_and_with_as_and_separator():
    got = outputs("summarize", {"aggregations": [{"op": "concat", "field": "t", "as": "all"},
                                                 {"op": "count", "field": "c.k"}], "separator": "|"}, SALES)  # fmt: skip
    assert got == [{"all": "x|y|x|1", "count_c_k": 4}]


@pytest.mark.parametrize("values", [[3, -1, 0, 10**30], [True, 2, False], [None], [7], [1, None, 2], [1, 2.5], [1, "a"]])
@pytest.mark.parametrize("separator", [", ", "|", ",", " - ", ""])
def test_summarize_concat_writes_each_value_as_str_does(values, separator):
    """Whole numbers are written by one list text (its ", " replaced by the separator): the
    same text as each value by str, joined; nulls left out."""
    items = [{"v": v} for v in values]
    got = outputs("summarize", {"aggregations": [{"op": "concat", "field": "v"}], "separator": separator}, items)
    assert got == [{"concat_v": separator.join(str(v) for v in values if v is not None)}]


def test_summarize_skip_empty_leaves_out_empty_text():
    items = [{"a": 1}, {"a": ""}, {"a": "s"}, {"a": None}, {"a": "t"}]
    aggs = [{"op": "concat", "field": "a"}, {"op": "count", "field": "a"},
            {"op": "concat", "field": "a", "as": "c2", "skipEmpty": True}, {"op": "count", "field": "a", "as": "n2", "skipEmpty": True},
            {"op": "min", "field": "a", "as": "m", "skipEmpty": True}]  # fmt: skip
    got = outputs("summarize", {"aggregations": aggs[:4]}, items)
    assert got == [{"concat_a": "1, , s, t", "count_a": 4, "c2": "1, s, t", "n2": 3}]
    assert outputs("summarize", {"aggregations": aggs[4:]}, [{"a": ""}, {"a": "b"}, {"a": "c"}]) == [{"m": "b"}]
    got = outputs("summarize", {"aggregations": [{"op": "append", "field": "a"}, {"op": "append", "field": "a", "as": "b", "skipEmpty": True}]}, items)
    assert got == [{"append_a": [1, "", "s", "t"], "b": [1, "s", "t"]}]


def test_summarize_of_nothing():
    aggs = [{"op": op, "field": "zz"} for op in ("count", "sum", "avg", "min", "max", "first", "last", "concat")]
    got = outputs("summarize", {"aggregations": aggs}, [{}])
    assert got == [{"count_zz": 0, "sum_zz": 0, "avg_zz": None, "min_zz": None, "max_zz": None,
                    "first_zz": None, "last_zz": None, "concat_zz": ""}]  # fmt: skip


def test_summarize_sum_of_text_is_an_error_naming_the_aggregation():
    assert error_of("summarize", {"aggregations": [{"op": "sum", "field": "t"}]}, SALES)["path"] == "/aggregations/0"
    items = [{"g": "a", "p": 1}, {"g": "b", "p": None}, {"g": "b", "p": 2}, {"g": "b", "p": "3"}]
    err = error_of("summarize", {"groupBy": ["g"], "aggregations": [{"op": "count", "field": "p"}, {"op": "avg", "field": "p"}]}, items)
    assert err == {"message": 'p: avg needs numbers, got string "3"', "item": 3, "path": "/aggregations/1"}


def test_summarize_groups_by_canonical_json():
    items = [{"g": 1}, {"g": 1.0}, {"g": True}, {"g": 1}]
    got = outputs("summarize", {"groupBy": ["g"], "aggregations": [{"op": "count", "field": "g"}]}, items)
    assert got == [{"g": 1, "count_g": 2}, {"g": 1.0, "count_g": 1}, {"g": True, "count_g": 1}]


# -- json -------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["parse", "stringify"])
@pytest.mark.parametrize("on_error", ["stop", "continue"])
def test_json_of_fixed_top_level_fields_makes_what_the_item_by_item_path_makes(op, on_error):
    """Fixed params on top-level fields convert in one loop: the same items, and the same
    errors, as params read per item (the field written as an expression)."""
    texts = ['{"a": [1, 2.5]}', "3", '"x"']
    for bad in ([], ["{nope"], [5], [None]):
        items = [{"t": t, "k": i} for i, t in enumerate(texts + bad + texts[:1])] + [{"k": 9}] * (op == "stringify")
        quick, general = (run_one("json", {"op": op, "field": f, "destination": "v"}, items, onError=on_error)
                          for f in ("t", "={{ 't' }}"))  # fmt: skip
        for entry in (quick, general):
            entry.pop("ms", None)
        assert quick == general, bad


def test_json_parse_and_stringify():
    items = [{"s": '{"a": [1, 2.5]}'}]
    assert outputs("json", {"op": "parse", "field": "s"}, items) == [{"s": {"a": [1, 2.5]}}]
    assert outputs("json", {"op": "parse", "field": "s", "destination": "p.q"}, items) == [
        {"s": '{"a": [1, 2.5]}', "p": {"q": {"a": [1, 2.5]}}}]
    got = outputs("json", {"op": "stringify", "field": "v", "destination": "t"}, [{"v": {"a": "é", "b": [1.0]}}])
    assert got == [{"v": {"a": "é", "b": [1.0]}, "t": '{"a":"é","b":[1.0]}'}]


def test_json_parse_failure_is_an_item_error():
    err = error_of("json", {"op": "parse", "field": "s"}, [{"s": "[1]"}, {"s": "{nope"}])
    assert err["item"] == 1
    entry = run_one("json", {"op": "parse", "field": "s"}, [{"s": "NaN"}, {"s": "1"}], onError="errorOutput")
    assert entry["outputs"]["out"] == [{"s": 1}] and entry["outputs"]["error"][0]["item"] == {"s": "NaN"}


# -- conditions: filter / if / switch ---------------------------------------------------------

OP_CASES = [
    ("eq", 1, 1.0, True), ("eq", True, 1, False), ("eq", [1, {"a": 1}], [1.0, {"a": 1}], True),
    ("eq", None, None, True), ("eq", "1", 1, False), ("ne", 1, 2, True), ("ne", 1, 1.0, False),
    ("gt", 2, 1, True), ("gt", "b", "a", True), ("gte", 1, 1.0, True), ("lt", 1, 2.5, True),
    ("lte", "a", "a", True), ("lt", "B", "a", True),
    ("contains", "hello", "ell", True), ("contains", [1, 2], 2.0, True), ("contains", [1], True, False),
    ("notContains", "hello", "z", True), ("notContains", ["a"], "a", False),
    ("startsWith", "hello", "he", True), ("endsWith", "hello", "lo", True), ("endsWith", "hello", "he", False),
    ("regex", "order-123", r"\d+$", True), ("regex", "abc", "^b", False),
    ("empty", None, None, True), ("empty", "", None, True), ("empty", [], None, True), ("empty", {}, None, True),
    ("empty", 0, None, False), ("notEmpty", " ", None, True), ("notEmpty", [], None, False),
    ("exists", 0, None, True), ("exists", None, None, False), ("notExists", None, None, True),
    ("true", True, None, True), ("true", 1, None, False), ("false", False, None, True), ("false", 0, None, False),
]  # fmt: skip


@pytest.mark.parametrize("op, left, right, want", OP_CASES)
def test_every_condition_op(op, left, right, want):
    cond = {"left": "={{ $json.l }}", "op": op}
    if right is not None or op in ("eq", "ne"):
        cond["right"] = "={{ $json.r }}"
    got = outputs("filter", {"conditions": [cond]}, [{"l": left, "r": right}], port="kept")
    assert bool(got) is want


def test_every_op_is_tested():
    from nodefox.nodes.conditions import OPS

    assert {c[0] for c in OP_CASES} == set(OPS)


VALUES = [None, True, False, 0, 1, 1.0, 2.5, -3, "", "a", "b", "1", "ab", [], [1], {}, {"a": 1}]


@pytest.mark.parametrize("op", sorted(set(c[0] for c in OP_CASES)))
def test_a_constant_right_side_tests_as_the_general_rule_does(op):
    """One condition with a literal right side is compiled to a quicker test: same results, same errors."""
    from nodefox.errors import NodeError
    from nodefox.nodes.conditions import compile_block, holds
    from nodefox.params import ParamPlan

    def outcome(fn):
        try:
            return fn()
        except NodeError as exc:
            return exc.message, exc.path

    for right in VALUES:
        plan = ParamPlan({"conditions": [{"left": "={{ $json.l }}", "op": op, "right": right}]})
        holds_at = compile_block(plan)
        for left in VALUES:
            cond = {"left": left, "op": op, "right": right}
            general = outcome(lambda cond=cond: holds({"conditions": [cond]}))
            quick = outcome(lambda left=left, fn=holds_at: fn({"l": left}, 0, None))
            assert quick == general, (op, left, right)


@pytest.mark.parametrize("op", sorted(set(c[0] for c in OP_CASES)))
def test_a_field_read_by_name_tests_as_the_expression_does(op):
    """`$json.l` and `$json.c.l` are read without running the expression: same results and
    errors as the same read written so that it runs (`($json.c.l)`), whatever the item holds."""
    from nodefox.errors import NodeError
    from nodefox.nodes.conditions import compile_block
    from nodefox.params import ParamPlan

    def outcome(fn):
        try:
            return fn()
        except NodeError as exc:
            return exc.message, exc.path, exc.item

    def compiled(left, right):
        return compile_block(ParamPlan({"conditions": [{"left": left, "op": op, "right": right}]}))

    holders = [{"c": {"l": v}} for v in VALUES] + [{"c": v} for v in VALUES if type(v) is not dict] + [{}]
    for right in VALUES:
        for path, items in (("$json.l", [{"l": v} for v in VALUES] + [{}]), ("$json.c.l", holders)):
            quick, general = compiled(f"={{{{ {path} }}}}", right), compiled(f"={{{{ ({path}) }}}}", right)
            for index, item in enumerate(items):
                got = outcome(lambda f=quick, item=item, index=index: f(item, index, None))
                want = outcome(lambda f=general, item=item, index=index: f(item, index, None))
                assert got == want, (op, path, item, right)


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte", "eq", "ne", "startsWith", "endsWith",
                                "true", "false", "exists", "notExists"])
@pytest.mark.parametrize("node_type", ["if", "filter"])
def test_a_field_test_over_many_items_splits_as_item_by_item(node_type, op):
    """`if`/`filter` on `$json.l` or `$json.c.l` against a constant split all items at once when
    every item holds a value of the test's kind: the same ports, in order, and the same error
    (node, item, path) as the expression run item by item when some item holds another kind."""
    right = {"startsWith": "a", "endsWith": "b"}.get(op, 2)
    kinds = {"numbers": [3, 1, 2.5, 2, -1, 0.0], "texts": ["ab", "b", "a", "", "ba", "bb"],
             "mixed": [1, "a", None, True, [1], {"a": 1}], "missing": [1, None, 2]}  # fmt: skip
    for name, values in kinds.items():
        for path, items in (("$json.l", [{"l": v} for v in values] + ([{}] if name == "missing" else [])),
                            ("$json.c.l", [{"c": {"l": v}} for v in values] + ([{"c": 1}] if name == "mixed" else []))):
            quick, general = (run_one(node_type, {"conditions": [{"left": f"={{{{ {p} }}}}", "op": op, "right": right}]},
                                      items) for p in (path, f"({path})"))  # fmt: skip
            for entry in (quick, general):  # the expressions' texts differ by their brackets
                entry.pop("ms", None)
                entry.get("error", {}).pop("expression", None)
            assert quick == general, (node_type, op, name, path)


@pytest.mark.parametrize("values", [[3, 1, 2.5, 7, -1, 0.0, 5, 2], [2, 8], ["ab", "b", 4, "a"], [9, "a", 1], [3, None]])
def test_switch_rules_on_fields_route_as_item_by_item(values):
    """A switch whose rules each test one field against a constant routes all items at once,
    rule after rule on the items left: the same ports and errors as the expressions item by item."""
    def rules(p):
        return [{"conditions": [{"left": f"={{{{ {p} }}}}", "op": "gt", "right": 4}]},
                {"conditions": [{"left": f"={{{{ {p} }}}}", "op": "lte", "right": 1}]},
                {"conditions": [{"left": f"={{{{ {p} }}}}", "op": "eq", "right": 3}]}]  # fmt: skip

    items = [{"l": v, "i": i} for i, v in enumerate(values)]
    for mode in ("first", "all"):
        quick, general = (run_one("switch", {"rules": rules(p), "mode": mode}, items) for p in ("$json.l", "($json.l)"))
        for entry in (quick, general):
            entry.pop("ms", None)
            entry.get("error", {}).pop("expression", None)
        assert quick == general, (mode, values)


@pytest.mark.parametrize("op, left, right", [
    ("gt", 5, "a"), ("lt", True, 1), ("gte", None, 1), ("startsWith", 5, "5"), ("regex", 5, "5"),
    ("contains", 5, 5), ("contains", {"a": 1}, "a"),
])  # fmt: skip
def test_strict_types_make_an_item_error(op, left, right):
    items = [{"l": "a", "r": "a"}, {"l": left, "r": right}]
    err = error_of("filter", {"conditions": [{"left": "={{ $json.l }}", "op": op, "right": "={{ $json.r }}"}]}, items)
    assert err["item"] == 1 and err["path"] == "/conditions/0" and "item" not in err["message"][:0]


def test_strict_type_error_message_names_the_kinds():
    err = error_of("if", {"conditions": [{"left": 5, "op": "gt", "right": "a"}]}, [{}, {}, {}, {}])
    assert err["item"] == 0
    assert "number 5" in err["message"] and "string 'a'" in err["message"]


@pytest.mark.parametrize("op, left, right, want", [
    ("gt", "10", 9, True), ("eq", "1.0", 1, True), ("lt", "2", "10", True), ("gt", 5, "a", False),
    ("lt", 5, "a", False), ("contains", 5, 5, False), ("notContains", 5, 5, False), ("startsWith", 12, "1", False),
    # only decimal text reads as a number: Python's own spellings stay text
    ("eq", "nan", "nan", True), ("gt", "inf", 5, False), ("eq", "1_000", 1000, False), ("eq", "３", 3, False),
    ("eq", " 12 ", 12, True), ("eq", "1e3", 1000, True), ("eq", "1e400", "1e400", True),
])  # fmt: skip
def test_loose_types(op, left, right, want):
    params = {"conditions": [{"left": left, "op": op, "right": right}], "looseTypes": True}
    assert bool(outputs("filter", params, [{}], port="kept")) is want


def test_combinators_and_empty_conditions():
    t, f = {"left": 1, "op": "eq", "right": 1}, {"left": 1, "op": "eq", "right": 2}
    kept = lambda params: bool(outputs("filter", params, [{}], port="kept"))  # noqa: E731
    assert kept({"conditions": [t, t]}) and not kept({"conditions": [t, f]})
    assert kept({"conditions": [f, t], "combinator": "or"}) and not kept({"conditions": [f, f], "combinator": "or"})
    assert kept({}) and kept({"conditions": []}) and kept({"conditions": [], "combinator": "or"})


def test_filter_and_if_split_in_order():
    params = {"conditions": [{"left": "={{ $json.a }}", "op": "gte", "right": 2}]}
    items = [{"a": 3}, {"a": 1}, {"a": 2}]
    assert run_one("filter", params, items)["outputs"] == {"kept": [{"a": 3}, {"a": 2}], "discarded": [{"a": 1}]}
    assert run_one("if", params, items)["outputs"] == {"true": [{"a": 3}, {"a": 2}], "false": [{"a": 1}]}


def test_condition_op_from_an_expression():
    params = {"conditions": [{"left": "={{ $json.a }}", "op": "={{ 'gt' }}", "right": 1}]}
    assert run_one("filter", params, [{"a": 2}, {"a": 0}])["outputs"]["kept"] == [{"a": 2}]


def test_switch_first_and_all():
    rules = [{"conditions": [{"left": "={{ $json.a }}", "op": "gt", "right": 1}]},
             {"conditions": [{"left": "={{ $json.a }}", "op": "gt", "right": 2}]}]  # fmt: skip
    items = [{"a": 3}, {"a": 2}, {"a": 0}]
    assert run_one("switch", {"rules": rules}, items)["outputs"] == {
        "0": [{"a": 3}, {"a": 2}], "1": [], "fallback": [{"a": 0}]}
    assert run_one("switch", {"rules": rules, "mode": "all"}, items)["outputs"] == {
        "0": [{"a": 3}, {"a": 2}], "1": [{"a": 3}], "fallback": [{"a": 0}]}


def test_switch_mode_may_be_an_expression_per_item():
    rules = [{"conditions": [{"left": "={{ $json.a }}", "op": "gt", "right": 1}]},
             {"conditions": [{"left": "={{ $json.a }}", "op": "gt", "right": 2}]}]  # fmt: skip
    items = [{"a": 3, "m": "all"}, {"a": 3, "m": "first"}]
    assert run_one("switch", {"rules": rules, "mode": "={{ $json.m }}"}, items)["outputs"] == {
        "0": items, "1": [items[0]], "fallback": []}
    err = error_of("switch", {"rules": rules, "mode": "={{ 'every' }}"}, items)
    assert err["path"] == "/mode" and err["item"] == 0 and "'every'" in err["message"]


@pytest.mark.parametrize("on_error", ["continue", "errorOutput"])
def test_switch_all_sends_an_item_whose_later_rule_fails_only_where_on_error_says(on_error):
    rules = [{"conditions": [{"left": "={{ $json.v }}", "op": "gte", "right": 1}]},
             {"conditions": [{"left": "={{ $json.v }}", "op": "gt", "right": "a"}]}]  # fmt: skip
    out = run_one("switch", {"rules": rules, "mode": "all"}, [{"v": 5}, {"v": 0}], onError=on_error)["outputs"]
    if on_error == "continue":  # failed items pass through to the first port, once
        assert out == {"0": [{"v": 5}, {"v": 0}], "1": [], "fallback": []}
    else:
        assert out["0"] == out["1"] == out["fallback"] == [] and [e["item"] for e in out["error"]] == [{"v": 5}, {"v": 0}]


def test_switch_ports_are_named_by_index_and_wirable():
    rules = [{"conditions": [{"left": "={{ $json.a }}", "op": "eq", "right": i}]} for i in range(3)]
    nodes = [data("d", [{"a": 2}, {"a": 0}]), node("s", "switch", {"rules": rules}), node("n", "noop")]
    result = run(document(nodes, [edge("d", "s"), edge("s", "n", source_port="2")]))
    assert list(result["nodes"]["s"]["outputs"]) == ["0", "1", "2", "fallback"]
    assert result["nodes"]["n"]["outputs"]["out"] == [{"a": 2}]


def test_switch_rule_errors_name_the_rule():
    rules = [{"conditions": []}, {"conditions": [{"left": 1, "op": "gt", "right": "a"}]}]
    err = error_of("switch", {"rules": rules, "mode": "all"}, [{}])
    assert err["path"] == "/rules/1/conditions/0"


# -- merge -----------------------------------------------------------------------------

IN1 = [{"k": 1, "v": "a1"}, {"k": 2, "v": "a2"}, {"k": 3, "v": "a3"}]
IN2 = [{"k": 2, "w": "b2"}, {"k": 1, "w": "b1", "v": "b1"}, {"k": 1, "w": "b1x"}, {"k": 9, "w": "b9"}]


def merged(params: dict, a: list = IN1, b: list = IN2, wire: tuple = ("in1", "in2")) -> list:
    nodes = [data("a", a), data("b", b), node("m", "merge", params)]
    edges = [edge("a", "m", target_port=wire[0])] + ([edge("b", "m", target_port=wire[1])] if wire[1] else [])
    entry = run(document(nodes, edges))["nodes"]["m"]
    assert entry["status"] == "ok", entry
    return entry["outputs"]["out"]


def test_merge_append():
    assert merged({}) == IN1 + IN2
    assert merged({}, wire=("in2", None)) == IN1


JOIN = {"mode": "join", "fields1": ["k"], "fields2": ["k"]}


def test_merge_join_inner_left_right_outer():
    inner = [{"k": 1, "v": "b1", "w": "b1"}, {"k": 1, "v": "a1", "w": "b1x"}, {"k": 2, "v": "a2", "w": "b2"}]
    assert merged(JOIN) == inner
    assert merged({**JOIN, "join": "left"}) == inner + [IN1[2]]
    assert merged({**JOIN, "join": "right"}) == inner + [IN2[3]]
    assert merged({**JOIN, "join": "outer"}) == inner + [IN1[2], IN2[3]]


def test_merge_join_left_keeps_unmatched_in_place():
    got = merged({**JOIN, "join": "left"}, a=[{"k": 7}, *IN1])
    assert got[0] == {"k": 7}


def test_merge_join_prefer_in1():
    got = merged({**JOIN, "prefer": "in1"})
    assert got[0] == {"k": 1, "w": "b1", "v": "a1"}


def test_merge_join_keys_compare_as_canonical_json():
    got = merged(JOIN, a=[{"k": 1.0}, {"k": True}], b=[{"k": 1, "x": 1}])
    assert got == []


def test_merge_join_needs_matching_field_lists():
    nodes = [data("a", IN1), node("m", "merge", {"mode": "join", "fields1": ["k"], "fields2": []})]
    entry = run(document(nodes, [edge("a", "m")]))["nodes"]["m"]
    assert entry["status"] == "error"


def test_merge_position():
    a, b = [{"x": 1}, {"x": 2}, {"x": 3}], [{"y": 1, "x": 0}]
    assert merged({"mode": "position"}, a, b) == [{"x": 0, "y": 1}]
    assert merged({"mode": "position", "prefer": "in1"}, a, b) == [{"y": 1, "x": 1}]
    assert merged({"mode": "position", "includeUnpaired": True}, a, b) == [{"x": 0, "y": 1}, {"x": 2}, {"x": 3}]
    assert merged({"mode": "position", "includeUnpaired": True}, b, a) == [{"y": 1, "x": 1}, {"x": 2}, {"x": 3}]


def test_merge_cross_and_choose():
    a, b = [{"a": 1}, {"a": 2}], [{"b": 1}, {"b": 2}]
    assert merged({"mode": "cross"}, a, b) == [{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 2, "b": 1}, {"a": 2, "b": 2}]
    assert merged({"mode": "choose", "branch": "in1"}, a, b) == a
    assert merged({"mode": "choose", "branch": "in2"}, a, b) == b
    assert merged({"mode": "choose"}, a, b) == a


def test_noop_passes_items():
    assert outputs("noop", None, ROWS) == ROWS


# -- code ----------------------------------------------------------------------------------


def test_code_needs_allow_code():
    err = error_of("code", {"code": "return items"}, ROWS)
    assert "--allow-code" in err["message"] and "allow_code=True" in err["message"]


def test_code_all_gets_a_copy_and_sees_vars_now_random():
    code = "items[0]['a'] = 99\nreturn items + [{'v': vars.get('x'), 'now': now, 'r': random.random() < 1}]"
    got = outputs("code", {"code": code}, ROWS, allow_code=True)
    assert got[0]["a"] == 99 and got[-1] == {"v": None, "now": "2026-01-01T09:30:00Z", "r": True}


@pytest.mark.parametrize("mode, code", [
    ("each", "item['c']['n'].append(1)\nitem['c']['x'] = 2\nreturn item"),
    ("all", "for item in items:\n    item['c']['n'].append(1)\nreturn items"),
])  # fmt: skip
def test_code_changes_only_its_own_copy_of_nested_values(mode, code):
    src = data("src", [{"c": {"n": [0]}}, {"c": {"n": []}}])
    doc = document([src, node("code", "code", {"code": code, "mode": mode})], [edge("src", "code")])
    result = run(doc, allow_code=True)["nodes"]
    assert result["src"]["outputs"]["out"] == [{"c": {"n": [0]}}, {"c": {"n": []}}]
    assert result["code"]["outputs"]["out"][1]["c"]["n"] == [1]


def test_code_each_object_list_or_none():
    code = "if index == 0:\n    return None\nif index == 1:\n    return [item, {'i': index}]\nreturn {'i': index}"
    got = outputs("code", {"code": code, "mode": "each"}, [{}, {"x": 1}, {}], allow_code=True)
    assert got == [{"x": 1}, {"i": 1}, {"i": 2}]


def test_code_random_repeats_and_depends_on_seed_and_node():
    code = "return [{'r': random.random()}]"
    one = outputs("code", {"code": code}, [{}], allow_code=True)
    assert one == outputs("code", {"code": code}, [{}], allow_code=True)

    def drawn(seed, node_id="c"):
        doc = document([data("d", [{}]), node(node_id, "code", {"code": code})], [edge("d", node_id)])
        doc["settings"]["seed"] = seed
        return run(doc, allow_code=True)["nodes"][node_id]["outputs"]["out"][0]["r"]

    assert drawn(7) == drawn(7.0) != drawn(8)  # 7.0 is the integer 7 (JSON Schema's reading)
    assert drawn(7) != drawn(7, "other")


def test_code_is_a_function_body_as_written():
    code = 's = """a\n  b\nc"""\nreturn [{"s": s}]'  # a multi-line string keeps its text
    assert outputs("code", {"code": code}, [{}], allow_code=True) == [{"s": "a\n  b\nc"}]
    pasted = "\n    x = 1\n    if x:\n        return [{'x': x}]\n"  # pasted indented as a whole
    assert outputs("code", {"code": pasted}, [{}], allow_code=True) == [{"x": 1}]
    err = error_of("code", {"code": "x = 1\n\nnonlocal y\nreturn []"}, [{}], allow_code=True)
    assert "line 3" in err["message"]


def test_code_syntax_error_has_its_line():
    err = error_of("code", {"code": "x = 1\nreturn (", "mode": "each"}, ROWS, allow_code=True)
    assert "line 2" in err["message"] and err["path"] == "/code" and "item" not in err


def test_code_runtime_error_names_line_and_item():
    err = error_of("code", {"code": "x = 1\nreturn {'r': 1 / item['a'] - 1 / (item['a'] - 2)}", "mode": "each"},
                   ROWS, allow_code=True)  # fmt: skip
    assert "line 2" in err["message"] and err["item"] == 1 and "ZeroDivisionError" in err["message"]
    err = error_of("code", {"code": "\n\nraise ValueError('boom')"}, ROWS, allow_code=True)
    assert "line 3" in err["message"] and "boom" in err["message"]


@pytest.mark.parametrize("code", ["return 5", "return [1]", "return [{'x': float('nan')}]", "return None"])
def test_code_must_return_objects(code):
    error_of("code", {"code": code}, ROWS, allow_code=True)


def test_code_calling_exit_fails_the_node_not_the_process():
    err = error_of("code", {"code": "import sys\nsys.exit(3)"}, ROWS, allow_code=True)
    assert "exit" in err["message"].lower()
    err = error_of("code", {"code": "raise SystemExit", "mode": "each"}, ROWS, allow_code=True)
    assert err["item"] == 0


# -- params that are expressions give a node error, never a crash ---------------------------------------

BAD_SHAPES = [
    ("sort", {"fields": "={{ 'abc' }}"}, "/fields"),
    ("sort", {"fields": "={{ [1] }}"}, "/fields/0"),
    ("dedupe", {"fields": "={{ [1] }}"}, "/fields/0"),
    ("rename", {"keys": "={{ 'a' }}"}, "/keys"),
    ("rename", {"keys": ["={{ 1 }}"]}, "/keys/0"),
    ("remove", {"fields": "={{ 'a' }}"}, "/fields"),
    ("aggregate", {"fields": "={{ 'x' }}"}, "/fields"),
    ("aggregate", {"fields": ["={{ 1 }}"]}, "/fields/0"),
    ("aggregate", {"all": True, "as": "={{ 5 }}"}, "/as"),
    ("summarize", {"aggregations": "={{ 'x' }}"}, "/aggregations"),
    ("summarize", {"aggregations": ["={{ 1 }}"]}, "/aggregations/0"),
    ("summarize", {"aggregations": [{"op": "={{ 'bogus' }}", "field": "a"}]}, "/aggregations/0/op"),
    ("summarize", {"aggregations": [{"op": "count", "field": "={{ 5 }}"}]}, "/aggregations/0/field"),
    ("summarize", {"aggregations": [{"op": "concat", "field": "a"}], "separator": "={{ 5 }}"}, "/separator"),
    ("summarize", {"groupBy": "={{ 'a' }}", "aggregations": []}, "/groupBy"),
    ("split_out", {"field": "l", "include": "={{ 'x' }}"}, "/include"),
    ("split_out", {"field": "l", "destination": "={{ 5 }}"}, "/destination"),
    ("json", {"op": "={{ 'x' }}", "field": "a"}, "/op"),
    ("limit", {"max": 1, "keep": "={{ 'middle' }}"}, "/keep"),
    ("merge", {"mode": "join", "fields1": ["a"], "fields2": ["a"], "join": "={{ 'x' }}"}, "/join"),
    ("merge", {"mode": "join", "fields1": "={{ 'a' }}", "fields2": "={{ 'a' }}"}, "/fields1"),
    ("filter", {"conditions": "={{ 'x' }}"}, "/conditions"),
    ("filter", {"conditions": ["={{ 1 }}"]}, "/conditions/0"),
    ("filter", {"conditions": [{"left": 1, "op": "gt", "right": 1}], "combinator": "={{ 'xor' }}"}, "/combinator"),
    ("filter", {"conditions": [{"left": 1, "op": "={{ 'bogus' }}", "right": 1}]}, "/conditions/0/op"),
    ("switch", {"rules": [{"conditions": "={{ 5 }}"}]}, "/rules/0/conditions"),
    ("code", {"code": "return items", "mode": "={{ 'x' }}"}, "/mode"),
]  # fmt: skip


@pytest.mark.parametrize("node_type, params, path", BAD_SHAPES, ids=lambda v: v if isinstance(v, str) else None)
def test_an_expression_of_the_wrong_shape_is_a_node_error(node_type, params, path):
    err = error_of(node_type, params, ROWS, allow_code=True)
    assert err["path"] == path, err


def test_an_expression_param_of_the_right_shape_works():
    assert outputs("sort", {"fields": "={{ [{'field': 'a', 'order': 'desc'}] }}"}, ROWS) == ROWS[::-1]
    assert outputs("remove", {"fields": "={{ ['a', 'l'] }}"}, ROWS[:1]) == [{"b": "x"}]
    assert outputs("limit", {"max": "={{ 1 }}", "keep": "={{ 'last' }}"}, ROWS) == ROWS[1:]


@pytest.mark.parametrize("op, left, right", [
    ("contains", "12345", "234"), ("contains", ["1", "2"], "2"), ("startsWith", "123", "1"),
    ("endsWith", "2026", "26"), ("regex", "123", "^1"),
])  # fmt: skip
def test_loose_types_never_break_a_string_op_that_holds_strictly(op, left, right):
    cond = {"left": left, "op": op, "right": right}
    assert outputs("filter", {"conditions": [cond]}, [{}], port="kept") == [{}]
    assert outputs("filter", {"conditions": [cond], "looseTypes": True}, [{}], port="kept") == [{}]
    if op == "contains":
        assert outputs("filter", {"conditions": [{**cond, "op": "notContains"}], "looseTypes": True}, [{}],
                       port="kept") == []  # fmt: skip


def test_every_param_of_every_node_type_says_what_it_does():
    # nodes.md: the schemas come with defaults and descriptions (the inspector shows them)
    missing = [f"{t.type}.{k}" for t in nodefox.BUILTINS for k, v in (t.schema.get("properties") or {}).items()
               if not v.get("description")]  # fmt: skip
    assert missing == []


# -- a regular expression that backtracks without end ---------------------------------


@pytest.mark.parametrize("where", ["expression", "condition"])
def test_a_backtracking_regular_expression_fails_its_node_and_names_it(where):
    import time

    text = "a" * 40 + "b"
    if where == "expression":
        slow = node("s", "set", {"fields": [{"name": "v", "value": "={{ re_match('(a+)+$', $json.t) }}"}]})
    else:
        slow = node("s", "filter", {"conditions": [{"left": "={{ $json.t }}", "op": "regex", "right": "(a|aa)+$"}]})
    nodes = [data("d", [{"t": text}]), slow, data("other", [{"k": 1}]), node("n", "noop")]
    start = time.monotonic()
    result = run(document(nodes, [edge("d", "s"), edge("other", "n")]))
    assert time.monotonic() - start < 8  # each search stops after a second, long before the run's budget
    err = result["nodes"]["s"]["error"]
    assert "regular expression took longer than" in err["message"] and err["item"] == 0
    assert result["nodes"]["n"]["status"] == "ok"  # the other branch still runs


def test_summarize_sums_floats_to_one_number_natively_and_in_pyodide():
    # CPython 3.11's sum() gave 0.6000000000000001 (avg 0.20000000000000004), Pyodide's 0.6
    items = [{"v": v} for v in (0.1, 0.2, 0.3)]
    aggs = [{"op": "sum", "field": "v"}, {"op": "avg", "field": "v"}]
    assert outputs("summarize", {"aggregations": aggs}, items) == [{"sum_v": 0.6, "avg_v": 0.19999999999999998}]


def test_code_node_sum_of_floats_is_the_same_natively_and_in_pyodide():
    # CPython 3.11's sum() gives 0.6000000000000001 here, Pyodide's newer CPython 0.6
    code = "return [{'s': sum(i['p'] for i in items), 'l': sum([[1], [2]], []), 'n': sum([1, 2])}]"
    got = outputs("code", {"code": code}, [{"p": 0.1}, {"p": 0.2}, {"p": 0.3}], allow_code=True)
    assert got == [{"s": 0.6, "l": [1, 2], "n": 3}]


@pytest.mark.parametrize(
    ("mode", "code", "message"),
    [
        ("each", "return 5", "the code (item 0) must return an object, a list of objects or None, not number"),
        ("each", "return [item, 5]", "the code (item 0) must return an object, a list of objects or None; element 1 is number"),
        ("all", "return [5]", "the code must return a list of objects; element 0 is number"),
        ("all", "return None", "the code must return a list of objects, not null"),
    ],
)
def test_code_that_returns_the_wrong_shape_says_what_its_mode_takes(mode, code, message):
    # nodes.md: mode "each" returns an object, a list of objects, or None
    assert error_of("code", {"code": code, "mode": mode}, [{"a": 1}], allow_code=True)["message"] == message


def test_a_condition_on_null_names_null_once():
    conditions = {"conditions": [{"left": "={{ $json.v }}", "op": "gt", "right": 1}]}
    assert error_of("filter", conditions, [{"v": None}])["message"] == "cannot compare null with number 1"


def test_switch_rules_written_as_one_expression_say_so():
    # a switch's ports are its rules, known before any item: they cannot be computed
    error = error_of("switch", {"rules": "={{ [{'conditions': []}] }}"}, [{"a": 1}])
    assert error["path"] == "/rules" and "not an expression" in error["message"]
