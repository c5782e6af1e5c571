"""The live session (`live.md`): every op, the answer, what re-runs, interruption, the bridge.

A `Client` stands in for the canvas: it applies ops, checks the answer's shape
and keeps the entries the answers told it, so each test can compare what the
canvas shows with a fresh run of the session's document.
"""

from __future__ import annotations

import json
from typing import Any

import nodefox
import pytest
from conftest import NOW, data, edge, expected_entry, node
from conftest import document as doc
from nodefox import Session, bridge
from nodefox import execute as execute_module
from nodefox.nodes import BUILTINS, NodeType, Registry
from nodefox.nodes.base import obj_schema

# -- documents -------------------------------------------------------------------


def set_node(node_id: str, field: str, value: Any, **extra: Any) -> dict:
    return node(node_id, "set", {"fields": [{"name": field, "value": value}]}, **extra)


def chain(*ids: str) -> list[dict]:
    return [edge(a, b) for a, b in zip(ids, ids[1:], strict=False)]


def canon(value: Any) -> str:
    """Canonical JSON text: 1 and 1.0 differ, and so does key order."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# -- the canvas stand-in -------------------------------------------------------------

ENTRY_KEYS = {"status", "counts", "preview", "error", "warnings", "ms", "reused"}


class Client:
    """Applies ops and keeps what the answers said about each node."""

    def __init__(self, document: dict | None = None, registry: Registry = BUILTINS, preview_limit: int = 20):
        self.registry = registry
        self.session = Session(document, preview_limit=preview_limit, registry=registry, allow_code=True)
        self.preview_limit = preview_limit
        self.view: dict[str, dict] = {}
        self.last: dict = {}
        if document is not None:
            self.apply([])

    def apply(self, ops: list) -> dict:
        answer = self.session.apply(ops)
        check_shape(answer)
        for node_id in answer["removed"]:
            self.view.pop(node_id, None)
        for node_id, entry in answer["nodes"].items():
            self.view[node_id] = {k: v for k, v in entry.items() if k not in ("ms", "reused")}
        self.last = answer
        return answer

    def export(self) -> dict:
        return self.apply([{"op": "export"}])["workflow"]

    def page(self, node_id: str, port: str | None = None, offset: int = 0, limit: int = 50) -> dict:
        op: dict = {"op": "inspect", "id": node_id, "offset": offset, "limit": limit}
        if port is not None:
            op["port"] = port
        answer = self.apply([op])
        assert answer["rejected"] == [], answer["rejected"]
        assert answer["nodes"] == {} and answer["stats"]["ran"] == 0, "inspect changed something"
        return answer["page"]

    def items(self, node_id: str, port: str, page_size: int = 3) -> list:
        """Every item on a port, paged through inspect."""
        out: list = []
        total = None
        while True:
            page = self.page(node_id, port, len(out), page_size)
            assert page["id"] == node_id and page["port"] == port and page["offset"] == len(out)
            assert total is None or page["total"] == total
            total = page["total"]
            assert len(page["items"]) == min(page_size, total - len(out))
            out.extend(page["items"])
            if len(out) >= total:
                return out

    def fresh(self) -> dict:
        document = self.session.document()
        result = nodefox.run(document, self.session.input_items, allow_code=True, registry=self.registry, preview=True)
        return json.loads(nodefox.canonical(result))

    def check(self) -> dict:
        """The invariant: what the canvas holds equals a fresh run of the exported document."""
        truth = self.fresh()
        assert set(self.view) == set(truth["nodes"])
        for node_id, want in truth["nodes"].items():
            got = self.view[node_id]
            assert canon(got) == canon(expected_entry(want, self.preview_limit)), node_id
            for port, items in (want.get("outputs") or {}).items():
                assert canon(self.items(node_id, port)) == canon(items), (node_id, port)
        return truth


def check_shape(answer: dict) -> None:
    assert set(answer) >= {"nodes", "removed", "rejected", "stats"}
    assert set(answer) <= {"nodes", "removed", "rejected", "stats", "page", "workflow", "interrupted", "evaluated"}
    for node_id, entry in answer["nodes"].items():
        assert type(node_id) is str
        assert set(entry) <= ENTRY_KEYS and {"status", "ms", "reused"} <= set(entry), entry
        assert ("counts" in entry) == ("preview" in entry)
        if "counts" in entry:
            assert list(entry["counts"]) == list(entry["preview"])
        assert ("error" in entry) == (entry["status"] == "error"), entry
        assert type(entry["reused"]) is bool and isinstance(entry["ms"], int | float)
    for rejected in answer["rejected"]:
        assert set(rejected) == {"index", "reason"}
        assert type(rejected["index"]) is int and type(rejected["reason"]) is str and rejected["reason"]
    assert set(answer["stats"]) == {"ms", "ran", "reused"}
    if "page" in answer:
        assert list(answer["page"]) == ["id", "port", "offset", "total", "items"]
    canon(answer)  # JSON all the way down


def reasons(answer: dict) -> dict[int, str]:
    return {r["index"]: r["reason"] for r in answer["rejected"]}


ORDERS = [{"sku": "a", "price": 80}, {"sku": "b", "price": 20}, {"sku": "c", "price": 55}]


def orders_doc() -> dict:
    """n1 data -> n2 set -> n3 if -> n4 noop (true) / n5 noop (false)."""
    return doc(
        [
            data("n1", ORDERS, name="Orders"),
            set_node("n2", "total", "={{ $json.price * 2 }}", name="Double"),
            node("n3", "if", {"conditions": [{"left": "={{ $json.total }}", "op": "gt", "right": 100}]}, name="Big?"),
            node("n4", "noop", name="Yes"),
            node("n5", "noop", name="No"),
        ],
        [edge("n1", "n2"), edge("n2", "n3"), edge("n3", "n4", "true"), edge("n3", "n5", "false")],
    )


# -- load and the first answer ----------------------------------------------------------



def test_a_session_made_with_a_document_runs_it_on_its_first_batch_whatever_it_holds():
    d = doc([data("a", [{"x": 1}]), node("b", "noop")], [edge("a", "b")])
    answer = nodefox.Session(d).apply([{"op": "inspect", "id": "b", "port": "out"}])
    assert answer["nodes"]["b"]["status"] == "ok" and answer["page"]["items"] == [{"x": 1}]
    answer = nodefox.Session(d).apply([{"op": "move", "id": "a", "position": [1, 2]}])
    assert answer["nodes"]["a"]["status"] == "ok"


def test_load_answers_every_node_with_its_whole_entry():
    c = Client()
    answer = c.apply([{"op": "load", "workflow": orders_doc()}])
    assert answer["rejected"] == [] and answer["removed"] == []
    assert list(answer["nodes"]) == ["n1", "n2", "n3", "n4", "n5"]
    assert answer["stats"]["ran"] == 5 and answer["stats"]["reused"] == 0
    n3 = answer["nodes"]["n3"]
    assert n3["status"] == "ok" and n3["reused"] is False
    assert n3["counts"] == {"true": 2, "false": 1}
    assert n3["preview"]["false"] == [{"sku": "b", "price": 20, "total": 40}]
    c.check()


def test_load_replaces_everything_and_reports_the_nodes_that_went():
    c = Client(orders_doc())
    other = doc([data("n1", [{"x": 1}]), node("m", "noop")], [edge("n1", "m")])
    answer = c.apply([{"op": "load", "workflow": other}])
    assert answer["removed"] == ["n2", "n3", "n4", "n5"]
    assert list(answer["nodes"]) == ["n1", "m"]  # all of them after load, even the same id
    assert c.export() == other
    c.check()


def test_a_rejected_load_keeps_the_document():
    c = Client(orders_doc())
    cyclic = doc([node("a", "noop"), node("b", "noop")], [edge("a", "b"), edge("b", "a")])
    answer = c.apply([{"op": "load", "workflow": cyclic}, {"op": "load", "workflow": {"nodefox": 2}}])
    r = reasons(answer)
    assert "cycle" in r[0] and "a -> b -> a" in r[0]
    assert "must be 1" in r[1]
    assert answer["nodes"] == {} and answer["removed"] == [] and answer["stats"]["ran"] == 0
    assert c.export() == orders_doc()


def test_a_session_starts_empty_or_from_a_document():
    empty = Client()
    assert empty.export() == {"nodefox": 1, "nodes": [], "edges": []}
    c = Client(orders_doc())
    assert set(c.view) == {"n1", "n2", "n3", "n4", "n5"}
    c.check()


def test_the_session_does_not_share_the_callers_document():
    original = orders_doc()
    c = Client(original)
    c.apply([{"op": "patch_params", "id": "n1", "path": "/items/0/price", "value": 1}])
    assert original == orders_doc()
    exported = c.export()
    exported["nodes"][0]["params"]["items"][0]["price"] = 999
    assert c.export()["nodes"][0]["params"]["items"][0]["price"] == 1


# -- add_node / remove_node ----------------------------------------------------------------


def test_add_node_runs_only_the_new_node():
    c = Client(orders_doc())
    answer = c.apply([{"op": "add_node", "node": set_node("n6", "x", 1, name="Extra")}])
    assert answer["stats"] == {**answer["stats"], "ran": 1, "reused": 5}
    assert answer["nodes"] == {"n6": {"status": "idle", "ms": answer["nodes"]["n6"]["ms"], "reused": False}}
    assert c.export()["nodes"][-1] == set_node("n6", "x", 1, name="Extra")
    c.check()


def test_add_node_rejections_name_the_problem_and_later_ops_still_apply():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "add_node", "node": node("n1", "noop")},
        {"op": "add_node", "node": node("x1", "noop", name="Double")},
        {"op": "add_node", "node": node("x2", "noop", name="n4")},  # n4 is named "Yes": free
        {"op": "add_node", "node": node("x3", "nosuchtype")},
        {"op": "add_node", "node": {"id": "x4"}},
        {"op": "add_node", "node": node("x5", "noop", position=[1, 2, 3])},
        {"op": "add_node"},
        {"op": "add_node", "node": node("x6", "noop")},
    ])
    r = reasons(answer)
    assert sorted(r) == [0, 1, 3, 4, 5, 6]
    assert "id 'n1' already exists" in r[0]
    assert "named 'Double' already exists" in r[1]
    assert "unknown node type 'nosuchtype'" in r[3]
    assert "type" in r[4]
    assert "position" in r[5]
    ids = [n["id"] for n in c.export()["nodes"]]
    assert ids == ["n1", "n2", "n3", "n4", "n5", "x2", "x6"]
    c.check()


def test_a_name_must_differ_from_the_default_name_of_another_node():
    c = Client(doc([node("a", "noop")]))
    answer = c.apply([{"op": "add_node", "node": node("b", "noop", name="a")}])
    assert "named 'a' already exists" in reasons(answer)[0]


def test_remove_node_drops_its_edges_and_reports_it():
    c = Client(orders_doc())
    answer = c.apply([{"op": "remove_node", "id": "n3"}])
    assert answer["removed"] == ["n3"]
    assert set(answer["nodes"]) == {"n4", "n5"}
    assert answer["nodes"]["n4"]["status"] == "idle" and answer["nodes"]["n5"]["status"] == "idle"
    assert answer["stats"]["ran"] == 2
    exported = c.export()
    assert [n["id"] for n in exported["nodes"]] == ["n1", "n2", "n4", "n5"]
    assert exported["edges"] == [edge("n1", "n2")]
    c.check()


def test_remove_an_unknown_node_is_rejected():
    c = Client(orders_doc())
    answer = c.apply([{"op": "remove_node", "id": "zz"}, {"op": "remove_node"}, {"op": "remove_node", "id": "n5"}])
    r = reasons(answer)
    assert r[0] == "there is no node 'zz'" and "no node" in r[1]
    assert answer["removed"] == ["n5"]


def test_remove_then_add_the_same_id_in_one_batch():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "remove_node", "id": "n5"},
        {"op": "add_node", "node": node("n5", "noop", name="No")},
        {"op": "connect", "edge": edge("n3", "n5", "false")},
    ])
    assert answer["removed"] == [] and answer["rejected"] == []
    assert "n5" not in answer["nodes"]  # its entry is what the canvas already shows
    c.check()


def test_a_node_named_by_an_expression_can_come_and_go():
    c = Client(doc([data("n1", [{"a": 1}]), set_node("n2", "b", '={{ $("Src").first().a }}')], chain("n1", "n2")))
    assert "there is no node named" in c.view["n2"]["error"]["message"]
    c.apply([{"op": "update_node", "id": "n1", "set": {"name": "Src"}}])
    assert c.view["n2"]["status"] == "ok"
    c.check()
    c.apply([{"op": "remove_node", "id": "n1"}])
    c.apply([{"op": "add_node", "node": data("n9", [{"a": 5}], name="Src")}])
    assert c.view["n2"]["status"] == "idle"
    c.apply([{"op": "connect", "edge": edge("n9", "n2")}])
    assert c.view["n2"]["preview"]["out"] == [{"a": 5, "b": 5}]
    c.check()


# -- update_node ---------------------------------------------------------------------------


def test_update_node_params_runs_the_node_and_its_descendants():
    c = Client(orders_doc())
    answer = c.apply([{"op": "update_node", "id": "n2", "set": {
        "params": {"fields": [{"name": "total", "value": "={{ $json.price * 6 }}"}]}}}])
    assert answer["stats"]["ran"] == 4 and answer["stats"]["reused"] == 1
    assert c.view["n3"]["counts"] == {"true": 3, "false": 0}
    c.check()


def test_update_node_disabled_and_on_error():
    c = Client(doc([data("n1", [{"a": 1}, {"a": "x"}]), set_node("n2", "b", "={{ $json.a + 1 }}"), node("n3", "noop")],
                   chain("n1", "n2", "n3")))
    assert c.view["n2"]["status"] == "error" and c.view["n3"]["status"] == "blocked"
    c.apply([{"op": "update_node", "id": "n2", "set": {"onError": "continue"}}])
    assert c.view["n2"]["status"] == "ok" and len(c.view["n2"]["warnings"]) == 1
    assert c.view["n3"]["counts"] == {"out": 2}
    c.check()
    c.apply([{"op": "update_node", "id": "n2", "set": {"onError": "errorOutput"}}])
    assert list(c.view["n2"]["counts"]) == ["out", "error"]
    c.apply([{"op": "connect", "edge": edge("n2", "n3", "error", id="err")}])
    c.check()
    # dropping the error port while an edge uses it is rejected
    answer = c.apply([{"op": "update_node", "id": "n2", "set": {"onError": "stop", "disabled": True}}])
    assert "error" in reasons(answer)[0] and "removes" in reasons(answer)[0]
    assert "disabled" not in c.export()["nodes"][1]  # atomic: nothing of the op applied
    c.apply([{"op": "disconnect", "id": "err"}, {"op": "update_node", "id": "n2", "set": {"disabled": True}}])
    assert c.view["n2"]["status"] == "disabled"
    c.check()
    # None removes a field
    c.apply([{"op": "update_node", "id": "n2", "set": {"disabled": None, "onError": None}}])
    assert "disabled" not in c.export()["nodes"][1] and "onError" not in c.export()["nodes"][1]
    assert c.view["n2"]["status"] == "error"
    c.check()


def test_update_node_rejections():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "update_node", "id": "n2", "set": {"type": "noop"}},
        {"op": "update_node", "id": "n2", "set": {"onError": "explode"}},
        {"op": "update_node", "id": "n2", "set": {"name": "Orders"}},
        {"op": "update_node", "id": "n2", "set": {"name": ""}},
        {"op": "update_node", "id": "n2", "set": {"params": []}},
        {"op": "update_node", "id": "n2"},
        {"op": "update_node", "id": "nope", "set": {}},
        {"op": "update_node", "id": "n2", "set": {"name": "Orders", "notes": "mixed"}},
    ])
    r = reasons(answer)
    assert sorted(r) == list(range(8))
    assert "cannot set 'type'" in r[0]
    assert "onError" in r[1]
    assert "named 'Orders' already exists" in r[2] and "named 'Orders' already exists" in r[7]
    assert "name" in r[3] and "params" in r[4] and "set" in r[5] and "no node 'nope'" in r[6]
    assert c.export() == orders_doc()


def test_rename_rewrites_references_in_every_expression():
    items_ref = {"a": '=n{{ $("Orders").first().price }}', "b": '={{ $("Orders2") }}'}
    nodes = [
        data("n1", ORDERS, name="Orders"),
        data("d2", [items_ref], name="Other"),
        set_node("n2", "p", '={{ $("Orders").first().price + $node["Orders"].json.price }}'),
        node("n3", "set", {"fields": [
            {"name": "q", "value": "={{ $node['Orders'].json.sku }}"},
            {"name": "r", "value": '={{ $( "Orders" ).last().sku }} and {{ $("Orders").first().sku }}'},
            {"name": "literal", "value": '$("Orders") is not an expression'},
        ]}),
        node("n4", "noop", name="Orders2"),
    ]
    c = Client(doc(nodes, chain("n1", "n2", "n3")))
    answer = c.apply([{"op": "update_node", "id": "n1", "set": {"name": "Shop orders é"}}])
    assert answer["rejected"] == []
    exported = c.export()
    assert exported["nodes"][0]["name"] == "Shop orders é"
    assert exported["nodes"][1]["params"]["items"] == [
        {"a": '=n{{ $("Shop orders é").first().price }}', "b": '={{ $("Orders2") }}'}]
    assert exported["nodes"][2]["params"]["fields"][0]["value"] == (
        '={{ $("Shop orders é").first().price + $node["Shop orders é"].json.price }}')
    fields = exported["nodes"][3]["params"]["fields"]
    assert fields[0]["value"] == "={{ $node['Shop orders é'].json.sku }}"
    assert fields[1]["value"] == '={{ $( "Shop orders é" ).last().sku }} and {{ $("Shop orders é").first().sku }}'
    assert fields[2]["value"] == '$("Orders") is not an expression'
    assert c.view["n2"]["preview"]["out"][0]["p"] == 160
    assert c.view["n3"]["preview"]["out"][0]["q"] == "a" and c.view["n3"]["preview"]["out"][0]["r"] == "c and a"
    c.check()
    # and back, with a notes change in the same op
    c.apply([{"op": "update_node", "id": "n1", "set": {"name": "Orders", "notes": "back"}}])
    assert c.export()["nodes"][1:4] == nodes[1:4]
    c.check()


def test_renaming_to_a_name_with_quotes_writes_a_valid_reference():
    c = Client(doc([data("n1", [{"a": 1}], name="Src"), set_node("n2", "b", "={{ $(\"Src\").first().a + $node['Src'].json.a }}")],
                   chain("n1", "n2")))
    c.apply([{"op": "update_node", "id": "n1", "set": {"name": 'Say "hi" \\ it\'s'}}])
    assert c.view["n2"]["status"] == "ok" and c.view["n2"]["preview"]["out"] == [{"a": 1, "b": 2}]
    c.check()


def test_renaming_away_from_a_name_with_a_quote_rewrites_its_references():
    c = Client(doc([data("n1", [{"a": 1}], name='Say "hi"'), set_node("n2", "b", '={{ $("Say \\"hi\\"").first().a }}')],
                   chain("n1", "n2")))
    assert c.view["n2"]["status"] == "ok"
    c.apply([{"op": "update_node", "id": "n1", "set": {"name": "Plain"}}])
    assert c.export()["nodes"][1]["params"]["fields"][0]["value"] == '={{ $("Plain").first().a }}'
    assert c.view["n2"]["status"] == "ok"


def test_renaming_to_a_name_a_node_already_reads_resolves_it():
    c = Client(doc([data("n1", [{"a": 1}]), set_node("n2", "b", '={{ $("Later").first().a }}')], chain("n1", "n2")))
    assert c.view["n2"]["status"] == "error"
    answer = c.apply([{"op": "update_node", "id": "n1", "set": {"name": "Later"}}])
    assert answer["nodes"]["n2"]["status"] == "ok"
    c.check()


def test_removing_a_name_falls_back_to_the_id():
    c = Client(doc([data("n1", [{"a": 1}], name="Src"), set_node("n2", "b", '={{ $("Src").first().a }}')],
                   chain("n1", "n2")))
    c.apply([{"op": "update_node", "id": "n1", "set": {"name": None}}])
    assert c.export()["nodes"][1]["params"]["fields"][0]["value"] == '={{ $("n1").first().a }}'
    assert c.view["n2"]["status"] == "ok"
    c.check()


# -- patch_params -------------------------------------------------------------------------


def test_patch_params_sets_one_value_and_runs_the_node_and_descendants():
    c = Client(orders_doc())
    answer = c.apply([{"op": "patch_params", "id": "n3", "path": "/conditions/0/right", "value": 150}])
    assert answer["stats"]["ran"] == 3 and answer["stats"]["reused"] == 2
    assert set(answer["nodes"]) == {"n3", "n4", "n5"}
    assert c.export()["nodes"][2]["params"]["conditions"][0]["right"] == 150
    c.check()


def test_patch_params_appends_removes_and_creates_keys():
    c = Client(orders_doc())
    c.apply([
        {"op": "patch_params", "id": "n2", "path": "/fields/-", "value": {"name": "k", "value": 1}},
        {"op": "patch_params", "id": "n2", "path": "/fields/2", "value": {"name": "m", "value": "=x"}},
        {"op": "patch_params", "id": "n2", "path": "/include", "value": "all"},
    ])
    assert c.export()["nodes"][1]["params"] == {"fields": [
        {"name": "total", "value": "={{ $json.price * 2 }}"}, {"name": "k", "value": 1}, {"name": "m", "value": "=x"},
    ], "include": "all"}
    c.check()
    c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/1"}, {"op": "patch_params", "id": "n2", "path": "/include"}])
    assert c.export()["nodes"][1]["params"] == {"fields": [
        {"name": "total", "value": "={{ $json.price * 2 }}"}, {"name": "m", "value": "=x"}]}
    c.check()


def test_patch_params_with_escaped_pointer_and_on_a_node_without_params():
    c = Client(doc([data("n1", [{"a": 1}]), node("n2", "noop")], chain("n1", "n2")))
    c.apply([{"op": "patch_params", "id": "n1", "path": "/items/0/x~1y~0z", "value": 2}])
    assert c.view["n1"]["preview"]["out"] == [{"a": 1, "x/y~z": 2}]
    c.apply([{"op": "patch_params", "id": "n2", "path": "/bogus", "value": 1}])
    assert c.view["n2"]["status"] == "error" and "bogus" in c.view["n2"]["error"]["message"]
    c.check()


def test_patch_params_rejections():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "patch_params", "id": "n1", "path": "/items/7/price", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "items", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "/x/y", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "", "value": []},
        {"op": "patch_params", "id": "n1", "path": "/items/0/price/x", "value": 1},
        {"op": "patch_params", "id": "n1", "path": 5, "value": 1},
        {"op": "patch_params", "id": "zz", "path": "/a", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "/items/-"},
        {"op": "patch_params", "id": "n1", "path": "/items/0/price", "value": 81},
    ])
    r = reasons(answer)
    assert sorted(r) == list(range(8))
    assert "'7' is not an index" in r[0] and "must start with '/'" in r[1] and "nothing at /x" in r[2]
    assert "object" in r[3] and "not an object or a list" in r[4] and "JSON pointer" in r[5]
    assert "no node 'zz'" in r[6]
    assert c.export()["nodes"][0]["params"]["items"][0]["price"] == 81
    c.check()


def test_patch_params_rejects_what_is_no_json_pointer():
    """RFC 6901: `~` is only `~0` or `~1`, and a list index has no leading zero."""
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "patch_params", "id": "n1", "path": "/items/01/price", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "/items/0/pr~2ice", "value": 1},
        {"op": "patch_params", "id": "n1", "path": "/items/0/price~", "value": 1},
    ])  # fmt: skip
    r = reasons(answer)
    assert sorted(r) == [0, 1, 2]
    assert "'01' is not an index" in r[0]
    assert all("'~' must be followed by 0 or 1" in r[i] for i in (1, 2))
    assert c.export() == orders_doc()


def test_patch_params_that_drops_a_switch_port_in_use_is_rejected():
    rules = [{"conditions": [{"left": "={{ $json.price }}", "op": "gt", "right": 50}]},
             {"conditions": [{"left": "={{ $json.price }}", "op": "gt", "right": 10}]}]
    c = Client(doc([data("n1", ORDERS), node("sw", "switch", {"rules": rules}), node("t", "noop")],
                   [edge("n1", "sw"), edge("sw", "t", "1")]))
    assert c.view["sw"]["counts"] == {"0": 2, "1": 1, "fallback": 0}
    answer = c.apply([{"op": "patch_params", "id": "sw", "path": "/rules/1"}])
    assert "port '1'" in reasons(answer)[0]
    assert len(c.export()["nodes"][1]["params"]["rules"]) == 2
    answer = c.apply([{"op": "patch_params", "id": "sw", "path": "/rules/0"}])  # the ports renumber: "1" goes
    assert "port '1'" in reasons(answer)[0]
    c.apply([{"op": "disconnect", "id": "sw:1->t:in"}, {"op": "patch_params", "id": "sw", "path": "/rules/0"},
             {"op": "connect", "edge": edge("sw", "t", "fallback")}])
    assert c.view["sw"]["counts"] == {"0": 3, "fallback": 0} and c.view["t"]["status"] == "skipped"
    c.check()


# -- move, notes ------------------------------------------------------------------------------


def test_move_and_notes_run_nothing():
    c = Client(orders_doc())
    answer = c.apply([{"op": "move", "id": "n2", "position": [10, 20.5]}])
    assert answer["nodes"] == {} and answer["stats"]["ran"] == 0 and answer["stats"]["reused"] == 5
    assert c.export()["nodes"][1]["position"] == [10, 20.5]
    answer = c.apply([{"op": "update_node", "id": "n2", "set": {"notes": "doubles the price"}}])
    assert answer["nodes"] == {} and answer["stats"]["ran"] == 0
    assert c.export()["nodes"][1]["notes"] == "doubles the price"
    answer = c.apply([{"op": "update_node", "id": "n2", "set": {"notes": None}}])
    assert answer["stats"]["ran"] == 0 and "notes" not in c.export()["nodes"][1]
    c.check()


def test_move_rejections():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "move", "id": "n2", "position": [1]},
        {"op": "move", "id": "n2", "position": ["a", 1]},
        {"op": "move", "id": "n2", "position": [True, 1]},
        {"op": "move", "id": "n2"},
        {"op": "move", "id": "zz", "position": [1, 2]},
    ])
    assert sorted(reasons(answer)) == [0, 1, 2, 3, 4]
    assert "position must be [x, y]" in reasons(answer)[0]
    assert "position" not in c.export()["nodes"][1]


# -- connect / disconnect -----------------------------------------------------------------------


def test_connect_adds_the_edge_and_runs_the_target():
    c = Client(doc([data("n1", [{"a": 1}]), data("n2", [{"b": 2}]), node("m", "merge"), node("t", "noop")],
                   [edge("n1", "m", None, "in1"), edge("m", "t")]))
    answer = c.apply([{"op": "connect", "edge": edge("n2", "m", None, "in2")}])
    assert answer["stats"]["ran"] == 2 and set(answer["nodes"]) == {"m", "t"}
    assert c.view["t"]["preview"]["out"] == [{"a": 1}, {"b": 2}]
    assert c.export()["edges"][-1] == {"source": "n2", "target": "m", "targetPort": "in2", "id": "n2:out->m:in2"}
    c.check()


def test_connect_rejections_and_the_cycle_in_order():
    c = Client(doc([data("n1", [{"a": 1}]), node("n2", "noop"), node("n3", "if", {"conditions": []}), node("n4", "noop")],
                   chain("n2", "n3") + [edge("n1", "n2")]))
    answer = c.apply([
        {"op": "connect", "edge": edge("n3", "n2", "true")},
        {"op": "connect", "edge": edge("n3", "n1", "true")},
        {"op": "connect", "edge": edge("n3", "n3")},
        {"op": "connect", "edge": edge("n3", "n4", "nope")},
        {"op": "connect", "edge": edge("n3", "n4", None, "in2")},
        {"op": "connect", "edge": edge("n1", "n2")},
        {"op": "connect", "edge": edge("n1", "n4", id="n2:out->n3:in")},
        {"op": "connect", "edge": edge("n1", "zz")},
        {"op": "connect", "edge": {"source": "n1"}},
        {"op": "connect"},
        {"op": "connect", "edge": edge("n3", "n4", "false")},
    ])
    r = reasons(answer)
    assert sorted(r) == list(range(10))
    assert r[0] == "edge n3:true -> n2:in would close the cycle n2 -> n3 -> n2"
    assert "no input port 'in'" in r[1]
    assert r[2] == "edge n3:true -> n3:in would close the cycle n3 -> n3"
    assert "no output port 'nope'" in r[3] and "(it has: true, false)" in r[3]
    assert "no input port 'in2'" in r[4]
    assert "already" in r[5] and "already exists" in r[6]
    assert "no node 'zz'" in r[7] and "target" in r[8]
    assert c.export()["edges"][-1]["sourcePort"] == "false"
    c.check()


def test_connect_names_a_long_cycle_in_edge_order():
    nodes = [node("n1", "noop"), node("n2", "noop"), node("n3", "if", {"conditions": []}), node("n0", "noop")]
    c = Client(doc(nodes, [edge("n0", "n1"), edge("n1", "n2"), edge("n2", "n3")]))
    answer = c.apply([{"op": "connect", "edge": edge("n3", "n1", "true")}])
    assert reasons(answer) == {0: "edge n3:true -> n1:in would close the cycle n1 -> n2 -> n3 -> n1"}


def test_connect_a_second_edge_to_the_same_port_concatenates_in_edge_order():
    c = Client(doc([data("a", [{"v": "a"}]), data("b", [{"v": "b"}]), node("t", "noop")], [edge("b", "t")]))
    c.apply([{"op": "connect", "edge": edge("a", "t")}])
    assert c.view["t"]["preview"]["out"] == [{"v": "b"}, {"v": "a"}]
    c.check()


def test_disconnect():
    c = Client(orders_doc())
    answer = c.apply([{"op": "disconnect", "id": "n3:true->n4:in"}, {"op": "disconnect", "id": "zz"}, {"op": "disconnect"}])
    assert reasons(answer)[1] == "there is no edge 'zz'" and 2 in reasons(answer)
    assert answer["nodes"]["n4"]["status"] == "idle" and answer["stats"]["ran"] == 1
    assert len(c.export()["edges"]) == 3
    c.check()


# -- pin / unpin ----------------------------------------------------------------------------------


def test_pin_and_unpin():
    c = Client(orders_doc())
    answer = c.apply([{"op": "pin", "id": "n2", "items": [{"sku": "p", "total": 500}]}])
    assert answer["nodes"]["n2"]["status"] == "pinned"
    assert c.view["n3"]["counts"] == {"true": 1, "false": 0}
    assert c.export()["nodes"][1]["pinned"] == [{"sku": "p", "total": 500}]
    c.check()
    answer = c.apply([{"op": "pin", "id": "n2", "items": [1]}, {"op": "pin", "id": "n2", "items": {}},
                      {"op": "pin", "id": "zz", "items": []}])
    assert sorted(reasons(answer)) == [0, 1, 2] and "list of objects" in reasons(answer)[0]
    answer = c.apply([{"op": "unpin", "id": "n2"}])
    assert answer["nodes"]["n2"]["status"] == "ok" and "pinned" not in c.export()["nodes"][1]
    c.check()
    answer = c.apply([{"op": "unpin", "id": "n2"}])  # unpinning an unpinned node changes nothing
    assert answer["nodes"] == {} and answer["rejected"] == []
    c.apply([{"op": "pin", "id": "n2", "items": []}])
    assert c.view["n2"]["status"] == "pinned" and c.view["n3"]["status"] == "skipped"
    c.check()


# -- set_input / set_variables / set_settings -----------------------------------------------------


def test_set_input_feeds_the_triggers_and_runs_only_what_they_feed():
    c = Client(doc([node("t", "trigger"), set_node("s", "x", "={{ $json.v }}"), data("d", [{"a": 1}]), node("n", "noop")],
                   [edge("t", "s"), edge("d", "n")]))
    assert c.view["t"]["preview"]["out"] == [{}]
    answer = c.apply([{"op": "set_input", "items": [{"v": 1}, {"v": 2}]}])
    assert answer["stats"]["ran"] == 2 and set(answer["nodes"]) == {"t", "s"}
    assert c.view["s"]["preview"]["out"] == [{"v": 1, "x": 1}, {"v": 2, "x": 2}]
    c.check()
    answer = c.apply([{"op": "set_input", "items": [3]}, {"op": "set_input", "items": {"v": 1}}])
    assert sorted(reasons(answer)) == [0, 1]
    answer = c.apply([{"op": "set_input", "items": None}])
    assert c.view["t"]["preview"]["out"] == [{}]
    c.check()


def vars_doc() -> dict:
    return doc(
        [
            data("d", [{"a": 1, "when": "2026-01-01T09:30:00Z"}]),
            set_node("plain", "b", "={{ $json.a + 1 }}"),
            set_node("v", "c", "={{ $vars.k }}"),
            set_node("t", "day", "={{ $today }}"),
            set_node("fmt", "y", "={{ date_format($json.when, '%H') }}"),
            node("lit", "noop"),
        ],
        [edge("d", "plain"), edge("plain", "v"), edge("v", "t"), edge("t", "fmt"), edge("fmt", "lit")],
        variables={"k": 1},
    )


def test_set_variables_reruns_only_the_nodes_that_read_them():
    c = Client(vars_doc())
    answer = c.apply([{"op": "set_variables", "variables": {"k": 2}}])
    assert answer["stats"]["ran"] == 1 + 3  # v, then its changed output feeds t, fmt, lit
    assert c.view["v"]["preview"]["out"][0]["c"] == 2
    assert c.export()["variables"] == {"k": 2}
    c.check()
    answer = c.apply([{"op": "set_variables", "variables": {"k": 2, "unused": 1}}])
    assert answer["stats"]["ran"] == 1 and answer["nodes"] == {}  # v re-runs, output equal: cutoff
    answer = c.apply([{"op": "set_variables", "variables": []}, {"op": "set_variables"}])
    assert sorted(reasons(answer)) == [0, 1] and "variables must be an object" in reasons(answer)[0]
    c.check()


def test_set_settings_reruns_only_the_nodes_that_read_them():
    c = Client(vars_doc())
    answer = c.apply([{"op": "set_settings", "settings": {"now": "2026-01-01T09:30:00Z", "seed": 5}}])
    assert answer["stats"]["ran"] == 0  # nothing reads the seed
    answer = c.apply([{"op": "set_settings", "settings": {"now": "2026-03-01T09:30:00Z", "seed": 5}}])
    assert answer["stats"]["ran"] == 3  # t reads $today; its output changes, so fmt and lit run
    assert c.view["t"]["preview"]["out"][0]["day"] == "2026-03-01"
    c.check()
    c.check()


def test_set_settings_rejections_in_plain_words():
    c = Client(vars_doc())
    answer = c.apply([
        {"op": "set_settings", "settings": {"now": "yesterday"}},
        {"op": "set_settings", "settings": {"seed": "x"}},
        {"op": "set_settings", "settings": []},
        {"op": "add_node", "node": {"id": "q"}},
    ])
    r = reasons(answer)
    assert sorted(r) == [0, 1, 2, 3]
    assert "RFC 3339" in r[0] and "^" not in r[0]  # plain words, not the schema's pattern
    assert "seed" in r[1] and "integer" in r[1]
    assert "object" in r[2]
    assert "missing required field 'type'" in r[3]
    assert c.export()["settings"] == {"now": NOW}


def test_without_settings_now_the_session_keeps_its_clock_until_the_settings_change():
    flow = doc([data("d", [{}]), set_node("t", "at", "={{ $now }}")], chain("d", "t"))
    del flow["settings"]
    c = Client(flow)
    at = c.view["t"]["preview"]["out"][0]["at"]
    answer = c.apply([{"op": "set_variables", "variables": {"k": 1}}])
    assert answer["stats"]["ran"] == 0
    answer = c.apply([{"op": "patch_params", "id": "d", "path": "/items/0/x", "value": 1}])
    assert c.view["t"]["preview"]["out"][0] == {"x": 1, "at": at}
    answer = c.apply([{"op": "set_settings", "settings": {"now": NOW}}])
    assert c.view["t"]["preview"]["out"][0]["at"] == NOW
    c.check()


def test_set_settings_with_a_date_that_does_not_exist_is_rejected_whole():
    c = Client(vars_doc())
    answer = c.apply([{"op": "set_settings", "settings": {"now": "2026-02-30T00:00:00Z", "seed": 1}}])
    assert "RFC 3339" in reasons(answer)[0]
    assert c.export()["settings"] == {"now": NOW}
    c.check()


def test_a_timezone_change_reruns_the_date_helpers():
    c = Client(doc([data("d", [{"when": "2026-01-01T09:30:00Z"}]), set_node("f", "h", "={{ date_format($json.when, '%H') }}")],
                   chain("d", "f")))
    assert c.view["f"]["preview"]["out"][0]["h"] == "09"
    c.apply([{"op": "set_settings", "settings": {"now": NOW, "timezone": "Asia/Tokyo"}}])
    assert c.view["f"]["preview"]["out"][0]["h"] == "18"
    c.check()


def test_code_reads_vars_now_and_seed():
    code = "return [{'v': vars.get('k'), 'now': now, 'r': random.random()}]"
    c = Client(doc([data("d", [{}]), node("c", "code", {"code": code}), node("n", "noop")], chain("d", "c", "n")))
    first = c.view["c"]["preview"]["out"][0]
    for op in ({"op": "set_variables", "variables": {"k": 1}},
               {"op": "set_settings", "settings": {"now": "2026-01-02T00:00:00Z"}},
               {"op": "set_settings", "settings": {"now": "2026-01-02T00:00:00Z", "seed": 9}}):
        answer = c.apply([op])
        assert answer["stats"]["ran"] == 2, op
        c.check()
    assert c.view["c"]["preview"]["out"][0] != first


# -- inspect / export ----------------------------------------------------------------------------------


def test_inspect_answers_one_page_and_changes_nothing():
    items = [{"i": i} for i in range(7)]
    c = Client(doc([data("n1", items), node("f", "filter", {"conditions": [{"left": "={{ $json.i }}", "op": "lt", "right": 5}]})],
                   chain("n1", "f")))
    answer = c.apply([{"op": "inspect", "id": "f", "port": "kept", "offset": 1, "limit": 2}])
    assert answer["page"] == {"id": "f", "port": "kept", "offset": 1, "total": 5, "items": [{"i": 1}, {"i": 2}]}
    assert answer["nodes"] == {} and answer["stats"]["ran"] == 0
    assert c.page("f")["port"] == "kept"  # default: the first port
    assert c.page("f", "discarded", 0, 50)["items"] == [{"i": 5}, {"i": 6}]
    assert c.page("f", "kept", 10, 5) == {"id": "f", "port": "kept", "offset": 10, "total": 5, "items": []}
    assert c.page("f", "kept", 0, 0)["items"] == []
    assert c.items("f", "kept", 1) == items[:5] == c.items("f", "kept", 4)


def test_inspect_rejections():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "inspect", "id": "n3", "port": "out"},
        {"op": "inspect", "id": "n3", "offset": -1},
        {"op": "inspect", "id": "n3", "limit": 1.5},
        {"op": "inspect", "id": "n3", "offset": True},
        {"op": "inspect", "id": "zz"},
        {"op": "inspect", "id": "n3", "port": 0},
    ])
    r = reasons(answer)
    assert sorted(r) == list(range(6))
    assert "no output port 'out'" in r[0] and "offset and limit" in r[1]
    assert "page" not in answer


def test_inspect_of_a_failed_node_has_an_empty_page():
    c = Client(doc([data("n1", [{"a": "x"}]), set_node("s", "b", "={{ $json.a * $json.a }}")], chain("n1", "s")))
    assert c.view["s"]["status"] == "error"
    assert c.page("s") == {"id": "s", "port": "out", "offset": 0, "total": 0, "items": []}


def test_inspect_after_an_edit_in_the_same_batch_sees_the_edit_and_counts_the_runs():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "patch_params", "id": "n3", "path": "/conditions/0/right", "value": 150},
        {"op": "inspect", "id": "n3", "port": "true"},
    ])
    assert answer["page"]["total"] == 1
    assert answer["stats"]["ran"] == 3 and answer["stats"]["reused"] == 2
    assert set(answer["nodes"]) == {"n3", "n4", "n5"}
    c.check()


def test_export_answers_the_current_document():
    c = Client(orders_doc())
    answer = c.apply([{"op": "move", "id": "n1", "position": [5, 5]}, {"op": "export"}, {"op": "remove_node", "id": "n5"}])
    assert answer["workflow"]["nodes"][0]["position"] == [5, 5]
    assert len(answer["workflow"]["nodes"]) == 5  # the document when export ran
    assert len(c.export()["nodes"]) == 4


# -- the batch and bad input ---------------------------------------------------------------------------


def test_bad_ops_are_rejected_and_later_ops_still_apply():
    c = Client(orders_doc())
    answer = c.apply([
        {"op": "frobnicate"},
        "not an op",
        {"no": "op"},
        None,
        {"op": "patch_params", "id": "n3", "path": "/conditions/0/right", "value": 150},
    ])
    r = reasons(answer)
    assert r[0] == "unknown op 'frobnicate'" and "object" in r[1] and "unknown op" in r[2] and 3 in r
    assert 4 not in r and c.view["n3"]["counts"]["true"] == 1
    c.check()


def test_ops_must_be_a_list():
    c = Client(orders_doc())
    answer = c.apply({"op": "export"})  # type: ignore[arg-type]
    assert answer["rejected"] == [{"index": 0, "reason": "ops must be a list"}]
    c.check()


def test_answer_lists_only_the_nodes_whose_entry_changed():
    c = Client(orders_doc())
    # n2 re-runs and changes, n3 re-runs, its outputs are the same items: cutoff
    answer = c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ $json.price * 2.5 }}"}])
    assert set(answer["nodes"]) == {"n2", "n3", "n4", "n5"}
    answer = c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ $json.price * 2.5 }}"}])
    assert answer["nodes"] == {} and answer["stats"]["ran"] == 0  # the same params: nothing to run
    c.check()


def test_entries_beyond_the_preview_are_not_sent_but_inspect_sees_them():
    items = [{"i": i} for i in range(30)]
    c = Client(doc([data("n1", items), node("n2", "noop")], chain("n1", "n2")), preview_limit=5)
    assert c.view["n2"]["preview"]["out"] == items[:5] and c.view["n2"]["counts"] == {"out": 30}
    answer = c.apply([{"op": "patch_params", "id": "n1", "path": "/items/20/i", "value": "changed"}])
    assert answer["stats"]["ran"] == 2 and answer["nodes"] == {}  # counts and preview are the same
    assert c.items("n2", "out", 7)[20] == {"i": "changed"}
    c.check()


def test_one_and_one_point_zero_are_different_outputs():
    c = Client(doc([data("n1", [{"a": 1}]), set_node("n2", "b", "={{ 1 }}"), node("n3", "noop")], chain("n1", "n2", "n3")))
    answer = c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ 1.0 }}"}])
    assert answer["stats"]["ran"] == 2  # 1.0 is not 1: no cutoff
    assert canon(answer["nodes"]["n3"]["preview"]) == '{"out":[{"a":1,"b":1.0}]}'
    answer = c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ True }}"}])
    assert answer["stats"]["ran"] == 2
    c.check()


def test_key_order_counts_as_a_change():
    c = Client(doc([data("n1", [{"a": 1, "b": 2}]), node("n2", "noop")], chain("n1", "n2")))
    answer = c.apply([{"op": "patch_params", "id": "n1", "path": "/items/0", "value": {"b": 2, "a": 1}}])
    assert answer["stats"]["ran"] == 2
    assert canon(c.view["n2"]["preview"]) == '{"out":[{"b":2,"a":1}]}'
    c.check()


# -- what re-runs ----------------------------------------------------------------------------------------


def chain_doc(n: int = 6) -> dict:
    nodes = [data("s0", [{"a": i} for i in range(3)])]
    nodes += [set_node(f"s{i}", f"f{i}", "={{ $json.a * 2 }}") for i in range(1, n)]
    return doc(nodes, chain(*(f"s{i}" for i in range(n))))


def test_a_parameter_edit_runs_the_node_and_its_descendants_only():
    c = Client(chain_doc(6))
    answer = c.apply([{"op": "patch_params", "id": "s3", "path": "/fields/0/name", "value": "g"}])
    assert answer["stats"]["ran"] == 3 and answer["stats"]["reused"] == 3
    assert set(answer["nodes"]) == {"s3", "s4", "s5"}
    assert all(e["reused"] is False for e in answer["nodes"].values())
    c.check()


def test_early_cutoff_stops_at_a_node_whose_outputs_did_not_change():
    c = Client(chain_doc(6))
    # same value through another expression: s2 re-runs, its outputs are equal, nothing below runs
    answer = c.apply([{"op": "patch_params", "id": "s2", "path": "/fields/0/value", "value": "={{ $json.a + $json.a }}"}])
    assert answer["stats"]["ran"] == 1 and answer["nodes"] == {}
    # a filter whose threshold still keeps the same items
    c2 = Client(orders_doc())
    answer = c2.apply([{"op": "patch_params", "id": "n3", "path": "/conditions/0/right", "value": 90}])
    assert answer["stats"]["ran"] == 1 and answer["nodes"] == {}
    c.check()
    c2.check()


def test_a_change_on_one_port_reruns_only_the_nodes_that_port_feeds():
    nodes = [
        data("src", [{"v": v} for v in (1, 5, 9)], name="Src"),
        node("f", "filter", {"conditions": [{"left": "={{ $json.v }}", "op": "gt", "right": 4}]}),
        set_node("k", "kept", True),
        set_node("d", "dropped", True),
        set_node("both", "n", '={{ len($("Src").all()) }}'),
        node("m", "merge", {"mode": "append"}),
    ]
    edges = [edge("src", "f"), edge("f", "k", "kept"), edge("f", "d", "discarded"), edge("k", "m", None, "in1"),
             edge("d", "m", None, "in2"), edge("m", "both")]  # fmt: skip
    c = Client(doc(nodes, edges))
    # 1 joins the kept items: both ports change
    answer = c.apply([{"op": "patch_params", "id": "src", "path": "/items/0/v", "value": 6}])
    assert set(answer["nodes"]) >= {"f", "k", "d", "m"}
    # a discarded item changes: only the nodes after the discarded port (and its readers) re-run
    answer = c.apply([{"op": "patch_params", "id": "src", "path": "/items/0/v", "value": 2}])
    answer = c.apply([{"op": "patch_params", "id": "src", "path": "/items/0/v", "value": 3}])
    assert "k" not in answer["nodes"] and {"f", "d", "m", "both"} <= set(answer["nodes"])
    assert answer["stats"]["ran"] == 5  # src, f, d, m, both
    assert c.view["d"]["preview"]["out"] == [{"v": 3, "dropped": True}]
    c.check()


def test_a_reference_reruns_even_when_the_path_between_is_cut_off():
    nodes = [
        data("x", [{"v": 1}], name="X"),
        node("cut", "limit", {"max": 0}),
        data("y", [{"w": 1}]),
        node("m", "merge"),
        set_node("r", "got", '={{ $("X").first().v }}'),
        node("after", "noop"),
    ]
    edges = [edge("x", "cut"), edge("cut", "m", None, "in1"), edge("y", "m", None, "in2"), edge("m", "r"), edge("r", "after")]
    c = Client(doc(nodes, edges))
    assert c.view["r"]["preview"]["out"] == [{"w": 1, "got": 1}]
    answer = c.apply([{"op": "patch_params", "id": "x", "path": "/items/0/v", "value": 2}])
    # x changed; cut re-runs with the same (empty) output; m is not run; r reads X: it runs
    assert answer["stats"]["ran"] == 4 and set(answer["nodes"]) == {"x", "r", "after"}
    assert c.view["after"]["preview"]["out"] == [{"w": 1, "got": 2}]
    c.check()


def test_node_reference_by_subscript_is_a_dependency_too():
    nodes = [data("x", [{"v": 1}], name="X"), node("cut", "limit", {"max": 0}), data("y", [{"w": 1}]),
             node("m", "merge"), set_node("r", "got", "={{ $node['X'].json.v }}")]
    edges = [edge("x", "cut"), edge("cut", "m", None, "in1"), edge("y", "m", None, "in2"), edge("m", "r")]
    c = Client(doc(nodes, edges))
    c.apply([{"op": "patch_params", "id": "x", "path": "/items/0/v", "value": 2}])
    assert c.view["r"]["preview"]["out"] == [{"w": 1, "got": 2}]
    c.check()


def test_connect_and_disconnect_change_what_a_reference_may_read():
    nodes = [data("x", [{"v": 1}], name="X"), data("y", [{"w": 1}]), node("m", "merge"),
             set_node("r", "got", '={{ $("X").first().v }}'), node("cut", "limit", {"max": 0})]
    c = Client(doc(nodes, [edge("y", "m", None, "in2"), edge("m", "r"), edge("x", "cut")]))
    assert "not an ancestor" in c.view["r"]["error"]["message"]
    c.apply([{"op": "connect", "edge": edge("cut", "m", None, "in1", id="c")}])  # m's inputs stay the same
    assert c.view["r"]["status"] == "ok"
    c.check()
    c.apply([{"op": "disconnect", "id": "c"}])
    assert "not an ancestor" in c.view["r"]["error"]["message"]
    c.check()


def test_removing_a_node_on_the_path_to_a_reference_reruns_the_reference():
    nodes = [
        data("x", [{"v": 1}], name="X"),
        node("b", "if", {"conditions": [{"left": "={{ $json.v }}", "op": "eq", "right": 2}]}),
        data("y", [{"w": 1}]),
        node("m", "merge"),
        set_node("r", "got", '={{ $("X").first().v }}'),
    ]
    edges = [edge("x", "b"), edge("b", "m", "true", "in1"), edge("y", "m", None, "in2"), edge("m", "r")]
    c = Client(doc(nodes, edges))
    assert c.view["r"]["status"] == "ok"
    c.apply([{"op": "remove_node", "id": "b"}])  # m's output is the same; X is no longer upstream of r
    assert "not an ancestor" in c.view["r"]["error"]["message"]
    c.check()


def test_a_disabled_node_passes_its_input_and_reruns_on_enable():
    c = Client(chain_doc(4))
    answer = c.apply([{"op": "update_node", "id": "s2", "set": {"disabled": True}}])
    assert answer["nodes"]["s2"]["status"] == "disabled" and answer["stats"]["ran"] == 2
    c.check()
    c.apply([{"op": "update_node", "id": "s2", "set": {"disabled": False}}])
    assert c.view["s2"]["status"] == "ok"
    c.check()


def test_adding_a_rule_to_a_switch_keeps_the_edges_on_their_ports():
    c = Client(doc([data("n1", [{"a": 1}]), node("sw", "switch", {"rules": []}), node("t", "noop")],
                   [edge("n1", "sw"), edge("sw", "t")]))  # no sourcePort: the first port, "fallback"
    assert c.view["t"]["counts"] == {"out": 1}
    rule = {"conditions": [{"left": "={{ $json.a }}", "op": "eq", "right": 2}]}
    answer = c.apply([{"op": "patch_params", "id": "sw", "path": "/rules/-", "value": rule}])
    assert answer["rejected"] == []
    assert c.view["t"]["counts"] == {"out": 1}  # the edge stays on fallback
    assert c.export()["edges"][1] == {"source": "sw", "target": "t", "sourcePort": "fallback"}
    c.check()
    c.apply([{"op": "patch_params", "id": "sw", "path": "/rules/0/conditions/0/right", "value": 1}])
    assert c.view["t"]["status"] == "skipped"
    c.check()


def test_blocked_nodes_follow_their_failed_ancestor():
    c = Client(doc([data("n1", [{"a": 1}]), set_node("n2", "b", "={{ $json.a.x }}"), node("n3", "noop"), node("n4", "noop")],
                   chain("n1", "n2", "n3", "n4")))
    assert [c.view[n]["status"] for n in ("n2", "n3", "n4")] == ["error", "blocked", "blocked"]
    assert c.view["n2"]["error"]["expression"] == "$json.a.x" and c.view["n2"]["error"]["path"] == "/fields/0/value"
    answer = c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ $json.a }}"}])
    assert [answer["nodes"][n]["status"] for n in ("n2", "n3", "n4")] == ["ok", "ok", "ok"]
    c.check()


def test_a_node_never_crashes_the_session():
    c = Client(doc([data("n1", [{"a": 1}]), set_node("n2", "b", "={{ 10 ** 10 ** 10 }}")], chain("n1", "n2")))
    assert c.view["n2"]["status"] == "error"
    c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ [1] * 10 ** 9 }}"}])
    assert c.view["n2"]["status"] == "error"
    c.apply([{"op": "patch_params", "id": "n2", "path": "/fields/0/value", "value": "={{ __import__('os') }}"}])
    assert c.view["n2"]["status"] == "error"
    c.check()


# -- interruption ------------------------------------------------------------------------------------------


class Armed:
    """A node type that raises KeyboardInterrupt (what Pyodide's interrupt does) when armed."""

    def __init__(self) -> None:
        self.shots = 0
        self.calls = 0

    def run(self, call: Any) -> dict:
        self.calls += 1
        if self.shots:
            self.shots -= 1
            raise KeyboardInterrupt
        return {"out": [{**item, "slow": True} for item in call.first]}


def slow_registry(armed: Armed) -> Registry:
    slow = NodeType("slow", "Slow", "Test", "interruptible", ("in",), ("out",), obj_schema({}), armed.run)
    return Registry([*BUILTINS, slow])


def slow_doc() -> dict:
    """d -> a (set) -> slow -> b (set) -> c (noop), and d -> side (noop)."""
    return doc(
        [data("d", [{"v": 1}]), set_node("a", "x", "={{ $json.v + 1 }}"), node("slow", "slow"),
         set_node("b", "y", "={{ $json.x * 10 }}"), node("c", "noop"), node("side", "noop")],
        chain("d", "a", "slow", "b", "c") + [edge("d", "side")],
    )


def test_an_interrupted_apply_reports_the_unfinished_nodes_stale_and_the_next_apply_finishes():
    armed = Armed()
    c = Client(slow_doc(), registry=slow_registry(armed))
    c.check()
    armed.shots = 1
    answer = c.apply([{"op": "patch_params", "id": "d", "path": "/items/0/v", "value": 5},
                      {"op": "move", "id": "c", "position": [1, 1]}])
    assert answer["interrupted"] is True
    assert answer["rejected"] == []
    # the edit and later ops are applied: the document is the canvas's
    assert c.session.document()["nodes"][0]["params"]["items"] == [{"v": 5}]
    assert c.session.document()["nodes"][4]["position"] == [1, 1]
    assert c.view["slow"]["status"] == "stale"
    # nothing the canvas shows is wrong: every node either holds its fresh result or is stale
    truth = c.fresh()
    for node_id, entry in c.view.items():
        if entry["status"] != "stale":
            assert canon(entry) == canon(expected_entry(truth["nodes"][node_id], 20)), node_id
    assert c.view["b"]["status"] == "stale" and c.view["c"]["status"] == "stale"
    assert c.view["a"]["status"] == "ok" and c.view["a"]["preview"]["out"] == [{"v": 5, "x": 6}]
    # inspect of a stale node answers an empty page, and runs nothing
    assert c.page("b")["total"] == 0
    # `side` is stale too when the order puts it after `slow`: d changed and it had not run yet
    stale = {node_id for node_id, entry in c.view.items() if entry["status"] == "stale"}
    assert {"slow", "b", "c"} <= stale <= {"slow", "b", "c", "side"}
    answer = c.apply([])
    assert "interrupted" not in answer
    assert set(answer["nodes"]) == stale and answer["stats"]["ran"] == len(stale)
    c.check()


def test_the_next_apply_that_changes_anything_reruns_what_an_interrupt_left_stale():
    armed = Armed()
    c = Client(slow_doc(), registry=slow_registry(armed))
    armed.shots = 1
    c.apply([{"op": "patch_params", "id": "d", "path": "/items/0/v", "value": 5}])
    stale = {node_id for node_id, entry in c.view.items() if entry["status"] == "stale"}
    assert "slow" in stale
    # asking only (a page, a field being typed) does not start the stopped run again
    answer = c.apply([{"op": "inspect", "id": "b"}, {"op": "evaluate", "id": "a", "path": "/fields/0/value",
                                                     "expression": "={{ 1 }}"}])  # fmt: skip
    assert answer["stats"]["ran"] == 0 and c.view["slow"]["status"] == "stale"
    # any other op, even one that runs nothing by itself, finishes it (live.md: "the next apply")
    answer = c.apply([{"op": "move", "id": "c", "position": [2, 2]}])
    assert set(answer["nodes"]) == stale and answer["stats"]["ran"] == len(stale)
    c.check()


def test_stats_count_each_node_once_however_often_it_ran():
    c = Client(doc([data("d", [{"v": 1}]), set_node("a", "x", "={{ $json.v + 1 }}")], chain("d", "a")))
    ops = []
    for v in range(2, 6):  # each edit is run before the inspect after it reads the page
        ops += [{"op": "patch_params", "id": "d", "path": "/items/0/v", "value": v}, {"op": "inspect", "id": "a"}]
    answer = c.apply(ops)
    assert answer["stats"]["ran"] == 2 and answer["stats"]["reused"] == 0
    assert answer["page"]["items"] == [{"v": 5, "x": 6}]


def test_an_interrupt_during_the_first_run_and_twice_in_a_row():
    armed = Armed()
    armed.shots = 2
    c = Client(slow_doc(), registry=slow_registry(armed))
    assert c.last["interrupted"] is True
    assert c.view["slow"]["status"] == "stale" and c.view["b"]["status"] == "stale"
    answer = c.apply([{"op": "patch_params", "id": "a", "path": "/fields/0/name", "value": "z"}])
    assert answer["interrupted"] is True and c.view["slow"]["status"] == "stale"
    c.apply([])
    c.check()


def test_an_interrupt_inside_inspect_stops_the_batch_work_and_the_next_apply_resumes():
    armed = Armed()
    c = Client(slow_doc(), registry=slow_registry(armed))
    armed.shots = 1
    calls = armed.calls
    answer = c.apply([{"op": "patch_params", "id": "a", "path": "/fields/0/value", "value": "={{ 7 }}"},
                      {"op": "inspect", "id": "c"}, {"op": "move", "id": "c", "position": [3, 3]}])
    assert answer["interrupted"] is True
    assert armed.calls == calls + 1  # the interrupt is not swallowed: nothing ran after it
    assert answer["page"]["total"] == 0 and c.view["c"]["status"] == "stale"
    assert c.session.document()["nodes"][4]["position"] == [3, 3]
    c.apply([])
    c.check()


def test_an_edit_to_a_node_left_stale_by_an_interrupt_runs_it():
    # the page's Stop, then the user fixes the slow node: that edit must run it
    armed = Armed()
    c = Client(slow_doc(), registry=slow_registry(armed))
    armed.shots = 1
    answer = c.apply([{"op": "patch_params", "id": "d", "path": "/items/0/v", "value": 5}])
    assert answer["interrupted"] is True and c.view["b"]["status"] == "stale"
    answer = c.apply([{"op": "patch_params", "id": "b", "path": "/fields/0/value", "value": "={{ $json.x * 2 }}"}])
    assert "interrupted" not in answer and answer["stats"]["ran"] >= 3
    assert c.view["b"]["status"] == "ok" and c.view["b"]["preview"]["out"][0]["y"] == 12
    c.check()


def test_an_interrupt_in_a_builtin_node_through_run_node(monkeypatch):
    c = Client(chain_doc(5))
    real = execute_module.run_node
    count = {"n": 0}

    def flaky(prep, *args, **kwargs):
        count["n"] += 1
        if count["n"] == 2:
            raise KeyboardInterrupt
        return real(prep, *args, **kwargs)

    monkeypatch.setattr(execute_module, "run_node", flaky)
    answer = c.apply([{"op": "patch_params", "id": "s1", "path": "/fields/0/value", "value": "={{ $json.a * 3 }}"}])
    assert answer["interrupted"] is True
    assert [c.view[f"s{i}"]["status"] for i in range(1, 5)] == ["ok", "stale", "stale", "stale"]
    answer = c.apply([])
    assert answer["stats"]["ran"] == 3
    c.check()


# -- the bridge ---------------------------------------------------------------------------------------------


def handle(message: Any) -> dict:
    text = bridge.handle(message)
    assert type(text) is str
    return json.loads(text)


@pytest.fixture
def fresh_bridge():
    bridge.handle(json.dumps({"rev": 0, "ops": [{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}}]}))
    yield
    bridge.configure(json.dumps({"allowCode": True}))
    bridge.handle(json.dumps({"rev": 0, "ops": [{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}}]}))


