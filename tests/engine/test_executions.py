"""Recorded executions (`executions.py`): the store, `nodefox run --record` and
`nodefox executions`, and a server killed mid-burst that forgets no accepted call."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import document, node
from nodefox.executions import Limits, Store, db_path
from server_helpers import ENGINE, Server, wait_for


def nodefox_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nodefox", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ENGINE)}, check=False)  # fmt: skip


def test_the_life_of_an_execution(tmp_path):
    store = Store.of(tmp_path)
    first = store.queue("orders", "abc", "webhook", [{"body": {}}])
    second = store.queue("orders", "abc", "schedule", None)
    assert store.get(first)["status"] == "queued"
    store.start(first)
    store.finish(first, "ok", '{"status":"ok"}')
    got = store.get(first)
    assert got["status"] == "ok" and got["result"] == {"status": "ok"} and got["input"] == [{"body": {}}]
    assert got["queued"] <= got["started"] <= got["finished"]
    assert [r["id"] for r in store.list()] == [second, first]
    assert [r["id"] for r in store.list(status="ok")] == [first]
    assert store.list(workflow="other") == []
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_recover_reruns_queued_and_fails_running(tmp_path):
    store = Store.of(tmp_path)
    queued = store.queue("w", "h", "webhook", [{"n": 1}])
    running = store.queue("w", "h", "webhook", [{"n": 2}])
    store.start(running)
    done = store.queue("w", "h", "webhook", None)
    store.start(done)
    store.finish(done, "ok", "{}")
    again = Store.of(tmp_path)  # as after a restart
    assert [r["id"] for r in again.recover()] == [queued]
    assert again.get(running)["status"] == "failed" and "interrupted" in again.get(running)["error"]
    assert again.get(done)["status"] == "ok"


def test_prune_by_count_and_age(tmp_path):
    store = Store.of(tmp_path)
    ids = [store.queue("w", "h", "webhook", None) for _ in range(5)]
    for i in ids[:4]:
        store.finish(i, "ok", "{}")
    assert store.prune(Limits(max_count=2)) == 3, "the oldest finished ones; the queued one stays"
    assert {r["id"] for r in store.list()} == {ids[3], ids[4]}
    assert store.prune(Limits(max_age_days=1), now=time.time() + 2 * 86400) == 1
    assert [r["id"] for r in store.list()] == [ids[4]]


def test_run_record_and_executions_cli(tmp_path):
    good = document([node("src", "data", {"items": [{"a": 1}]})], name="good")
    bad = document([node("src", "data", {"items": [{"a": 1}]}),
                    node("x", "set", {"fields": [{"name": "y", "value": "={{ 1 / 0 }}"}]})],
                   [{"source": "src", "target": "x"}])  # fmt: skip
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert nodefox_cli("run", str(tmp_path / "good.json"), "--record", str(tmp_path)).returncode == 0
    assert nodefox_cli("run", str(tmp_path / "bad.json"), "--record", str(tmp_path)).returncode == 1
    listed = nodefox_cli("executions", str(tmp_path), "--json")
    rows = json.loads(listed.stdout)
    assert [(r["workflow"], r["status"], r["trigger"]) for r in rows] == [("bad", "error", "manual"), ("good", "ok", "manual")]
    only = json.loads(nodefox_cli("executions", str(tmp_path), "--status", "error", "--json").stdout)
    assert [r["workflow"] for r in only] == ["bad"]
    only = json.loads(nodefox_cli("executions", str(tmp_path), "--workflow", "good.json", "--json").stdout)
    assert [r["workflow"] for r in only] == ["good"]
    table = nodefox_cli("executions", str(tmp_path)).stdout
    assert table.splitlines()[0].split()[:4] == ["id", "workflow", "trigger", "status"] and "bad" in table
    with sqlite3.connect(db_path(tmp_path)) as db:
        result = json.loads(db.execute("SELECT result FROM executions WHERE workflow='good'").fetchone()[0])
    assert result["nodes"]["src"]["outputs"]["out"] == [{"a": 1}] and "stats" not in result


def test_run_record_keeps_the_folders_limits(tmp_path):
    (tmp_path / "nodefox.toml").write_text("[executions]\nmax_count = 2\n")
    (tmp_path / "w.json").write_text(json.dumps(document([node("src", "data", {"items": [{"a": 1}]})])))
    for _ in range(3):
        assert nodefox_cli("run", str(tmp_path / "w.json"), "--record", str(tmp_path)).returncode == 0
    assert [r["id"] for r in Store.of(tmp_path).list()] == [3, 2]


def test_executions_cli_messages(tmp_path):
    proc = nodefox_cli("executions", str(tmp_path))
    assert proc.returncode == 2 and "no executions recorded" in proc.stderr
    Store.of(tmp_path).close()
    proc = nodefox_cli("executions", str(tmp_path), "--status", "weird")
    assert proc.returncode == 2 and "--status" in proc.stderr and "Traceback" not in proc.stderr
    proc = nodefox_cli("run", "-", "--record", str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def slow_flow(items: int = 4000) -> dict:
    """A webhook workflow that takes a few tens of milliseconds to run."""
    rows = [{"k": i % 97, "v": i} for i in range(items)]
    fields = [{"name": f"f{j}", "value": f"={{{{ $json.v * {j} + $json.k }}}}"} for j in range(4)]
    nodes = [node("hook", "webhook", {"path": "slow"}), node("src", "data", {"items": rows}),
             node("calc", "set", {"fields": fields}), node("one", "limit", {"max": 1}),
             node("answer", "respond", {"body": "={{ {'f1': $json.f1} }}"})]  # fmt: skip
    edges = [{"source": "src", "target": "calc"}, {"source": "calc", "target": "one"},
             {"source": "one", "target": "answer"}]  # fmt: skip
    return {"nodefox": 1, "name": "slow", "nodes": nodes, "edges": edges}


def test_a_killed_server_forgets_no_accepted_call(tmp_path):
    """Kill -9 mid-burst, restart: every execution accepted is finished (run again if it had
    not started) or marked failed (it was running), none left queued or running."""
    (tmp_path / "slow.json").write_text(json.dumps(slow_flow()))
    server = Server(tmp_path, "--triggers", "--workers", "1")
    answered: dict[int, object] = {}
    wrong: list[str] = []
    lock = threading.Lock()

    def caller(n: int) -> None:
        body = json.dumps({"n": n}).encode()
        req = urllib.request.Request(server.url + "/hook/slow", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp, lock:
                answered[int(resp.headers["x-nodefox-execution"])] = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            wrong.append(f"call {n}: {exc.code} {exc.read()!r}")
        except (urllib.error.URLError, ConnectionError, OSError):
            pass  # the server was killed under this call

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    assert wait_for(lambda: len(answered) >= 3, timeout=60), "some calls answered before the kill"
    server.stop(kill=True)
    for t in threads:
        t.join(timeout=60)
    assert wrong == [], "no call answered wrongly"
    assert all(body == {"f1": 0} for body in answered.values())
    with sqlite3.connect(db_path(tmp_path)) as db:
        before = dict(db.execute("SELECT id, status FROM executions").fetchall())
    waiting = [i for i, s in before.items() if s == "queued"]
    assert waiting, f"the kill left queued executions to recover: {before}"
    assert all(before[i] == "ok" for i in answered)

    restarted = Server(tmp_path, "--triggers", "--workers", "1")
    try:
        def settled() -> dict:
            with sqlite3.connect(db_path(tmp_path)) as db:
                now = dict(db.execute("SELECT id, status FROM executions").fetchall())
            return now if not {"queued", "running"} & set(now.values()) else {}

        after = wait_for(settled, timeout=60)
        assert after, "every accepted execution finished or failed after the restart"
        assert set(after) == set(before), "none forgotten, none made up"
        assert all(after[i] == "ok" for i in waiting), "the queued ones ran after the restart"
        assert all(after[i] in ("ok", "failed") for i in after)
        assert all(after[i] == "failed" for i, s in before.items() if s == "running")
    finally:
        assert "Traceback" not in restarted.stop()


def test_workers_end_with_a_killed_server(tmp_path):
    (tmp_path / "slow.json").write_text(json.dumps(slow_flow(10)))
    server = Server(tmp_path, "--triggers", "--workers", "2")
    assert server.call("POST", "/hook/slow", {"n": 1}, token=False)[0] == 200
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children")
    if not children.exists():
        server.stop()
        pytest.skip("no /proc children list here")
    workers = [int(p) for p in children.read_text().split()]
    assert workers
    server.stop(kill=True)
    assert wait_for(lambda: not any(Path(f"/proc/{p}").exists() and "zombie" not in
                                    Path(f"/proc/{p}/status").read_text().lower() for p in workers), timeout=10)  # fmt: skip


# -- PostgreSQL --------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").is_dir() else []
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL server of its own (Debian's postgresql package), on a Unix socket."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("Debian's postgresql is not installed")
    pytest.importorskip("psycopg")
    import shutil
    import socket

    base = tmp_path_factory.mktemp("pg")
    data, sock_dir = base / "data", base / "sock"
    sock_dir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser")
        as_user = [runuser, "-u", "postgres", "--"]
        base.chmod(0o755)
        for p in (base.parent, base.parent.parent):
            p.chmod(p.stat().st_mode | 0o011)
        shutil.chown(base, "postgres")
        shutil.chown(sock_dir, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    init = subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "nodefox"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    if init.returncode != 0:
        pytest.skip(f"initdb failed: {init.stderr[-500:]}")
    server = subprocess.Popen([*as_user, str(bin_dir / "postgres"), "-D", str(data), "-k", str(sock_dir),
                               "-p", str(port), "-c", "listen_addresses="],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    url = f"postgresql://nodefox@/postgres?host={sock_dir}&port={port}"
    import psycopg

    def ready() -> bool:
        try:
            psycopg.connect(url).close()
            return True
        except psycopg.OperationalError:
            return server.poll() is not None

    wait_for(ready, timeout=30)
    if server.poll() is not None:
        pytest.skip(f"postgres did not start: {server.stderr.read()[-500:]!r}")
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_postgres_store(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("NODEFOX_DATABASE_URL", postgres_url)
    store = Store.of(tmp_path)
    assert store.dialect == "postgresql" and not db_path(tmp_path).exists()
    first = store.queue("w", "h", "webhook", [{"n": 1}])
    running = store.queue("w", "h", "webhook", None)
    store.start(first)
    store.finish(first, "ok", '{"status":"ok"}')
    store.start(running)
    store.close()
    again = Store.of(tmp_path)
    assert again.recover() == []
    assert again.get(running)["status"] == "failed" and again.get(first)["result"] == {"status": "ok"}
    assert [r["id"] for r in again.list(status="ok")] == [first]
    assert again.prune(Limits(max_count=1)) == 1
    again.close()


def test_postgres_behind_the_server(postgres_url, tmp_path):
    """`serve DIR --triggers` with NODEFOX_DATABASE_URL: calls are recorded on the server."""
    flow = slow_flow(5)
    (tmp_path / "slow.json").write_text(json.dumps(flow))
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS executions")
    os.environ["NODEFOX_DATABASE_URL"] = postgres_url
    try:
        server = Server(tmp_path, "--triggers")
    finally:
        del os.environ["NODEFOX_DATABASE_URL"]
    try:
        for n in range(5):
            assert server.call("POST", "/hook/slow", {"n": n}, token=False)[0] == 200
    finally:
        assert "Traceback" not in server.stop()
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM executions WHERE status='ok'").fetchone()[0] == 5
    assert not db_path(tmp_path).exists()
