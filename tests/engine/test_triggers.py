"""Trigger node types (`nodes/triggers.py`) and running them (`triggers.py`): schedules on a
fake clock, webhooks end to end over real HTTP against `nodefox serve DIR --triggers`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nodefox
import pytest
from conftest import document, node
from nodefox.triggers import (
    Config,
    ConfigError,
    Index,
    Schedule,
    Scheduler,
    firing_node,
    load_config,
    next_fire,
)
from nodefox.workspace import Workspace
from server_helpers import Server, wait_for


def edge(source: str, target: str) -> dict:
    return {"source": source, "target": target}


def hook_flow(path: str, *nodes: dict, respond: str | None = None, method: str | None = None) -> dict:
    params: dict = {"path": path}
    if respond:
        params["respond"] = respond
    if method:
        params["method"] = method
    chain = [node("hook", "webhook", params), *nodes]
    edges = [edge(a["id"], b["id"]) for a, b in zip(chain, chain[1:], strict=False)]
    return {"nodefox": 1, "name": path, "nodes": chain, "edges": edges}


def double() -> dict:
    return node("double", "set", {"fields": [{"name": "doubled", "value": "={{ $json.body.n * 2 }}"}]})


# -- the node types ----------------------------------------------------------------------------


def test_webhook_emits_the_call_and_previews_a_sample():
    doc = document([node("hook", "webhook", {"path": "/orders/"}), double()], [edge("hook", "double")])
    call = {"method": "POST", "path": "orders", "query": {}, "headers": {}, "body": {"n": 4}}
    result = nodefox.run(doc, [call])
    assert result["nodes"]["double"]["outputs"]["out"] == [{**call, "doubled": 8}]
    preview = nodefox.run(doc)["nodes"]["hook"]["outputs"]["out"]
    assert preview == [{"method": "POST", "path": "orders", "query": {}, "headers": {}, "body": {}}]


def test_webhook_in_the_live_session_takes_set_input():
    doc = document([node("hook", "webhook", {"path": "p"}), double()], [edge("hook", "double")])
    session = nodefox.Session(doc)
    session.apply([])
    answer = session.apply([{"op": "set_input", "items": [{"body": {"n": 21}}]}])
    assert answer["nodes"]["double"]["preview"]["out"] == [{"body": {"n": 21}, "doubled": 42}]


def test_schedule_item_and_checks():
    doc = document([node("tick", "schedule", {"cron": "*/5 * * * *"})])
    assert nodefox.run(doc)["nodes"]["tick"]["outputs"]["out"] == [{"firedAt": "2026-01-01T09:30:00Z"}]
    fired = [{"firedAt": "2026-02-01T00:00:00Z"}]
    assert nodefox.run(doc, fired)["nodes"]["tick"]["outputs"]["out"] == fired
    for params, says in (({"cron": "* * *"}, "5 fields"), ({"cron": "99 * * * *"}, "outside 0-59"),
                         ({}, "either cron"), ({"cron": "* * * * *", "everySeconds": 5}, "either cron"),
                         ({"everySeconds": -1}, "1"), ({"everySeconds": 1.5}, "integer"),
                         ({"everySeconds": True}, "integer")):  # fmt: skip
        entry = nodefox.run(document([node("tick", "schedule", params)]))["nodes"]["tick"]
        assert entry["status"] == "error" and says in entry["error"]["message"], params


def test_respond_sets_the_answer():
    items = [{"a": 1}, {"a": 2}]
    src = node("src", "data", {"items": items})
    for params, body in (({}, items), ({"items": "first"}, {"a": 1}), ({"body": "={{ $json.a + 10 }}"}, 11),
                         ({"body": "text"}, "text")):  # fmt: skip
        doc = document([src, node("answer", "respond", {"status": 201, "headers": {"x-a": "b"}, **params})],
                       [edge("src", "answer")])  # fmt: skip
        out = nodefox.run(doc)["nodes"]["answer"]["outputs"]["out"]
        assert out == [{"status": 201, "headers": {"x-a": "b"}, "body": body}], params


def test_the_catalogue_lists_them():
    types = {t["type"]: t for t in nodefox.BUILTINS.catalogue()}
    assert {"webhook", "schedule", "respond"} <= set(types)
    assert "input_items" in types["webhook"]["reads"] and types["respond"]["inputs"] == ["in"]


# -- schedules on a fake clock -----------------------------------------------------------------


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_cron_fires_in_the_workflow_timezone():
    nine_in_paris = Schedule("w", "t", "0 9 * * *", None, "Europe/Paris")
    assert next_fire(nine_in_paris, at("2026-01-15T07:00:00Z")) == at("2026-01-15T08:00:00Z")  # CET
    assert next_fire(nine_in_paris, at("2026-07-15T07:00:00Z")) == at("2026-07-16T07:00:00Z")  # CEST
    # the day clocks go forward (29 March 2026): 09:00 Paris is 07:00 UTC
    assert next_fire(nine_in_paris, at("2026-03-28T09:00:00Z")) == at("2026-03-29T07:00:00Z")
    every = Schedule("w", "t", None, 30, "UTC")
    assert next_fire(every, at("2026-01-01T00:00:10Z")) == at("2026-01-01T00:00:30Z")
    assert next_fire(every, at("2026-01-01T00:00:30Z")) == at("2026-01-01T00:01:00Z"), "strictly after"


def test_scheduler_fires_each_due_time_once(tmp_path):
    flow = document([node("tick", "schedule", {"cron": "*/15 * * * *"})])
    (tmp_path / "tick.json").write_text(json.dumps(flow))
    index = Index(Workspace(tmp_path))
    index.refresh()
    clock = at("2026-01-01T10:01:00Z")
    scheduler = Scheduler(index, clock)
    assert scheduler.due(clock) == []
    assert scheduler.wait(clock, most=3600) == 14 * 60
    assert scheduler.due(at("2026-01-01T10:14:59Z")) == []
    fired = scheduler.due(at("2026-01-01T10:15:00Z"))
    assert [(s.workflow, t) for s, t in fired] == [("tick", at("2026-01-01T10:15:00Z"))]
    assert scheduler.due(at("2026-01-01T10:15:30Z")) == [], "once per due time"
    # the clock jumps an hour (the machine slept): one late fire, not four
    late = scheduler.due(at("2026-01-01T11:20:00Z"))
    assert [t for _, t in late] == [at("2026-01-01T10:30:00Z")]
    assert scheduler.due(at("2026-01-01T11:29:59Z")) == []
    assert [t for _, t in scheduler.due(at("2026-01-01T11:30:00Z"))] == [at("2026-01-01T11:30:00Z")]


def test_scheduler_follows_file_changes(tmp_path):
    ws = Workspace(tmp_path)
    index = Index(ws)
    index.refresh()
    clock = at("2026-01-01T00:00:00Z")
    scheduler = Scheduler(index, clock)
    assert scheduler.due(clock) == []
    (tmp_path / "t.json").write_text(json.dumps(document([node("t", "schedule", {"everySeconds": 10})])))
    index.refresh()
    assert scheduler.due(at("2026-01-01T00:00:05Z")) == []
    assert len(scheduler.due(at("2026-01-01T00:00:20Z"))) == 1
    disabled = document([node("t", "schedule", {"everySeconds": 10}, disabled=True)])
    (tmp_path / "t.json").write_text(json.dumps(disabled, indent=1))
    index.refresh()
    assert scheduler.due(at("2026-01-01T00:05:00Z")) == []
    (tmp_path / "broken.json").write_text("{not json")
    index.refresh()
    assert any(p.startswith("broken: not a readable workflow") for p in index.problems)
    (tmp_path / "broken.json").unlink()
    bad = document([node("t", "schedule", {"everySeconds": -1})])  # fired thousands of times a second
    (tmp_path / "t.json").write_text(json.dumps(bad))
    index.refresh()
    assert scheduler.due(at("2026-01-01T00:06:00Z")) == [] and "at least 1" in index.problems[0]


# -- nodefox.toml ------------------------------------------------------------------------------


def test_config(tmp_path):
    assert load_config(tmp_path) == Config()
    (tmp_path / "nodefox.toml").write_text(
        'allow_net = ["api.example.com"]\nallow_write = true\n[executions]\nmax_count = 5\nmax_age_days = 7\n')
    config = load_config(tmp_path)
    assert config.allow_net == ["api.example.com"] and config.allow_write is True
    assert config.limits.max_count == 5 and config.limits.max_age_days == 7
    for text, says in (("allow_code = true", "unknown key 'allow_code'"), ("allow_write = 'yes'", "allow_write"),
                       ("allow_net = 5", "allow_net"), ("[executions]\nkeep = 1", "executions"), ("x = [", "nodefox.toml"),
                       ('allow_net = ["api.example.com:443"]', "not URLs or ports: api.example.com:443")):  # fmt: skip
        (tmp_path / "nodefox.toml").write_text(text)
        with pytest.raises(ConfigError, match=says):
            load_config(tmp_path)


def test_a_bad_config_stops_the_server_with_a_message(tmp_path):
    (tmp_path / "nodefox.toml").write_text("allow_everything = true\n")
    import os
    import subprocess
    import sys

    from server_helpers import ENGINE

    proc = subprocess.run([sys.executable, "-m", "nodefox", "up", str(tmp_path), "--port", "0"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ENGINE)})  # fmt: skip
    assert proc.returncode == 2 and "allow_everything" in proc.stderr and "Traceback" not in proc.stderr


# -- webhooks over HTTP ------------------------------------------------------------------------


def two_hooks() -> dict:
    """Two webhooks and a schedule, each with its own branch, merged at the end."""
    def via(name: str) -> dict:
        return node(f"set_{name}", "set", {"fields": [{"name": "via", "value": name}]})

    nodes = [node("a", "webhook", {"path": "two/a"}), node("b", "webhook", {"path": "two/b"}),
             node("tick", "schedule", {"everySeconds": 3600}), via("a"), via("b"), via("tick"),
             node("all", "merge", {"mode": "append"})]  # fmt: skip
    edges = [edge(t, f"set_{t}") for t in ("a", "b", "tick")] + [
        {"source": "set_a", "target": "all", "targetPort": "in1"},
        {"source": "set_b", "target": "all", "targetPort": "in2"},
        {"source": "set_tick", "target": "all", "targetPort": "in2"},
    ]
    return {"nodefox": 1, "name": "two", "nodes": nodes, "edges": edges}


def test_only_the_trigger_that_fired_gives_the_item():
    call = {"method": "POST", "path": "two/b", "query": {}, "headers": {}, "body": {}}
    result = nodefox.run(two_hooks(), [call], trigger="b")
    assert result["nodes"]["all"]["outputs"]["out"] == [{**call, "via": "b"}]
    assert {n: result["nodes"][n]["status"] for n in ("a", "set_a", "tick", "set_tick")} == dict.fromkeys(
        ("a", "set_a", "tick", "set_tick"), "skipped")
    # without trigger (nodefox run, the editor) every trigger node gives the input, as before
    assert len(nodefox.run(two_hooks(), [call])["nodes"]["all"]["outputs"]["out"]) == 3


def test_the_node_that_fired_is_found_again_after_a_restart():
    text = json.dumps(two_hooks()).encode()
    assert firing_node(text, "webhook", [{"path": "/two/a/"}]) == "a"
    assert firing_node(text, "schedule", [{"firedAt": "2026-01-01T00:00:00Z"}]) == "tick"
    assert firing_node(text, "webhook", [{"path": "three"}]) is None
    assert firing_node(b"{broken", "webhook", [{"path": "two/a"}]) is None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("hooks")
    flows = {
        "double": hook_flow("double", double(), node("answer", "respond", {
            "status": 201, "headers": {"x-made-by": "nodefox"}, "body": "={{ {'n': $json.doubled} }}"})),
        "last": hook_flow("last/items", double(), method="PUT"),
        "later": hook_flow("later", double(), respond="immediately"),
        "noanswer": hook_flow("noanswer", double(), respond="respondNode"),
        "fails": hook_flow("fails", node("bad", "set", {"fields": [{"name": "x", "value": "={{ 1 / 0 }}"}]})),
        "echo": hook_flow("echo", method="GET"),
        "echoput": hook_flow("echo/put", method="PUT"),
        "tick": {"nodefox": 1, "nodes": [node("tick", "schedule", {"everySeconds": 1})], "edges": []},
        "two": two_hooks(),
    }
    for name, flow in flows.items():
        (folder / f"{name}.json").write_text(json.dumps(flow, indent=2))
    (folder / "nodefox.toml").write_text("max_body = 100000\n")
    server = Server(folder, "--triggers")
    yield server
    assert "Traceback" not in server.stop()


def rows(folder: Path, where: str = "1=1") -> list[tuple]:
    with sqlite3.connect(folder / ".nodefox" / "executions.db") as db:
        return db.execute(f"SELECT id, workflow, trigger, status, result, error FROM executions WHERE {where}").fetchall()


def test_respond_node_answers(served):
    status, headers, body = served.call("POST", "/hook/double", {"n": 21}, token=False)
    assert status == 201 and body == {"n": 42} and headers["x-made-by"] == "nodefox"
    execution = int(headers["x-nodefox-execution"])
    ((_, workflow, trigger, state, result, _),) = rows(served.folder, f"id={execution}")
    assert (workflow, trigger, state) == ("double", "webhook", "ok")
    result = json.loads(result)
    assert result["nodes"]["answer"]["outputs"]["out"][0]["body"] == {"n": 42} and "stats" not in result


def test_without_respond_the_last_nodes_items(served):
    status, headers, body = served.call("PUT", "/hook/last/items?x=1&x=2&y=3", {"n": 5}, token=False)
    assert status == 200 and headers["content-type"] == "application/json"
    (item,) = body
    assert item["doubled"] == 10 and item["method"] == "PUT" and item["path"] == "last/items"
    assert item["query"] == {"x": ["1", "2"], "y": "3"} and item["headers"]["content-type"] == "application/json"


def test_bodies_as_the_item_holds_them(served):
    def body_of(raw: bytes, kind: str):
        status, _, answer = served.call("PUT", "/hook/echo/put", raw=raw, token=False, headers={"Content-Type": kind})
        assert status == 200, answer
        return answer[0]["body"]

    assert body_of(b"a=1&b=x+y&a=2", "application/x-www-form-urlencoded") == {"a": ["1", "2"], "b": "x y"}
    assert body_of("héllo".encode(), "text/plain") == "héllo"
    assert body_of(b'{"n": 1}', "application/vnd.api+json") == {"n": 1}
    assert body_of(b"\xff\xfe", "application/octet-stream") == {"base64": "//4="}
    # a form whose bytes are not UTF-8 is other bytes, not a JSON error (400)
    assert body_of(b"a=\xff", "application/x-www-form-urlencoded") == {"base64": "YT3/"}
    request = urllib.request.Request(served.url + "/hook/echo?q=1")
    with urllib.request.urlopen(request, timeout=10) as resp:
        (item,) = json.loads(resp.read())
    assert item["body"] == {} and item["query"] == {"q": "1"} and item["method"] == "GET"
    status, _, body = served.call("PUT", "/hook/last/items", raw=b"{broken", token=False)
    assert status == 400 and "not valid JSON" in body["error"]


def test_immediately_answers_202_and_runs_after(served):
    status, headers, body = served.call("POST", "/hook/later", {"n": 1}, token=False)
    assert status == 202 and body["execution"] == int(headers["x-nodefox-execution"])
    done = wait_for(lambda: rows(served.folder, f"id={body['execution']} AND status='ok'"))
    assert done, "the execution ran after the answer"


def test_failures_are_500_with_the_node(served):
    status, headers, body = served.call("POST", "/hook/fails", {}, token=False)
    assert status == 500 and "node bad" in body["error"] and "division" in body["error"]
    assert rows(served.folder, f"id={headers['x-nodefox-execution']}")[0][3] == "error"
    status, _, body = served.call("POST", "/hook/noanswer", {"n": 1}, token=False)
    assert status == 500 and "respond node" in body["error"]


def test_unknown_path_and_wrong_method(served):
    status, _, body = served.call("POST", "/hook/nowhere", {}, token=False)
    assert status == 404 and "nowhere" in body["error"]
    status, headers, _ = served.call("GET", "/hook/double", token=False)
    assert status == 405 and headers["allow"] == "POST"


def test_bodies_over_the_limit_get_413(served):
    """nodefox.toml sets max_body = 100000 here; the default is 10 MB."""
    big = b'{"n": "' + b"x" * 100_001 + b'"}'
    before = len(rows(served.folder))
    assert served.call("POST", "/hook/double", raw=big, token=False)[0] == 413

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(10):
            yield b"x" * 10_000
        yield b"x"  # one byte over; a body sent far past the limit may be cut off unread (a reset)

    request = urllib.request.Request(served.url + "/hook/double", data=chunks(), method="POST",
                                     headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"})  # fmt: skip
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a chunked body over the limit was taken")
    except urllib.error.HTTPError as exc:
        assert exc.code == 413
    assert len(rows(served.folder)) - before <= 1  # the schedule may have fired meanwhile
    assert not rows(served.folder, "trigger='webhook' AND input LIKE '%xxxxxxxxxx%'")


def test_a_call_runs_only_its_webhooks_branch(served):
    status, headers, body = served.call("POST", "/hook/two/a", {"n": 1}, token=False)
    assert status == 200 and [(i["via"], i["path"]) for i in body] == [("a", "two/a")]
    result = json.loads(rows(served.folder, f"id={headers['x-nodefox-execution']}")[0][4])
    assert result["nodes"]["b"]["status"] == "skipped" and result["nodes"]["tick"]["status"] == "skipped"


def test_schedules_fire_on_time(served):
    found = wait_for(lambda: len(rows(served.folder, "workflow='tick' AND status='ok'")) >= 2, timeout=10)
    assert found
    result = json.loads(rows(served.folder, "workflow='tick' AND status='ok'")[0][4])
    (item,) = result["nodes"]["tick"]["outputs"]["out"]
    assert item["firedAt"].endswith("Z") and dt.datetime.fromisoformat(item["firedAt"][:-1]).microsecond == 0


def test_an_edited_file_is_used_at_once(served):
    flow = hook_flow("renamed-hook", double())
    (served.folder / "edited.json").write_text(json.dumps(flow))
    status, _, body = served.call("POST", "/hook/renamed-hook", {"n": 2}, token=False)
    assert status == 200 and body[0]["doubled"] == 4
    (served.folder / "edited.json").unlink()
    assert served.call("POST", "/hook/renamed-hook", {"n": 2}, token=False)[0] == 404


def test_200_calls_20_at_a_time(served):
    """The acceptance check: every answer right, every call recorded."""
    before = len(rows(served.folder, "workflow='double'"))

    def one(n: int) -> tuple[int, dict, object]:
        return served.call("POST", "/hook/double", {"n": n}, token=False)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(one, range(200)))
    assert all(status == 201 and body == {"n": 2 * n} for n, (status, _, body) in enumerate(answers))
    ids = {int(h["x-nodefox-execution"]) for _, h, _ in answers}
    assert len(ids) == 200
    assert len(rows(served.folder, "workflow='double' AND status='ok'")) == before + 200


def test_the_workspace_api_lists_executions(served):
    status, _, body = served.call("GET", "/api/executions?workflow=fails&status=error")
    assert status == 200 and body["executions"] and all(e["workflow"] == "fails" for e in body["executions"])
    one = body["executions"][0]
    status, _, full = served.call("GET", f"/api/executions/{one['id']}")
    assert status == 200 and full["result"]["status"] == "error" and full["input"][0]["method"] == "POST"
    assert served.call("GET", "/api/executions?status=bogus")[0] == 400
    for limit in ("-1", "0", "1001"):  # SQLite reads LIMIT -1 as no limit at all
        assert served.call("GET", f"/api/executions?limit={limit}")[0] == 400
    assert served.call("GET", "/api/executions/999999")[0] == 404


def test_hooks_need_triggers(tmp_path):
    (tmp_path / "double.json").write_text(json.dumps(hook_flow("double", double())))
    server = Server(tmp_path)
    try:
        assert server.call("POST", "/hook/double", {"n": 1}, token=False)[0] == 404
        assert not (tmp_path / ".nodefox").exists()
    finally:
        server.stop()


def test_the_default_limit_is_10_mb(tmp_path):
    """A caller that sends a body of over 10 MB whole gets the 413, not a reset connection."""
    import http.client

    (tmp_path / "double.json").write_text(json.dumps(hook_flow("double", double())))
    server = Server(tmp_path, "--triggers", "--workers", "1")
    try:
        for size in (10 * 1024 * 1024 + 1, 12 * 1024 * 1024):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("POST", "/hook/double", b"x" * size, {"Content-Type": "text/plain"})
            resp = conn.getresponse()
            assert resp.status == 413 and b"10485760 bytes" in resp.read()
            conn.close()
        status, _, body = server.call("POST", "/hook/double", {"n": 1, "pad": "x" * (9 * 1024 * 1024)}, token=False)
        assert status == 200 and body[0]["doubled"] == 2
    finally:
        assert "Traceback" not in server.stop()
    with sqlite3.connect(tmp_path / ".nodefox" / "executions.db") as db:
        assert db.execute("SELECT count(*) FROM executions").fetchone()[0] == 1


def test_respond_cannot_break_the_answer():
    from nodefox.triggers import answer_of

    def answer(params: dict) -> tuple:
        doc = document([node("src", "data", {"items": [{"a": 1}]}), node("r", "respond", params)],
                       [edge("src", "r")])  # fmt: skip
        return answer_of(nodefox.load(doc), nodefox.run(doc), "onFinish")

    status, headers, body = answer({"headers": {"Content-Length": "999", "Transfer-Encoding": "chunked",
                                                "X-Ok": "yes"}, "body": "hi"})  # fmt: skip
    assert (status, headers, body) == (200, {"x-ok": "yes", "content-type": "text/plain; charset=utf-8"}, b"hi")
    assert answer({"status": 204, "body": {"a": 1}})[::2] == (204, b"")
    assert answer({"headers": {"content-type": "application/xml"}, "body": "<a/>"})[1] == {"content-type": "application/xml"}
    # a header HTTP cannot carry fails the respond node, named, instead of a bare 500 or no answer
    for value in ("café €", "a\r\nSet-Cookie: x"):
        status, _, body = answer({"headers": {"X-A": value}, "body": "hi"})
        assert status == 500 and "node r" in json.loads(body)["error"] and "X-A" in json.loads(body)["error"]


def test_a_body_nested_too_deeply_is_refused_with_400(served):
    status, _, body = served.call("PUT", "/hook/echo/put", raw=b"[" * 5000 + b"]" * 5000, token=False)
    assert status == 400 and "nests too deeply" in body["error"]
    assert served.call("POST", "/hook/double", {"n": 1}, token=False)[0] == 201  # still serving


@pytest.mark.parametrize(("cron", "says"), [
    ("99 * * * *", "minute '99': 99 is outside 0-59"), ("0 0 0 * *", "day of month"), ("0 0 * * 8", "day of week"),
    ("5-1 * * * *", "backwards"), ("*/0 * * * *", "step"), ("0 0 * foo *", "not a number or a name"),
    ("@daily", "5 fields"), ("1, * * * *", "not a value or a range"),
])  # fmt: skip
def test_cron_is_checked_alike_everywhere(cron, says):
    """The node checks cron itself (no library in the browser), so native and browser agree."""
    from nodefox.nodes.triggers import check_cron

    assert says in check_cron(cron)


def test_a_date_that_never_comes_does_not_stop_the_others(tmp_path, capsys):
    (tmp_path / "never.json").write_text(json.dumps(document([node("t", "schedule", {"cron": "0 0 31 2 *"})])))
    (tmp_path / "often.json").write_text(json.dumps(document([node("t", "schedule", {"everySeconds": 60})])))
    index = Index(Workspace(tmp_path))
    index.refresh()
    scheduler = Scheduler(index, at("2026-01-01T00:00:30Z"))
    assert [s.workflow for s, _ in scheduler.due(at("2026-01-01T00:01:00Z"))] == ["often"]
    assert "never fires" in capsys.readouterr().err


def test_without_a_site_the_root_says_what_runs(tmp_path):
    """`nodefox up DIR` where the editor was never built: / is a 200 that says so (the
    app called as ASGI directly, since a checkout with a built site would serve that)."""
    import asyncio

    from nodefox.serve import build_app

    app = build_app(None, workspace=str(tmp_path))
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:8000")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000),
             "scheme": "http", "http_version": "1.1", "root_path": ""}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200 and b"not built" in sent[1]["body"]


def test_workflows_get_only_what_nodefox_toml_grants(tmp_path):
    """The same webhook workflow calling a local API: refused without `allow_net`, sent with
    it; nodefox.toml is read again when it changes, so taking a grant away applies at once."""
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from httpserver import serve

    with serve() as api:
        flow = hook_flow("fetch", node("get", "http", {"url": api.base + "/json"}),
                         node("answer", "respond", {"items": "first"}))  # fmt: skip
        (tmp_path / "fetch.json").write_text(json.dumps(flow))
        server = Server(tmp_path, "--triggers", "--workers", "1")
        try:
            for grant, want in (("", 500), ('allow_net = ["127.0.0.1"]\n', 200), ("allow_net = false\n", 500),
                                ('allow_net = ["api.example.com"]\n', 500), ("allow_net = true\n", 200),
                                ("allow_net = [\n", 200), ("", 500)):  # fmt: skip
                time.sleep(0.01)  # a new modification time for each version of the file
                (tmp_path / "nodefox.toml").write_text(grant)
                api.log.clear()
                status, _, body = server.call("POST", "/hook/fetch", {}, token=False)
                assert status == want, (grant, body)
                if want == 200:
                    assert body == {"id": 1, "name": "Ada", "tags": ["x", "y"]} and len(api.log) == 1
                else:
                    assert "127.0.0.1" in body["error"] and api.log == [], "nothing was sent"
        finally:
            err = server.stop()
        assert "Traceback" not in err and "keeping the settings read before" in err, "a broken file keeps the last"


def test_each_run_has_a_time_budget(tmp_path):
    """A workflow that would never finish (a catastrophic regex) fails at nodefox.toml's
    `timeout`, and the worker is free again for the next call."""
    slow = node("slow", "set", {"fields": [{"name": "x", "value": "={{ re_match('(a+)+$', 'a' * 40 + '!') }}"}]})
    (tmp_path / "stuck.json").write_text(json.dumps(hook_flow("stuck", slow)))
    (tmp_path / "double.json").write_text(json.dumps(hook_flow("double", double())))
    (tmp_path / "nodefox.toml").write_text("timeout = 1\n")
    server = Server(tmp_path, "--triggers", "--workers", "1")
    try:
        import time

        started = time.monotonic()
        status, _, body = server.call("POST", "/hook/stuck", {}, token=False)
        assert status == 500 and "node slow" in body["error"] and time.monotonic() - started < 15
        assert server.call("POST", "/hook/double", {"n": 2}, token=False)[2][0]["doubled"] == 4
    finally:
        assert "Traceback" not in server.stop()


def test_config_budgets(tmp_path):
    (tmp_path / "nodefox.toml").write_text("timeout = 5\nmax_items = 0\nmax_memory = 100\n")
    config = load_config(tmp_path)
    assert (config.timeout, config.max_items, config.max_memory) == (5, None, 100)
    (tmp_path / "nodefox.toml").write_text("timeout = -1\n")
    with pytest.raises(ConfigError, match="timeout"):
        load_config(tmp_path)


def test_files_live_in_dir_files_and_writing_needs_allow_write(tmp_path):
    """read_file reads DIR/files; write_file writes there only when nodefox.toml says allow_write."""
    import time

    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "prices.csv").write_text("sku,price\na,3\nb,4\n")
    flow = hook_flow("save", node("out", "write_file", {"file": "saved.json"}))
    reader = {"nodefox": 1, "nodes": [node("hook", "webhook", {"path": "read"}),
                                      node("csv", "read_file", {"file": "prices.csv"})], "edges": []}  # fmt: skip
    (tmp_path / "save.json").write_text(json.dumps(flow))
    (tmp_path / "read.json").write_text(json.dumps(reader))
    server = Server(tmp_path, "--triggers", "--workers", "1")
    try:
        assert server.call("POST", "/hook/read", {}, token=False)[2] == [{"sku": "a", "price": "3"}, {"sku": "b", "price": "4"}]
        status, _, body = server.call("POST", "/hook/save", {"n": 1}, token=False)
        assert status == 500 and "write" in body["error"] and not (tmp_path / "files" / "saved.json").exists()
        time.sleep(0.01)
        (tmp_path / "nodefox.toml").write_text("allow_write = true\n")
        status, _, body = server.call("POST", "/hook/save", {"n": 1}, token=False)
        assert status == 200 and body[0]["file"] == "saved.json"
        assert json.loads((tmp_path / "files" / "saved.json").read_text())[0]["body"] == {"n": 1}
        assert not (tmp_path / "saved.json").exists()
    finally:
        assert "Traceback" not in server.stop()


def test_a_workflow_file_left_out_for_its_name_is_said(tmp_path, capsys):
    from nodefox.serve import build_app

    flow = document([node("tick", "schedule", {"everySeconds": 60})])
    (tmp_path / "Übersicht.json").write_text(json.dumps(flow))
    (tmp_path / "fine.json").write_text(json.dumps(flow))
    index = Index(Workspace(tmp_path))
    index.refresh()
    err = capsys.readouterr().err
    assert "Übersicht.json: not listed as a workflow, its name is not one (rename it: use letters" in err
    assert [s.workflow for s in index.schedules] == ["fine"]
    index.refresh()
    assert capsys.readouterr().err == "", "said once, not on every look at the folder"
    (tmp_path / "my flow (v2).json").write_text(json.dumps(flow))
    index.refresh()
    assert "my flow (v2).json: not listed" in capsys.readouterr().err
    build_app(None, workspace=str(tmp_path))  # without triggers: said when the server starts
    assert "my flow (v2).json: not listed" in capsys.readouterr().err
