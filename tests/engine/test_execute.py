"""Running whole documents (`execute.py`): statuses, order, inputs, error policies, the result."""

from __future__ import annotations

import json
import re

import nodefox
import pytest
from conftest import NOW, chain, data, document, edge, node, run
from nodefox.execute import STATUSES

ITEMS = [{"v": 1}, {"v": 2}]


def status_of(result: dict) -> dict[str, str]:
    return {k: v["status"] for k, v in result["nodes"].items()}


# -- statuses ----------------------------------------------------------------------


def test_every_status_in_one_run():
    nodes = [
        data("src", ITEMS),
        node("ok", "noop"),
        node("bad", "set", {"fields": [{"name": "x", "value": "={{ 1 / 0 }}"}]}),
        node("blocked", "noop"),
        node("empty", "filter", {"conditions": [{"left": 1, "op": "eq", "right": 2}]}),
        node("skipped", "noop"),
        node("idle", "noop"),
        node("off", "set", {"fields": [{"name": "x", "value": 1}]}, disabled=True),
        node("pin", "set", {"fields": [{"name": "x", "value": 1}]}, pinned=[{"p": 1}]),
    ]
    edges = [edge("src", "ok"), edge("src", "bad"), edge("bad", "blocked"), edge("src", "empty"),
             edge("empty", "skipped"), edge("src", "off"), edge("src", "pin")]  # fmt: skip
    result = run(document(nodes, edges))
    assert status_of(result) == {
        "src": "ok", "ok": "ok", "bad": "error", "blocked": "blocked", "empty": "ok",
        "skipped": "skipped", "idle": "idle", "off": "disabled", "pin": "pinned",
    }  # fmt: skip
    assert set(status_of(result).values()) == set(STATUSES) - {"waiting"}
    assert result["status"] == "error"
    assert result["nodes"]["off"]["outputs"] == {"out": ITEMS}
    assert result["nodes"]["pin"]["outputs"] == {"out": [{"p": 1}]}
    for name in ("blocked", "skipped", "idle"):
        assert result["nodes"][name] == {"status": name}
    assert list(result["nodes"]["bad"]) == ["status", "error"]


def test_a_preview_waits_on_code_not_allowed_and_on_what_it_feeds():
    nodes = [data("src", ITEMS), node("c", "code", {"code": "return items"}), node("after", "noop")]
    result = nodefox.run(document(nodes, [edge("src", "c"), edge("c", "after")]), preview=True)
    assert result["nodes"]["c"] == {"status": "waiting", "counts": {"in": len(ITEMS)}}
    assert result["nodes"]["after"] == {"status": "waiting"}
    assert "waiting" in STATUSES


def test_a_source_always_runs_and_trigger_gives_one_empty_item():
    result = run(document([node("t", "trigger")]))
    assert result["nodes"]["t"] == {"status": "ok", "outputs": {"out": [{}]}}


def test_trigger_emits_the_input_items():
    result = run(document([node("t", "trigger"), node("n", "noop")], [edge("t", "n")]), [{"a": 1}, {"a": 2}])
    assert result["nodes"]["n"]["outputs"]["out"] == [{"a": 1}, {"a": 2}]


def test_blocked_reaches_every_descendant_through_any_path():
    nodes = [data("src", ITEMS), node("bad", "limit", {"max": -1}), node("a", "noop"),
             node("m", "merge", {}), node("b", "noop")]  # fmt: skip
    edges = [edge("src", "bad"), edge("bad", "a"), edge("src", "m", target_port="in1"),
             edge("a", "m", target_port="in2"), edge("m", "b")]  # fmt: skip
    assert status_of(run(document(nodes, edges))) == {
        "src": "ok", "bad": "error", "a": "blocked", "m": "blocked", "b": "blocked"}


