"""What the `http` node costs per request, natively, against a server on localhost.

    PYTHONPATH=engine .venv/bin/python scripts/bench_http.py [--requests 1000] [--rounds 5]

The test server (tests/httpserver.py) runs in a process of its own, so it does not share
this process's interpreter. The rounds are interleaved (one of each
figure in turn), so a busy moment of the machine hits all alike; each figure is the
median over the rounds of (round time / requests), in microseconds per request:

- bare urllib3: a loop of `PoolManager.request("GET", url)`, the floor;
- net.fetch: the same requests through NodeFox's transport layer (permission check,
  retry and redirect handling, header normalising);
- http node: a workflow whose `http` node gets N items and makes one GET per item
  (the URL an expression of the item), as `nodefox.run` runs it, minus a `noop` run of
  the same workflow (the rest of the engine's work).

On a busy machine the round means carry every stall of the scheduler, so each figure
also has the median of its single requests (for the node: each item's request as the
node makes it, timed around the node's per-request function); the overheads are
computed from those.

Then the live session's case: a re-run of that node with every response in the read
cache (nothing sent) against a `noop` on the same N items.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nodefox
import urllib3
from nodefox import net
from nodefox.document import load
from nodefox.execute import Run, RunSettings
from nodefox.nodes import http as http_node
from nodefox.world import ReadCache, World

ROOT = Path(__file__).resolve().parents[1]


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "httpserver.py")],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    base = proc.stdout.readline().strip()
    if not base.startswith("http://"):
        proc.kill()
        raise SystemExit(f"the test server did not start: {base!r}")
    return proc, base


def each_request(send, n: int) -> list[float]:
    """Microseconds of each of n requests, timed one by one."""
    times = []
    clock = time.perf_counter
    for _ in range(n):
        start = clock()
        send()
        times.append((clock() - start) * 1e6)
    return times


def whole_run(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def workflow(base: str, n: int, node_type: str) -> dict:
    params = {"url": f"={base}/json?i={{{{ $index }}}}"} if node_type == "http" else {}
    return {
        "nodefox": 1, "settings": {"now": "2026-01-01T00:00:00Z"},
        "nodes": [{"id": "src", "type": "data", "params": {"items": [{"i": i} for i in range(n)]}},
                  {"id": "n", "type": node_type, "params": params}],
        "edges": [{"source": "src", "target": "n"}],
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    n, rounds = args.requests, args.rounds
    server, base = start_server()
    try:
        pool = urllib3.PoolManager()
        url = f"{base}/json"

        def bare() -> None:
            assert pool.request("GET", url).status == 200

        world = World(allow_net=["127.0.0.1"])

        def fetched() -> None:
            assert net.fetch(world, "n", net.Request("GET", url, {}, None, 10.0)).status == 200

        http_doc, noop_doc = load(workflow(base, n, "http")), load(workflow(base, n, "noop"))

        def node_run() -> None:
            result = nodefox.run(http_doc, allow_net=["127.0.0.1"])
            assert result["status"] == "ok", result["nodes"]["n"]

        # each item's request as the node makes it (build, send, read into items), timed
        # one by one like the loops above; the expression's evaluation is not in it
        item_times: list[float] = []
        make_items = http_node._call

        def timed_call(*a, **kw):
            start = time.perf_counter()
            try:
                return make_items(*a, **kw)
            finally:
                item_times.append((time.perf_counter() - start) * 1e6)

        # the live session: every response already in the read cache
        cache_world = World(allow_net=["127.0.0.1"], cache=ReadCache(limit=n + 10))

        def cached_run() -> None:
            result = Run(http_doc, RunSettings.of(http_doc.raw, None, False, world=cache_world)).execute()
            assert result["status"] == "ok"

        for warm in (bare, fetched, node_run, cached_run):
            warm()  # connections, imports, the cache filled
        filled = len(cache_world.cache)
        # rounds interleaved, so a busy moment of the machine hits every figure alike
        keys = ("bare", "fetch", "node", "noop", "cached", "noop1", "bare1", "fetch1")
        times: dict[str, list[float]] = {k: [] for k in keys}
        for _ in range(rounds):
            for key, send in (("bare", bare), ("fetch", fetched)):
                each = each_request(send, n)
                times[key].append(sum(each) / n)  # the round's mean, as for the node
                times[key + "1"] += each
            http_node._call = timed_call
            try:
                times["node"].append(whole_run(node_run) * 1000 / n)
            finally:
                http_node._call = make_items
            times["noop"].append(whole_run(lambda: nodefox.run(noop_doc)) * 1000 / n)
            times["cached"].append(whole_run(cached_run))
            times["noop1"].append(whole_run(lambda: nodefox.run(noop_doc)))
        assert len(cache_world.cache) == filled  # the cached runs fetched nothing
    finally:
        server.terminate()
        server.wait()

    med = {k: statistics.median(v) for k, v in times.items()}
    node = med["node"] - med["noop"]
    print(f"{n} GET requests to {base}/json, {rounds} rounds interleaved: median over the rounds "
          "of the round's time per request (µs)")  # fmt: skip
    print(f"  bare urllib3 loop      {med['bare']:8.1f}   (median single request {med['bare1']:.1f})")
    print(f"  net.fetch              {med['fetch']:8.1f}   (median single request {med['fetch1']:.1f})")
    print(f"  http node, per item    {node:8.1f}   (median single item {statistics.median(item_times):.1f}; "
          f"a run of {n} items, minus a noop run's)")  # fmt: skip
    single = statistics.median(item_times) - med["bare1"]
    print(f"  overhead per request over bare urllib3 (single medians): net.fetch "
          f"{med['fetch1'] - med['bare1']:+.1f} µs, http node {single:+.1f} µs")  # fmt: skip
    print(f"cached re-run on {n} items (live session, nothing sent): {med['cached']:.1f} ms for the "
          f"whole run; a noop instead of the http node: {med['noop1']:.1f} ms")  # fmt: skip

if __name__ == "__main__":
    main()
