"""Webhook throughput: calls/s and p50/p95 latency of `nodefox serve DIR --triggers` for a
small workflow (webhook -> set -> respond) at 20 concurrent callers, each call recorded.

    PYTHONPATH=engine .venv/bin/python scripts/bench_webhook.py [--calls 2000] [--concurrency 20] [--json]

It makes a workspace in a temporary folder, starts the server on a free port, checks every
answer, and checks that every call was recorded in DIR/.nodefox/executions.db.
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


def call(conn: http.client.HTTPConnection, n: int) -> float:
    body = json.dumps({"id": n, "price": 3, "qty": n % 7})
    t0 = time.perf_counter()
    conn.request("POST", "/hook/bench", body, {"content-type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    took = time.perf_counter() - t0
    if resp.status != 200 or json.loads(data) != {"id": n, "total": 3 * (n % 7)}:
        raise RuntimeError(f"call {n}: wrong answer {resp.status} {data[:200]!r}")
    return took


def burst(port: int, calls: int, concurrency: int) -> tuple[float, list[float]]:
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
                took = call(conn, n)
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


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench_webhook.py")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workers", type=int, help="the server's worker processes (default: one per core)")
    ap.add_argument("--json", action="store_true")
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
    out = {
        "calls": args.calls, "concurrency": args.concurrency,
        "calls_per_s": round(args.calls / wall, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "recorded_ok": recorded, "cores": os.cpu_count(),
    }  # fmt: skip
    if recorded != args.calls + 100:
        raise SystemExit(f"bench: {recorded} executions recorded ok, expected {args.calls + 100}")
    if args.json:
        print(json.dumps(out))
    else:
        print(f"webhook, {args.concurrency} concurrent callers, {args.calls} calls on {os.cpu_count()} cores: "
              f"{out['calls_per_s']} calls/s, p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms "
              f"(every answer checked, {recorded} executions recorded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
