"""The live session with the real `http` node against the local test server (world.md):
reads fetched once and reused across downstream edits, refresh fetching again, a POST
waiting until execute, which sends once and pins; secrets never in an answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nodefox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)

SECRET = "tok-9f8e7d6c5b4a"


@pytest.fixture
def server(http_server):  # noqa: F811 (the fixture imported above)
    http_server.log.clear()
    return http_server


def session(server, *nodes, edges=(), **kw):
    """A session of these nodes, each http node fed by a trigger (one empty item)."""
    start = {"id": "t", "type": "trigger"}
    fed = [("t", n["id"]) for n in nodes if n["type"] == "http" and not any(e[1] == n["id"] for e in edges)]
    doc = {"nodefox": 1, "settings": {"now": "2026-01-01T09:30:00Z"}, "nodes": [start, *nodes],
           "edges": [{"source": s, "target": t} for s, t in [*fed, *edges]]}  # fmt: skip
    return nodefox.Session(doc, allow_net=["127.0.0.1"], **kw)


def gets(server, prefix):
    return [r for r in server.requests(prefix) if r[0] == "GET"]


def test_a_get_is_fetched_once_and_reused_across_downstream_edits(server):
    get = {"id": "g", "type": "http", "params": {"url": server.url("/list")}}
    lim = {"id": "l", "type": "limit", "params": {"max": 1}}
    s = session(server, get, lim, edges=[("g", "l")])
    first = s.apply([])
    assert first["nodes"]["g"]["counts"] == {"out": 3} and first["nodes"]["l"]["counts"] == {"out": 1}
    assert len(gets(server, "/list")) == 1
    for value in (2, 3, 1):
        answer = s.apply([{"op": "patch_params", "id": "l", "path": "/max", "value": value}])
        assert answer["nodes"]["l"]["counts"] == {"out": value}
    s.apply([{"op": "update_node", "id": "g", "set": {"notes": "the users"}}])
    assert len(gets(server, "/list")) == 1  # nothing sent again
    answer = s.apply([{"op": "refresh", "id": "g"}])
    assert len(gets(server, "/list")) == 2 and answer["stats"]["ran"] >= 1
    s.apply([{"op": "refresh"}])
    assert len(gets(server, "/list")) == 3


def test_the_same_read_by_two_nodes_or_a_node_brought_back_is_fetched_once(server):
    a = {"id": "a", "type": "http", "params": {"url": server.url("/list")}}
    b = {"id": "b", "type": "http", "params": {"url": server.url("/list")}}
    s = session(server, a, b)
    s.apply([])
    assert len(gets(server, "/list")) == 1  # cached by the request's key (world.md), not per node
    s.apply([{"op": "remove_node", "id": "b"}])
    s.apply([{"op": "add_node", "node": b}, {"op": "connect", "edge": {"source": "t", "target": "b"}}])
    assert len(gets(server, "/list")) == 1  # an undone delete sends nothing
    answer = s.apply([{"op": "refresh", "id": "a"}])  # both read what was read again
    assert len(gets(server, "/list")) == 2 and answer["stats"]["ran"] == 2
    assert s.apply([{"op": "export"}])["workflow"] and len(gets(server, "/list")) == 2


def test_load_drops_the_cached_reads_and_keeps_pure_results(server):
    get = {"id": "g", "type": "http", "params": {"url": server.url("/list")}}
    lim = {"id": "l", "type": "limit", "params": {"max": 1}}
    s = session(server, get, lim, edges=[("g", "l")])
    s.apply([])
    doc = s.document()
    answer = s.apply([{"op": "load", "workflow": doc}])
    assert len(gets(server, "/list")) == 2  # world.md: load drops everything: read again
    # the same response: the node below keeps its result (early cutoff), the trigger too
    assert set(answer["nodes"]) <= {"g"} and answer["stats"]["ran"] == 1


def test_a_post_waits_until_execute_which_sends_once_and_pins(server):
    data = {"id": "d", "type": "data", "params": {"items": [{"n": 1}, {"n": 2}]}}
    post = {"id": "p", "type": "http", "params": {"url": server.url("/echo?pick=method,body"), "method": "POST",
                                                  "body": "={{ $json }}"}}  # fmt: skip
    after = {"id": "a", "type": "noop"}
    s = session(server, data, post, after, edges=[("d", "p"), ("p", "a")])
    answer = s.apply([])
    assert answer["nodes"]["p"]["status"] == "waiting" and answer["nodes"]["p"]["counts"] == {"in": 2}
    assert answer["nodes"]["a"]["status"] == "waiting"
    s.apply([{"op": "patch_params", "id": "d", "path": "/items/0/n", "value": 5}])
    assert not [r for r in server.log if r[0] == "POST"]  # edits never send a write
    answer = s.apply([{"op": "execute", "id": "p"}])
    posts = [r for r in server.log if r[0] == "POST"]
    assert len(posts) == 2 and answer["executed"]["status"] == "ok"
    assert answer["nodes"]["p"]["status"] == "pinned" and answer["nodes"]["a"]["status"] == "ok"
    pinned = next(n for n in s.document()["nodes"] if n["id"] == "p")["pinned"]
    assert [json.loads(i["body"]) if isinstance(i["body"], str) else i["body"] for i in pinned] == [{"n": 5}, {"n": 2}]
    s.apply([{"op": "patch_params", "id": "d", "path": "/items/1/n", "value": 9}])
    assert len([r for r in server.log if r[0] == "POST"]) == 2  # pinned: never again on an edit


def test_a_failed_execute_shows_its_error_and_blocks_what_is_below(server):
    data = {"id": "d", "type": "data", "params": {"items": [{"n": 1}]}}
    post = {"id": "p", "type": "http", "params": {"url": server.url("/status/500"), "method": "POST"}}
    after = {"id": "a", "type": "noop"}
    s = session(server, data, post, after, edges=[("d", "p"), ("p", "a")])
    s.apply([])
    answer = s.apply([{"op": "execute", "id": "p"}])
    assert answer["executed"]["status"] == "error" and "HTTP 500" in answer["executed"]["error"]["message"]
    assert answer["nodes"]["p"]["status"] == "error" and answer["nodes"]["a"]["status"] == "blocked"
    assert "pinned" not in next(n for n in s.document()["nodes"] if n["id"] == "p")
    # an edit above runs the node as a preview again: it waits, and so does what is below
    answer = s.apply([{"op": "patch_params", "id": "d", "path": "/items/0/n", "value": 2}])
    assert answer["nodes"]["p"]["status"] == "waiting" and answer["nodes"]["a"]["status"] == "waiting"


def test_without_permission_nothing_is_sent_and_the_node_names_the_host(server):
    get = {"id": "g", "type": "http", "params": {"url": server.url("/json")}}
    s = session(server, get)
    s.apply([{"op": "set_permissions", "net": False}])
    entry = s.result()["nodes"]["g"]
    assert entry["status"] == "error" and "127.0.0.1" in entry["error"]["message"]
    assert server.requests("/json") == []
    answer = s.apply([{"op": "set_permissions", "net": ["127.0.0.1"]}])
    assert answer["nodes"]["g"]["status"] == "ok" and len(server.requests("/json")) == 1


def test_a_credential_is_sent_and_never_answered(server):
    get = {"id": "g", "type": "http", "params": {"url": server.url("/echo?pick=h:authorization"), "credential": "api",
                                                 "full": True}}  # fmt: skip
    bad = {"id": "b", "type": "http", "params": {"url": server.url("/status/500"), "credential": "api"}}
    s = session(server, get, bad)
    creds = {"api": {"type": "bearer", "token": SECRET, "hosts": ["127.0.0.1"]}}
    answers = [s.apply([{"op": "set_credentials", "credentials": creds}])]
    answers.append(s.apply([{"op": "inspect", "id": "g"}, {"op": "export"}]))
    assert any(SECRET in json.dumps(h) for _, _, h in server.requests("/echo"))  # it was sent
    assert SECRET not in json.dumps(answers) and SECRET not in json.dumps(s.result())
    assert answers[0]["nodes"]["b"]["status"] == "error"
