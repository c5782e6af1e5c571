"""The live session and effects (world.md): waiting write nodes, execute, refresh, permissions,
credentials, code consent; and load keeping what still holds (undo), set_name running nothing."""

from __future__ import annotations

import json

import nodefox
import pytest
from nodefox import bridge
from nodefox.nodes import BUILTINS, NodeType, Registry
from nodefox.nodes.base import obj_schema

SENT: list = []  # what the fake write node "sent"
READS: list = []  # what the fake read node "fetched"


def run_send(call):
    call.world.check_net("api.example.com")
    SENT.extend(call.first)
    return {"out": [{"sent": len(call.first)}]}


def run_fetch(call):
    key = json.dumps(call.params())
    cache = call.world.cache
    hit = cache.get(call.node_id, key) if cache is not None else None
    if hit is None:
        READS.append(key)
        hit = [{"n": len(READS)}]
        if cache is not None:
            cache.put(call.node_id, key, hit)
    return {"out": hit}


REGISTRY = Registry([
    *BUILTINS,
    NodeType("send", "Send", "Test", "writes", ("in",), ("out",), obj_schema({}), run_send, effect="write"),
    NodeType("fetch", "Fetch", "Test", "reads", (), ("out",), obj_schema({"q": {"type": "string"}}), run_fetch,
             effect="read", reads=frozenset({"network"})),
])  # fmt: skip


@pytest.fixture(autouse=True)
def clean():
    SENT.clear()
    READS.clear()


def doc(*nodes, edges=()):
    return {"nodefox": 1, "settings": {"now": "2026-01-01T09:30:00Z"}, "nodes": list(nodes),
            "edges": [{"source": s, "target": t} for s, t in edges]}  # fmt: skip


DATA = {"id": "d", "type": "data", "params": {"items": [{"a": 1}, {"a": 2}]}}
SEND = {"id": "w", "type": "send", "params": {}}
AFTER = {"id": "x", "type": "noop"}


def test_a_write_node_waits_with_the_counts_it_would_send_and_so_do_its_descendants():
    s = nodefox.Session(doc(DATA, SEND, AFTER, edges=[("d", "w"), ("w", "x")]), registry=REGISTRY, allow_net=True)
    nodes = s.apply([])["nodes"]
    assert nodes["w"]["status"] == "waiting" and nodes["w"]["counts"] == {"in": 2}
    assert nodes["x"]["status"] == "waiting"
    assert SENT == []
    # typing upstream never sends
    s.apply([{"op": "patch_params", "id": "d", "path": "/items/0/a", "value": 5}])
    assert SENT == []
    # the session equals a preview run of its export
    truth = nodefox.run(s.document(), registry=REGISTRY, preview=True, allow_net=True)
    assert truth["nodes"]["w"] == s.result()["nodes"]["w"]


def test_execute_sends_once_and_pins_the_output():
    s = nodefox.Session(doc(DATA, SEND, AFTER, edges=[("d", "w"), ("w", "x")]), registry=REGISTRY, allow_net=True)
    s.apply([])
    answer = s.apply([{"op": "execute", "id": "w"}])
    assert answer["executed"] == {"id": "w", "status": "ok", "items": 1}
    assert len(SENT) == 2
    assert answer["nodes"]["w"]["status"] == "pinned" and answer["nodes"]["x"]["status"] == "ok"
    assert s.document()["nodes"][1]["pinned"] == [{"sent": 2}]
    s.apply([{"op": "patch_params", "id": "d", "path": "/items/0/a", "value": 7}])
    assert len(SENT) == 2  # pinned: edits never send again
    s.apply([{"op": "unpin", "id": "w"}])
    assert s.result()["nodes"]["w"]["status"] == "waiting" and len(SENT) == 2


def test_execute_without_permission_fails_naming_the_host_and_sends_nothing():
    s = nodefox.Session(doc(DATA, SEND, edges=[("d", "w")]), registry=REGISTRY)
    s.apply([])
    answer = s.apply([{"op": "execute", "id": "w"}])
    assert answer["executed"]["status"] == "error"
    assert "api.example.com" in answer["executed"]["error"]["message"]
    assert "--allow-net" in answer["executed"]["error"]["message"]
    assert SENT == []
    s.apply([{"op": "set_permissions", "net": ["api.example.com"]}])
    assert s.apply([{"op": "execute", "id": "w"}])["executed"]["status"] == "ok" and len(SENT) == 2