def test_blocked_wins_over_pinned_and_disabled():
    nodes = [data("src", ITEMS), node("bad", "limit", {"max": -1}),
             node("p", "noop", pinned=[{}]), node("d", "noop", disabled=True)]  # fmt: skip
    result = run(document(nodes, [edge("src", "bad"), edge("bad", "p"), edge("bad", "d")]))
    assert status_of(result)["p"] == status_of(result)["d"] == "blocked"


def test_other_branches_still_run_after_a_failure():
    nodes = [data("src", ITEMS), node("bad", "limit", {"max": -1}), node("good", "noop")]
    result = run(document(nodes, [edge("src", "bad"), edge("src", "good")]))
    assert result["nodes"]["good"] == {"status": "ok", "outputs": {"out": ITEMS}}


def test_pinned_without_edges_and_without_running():
    # a pinned code node never runs, so allow_code does not matter
    result = run(document([node("c", "code", {"code": "raise ValueError"}, pinned=[{"a": 1}])]))
    assert result["nodes"]["c"] == {"status": "pinned", "outputs": {"out": [{"a": 1}]}}


def test_pinned_and_disabled_fill_every_port():
    nodes = [data("src", ITEMS), node("f", "filter", {}, disabled=True), node("i", "if", {}, pinned=[{"z": 0}]),
             node("s", "switch", {"rules": [{}, {}]}, disabled=True)]  # fmt: skip
    result = run(document(nodes, [edge("src", "f"), edge("src", "i"), edge("src", "s")]))
    assert result["nodes"]["f"]["outputs"] == {"kept": ITEMS, "discarded": []}
    assert result["nodes"]["i"]["outputs"] == {"true": [{"z": 0}], "false": []}
    assert result["nodes"]["s"]["outputs"] == {"0": ITEMS, "1": [], "fallback": []}


def test_disabled_passes_the_first_input_port_only():
    nodes = [data("a", [{"a": 1}]), data("b", [{"b": 1}]), node("m", "merge", {"mode": "cross"}, disabled=True)]
    edges = [edge("a", "m", target_port="in1"), edge("b", "m", target_port="in2")]
    assert run(document(nodes, edges))["nodes"]["m"] == {"status": "disabled", "outputs": {"out": [{"a": 1}]}}


def test_idle_is_a_node_with_inputs_and_no_edge_and_its_children_skip():
    result = run(document([node("i", "noop"), node("c", "noop"), node("m", "merge", {})],
                          [edge("i", "c"), edge("i", "m")]))  # fmt: skip
    assert status_of(result) == {"i": "idle", "c": "skipped", "m": "ok"}
    assert result["nodes"]["m"]["outputs"] == {"out": []}


def test_skipped_when_every_connected_input_is_empty():
    nodes = [data("e", []), node("n", "noop"), node("s", "set", {"fields": [{"name": "x", "value": 1}]})]
    result = run(document(nodes, chain(*nodes)))
    assert status_of(result) == {"e": "ok", "n": "skipped", "s": "skipped"}
    assert result["status"] == "ok"


def test_a_skipped_node_does_not_fail_even_with_bad_params():
    nodes = [data("e", []), node("bad", "limit", {"max": -1})]
    assert status_of(run(document(nodes, chain(*nodes)))) == {"e": "ok", "bad": "skipped"}


@pytest.mark.parametrize("node_type, params, want", [
    ("merge", {}, [{"out": []}]),
    ("aggregate", {"fields": [{"field": "a"}]}, [{"out": [{"a": []}]}]),
    ("aggregate", {"all": True}, [{"out": [{"data": []}]}]),
])  # fmt: skip
def test_runs_on_empty(node_type, params, want):
    nodes = [data("e", []), node("n", node_type, params)]
    result = run(document(nodes, chain(*nodes)))
    assert result["nodes"]["n"] == {"status": "ok", "outputs": want[0]}


def test_the_catalogue_declares_runs_on_empty():
    flags = {t.type: t.runs_on_empty for t in nodefox.BUILTINS}
    assert {t for t, f in flags.items() if f} == {"merge", "aggregate"}


