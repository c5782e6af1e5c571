"""Workflow documents (`document.py`): the schema, loading, every rejection rule."""

from __future__ import annotations

import copy

import nodefox
import pytest
from conftest import data, document, edge, node, pointers, rejected, run
from nodefox.document import load, schema
from nodefox.graph import Edge


def messages(doc) -> list[str]:
    return [str(p) for p in rejected(doc)]


# -- loading a valid document ---------------------------------------------------------


def test_minimal_document_loads():
    doc = load({"nodefox": 1, "nodes": [], "edges": []})
    assert doc.nodes == [] and doc.edges == [] and doc.order == []
    assert doc.settings == {} and doc.variables == {} and doc.name == ""


def test_node_defaults():
    doc = load(document([{"id": "a", "type": "data"}]))
    (n,) = doc.nodes
    assert (n.id, n.type, n.name, n.params, n.disabled, n.on_error, n.pinned) == (
        "a", "data", "a", {}, False, "stop", None,
    )  # fmt: skip


def test_node_fields_are_read():
    raw = node("a", "noop", {}, name="A", disabled=True, onError="continue", pinned=[{"x": 1}],
               notes="hi", position=[1.5, -2])  # fmt: skip
    (n,) = load(document([raw])).nodes
    assert (n.name, n.disabled, n.on_error, n.pinned) == ("A", True, "continue", [{"x": 1}])


def test_edge_ports_and_id_default():
    doc = load(document([data("a", []), node("b", "noop")], [edge("a", "b")]))
    assert doc.edges == [Edge("a:out->b:in", "a", "out", "b", "in")]


def test_edge_default_ports_follow_the_node_type():
    nodes = [data("a", []), node("f", "filter", {}), node("m", "merge", {})]
    doc = load(document(nodes, [edge("a", "f"), edge("f", "m", id="x")]))
    assert doc.edges[0] == Edge("a:out->f:in", "a", "out", "f", "in")
    assert doc.edges[1] == Edge("x", "f", "kept", "m", "in1")


def test_position_and_notes_never_change_results():
    a = document([data("a", [{"v": 1}])])
    b = document([data("a", [{"v": 1}], position=[500, -20], notes="note")])
    assert run(a) == run(b)


def test_loading_and_running_never_change_the_document():
    doc = document(
        [data("a", [{"v": 1, "n": {"x": [1]}}]),
         node("s", "set", {"fields": [{"name": "n.x.0", "value": 2}]})],
        [edge("a", "s")],
    )  # fmt: skip
    before = copy.deepcopy(doc)
    load(doc)
    nodefox.run(doc)
    assert doc == before


def test_the_schema_is_draft_2020_12():
    s = schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["required"] == ["nodefox", "nodes", "edges"]


# -- schema failures, each with its JSON pointer -----------------------------------------


def test_not_an_object():
    assert messages([]) == ["/: must be an object, not array"]
    assert pointers("text") == [""]


def test_every_missing_required_field_is_named():
    assert messages({}) == [
        "/: missing required field 'edges'",
        "/: missing required field 'nodefox'",
        "/: missing required field 'nodes'",
    ]


@pytest.mark.parametrize("version", [2, 0, "1", True, None])
def test_format_version_must_be_1(version):
    assert messages({"nodefox": version, "nodes": [], "edges": []}) == ["/nodefox: must be 1"]


def test_node_and_edge_schema_problems_are_located():
    doc = {
        "nodefox": 1,
        "nodes": [{"type": "data"}, {"id": "b", "type": "noop", "position": [1], "onError": "x",
                                     "pinned": [1], "disabled": "yes", "notes": 3, "params": []}],
        "edges": [{"source": "a"}],
    }  # fmt: skip
    assert messages(doc) == [
        "/edges/0: missing required field 'target'",
        "/nodes/0: missing required field 'id'",
        "/nodes/1/disabled: must be a boolean, not string",
        "/nodes/1/notes: must be a string, not number",
        '/nodes/1/onError: must be one of "stop", "continue", "errorOutput"',
        "/nodes/1/params: must be an object, not array",
        "/nodes/1/pinned/0: must be an object, not number",
        "/nodes/1/position: must have at least 2 elements",
    ]


def test_empty_strings_are_refused_with_the_same_message_on_every_jsonschema():
    doc = {"nodefox": 1, "nodes": [{"id": "", "type": "", "name": ""}],
           "edges": [{"id": "", "source": "", "target": "x", "sourcePort": ""}]}  # fmt: skip
    assert messages(doc) == [
        "/edges/0/id: must not be empty",
        "/edges/0/source: must not be empty",
        "/edges/0/sourcePort: must not be empty",
        "/nodes/0/id: must not be empty",
        "/nodes/0/name: must not be empty",
        "/nodes/0/type: must not be empty",
    ]