def test_bridge_text_in_text_out(fresh_bridge):
    answer = handle(json.dumps({"rev": 7, "ops": [{"op": "load", "workflow": orders_doc()}]}))
    assert answer["rev"] == 7 and list(answer)[0] == "rev"
    assert list(answer["nodes"]) == ["n1", "n2", "n3", "n4", "n5"]
    answer = handle(json.dumps({"rev": 8, "ops": [{"op": "patch_params", "id": "n3", "path": "/conditions/0/right",
                                                    "value": 150}, {"op": "bogus"}]}))
    assert answer["rev"] == 8 and answer["stats"]["ran"] == 3 and answer["rejected"][0]["index"] == 1
    answer = handle(json.dumps({"ops": [{"op": "export"}]}))
    assert answer["rev"] is None and answer["workflow"]["nodes"][2]["params"]["conditions"][0]["right"] == 150


@pytest.mark.parametrize("message", [
    "not json", "[1", "", "[]", "1", "null", '{"rev": 1}', '{"rev": 1, "ops": {}}', '{"rev": 1, "ops": "x"}',
    5, None, b"\xff\xfe", "[" * 100_000, '{"rev": 1, "ops": [' + "[" * 5000 + "]" * 5000 + "]}",
    '{"rev": NaN, "ops": []}', '{"a": 1e999, "ops": []}',
])
def test_bridge_answers_bad_messages_with_an_error(fresh_bridge, message):
    answer = handle(message)
    assert answer["rev"] is None and type(answer["error"]) is str and answer["error"]
    assert handle(json.dumps({"rev": 1, "ops": [{"op": "export"}]}))["rev"] == 1