def test_merge_with_one_side_unconnected_runs():
    nodes = [data("a", ITEMS), node("m", "merge", {})]
    result = run(document(nodes, [edge("a", "m", target_port="in2")]))
    assert result["nodes"]["m"] == {"status": "ok", "outputs": {"out": ITEMS}}


# -- order -------------------------------------------------------------------------


def test_order_is_topological_with_document_order_ties():
    nodes = [node("c", "noop"), data("b", []), data("a", []), node("d", "noop")]
    edges = [edge("a", "c"), edge("b", "d")]
    assert run(document(nodes, edges))["order"] == ["b", "a", "c", "d"]


def test_order_lists_every_node_whatever_its_status():
    nodes = [node("idle", "noop"), data("a", ITEMS), node("bad", "limit", {"max": -1}), node("x", "noop")]
    result = run(document(nodes, [edge("a", "bad"), edge("bad", "x")]))
    assert result["order"] == ["idle", "a", "bad", "x"]
    assert list(result["nodes"]) == ["idle", "a", "bad", "x"]  # document order


def test_result_nodes_are_in_document_order_not_run_order():
    nodes = [node("z", "noop"), data("a", ITEMS)]
    result = run(document(nodes, [edge("a", "z")]))
    assert result["order"] == ["a", "z"] and list(result["nodes"]) == ["z", "a"]


def test_a_later_ready_node_waits_for_earlier_ready_ones():
    # after a runs, both c (doc index 1) and b (doc index 3) are ready: c first
    nodes = [data("a", []), node("c", "noop"), node("d", "noop"), node("b", "noop")]
    edges = [edge("a", "b"), edge("a", "c"), edge("c", "d")]
    assert run(document(nodes, edges))["order"] == ["a", "c", "d", "b"]


# -- inputs --------------------------------------------------------------------------


def test_an_input_port_concatenates_its_edges_in_edges_order():
    nodes = [data("a", [{"a": 1}]), data("b", [{"b": 1}]), data("c", [{"c": 1}]), node("n", "noop")]
    edges = [edge("c", "n"), edge("a", "n"), edge("b", "n")]
    assert run(document(nodes, edges))["nodes"]["n"]["outputs"]["out"] == [{"c": 1}, {"a": 1}, {"b": 1}]


def test_two_ports_of_one_node_feed_the_same_input():
    nodes = [data("a", [{"v": 1}, {"v": 5}]), node("f", "filter", {"conditions": [{"left": "={{ $json.v }}", "op": "gt", "right": 2}]}),
             node("n", "noop")]  # fmt: skip
    edges = [edge("f", "n", source_port="discarded"), edge("a", "f"), edge("f", "n", source_port="kept")]
    assert run(document(nodes, edges))["nodes"]["n"]["outputs"]["out"] == [{"v": 1}, {"v": 5}]


def test_one_output_feeds_several_nodes_unchanged():
    nodes = [data("a", [{"v": 1}]), node("s1", "set", {"fields": [{"name": "v", "value": 2}]}),
             node("s2", "remove", {"fields": ["v"]}), node("n", "noop")]  # fmt: skip
    result = run(document(nodes, [edge("a", "s1"), edge("a", "s2"), edge("a", "n")]))
    assert result["nodes"]["a"]["outputs"]["out"] == [{"v": 1}]
    assert result["nodes"]["n"]["outputs"]["out"] == [{"v": 1}]
    assert result["nodes"]["s1"]["outputs"]["out"] == [{"v": 2}]
    assert result["nodes"]["s2"]["outputs"]["out"] == [{}]


def test_the_error_port_can_be_wired():
    nodes = [data("a", [{"v": "1"}, {"v": "x"}]),
             node("s", "set", {"fields": [{"name": "n", "value": "={{ int($json.v) }}"}]}, onError="errorOutput"),
             node("n", "noop")]  # fmt: skip
    result = run(document(nodes, [edge("a", "s"), edge("s", "n", source_port="error")]))
    (failed,) = result["nodes"]["n"]["outputs"]["out"]
    assert failed["item"] == {"v": "x"} and isinstance(failed["error"], str)


