"""Webhook throughput: calls/s and p50/p95 latency of `nodefox serve DIR --triggers` for a
small workflow (webhook -> set -> respond) at 20 concurrent callers, each call recorded.

    PYTHONPATH=engine .venv/bin/python scripts/bench_webhook.py [--calls 2000] [--concurrency 20] [--json] [--peers]

It makes a workspace in a temporary folder, starts the server on a free port, checks every
answer, and checks that every call was recorded in DIR/.nodefox/executions.db.

--peers: the same workflow as an n8n webhook (Webhook -> Edit Fields -> Respond to
Webhook), n8n installed as scripts/bench_peers.py installs it (bench/peers/n8n), started
with its defaults (regular mode, SQLite, every execution saved), same callers, same checks
of the answers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WORKFLOW = {
    "nodefox": 1,
    "name": "bench",
    "nodes": [
        {"id": "hook", "type": "webhook", "params": {"path": "bench"}},
        {"id": "total", "type": "set", "params": {"fields": [
            {"name": "total", "value": "={{ $json.body.price * $json.body.qty }}"}]}},
        {"id": "answer", "type": "respond", "params": {"body": "={{ {'id': $json.body.id, 'total': $json.total} }}"}},
    ],
    "edges": [{"source": "hook", "target": "total"}, {"source": "total", "target": "answer"}],
}  # fmt: skip


def start(folder: Path, workers: int | None) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "engine")}
    extra = ["--workers", str(workers)] if workers else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "nodefox", "serve", str(folder), "--triggers", "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        proc.kill()
        raise SystemExit(f"bench: the server did not start: {line}{proc.stderr.read()}")
    return proc, int(found.group(1))


def call(conn: http.client.HTTPConnection, n: int, path: str = "/hook/bench") -> float:
    body = json.dumps({"id": n, "price": 3, "qty": n % 7})
    t0 = time.perf_counter()
    conn.request("POST", path, body, {"content-type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    took = time.perf_counter() - t0
    if resp.status != 200 or json.loads(data) != {"id": n, "total": 3 * (n % 7)}:
        raise RuntimeError(f"call {n}: wrong answer {resp.status} {data[:200]!r}")
    return took


def burst(port: int, calls: int, concurrency: int, path: str = "/hook/bench") -> tuple[float, list[float]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(calls))

    def caller() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            try:
                took = call(conn, n, path)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(str(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                latencies.append(took)
        conn.close()

    threads = [threading.Thread(target=caller) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"bench: {len(errors)} calls failed, first: {errors[0]}")
    return wall, latencies


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def n8n_workflow() -> dict:
    def node(name: str, type_: str, version: float, params: dict, x: int, **extra: object) -> dict:
        return {"id": f"bench-{name}", "name": name, "type": f"n8n-nodes-base.{type_}", "typeVersion": version,
                "position": [x, 0], "parameters": params, **extra}  # fmt: skip

    nodes = [
        node("Hook", "webhook", 2, {"httpMethod": "POST", "path": "bench", "responseMode": "responseNode",
                                    "options": {}}, 0, webhookId="6f1e0c55-0d3c-4d59-9a57-0b5e1c2d3e4f"),
        node("total", "set", 3.4, {"includeOtherFields": True, "options": {}, "assignments": {"assignments": [
            {"id": "a1", "name": "total", "value": "={{ $json.body.price * $json.body.qty }}", "type": "number"}]}}, 200),
        node("answer", "respondToWebhook", 1.1, {"respondWith": "json", "options": {},
             "responseBody": "={{ JSON.stringify({id: $json.body.id, total: $json.total}) }}"}, 400),
    ]  # fmt: skip

    def to(target: str) -> dict:
        return {"main": [[{"node": target, "type": "main", "index": 0}]]}

    return {"id": "nodefoxWebhookBench", "name": "nodefox webhook bench", "active": True, "nodes": nodes,
            "connections": {"Hook": to("total"), "total": to("answer")}, "settings": {"executionOrder": "v1"}}


def bench_n8n(calls: int, concurrency: int) -> dict:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_peers

    folder = root / "bench" / "peers" / "n8n"
    bench_peers._install(folder, "n8n")
    home = folder / "home-webhook"
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port = _free_port()
    env = {**os.environ, "N8N_USER_FOLDER": str(home), "N8N_DIAGNOSTICS_ENABLED": "false",
           "N8N_VERSION_NOTIFICATIONS_ENABLED": "false", "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
           "N8N_PORT": str(port), "N8N_LISTEN_ADDRESS": "127.0.0.1", "N8N_SECURE_COOKIE": "false",
           "N8N_RUNNERS_ENABLED": "false", "N8N_PERSONALIZATION_ENABLED": "false"}  # fmt: skip
    n8n = str(folder / "node_modules" / ".bin" / "n8n")
    wf = home / "bench.json"
    wf.write_text(json.dumps(n8n_workflow()))
    for args in (["import:workflow", f"--input={wf}"], ["publish:workflow", "--id=nodefoxWebhookBench"]):
        proc = subprocess.run([n8n, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0 and args[0] == "publish:workflow":  # before n8n 2: update --active
            proc = subprocess.run([n8n, "update:workflow", "--id=nodefoxWebhookBench", "--active=true"],
                                  env=env, capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"bench: n8n {args[0]} failed: {(proc.stderr or proc.stdout)[-800:]}")
    server = subprocess.Popen([n8n, "start"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                call(conn, 1, "/webhook/bench")
                conn.close()
                break
            except (OSError, RuntimeError, ValueError) as exc:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"bench: n8n's webhook never answered: {exc}") from None
                time.sleep(1)
        burst(port, 100, concurrency, "/webhook/bench")
        wall, latencies = burst(port, calls, concurrency, "/webhook/bench")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    return figures(calls, concurrency, wall, latencies) | {"version": bench_peers.N8N}


def figures(calls: int, concurrency: int, wall: float, latencies: list[float]) -> dict:
    return {
        "calls": calls, "concurrency": concurrency, "calls_per_s": round(calls / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2), "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }  # fmt: skip


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench_webhook.py")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workers", type=int, help="the server's worker processes (default: one per core)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--peers", action="store_true", help="also n8n's webhook (installs n8n into bench/peers)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bench.json").write_text(json.dumps(WORKFLOW, indent=2))
        proc, port = start(folder, args.workers)
        try:
            burst(port, 100, args.concurrency)  # warm up: workers started, documents cached
            wall, latencies = burst(port, args.calls, args.concurrency)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with sqlite3.connect(folder / ".nodefox" / "executions.db") as db:
            recorded = db.execute("SELECT count(*) FROM executions WHERE status='ok'").fetchone()[0]
    out = figures(args.calls, args.concurrency, wall, latencies) | {"recorded_ok": recorded, "cores": os.cpu_count()}
    if recorded != args.calls + 100:
        raise SystemExit(f"bench: {recorded} executions recorded ok, expected {args.calls + 100}")
    if args.peers:
        out["n8n"] = bench_n8n(args.calls, args.concurrency)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"webhook, {args.concurrency} concurrent callers, {args.calls} calls on {os.cpu_count()} cores: "
          f"NodeFox {out['calls_per_s']} calls/s, p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms "
          f"(every answer checked, {recorded} executions recorded)")
    if "n8n" in out:
        n = out["n8n"]
        print(f"n8n {n['version']}: {n['calls_per_s']} calls/s, p50 {n['p50_ms']} ms, p95 {n['p95_ms']} ms; "
              f"NodeFox/n8n calls/s: {out['calls_per_s'] / n['calls_per_s']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