def test_bridge_without_orjson_answers_deep_nesting_with_an_error(fresh_bridge, monkeypatch):
    from nodefox import _json

    monkeypatch.setattr(_json, "orjson", None)  # as in Pyodide
    answer = handle("[" * 100_000)
    assert answer["rev"] is None and "JSON" in answer["error"]


def test_bridge_never_raises_even_when_the_engine_does(fresh_bridge, monkeypatch):
    def broken(ops: Any, **kwargs: Any) -> dict:
        raise AttributeError("a bug somewhere in the engine")

    monkeypatch.setattr(bridge.SESSION, "apply", broken)
    answer = handle(json.dumps({"rev": 3, "ops": []}))
    assert answer["rev"] == 3 and "a bug somewhere in the engine" in answer["error"]


def test_bridge_answers_items_nested_deeper_than_the_encoder_goes(fresh_bridge):
    handle(json.dumps({"rev": 1, "ops": [{"op": "add_node", "node": data("n1", [{"x": 1}])}]}))
    deep = '{"d":' * 1000 + "1" + "}" * 1000
    text = '{"rev": 4, "ops": [{"op": "patch_params", "id": "n1", "path": "/items/0/x", "value": ' + deep + "}]}"
    answer = handle(text)
    assert answer["rev"] in (4, None)
    assert handle(json.dumps({"rev": 5, "ops": []}))["rev"] == 5