# -- onError -----------------------------------------------------------------------

BAD_SET = {"fields": [{"name": "n", "value": "={{ int($json.v) * 2 }}"}]}
ROWS = [{"v": "4"}, {"v": "x"}, {"v": "10"}]


def policy(on_error: str) -> dict:
    nodes = [data("src", ROWS), node("n", "set", BAD_SET, onError=on_error)]
    return run(document(nodes, chain(*nodes)))


def test_on_error_stop():
    result = policy("stop")
    entry = result["nodes"]["n"]
    assert result["status"] == "error" and entry["status"] == "error"
    assert entry["error"]["item"] == 1 and entry["error"]["path"] == "/fields/0/value"
    assert entry["error"]["expression"] == "int($json.v) * 2"
    assert entry["error"]["message"]


def test_on_error_continue():
    result = policy("continue")
    entry = result["nodes"]["n"]
    assert result["status"] == "ok" and entry["status"] == "ok"
    assert entry["outputs"] == {"out": [{"v": "4", "n": 8}, {"v": "x"}, {"v": "10", "n": 20}]}
    (warning,) = entry["warnings"]
    assert "item 1" in warning
    assert list(entry) == ["status", "outputs", "warnings"]


def test_on_error_error_output():
    result = policy("errorOutput")
    entry = result["nodes"]["n"]
    assert result["status"] == "ok" and entry["status"] == "ok"
    assert list(entry["outputs"]) == ["out", "error"]
    assert entry["outputs"]["out"] == [{"v": "4", "n": 8}, {"v": "10", "n": 20}]
    (err,) = entry["outputs"]["error"]
    assert list(err) == ["item", "error"] and err["item"] == {"v": "x"} and err["error"]
    assert "warnings" not in entry


def test_error_output_port_is_empty_when_nothing_fails():
    nodes = [data("src", [{"v": "1"}]), node("n", "set", BAD_SET, onError="errorOutput")]
    assert run(document(nodes, chain(*nodes)))["nodes"]["n"]["outputs"] == {"out": [{"v": "1", "n": 2}], "error": []}


def test_whole_node_failure_under_each_policy():
    bad = {"max": -1}
    for on_error, want in [
        ("continue", {"status": "ok", "outputs": {"out": ROWS}}),
        ("errorOutput", {"status": "ok", "outputs": {"out": [], "error": [{"item": r} for r in ROWS]}}),
    ]:
        nodes = [data("src", ROWS), node("n", "limit", bad, onError=on_error)]
        result = run(document(nodes, chain(*nodes)))
        entry = result["nodes"]["n"]
        assert result["status"] == "ok"
        assert entry["status"] == want["status"]
        if on_error == "continue":
            assert entry["outputs"] == want["outputs"] and len(entry["warnings"]) == 1
        else:
            assert [e["item"] for e in entry["outputs"]["error"]] == ROWS
            assert all(e["error"] == "/max: must be at least 0" for e in entry["outputs"]["error"])  # said once
            assert entry["outputs"]["out"] == []


def test_whole_node_failure_to_the_error_port_keeps_its_message_without_input_items():
    # a source has no input item: its failure was dropped (error: [], and no warning)
    entry = run(document([node("d", "data", {"items": "={{ 1/0 }}"}, onError="errorOutput")]))["nodes"]["d"]
    assert entry["status"] == "ok" and entry["outputs"]["out"] == []
    assert [(e["item"], "division by zero" in e["error"]) for e in entry["outputs"]["error"]] == [({}, True)]


def test_whole_node_failure_to_the_error_port_sends_the_items_of_every_input_port():
    nodes = [data("a", [{"a": 1}]), data("b", [{"b": 2}]), node("m", "merge", {"mode": "join"}, onError="errorOutput")]
    entry = run(document(nodes, [edge("a", "m"), edge("b", "m", target_port="in2")]))["nodes"]["m"]
    assert [e["item"] for e in entry["outputs"]["error"]] == [{"a": 1}, {"b": 2}]