def test_reads_are_cached_across_edits_and_refresh_reads_again():
    fetch = {"id": "f", "type": "fetch", "params": {"q": "x"}}
    s = nodefox.Session(doc(fetch, AFTER, edges=[("f", "x")]), registry=REGISTRY)
    s.apply([])
    assert len(READS) == 1
    s.apply([{"op": "update_node", "id": "x", "set": {"notes": "n"}}])
    s.apply([{"op": "set_settings", "settings": {"now": "2026-02-01T00:00:00Z"}}])
    assert len(READS) == 1
    answer = s.apply([{"op": "refresh", "id": "f"}])
    assert len(READS) == 2 and answer["nodes"]["f"]["preview"]["out"] == [{"n": 2}]
    s.apply([{"op": "patch_params", "id": "f", "path": "/q", "value": "y"}])
    assert len(READS) == 3
    s.apply([{"op": "patch_params", "id": "f", "path": "/q", "value": "x"}])
    assert len(READS) == 3  # the earlier answer to q=x is still cached
    assert s.apply([{"op": "refresh", "id": "nope"}])["rejected"]


def test_code_waits_until_allowed_in_a_session_and_the_bridge():
    code = {"id": "c", "type": "code", "params": {"code": "return [{'ran': True}]"}}
    s = nodefox.Session(doc(DATA, code, edges=[("d", "c")]))
    assert s.apply([])["nodes"]["c"]["status"] == "waiting"
    answer = s.apply([{"op": "set_permissions", "code": True}])
    assert answer["nodes"]["c"]["status"] == "ok" and answer["stats"]["ran"] == 1
    assert s.apply([{"op": "set_permissions", "code": False}])["nodes"]["c"]["status"] == "waiting"
    # natively, whole runs through the bridge need the opt-in too (the default; other tests
    # may have configured it)
    bridge.configure(json.dumps({"allowCode": False}))
    text = bridge.run(json.dumps(doc(DATA, code, edges=[("d", "c")])))
    assert json.loads(text)["nodes"]["c"]["status"] == "error"


def test_set_permissions_and_set_credentials_reject_bad_fields():
    s = nodefox.Session()
    bad = [
        {"op": "set_permissions", "net": "yes"},
        {"op": "set_permissions", "write": 1},
        {"op": "set_permissions", "shell": True},
        {"op": "set_credentials", "credentials": {"gh": {"type": "bearer"}}},
        {"op": "set_credentials", "credentials": {"gh": {"type": "magic", "token": "t"}}},
        {"op": "set_credentials", "credentials": []},
        # as a native run checks them: hosts are required, and a header name must be one
        {"op": "set_credentials", "credentials": {"gh": {"type": "bearer", "token": "t"}}},
        {"op": "set_credentials", "credentials": {"gh": {"type": "bearer", "token": "t", "hosts": []}}},
        {"op": "set_credentials", "credentials": {"k": {"type": "header", "name": "X Key", "value": "v",
                                                        "hosts": ["a.example"]}}},  # fmt: skip
    ]
    answer = s.apply(bad)
    assert [r["index"] for r in answer["rejected"]] == list(range(len(bad)))
    ok = s.apply([{"op": "set_credentials", "credentials": {"gh": {"type": "bearer", "token": "s3cr3t",
                                                                    "hosts": ["api.github.com"]}}}])  # fmt: skip
    assert ok["rejected"] == []
    assert "s3cr3t" not in json.dumps(s.apply([{"op": "export"}]))


def chain(n: int, items: int = 100) -> dict:
    nodes = [{"id": "src", "type": "data", "params": {"items": [{"a": i} for i in range(items)]}}]
    edges = []
    for i in range(n):
        nodes.append({"id": f"s{i}", "type": "set",
                      "params": {"fields": [{"name": f"f{i}", "value": "={{ $json.a * 2 + 1 }}"}]}})  # fmt: skip
        edges.append(("src" if i == 0 else f"s{i - 1}", f"s{i}"))
    return doc(*nodes, edges=edges)


def test_undo_through_load_reruns_only_the_changed_node_and_what_it_feeds():
    s = nodefox.Session(chain(31))
    s.apply([])
    before = s.document()
    edit = s.apply([{"op": "patch_params", "id": "s29", "path": "/fields/0/value", "value": "={{ $json.a * 3 }}"}])
    assert edit["stats"]["ran"] == 2 and set(edit["nodes"]) == {"s29", "s30"}
    undo = s.apply([{"op": "load", "workflow": before}])
    assert undo["stats"]["ran"] == 2 and set(undo["nodes"]) == {"s29", "s30"}
    assert undo["removed"] == [] and undo["rejected"] == []
    assert json.loads(nodefox.canonical(nodefox.run(s.document()))) == json.loads(
        nodefox.canonical({**s.result(), "stats": {}}))