def test_settings_and_top_level_fields():
    doc = {"nodefox": 1, "name": 3, "variables": [], "nodes": [], "edges": [],
           "settings": {"now": "yesterday", "timezone": "", "seed": 1.5}}  # fmt: skip
    assert messages(doc) == [
        "/name: must be a string, not number",
        "/settings/now: must be an RFC 3339 date-time such as 2026-01-01T09:30:00Z",
        "/settings/seed: must be an integer, not number",
        "/settings/timezone: must not be empty",
        "/variables: must be an object, not array",
    ]


def test_position_too_long():
    assert messages(document([data("a", [], position=[1, 2, 3])])) == [
        "/nodes/0/position: must have at most 2 elements"
    ]


@pytest.mark.parametrize("now", ["2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-13-01T00:00:00Z"])
def test_a_clock_that_is_no_date_is_rejected(now):
    doc = document([])
    doc["settings"]["now"] = now
    assert messages(doc) == ["/settings/now: must be an RFC 3339 date-time such as 2026-01-01T09:30:00Z"]


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_clock_outside_the_years_utc_can_write_is_rejected_not_raised(now):
    doc = document([])
    doc["settings"]["now"] = now  # the result's `now` is in UTC: the year 0 or 10000 there
    assert messages(doc) == ["/settings/now: must be within the years 0001 to 9999 in UTC"]


@pytest.mark.parametrize("timezone", ["Mars/Base", "../etc/passwd", "utc+2"])
def test_a_time_zone_that_is_no_iana_zone_is_rejected(timezone):
    doc = document([])
    doc["settings"]["timezone"] = timezone
    assert messages(doc) == [f"/settings/timezone: unknown time zone {timezone!r}: an IANA name such as Europe/Berlin or UTC"]
    doc["settings"]["timezone"] = "America/New_York"
    assert nodefox.load(doc).raw["settings"]["timezone"] == "America/New_York"


def test_problems_are_in_document_order_with_numeric_indexes():
    nodes = [{"id": str(i), "type": "noop", "onError": "x"} for i in range(12)]
    assert pointers(document(nodes)) == [f"/nodes/{i}/onError" for i in range(12)]


def test_problems_are_the_same_whatever_the_jsonschema_version():
    # the messages are the engine's own: these pin them for every supported version
    doc = {"nodefox": 1, "nodes": [{"id": 1, "type": ["x"]}], "edges": [{"source": 1, "target": None}]}
    assert messages(doc) == [
        "/edges/0/source: must be a string, not number",
        "/edges/0/target: must be a string, not null",
        "/nodes/0/id: must be a string, not number",
        "/nodes/0/type: must be a string, not array",
    ]


def test_document_error_message_lists_every_problem():
    with pytest.raises(nodefox.DocumentError) as info:
        load({"nodefox": 1, "nodes": [{"id": "a", "type": "nope"}, {"id": "a", "type": "data"}], "edges": []})
    text = str(info.value)
    assert "2 problem(s)" in text
    assert "/nodes/0/type: unknown node type 'nope'" in text
    assert "/nodes/1/id: the id 'a' is used by another node" in text
    assert isinstance(info.value, nodefox.NodeFoxError)


# -- rules beyond the schema -------------------------------------------------------------


def test_unknown_node_type():
    assert messages(document([node("a", "ftp")])) == ["/nodes/0/type: unknown node type 'ftp'"]


def test_repeated_ids():
    assert messages(document([data("a", []), data("b", []), data("a", [])])) == [
        "/nodes/2/id: the id 'a' is used by another node"
    ]


def test_repeated_names_including_the_id_default():
    nodes = [data("a", [], name="X"), data("b", [], name="X"), data("c", []), data("d", [], name="c")]
    assert messages(document(nodes)) == [
        "/nodes/1/name: the name 'X' is used by another node",
        "/nodes/3/name: the name 'c' is used by another node",
    ]


def test_edges_naming_missing_nodes():
    doc = document([data("a", [])], [edge("a", "zz"), edge("yy", "a")])
    assert messages(doc) == [
        "/edges/0/target: there is no node 'zz'",
        "/edges/1/source: there is no node 'yy'",
    ]


def test_edges_naming_missing_ports():
    doc = document([data("a", []), node("b", "noop")],
                   [edge("a", "b", "nope", "in"), edge("a", "b", "out", "zz")])  # fmt: skip
    assert messages(doc) == [
        "/edges/0/sourcePort: node 'a' has no output port 'nope' (it has: out)",
        "/edges/1/targetPort: node 'b' has no input port 'zz' (it has: in)",
    ]