def test_a_param_schema_error_fails_only_its_node():
    nodes = [data("src", ROWS), node("n", "limit", {"max": "ten"}), node("after", "noop"), node("ok", "noop")]
    result = run(document(nodes, [edge("src", "n"), edge("n", "after"), edge("src", "ok")]))
    assert status_of(result) == {"src": "ok", "n": "error", "after": "blocked", "ok": "ok"}
    assert result["nodes"]["n"]["error"]["path"] == "/max"


def test_an_unknown_param_is_a_node_error_not_a_rejection():
    nodes = [data("src", ROWS), node("n", "noop", {"bogus": 1})]
    entry = run(document(nodes, chain(*nodes)))["nodes"]["n"]
    assert entry["status"] == "error" and "bogus" in entry["error"]["message"]


# -- the run result ------------------------------------------------------------------


def test_result_keys_in_exact_order():
    result = nodefox.run(document([data("a", ITEMS)]))
    assert list(result) == ["status", "now", "order", "nodes", "stats"]
    assert list(result["stats"]) == ["ms", "nodes"]
    assert list(result["stats"]["nodes"]) == ["a"] and list(result["stats"]["nodes"]["a"]) == ["ms"]
    assert result["now"] == NOW


def test_outputs_list_every_port_in_port_order_empty_ones_included():
    nodes = [data("a", [{"v": 1}]), node("f", "filter", {"conditions": [{"left": 1, "op": "eq", "right": 1}]})]
    entry = run(document(nodes, chain(*nodes)))["nodes"]["f"]
    assert list(entry["outputs"]) == ["kept", "discarded"]
    assert entry["outputs"]["discarded"] == []


def test_canonical_drops_stats_and_is_compact():
    result = nodefox.run(document([data("a", [{"text": "é ✓", "f": 0.1, "i": 1, "one": 1.0, "big": 1e20}])]))
    text = nodefox.canonical(result)
    assert "stats" not in json.loads(text)
    assert text == json.dumps({k: v for k, v in result.items() if k != "stats"}, separators=(",", ":"), ensure_ascii=False)
    assert '"text":"é ✓"' in text and '"f":0.1' in text and '"one":1.0' in text and '"big":1e+20' in text
    assert ", " not in text and ": " not in text
    assert text.startswith('{"status":"ok","now":"2026-01-01T09:30:00Z","order":["a"],"nodes":')
    assert "stats" in result  # canonical does not change the result


def test_canonical_is_identical_run_after_run():
    doc = document([data("a", ITEMS), node("s", "set", {"fields": [{"name": "w", "value": "={{ $json.v / 3 }}"}]})],
                   [edge("a", "s")])  # fmt: skip
    assert len({nodefox.canonical(nodefox.run(doc)) for _ in range(3)}) == 1


def test_integer_results_stay_integers():
    nodes = [data("a", [{"v": 2}]), node("s", "set", {"fields": [{"name": "w", "value": "={{ $json.v * 3 }}"},
                                                            {"name": "h", "value": "={{ $json.v / 2 }}"}]})]  # fmt: skip
    text = nodefox.canonical(nodefox.run(document(nodes, chain(*nodes))))
    assert '{"v":2,"w":6,"h":1.0}' in text


def test_now_comes_from_settings_in_utc():
    doc = {"nodefox": 1, "settings": {"now": "2026-01-01T10:30:00+01:00"}, "nodes": [], "edges": []}
    assert nodefox.run(doc)["now"] == "2026-01-01T09:30:00Z"
    doc["settings"]["now"] = "2026-01-01T09:30:00.250Z"
    assert nodefox.run(doc)["now"] == "2026-01-01T09:30:00.250000Z"


def test_now_without_settings_is_the_wall_clock():
    result = nodefox.run({"nodefox": 1, "nodes": [], "edges": []})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", result["now"])


