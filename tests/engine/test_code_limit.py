"""A preview's code has a time limit (issue 15, item 4; limits.time_limit, nodes/code.py):
past it the node fails with its own error, the session goes on, and the same code is
not run again (nor after the user's Stop) until it changes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from nodefox import bridge, limits
from nodefox.errors import NodeError
from nodefox.live import Session

HANG = "while True:\n    pass"


def doc(code: str) -> dict:
    return {
        "nodefox": 1,
        "nodes": [
            {"id": "d", "type": "data", "params": {"items": [{"a": 1}, {"a": 2}]}},
            {"id": "c", "type": "code", "name": "Forever", "params": {"code": code}},
            {"id": "n", "type": "noop"},
        ],
        "edges": [{"id": "e1", "source": "d", "target": "c"}, {"id": "e2", "source": "c", "target": "n"}],
    }


def session(code: str, seconds: float | None = 0.3) -> Session:
    s = Session(doc(code), allow_code=True)
    s.world.code_seconds = seconds
    return s


def patch(s: Session, node_id: str, path: str, value) -> dict:
    return s.apply([{"op": "patch_params", "id": node_id, "path": path, "value": value}])


def test_code_past_the_limit_fails_its_node_and_the_next_edit_runs():
    s = session(HANG)
    start = time.monotonic()
    s.result()
    assert time.monotonic() - start < 3
    error = s.entry("c")["error"]
    assert "took longer than 0.3 s" in error["message"] and error["path"] == "/code"
    assert s.entry("n")["status"] == "blocked"
    # an edit elsewhere: its node runs, the same code answers its error at once
    start = time.monotonic()
    patch(s, "d", "/items", [{"a": 3}])
    assert time.monotonic() - start < 0.2
    assert s.entry("d")["preview"]["out"] == [{"a": 3}]
    assert "took longer than 0.3 s" in s.entry("c")["error"]["message"]
    # changed code runs again
    patch(s, "c", "/code", "return items")
    assert s.entry("c")["status"] == "ok" and s.entry("n")["preview"]["out"] == [{"a": 3}]


def test_each_mode_is_limited_as_a_whole():
    s = session("while True:\n    pass", 0.2)
    patch(s, "c", "/mode", "each")
    assert "took longer than 0.2 s" in s.entry("c")["error"]["message"]


def test_a_refresh_runs_the_code_again():
    s = session("import time\ntime.sleep(0.5)\nreturn items", 0.2)
    s.result()
    assert s.entry("c")["status"] == "error"
    s.world.code_seconds = 5
    s.apply([{"op": "refresh", "id": "c"}])
    assert s.entry("c")["status"] == "ok"


def test_the_users_stop_is_not_swallowed_and_queued_re_runs_of_that_code_are_answered_stopped():
    # KeyboardInterrupt from inside the code, as Pyodide's interrupt buffer raises it on Stop
    s = session("raise KeyboardInterrupt", None)
    answer = s.apply([{"op": "refresh"}])
    assert answer.get("interrupted") is True
    assert s.entry("c")["status"] == "stale"
    # the edit queued behind it is applied; the code is not run again
    patch(s, "d", "/items", [{"a": 9}])
    assert s.entry("d")["preview"]["out"] == [{"a": 9}]
    assert s.entry("c")["status"] == "error" and "stopped" in s.entry("c")["error"]["message"]


def test_whole_runs_have_no_code_limit_but_the_runs_budget():
    import nodefox

    result = nodefox.run(doc("import time\ntime.sleep(0.4)\nreturn items"), allow_code=True)
    assert result["nodes"]["c"]["status"] == "ok"


def test_the_runs_budget_wins_when_it_is_tighter():
    s = Session(doc(HANG), allow_code=True, timeout=0.2)
    s.world.code_seconds = 5
    s.result()
    assert "0.2 s time budget" in s.entry("c")["error"]["message"]


def test_time_limit_without_a_timer_fails_the_block_when_it_ends_late():
    box: dict = {}

    def target() -> None:  # another thread: no signals, as in Pyodide without page ticks
        try:
            with limits.time_limit(0.05, "too slow"):
                time.sleep(0.1)
        except NodeError as exc:
            box["error"] = exc.message

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(10)
    assert box == {"error": "too slow"}


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 here")
def test_a_page_tick_stops_code_past_its_limit():
    """The tick the page writes into Pyodide's interrupt buffer, sent here as a real signal
    (the native timer is off: no setitimer while the block runs)."""
    previous, stop = signal.getsignal(limits.TICK_SIGNAL), signal.getsignal(signal.SIGINT)
    limits.page_ticks()
    real = signal.setitimer
    try:
        del signal.setitimer  # as in Pyodide: no interval timer
        ticker = threading.Timer(0.3, lambda: os.kill(os.getpid(), limits.TICK_SIGNAL))
        ticker.start()
        start = time.monotonic()
        with pytest.raises(NodeError, match="past 0.1"), limits.time_limit(0.1, "past 0.1"):
            while True:
                pass
        assert time.monotonic() - start < 5
    finally:
        signal.setitimer = real
        signal.signal(limits.TICK_SIGNAL, previous)
        signal.signal(signal.SIGINT, stop)


def test_the_pages_stop_between_nodes_stops_the_next_node_and_breaks_nothing():
    """The page's Stop (SIGINT through the interrupt buffer) may come while no node runs:
    applying ops, between nodes, writing the answer. It stops the next node of that call
    (a Stop that came in an answer's writing stops nothing later) and never a half-done op."""
    previous, stop = signal.getsignal(limits.TICK_SIGNAL), signal.getsignal(signal.SIGINT)
    limits.page_ticks()
    kept = bridge.SESSION
    try:
        bridge.SESSION = Session(doc("return items"), allow_code=True)
        ask = lambda ops: json.loads(bridge.handle(json.dumps({"rev": 1, "ops": ops})))  # noqa: E731
        ask([])
        signal.raise_signal(signal.SIGINT)  # no node runs: nothing raised here
        answer = ask([{"op": "patch_params", "id": "d", "path": "/items", "value": [{"a": 5}]}])
        assert answer.get("interrupted") is True and "error" not in answer
        assert bridge.SESSION.entry("d")["status"] == "stale"
        answer = ask([])  # what the Stop left runs on the next call
        assert bridge.SESSION.entry("n")["preview"]["out"] == [{"a": 5}] and not answer.get("interrupted")
        # a Stop no node took ends with its call
        limits._STOP[0] = True
        limits.drop_stop()
        answer = ask([{"op": "patch_params", "id": "d", "path": "/items", "value": [{"a": 6}]}])
        assert not answer.get("interrupted") and bridge.SESSION.entry("n")["preview"]["out"] == [{"a": 6}]
        # inside a node it raises at once, as before
        bridge.SESSION = Session(doc("import signal\nsignal.raise_signal(signal.SIGINT)\nreturn items"), allow_code=True)
        answer = ask([])
        assert answer.get("interrupted") is True and bridge.SESSION.entry("c")["status"] == "stale"
    finally:
        signal.signal(limits.TICK_SIGNAL, previous)
        signal.signal(signal.SIGINT, stop)
        bridge.SESSION = kept


def test_the_bridge_takes_the_limit_and_a_restarted_workers_stuck_note():
    told: list = []
    bridge.watch(lambda seconds, note: told.append((seconds, note)))
    try:
        before = json.loads(bridge.configure("{}"))["codeSeconds"]
        assert before == limits.DEFAULT_CODE_SECONDS
        assert json.loads(bridge.configure(json.dumps({"codeSeconds": 0.2, "allowCode": True})))["codeSeconds"] == 0.2
        answer = json.loads(bridge.handle(json.dumps({"rev": 1, "ops": [{"op": "load", "workflow": doc(HANG)}]})))
        assert "took longer than 0.2 s" in answer["nodes"]["c"]["error"]["message"]
        assert told[0][0] == 0.2 and told[-1] == (0, None)
        note = told[0][1]
        # a fresh session (a restarted worker) told the note does not run that code
        bridge.SESSION.apply([{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}}])
        bridge.configure(json.dumps({"stuck": note, "codeSeconds": 30}))
        start = time.monotonic()
        answer = json.loads(bridge.handle(json.dumps({"rev": 2, "ops": [{"op": "load", "workflow": doc(HANG)}]})))
        assert time.monotonic() - start < 1
        assert "took longer than 0.2 s" in answer["nodes"]["c"]["error"]["message"]
        assert json.loads(bridge.configure(json.dumps({"stuck": "not a note"})))["codeSeconds"] == 30
    finally:
        bridge.watch(None)
        bridge.configure(json.dumps({"codeSeconds": limits.DEFAULT_CODE_SECONDS, "allowCode": False}))
        bridge.SESSION.apply([{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}}])
        bridge.SESSION.world.cache.drop()


def test_a_code_limit_longer_than_the_batch_budget_raises_it():
    """A preview's code allowed 30 s must not end at the session's 10 s batch budget first."""
    try:
        bridge.configure(json.dumps({"codeSeconds": 30}))
        assert bridge.SESSION.budgets[0] >= 30
        bridge.configure(json.dumps({"codeSeconds": 2}))
        assert bridge.SESSION.budgets[0] == limits.DEFAULT_TIMEOUT
    finally:
        bridge.configure(json.dumps({"codeSeconds": limits.DEFAULT_CODE_SECONDS}))