def test_load_reruns_nodes_whose_inputs_or_references_changed():
    d = chain(3)
    s = nodefox.Session(d)
    s.apply([])
    rewired = json.loads(json.dumps(d))
    rewired["edges"] = [e for e in rewired["edges"] if e["target"] != "s2"] + [{"source": "src", "target": "s2"}]
    answer = s.apply([{"op": "load", "workflow": rewired}])
    assert answer["stats"]["ran"] == 1 and set(answer["nodes"]) == {"s2"}
    renamed = json.loads(json.dumps(rewired))
    renamed["nodes"][0]["name"] = "First"
    renamed["nodes"][3]["params"]["fields"].append({"name": "g", "value": '={{ $("First").item.a }}'})
    answer = s.apply([{"op": "load", "workflow": renamed}])
    assert set(answer["nodes"]) == {"s2"} and answer["nodes"]["s2"]["status"] == "ok"
    gone = json.loads(json.dumps(renamed))
    gone["nodes"] = [n for n in gone["nodes"] if n["id"] != "s1"]
    gone["edges"] = [e for e in gone["edges"] if "s1" not in (e["source"], e["target"])]
    answer = s.apply([{"op": "load", "workflow": gone}])
    assert answer["removed"] == ["s1"] and answer["nodes"] == {}


def test_renaming_the_workflow_runs_only_what_reads_it():
    d = chain(3)
    s = nodefox.Session(d)
    s.apply([])
    answer = s.apply([{"op": "set_name", "name": "Orders"}])
    assert answer["stats"]["ran"] == 0 and answer["nodes"] == {} and s.document()["name"] == "Orders"
    s.apply([{"op": "patch_params", "id": "s2", "path": "/fields/0/value", "value": "={{ $workflow.name }}"}])
    answer = s.apply([{"op": "set_name", "name": "Sales"}])
    assert answer["stats"]["ran"] == 1 and answer["nodes"]["s2"]["preview"]["out"][0]["f2"] == "Sales"
    assert s.apply([{"op": "set_name", "name": 5}])["rejected"]
    renamed = s.document()
    renamed["name"] = "Returns"
    assert s.apply([{"op": "load", "workflow": renamed}])["stats"]["ran"] == 1


def test_a_timezone_change_reruns_only_nodes_formatting_dates():
    d = chain(2)
    d["nodes"][2]["params"]["fields"][0]["value"] = '={{ date_format($now, "%H") }}'
    s = nodefox.Session(d)
    s.apply([])
    answer = s.apply([{"op": "set_settings", "settings": {"now": "2026-01-01T09:30:00Z", "timezone": "Asia/Tokyo"}}])
    assert answer["stats"]["ran"] == 1 and answer["nodes"]["s1"]["preview"]["out"][0]["f1"] == "18"


def test_a_session_preview_is_bounded_like_a_run():
    """A stranger's regex cannot hang a service that previews workflows with Session."""
    slow = {"id": "r", "type": "set", "params": {"fields": [
        {"name": "m", "value": "={{ re_match('(a+)+$', 'a' * 40 + '!') }}"}]}}  # fmt: skip
    s = nodefox.Session(doc(DATA, slow, edges=[("d", "r")]), timeout=0.5)
    entry = s.apply([])["nodes"]["r"]
    assert entry["status"] == "error" and "budget" in entry["error"]["message"]
    # the session goes on
    answer = s.apply([{"op": "patch_params", "id": "r", "path": "/fields/0/value", "value": "={{ 1 }}"}])
    assert answer["nodes"]["r"]["status"] == "ok"


def test_set_permissions_takes_host_names_as_the_cli_does():
    session = nodefox.Session()
    for bad, says in (["127.0.0.1:8080", "not URLs or ports: 127.0.0.1:8080"], ["http://a.com/", "not URLs or ports"],
                      [" ", "no empty host name"]):  # fmt: skip
        answer = session.apply([{"op": "set_permissions", "net": [bad]}])
        assert answer["rejected"][0]["reason"].startswith("net takes ")
        assert says in answer["rejected"][0]["reason"]
    answer = session.apply([{"op": "set_permissions", "net": ["API.Example.com", "[::1]", "::1"]}])
    assert not answer["rejected"]
    assert session.world.allow_net == ["api.example.com", "::1", "::1"]