def test_empty_document():
    result = run(document([]))
    assert result == {"status": "ok", "now": NOW, "order": [], "nodes": {}}


# -- run(document, input_items, allow_code) ----------------------------------------------


def test_run_accepts_a_loaded_document():
    doc = nodefox.load(document([data("a", ITEMS)]))
    assert nodefox.run(doc)["nodes"]["a"]["outputs"]["out"] == ITEMS


def test_run_rejects_a_bad_document():
    with pytest.raises(nodefox.DocumentError) as info:
        nodefox.run({"nodefox": 1, "nodes": [{"id": "a", "type": "nope"}], "edges": []})
    assert [p.pointer for p in info.value.problems] == ["/nodes/0/type"]


@pytest.mark.parametrize("items", [{"a": 1}, [1], [{"a": 1}, "x"], "[]"])
def test_run_rejects_input_items_that_are_not_a_list_of_objects(items):
    with pytest.raises(nodefox.DocumentError):
        nodefox.run(document([node("t", "trigger")]), items)


def test_allow_code():
    nodes = [data("a", ITEMS), node("c", "code", {"code": "return [{'n': len(items)}]"})]
    doc = document(nodes, chain(*nodes))
    denied = run(doc)["nodes"]["c"]
    assert denied["status"] == "error" and "allow" in denied["error"]["message"]
    assert run(doc, allow_code=True)["nodes"]["c"] == {"status": "ok", "outputs": {"out": [{"n": 2}]}}


def test_the_document_and_input_are_not_changed():
    items = [{"a": {"b": 1}}]
    doc = document([node("t", "trigger"), node("s", "set", {"fields": [{"name": "a.b", "value": 2}]})],
                   [edge("t", "s")])  # fmt: skip
    before = json.dumps(doc)
    result = run(doc, items)
    assert result["nodes"]["s"]["outputs"]["out"] == [{"a": {"b": 2}}]
    assert items == [{"a": {"b": 1}}] and json.dumps(doc) == before


# -- NaN and infinities are not JSON ---------------------------------------------------------


def test_non_finite_input_items_are_rejected():
    with pytest.raises(nodefox.DocumentError):
        nodefox.run(document([node("t", "trigger")]), [{"x": float("nan")}])


@pytest.mark.parametrize("where", ["data", "pinned", "variables"])
def test_a_non_finite_number_in_a_document_is_rejected(where):
    bad = {"x": [float("inf")]}
    nodes = [data("a", [bad] if where == "data" else []), node("p", "noop", pinned=[bad] if where == "pinned" else None)]
    if where != "pinned":
        del nodes[1]["pinned"]
    doc = document(nodes, variables={"v": float("nan")} if where == "variables" else {})
    with pytest.raises(nodefox.DocumentError) as info:
        nodefox.run(doc)
    assert "JSON" in str(info.value)
    want = {"data": "/nodes/0/params/items/0/x/0", "pinned": "/nodes/1/pinned/0/x/0", "variables": "/variables/v"}
    assert [p.pointer for p in info.value.problems] == [want[where]]


# -- a node type's own bug fails its node, never the run -----------------------------------------


def test_an_exception_in_a_node_function_fails_only_that_node():
    from nodefox.nodes.base import obj_schema

    def broken(call):
        return {"out": [item["missing"] for item in call.first]}

    registry = nodefox.Registry([*nodefox.BUILTINS, nodefox.NodeType(
        "broken", "Broken", "Flow", "raises KeyError", ("in",), ("out",), obj_schema({}), broken)])  # fmt: skip
    nodes = [data("a", ITEMS), node("b", "broken"), node("after", "noop"), node("other", "noop")]
    doc = document(nodes, [edge("a", "b"), edge("b", "after"), edge("a", "other")])
    result = nodefox.run(doc, registry=registry)
    assert status_of(result) == {"a": "ok", "b": "error", "after": "blocked", "other": "ok"}
    assert "KeyError" in result["nodes"]["b"]["error"]["message"]