def test_bridge_rejected_ops_are_answers_not_errors(fresh_bridge):
    answer = handle(json.dumps({"rev": 2, "ops": [{"op": "connect", "edge": {"source": "a"}}, 5, None]}))
    assert answer["rev"] == 2 and [r["index"] for r in answer["rejected"]] == [0, 1, 2]
    assert "error" not in answer


@pytest.mark.xfail(strict=True, reason="bug: configure does not re-run code nodes")
def test_bridge_configure_allow_code_reruns_the_code_nodes(fresh_bridge):
    flow = doc([data("d", [{"a": 1}]), node("c", "code", {"code": "return items"}), node("n", "noop")], chain("d", "c", "n"))
    answer = handle(json.dumps({"rev": 1, "ops": [{"op": "load", "workflow": flow}]}))
    assert answer["nodes"]["c"]["status"] == "ok"
    options = json.loads(bridge.configure(json.dumps({"allowCode": False})))
    assert options["allowCode"] is False
    answer = handle(json.dumps({"rev": 2, "ops": []}))
    assert answer["nodes"]["c"]["status"] == "error" and "allow" in answer["nodes"]["c"]["error"]["message"]
    assert answer["nodes"]["n"]["status"] == "blocked"
    json.loads(bridge.configure(json.dumps({"allowCode": True})))
    answer = handle(json.dumps({"rev": 3, "ops": []}))
    assert answer["nodes"]["c"]["status"] == "ok"