def test_a_source_has_no_input_port():
    doc = document([data("a", []), data("b", [])], [edge("a", "b")])
    assert messages(doc) == ["/edges/0/targetPort: node 'b' has no input port 'in' (it has: none)"]


def test_error_port_exists_only_with_error_output():
    nodes = [data("a", []), node("s", "set", {"fields": []}), node("t", "noop")]
    assert pointers(document(nodes, [edge("a", "s"), edge("s", "t", "error")])) == ["/edges/1/sourcePort"]
    nodes[1]["onError"] = "errorOutput"
    load(document(nodes, [edge("a", "s"), edge("s", "t", "error")]))


def test_switch_has_one_port_per_rule():
    rules = [{"conditions": []}, {"conditions": []}]
    nodes = [data("a", []), node("w", "switch", {"rules": rules}), node("t", "noop")]
    for port in ("0", "1", "fallback"):
        load(document(nodes, [edge("a", "w"), edge("w", "t", port)]))
    assert pointers(document(nodes, [edge("a", "w"), edge("w", "t", "2")])) == ["/edges/1/sourcePort"]


def test_duplicate_edges_are_refused_even_when_ports_are_spelled_out():
    nodes = [data("a", []), node("b", "noop")]
    doc = document(nodes, [edge("a", "b", id="e1"), edge("a", "b", "out", "in", id="e2")])
    assert messages(doc) == ["/edges/1: another edge joins the same two ports"]


def test_repeated_edge_ids():
    nodes = [data("a", []), data("c", []), node("b", "merge")]
    doc = document(nodes, [edge("a", "b", id="e"), edge("c", "b", target_port="in2", id="e")])
    assert messages(doc) == ["/edges/1/id: the edge id 'e' is used by another edge"]


def test_a_cycle_lists_its_node_ids_in_order():
    nodes = [data("src", []), node("a", "noop"), node("b", "noop"), node("c", "merge")]
    edges = [edge("src", "a"), edge("a", "b"), edge("b", "c"), edge("c", "a", target_port="in")]
    assert messages(document(nodes, edges)) == ["/edges: the edges form a cycle: a -> b -> c -> a"]


def test_a_cycle_starts_at_its_first_node_in_the_document():
    nodes = [node("c", "noop"), node("b", "noop"), node("a", "noop")]
    edges = [edge("a", "b"), edge("b", "c"), edge("c", "a")]
    assert messages(document(nodes, edges)) == ["/edges: the edges form a cycle: c -> a -> b -> c"]


def test_a_self_loop_is_a_cycle():
    assert messages(document([node("a", "noop")], [edge("a", "a")])) == [
        "/edges: the edges form a cycle: a -> a"
    ]


def test_every_problem_is_reported_at_once():
    nodes = [node("a", "nope"), node("a", "noop"), node("b", "noop")]
    edges = [edge("b", "b"), edge("b", "q")]
    assert pointers(document(nodes, edges)) == ["/nodes/0/type", "/nodes/1/id", "/edges/1/target", "/edges"]


def test_parameter_errors_do_not_reject_the_document():
    nodes = [data("a", [{}]), node("l", "limit", {"max": -1}), node("n", "noop")]
    doc = document(nodes, [edge("a", "l"), edge("l", "n")])
    load(doc)
    result = run(doc)
    assert result["status"] == "error"
    assert result["nodes"]["l"]["status"] == "error"
    assert result["nodes"]["l"]["error"]["path"] == "/max"
    assert result["nodes"]["n"] == {"status": "blocked"}


def test_run_rejects_before_anything_runs():
    with pytest.raises(nodefox.DocumentError):
        nodefox.run(document([data("a", []), node("b", "nope")]))


def test_a_clock_in_lower_case_is_rfc_3339():
    doc = document([])
    doc["settings"]["now"] = "2026-01-01t09:30:00z"
    assert nodefox.run(doc)["now"] == "2026-01-01T09:30:00Z"


@pytest.mark.parametrize("rules", ["bad", "={{ [] }}", None])
def test_a_switch_whose_rules_are_bad_fails_itself_and_keeps_its_rule_edges(rules):
    # workflow.md: a param error fails the node, it does not reject the document
    params = {} if rules is None else {"rules": rules}
    doc = document([data("a", [{"x": 1}]), node("s", "switch", params), node("n", "noop")],
                   [edge("a", "s"), edge("s", "n", source_port="0")])  # fmt: skip
    result = nodefox.run(doc)
    assert result["nodes"]["s"]["status"] == "error" and result["nodes"]["n"]["status"] == "blocked"
    doc["edges"][1]["sourcePort"] = "x"  # not a rule's port: still refused
    assert pointers(doc) == ["/edges/1/sourcePort"]