def test_bridge_configure_ignores_bad_options(fresh_bridge):
    for text in ("nope", "[]", '{"allowCode": 1}', "5"):
        options = json.loads(bridge.configure(text))
        assert options["allowCode"] is True and "version" in options


# -- evaluate (the inspector's expression preview; an extension of live.md) ----------------


def _evaluating_session() -> Session:
    session = Session(
        doc(
            [data("src", [{"price": 4}, {"price": 9}]), node("a", "set", {"fields": []}), node("b", "noop")],
            [{"source": "src", "target": "a"}, {"source": "a", "target": "b"}],
            variables={"rate": 3},
        )
    )
    session.apply([])  # the first answer runs every node
    return session


def test_evaluate_gives_the_value_for_the_first_input_item():
    session = _evaluating_session()
    answer = session.apply([{"op": "evaluate", "id": "a", "path": "/fields/0/value", "expression": "={{ $json.price * $vars.rate }}"}])
    assert answer["evaluated"] == {"value": 12}
    assert answer["rejected"] == [] and answer["stats"]["ran"] == 0


def test_evaluate_renders_templates_and_reads_ancestors():
    session = _evaluating_session()
    answer = session.apply([{"op": "evaluate", "id": "b", "path": "/x", "expression": '=n={{ $("src").last().price }}'}])
    assert answer["evaluated"] == {"value": "n=9"}


def test_evaluate_reports_the_error_with_path_item_and_expression():
    session = _evaluating_session()
    answer = session.apply([{"op": "evaluate", "id": "a", "path": "/fields/0/value", "expression": "={{ $json.price * }}"}])
    error = answer["evaluated"]["error"]
    assert error["path"] == "/fields/0/value" and error["item"] == 0
    assert error["expression"] == "$json.price *" and "syntax" in error["message"]
    answer = session.apply([{"op": "evaluate", "id": "a", "path": "/p", "expression": '={{ $("b").first() }}'}])
    assert "b" in answer["evaluated"]["error"]["message"]  # b is downstream, not an ancestor


def test_evaluate_changes_nothing_and_rejects_unknown_nodes():
    session = _evaluating_session()
    before = session.apply([{"op": "export"}])["workflow"]
    answer = session.apply([{"op": "evaluate", "id": "zz", "path": "/x", "expression": "={{ 1 }}"}])
    assert answer["rejected"][0]["reason"] == "there is no node 'zz'"
    assert session.apply([{"op": "export"}])["workflow"] == before
