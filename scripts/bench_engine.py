"""Engine measurements, run unchanged natively and inside Pyodide.

`main(input_text) -> str` takes {"docs": {...}, "quick": bool, "only": [...], ...}
(see bench.py's `engine_input`) and returns timings in milliseconds as JSON text.
The same code runs in both places so the figures compare like with like, and
each throughput figure has a plain-Python loop doing the same dict work, timed
in the same process, to divide by.
"""

from __future__ import annotations

import json
import sys
import time

import nodefox
from nodefox import bridge

FIGURES = ("run", "chain", "expr", "fan", "pipeline", "edit", "move", "equal", "growth")


def _times(fn, repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _apply(ops: list) -> dict:
    return json.loads(bridge.handle(json.dumps({"rev": 0, "ops": ops})))


def _timed_apply(ops: list) -> tuple[float, dict]:
    """(ms, answer) of one message through the bridge, as the worker calls it: text in, text out.

    Reading the answer is the page's work (in JavaScript), so it is not timed here.
    """
    message = json.dumps({"rev": 0, "ops": ops})
    start = time.perf_counter()
    text = bridge.handle(message)
    ms = (time.perf_counter() - start) * 1000
    return ms, json.loads(text)


def _edit_times(doc: dict, edit: list, repeat: int) -> tuple[list, list]:
    """Time one patch_params through the JSON bridge, alternating values: (ms, nodes ran)."""
    node, path, values = edit
    _apply([{"op": "load", "workflow": doc}])
    times, ran = [], []
    for i in range(repeat + 2):
        op = {"op": "patch_params", "id": node, "path": path, "value": values[i % len(values)]}
        ms, answer = _timed_apply([op])
        assert not answer.get("rejected"), answer["rejected"]
        if i >= 2:  # the first two edits warm the caches
            times.append(ms)
            ran.append(answer["stats"]["ran"])
    return times, ran


# -- the same dict work in plain Python ------------------------------------------


def plain_chain(n: int, item: dict) -> dict:
    for i in range(n):
        item = {**item, f"f{i}": item["a"] * 2 + 1}
    return item


def plain_set(items: list) -> list:
    return [{**it, "f0": it["a"] * 2 + 1} for it in items]


def plain_fan(n: int, items: list) -> list:
    out = []
    for i in range(n):
        kept = [it for it in items if it["a"] > i % 97]
        dropped = [it for it in items if not it["a"] > i % 97]
        out.append([{**it, "b": it["price"] * (i + 1)} for it in kept] + dropped)
    return out


def plain_pipeline(items: list) -> list:
    totals = [{**it, "total": it["price"] * it["qty"]} for it in items]
    kept = [it for it in totals if it["total"] > 100]
    return sorted(kept, key=lambda it: it["total"], reverse=True)[:10]


def plain_copies(items: list, nodes: int) -> None:
    """Every item copied once per node: the floor of what a graph of `nodes` nodes costs."""
    for _ in range(nodes):
        items = [{**it} for it in items]


def _node_ms(result: dict, node: str) -> float:
    return result["stats"]["nodes"][node]["ms"]


def main(input_text: str) -> str:
    spec = json.loads(input_text)
    docs = spec["docs"]
    quick = spec.get("quick", False)
    only = set(spec.get("only") or FIGURES)
    n = 5 if quick else 25  # repeats of whole runs
    edits = 40 if quick else 200  # repeats of one edit: enough for a p95
    out: dict = {"python": sys.version.split()[0]}

    if "run" in only:
        report = docs["report"]
        out["report_run_ms"] = _times(lambda: nodefox.run(report, allow_code=True), n)
        items = report["nodes"][0]["params"]["items"]
        out["report_nodes"] = len(report["nodes"])
        out["report_plain_ms"] = _times(lambda: plain_copies(items, len(report["nodes"])), n)
    if "chain" in only:
        chain = docs["chain-1000"]
        out["chain1000_ms"] = _times(lambda: nodefox.run(chain), n)
        first = chain["nodes"][0]["params"]["items"][0]
        out["chain1000_plain_ms"] = _times(lambda: plain_chain(1000, first), n)
    if "expr" in only:
        expr = docs["expr"]
        items = expr["nodes"][0]["params"]["items"]
        node_ms: list[float] = []
        reps = max(3, n // 3)
        out["expr_run_ms"] = _times(lambda: node_ms.append(_node_ms(nodefox.run(expr), "s0")), reps)
        out["expr_node_ms"] = node_ms[1:]  # the first call was the warm-up
        out["expr_plain_ms"] = _times(lambda: plain_set(items), reps)
        out["expr_items"] = len(items)
    if "fan" in only:
        fan = docs["fan-100"]
        items = fan["nodes"][0]["params"]["items"]
        branches = (len(fan["nodes"]) - 1) // 3
        out["fan_run_ms"] = _times(lambda: nodefox.run(fan), max(3, n // 3))
        out["fan_plain_ms"] = _times(lambda: plain_fan(branches, items), max(3, n // 3))
        out["fan_nodes"], out["fan_items"] = len(fan["nodes"]), len(items)
    if "pipeline" in only:
        out["pipeline"] = {}
        for name, doc in docs.items():
            if not name.startswith("pipeline-"):
                continue
            items = doc["nodes"][0]["params"]["items"]
            per_node: dict[str, list] = {}

            def run_pipeline(doc: dict = doc, per_node: dict = per_node) -> None:
                res = nodefox.run(doc)
                for node_id, entry in res["stats"]["nodes"].items():
                    per_node.setdefault(node_id, []).append(entry["ms"])

            reps = max(3, n // 3)
            whole = _times(run_pipeline, reps)
            out["pipeline"][name] = {
                "items": len(items), "run_ms": whole,
                "node_ms": {k: v[1:] for k, v in per_node.items()},
                "plain_ms": _times(lambda items=items: plain_pipeline(items), reps),
            }  # fmt: skip
    if "edit" in only:
        out["edit_ms"], out["edit_ran"] = _edit_times(docs["report"], spec["report_edit"], edits)
    if "move" in only:
        _apply([{"op": "load", "workflow": docs["report"]}])
        moves, ran = [], []
        for i in range(edits):
            ms, answer = _timed_apply([{"op": "move", "id": spec["report_edit"][0], "position": [i, i]}])
            moves.append(ms)
            ran.append(answer["stats"]["ran"])
        out["move_ms"], out["move_ran"] = moves, ran
    if "equal" in only:
        # two spellings of one value: the node re-runs, its outputs are equal, nothing downstream runs
        out["equal_ms"], out["equal_ran"] = _edit_times(docs["report"], spec["equal_edit"], edits)
    if "growth" in only:
        out["small_edit_ms"], out["small_edit_ran"] = _edit_times(docs["small"], spec["big_edit"], edits)
        out["big_edit_ms"], out["big_edit_ran"] = _edit_times(docs["big-1000"], spec["big_edit"], edits)
        out["small_last_ms"], out["small_last_ran"] = _edit_times(docs["small"], spec["last_edit"], edits)
        out["big_last_ms"], out["big_last_ran"] = _edit_times(docs["big-1000"], spec["last_edit"], edits)
        out["small_nodes"], out["big_nodes"] = len(docs["small"]["nodes"]), len(docs["big-1000"]["nodes"])
        if "chain-10" in docs:
            out["chain10_ms"], out["chain10_ran"] = _edit_times(docs["chain-10"], spec["chain_edit"], edits)
    if "memory" in only:
        # the heap is read by the caller (Pyodide: the wasm memory, which never shrinks, so its peak)
        _edit_times(docs["big-1000"], spec["big_edit"], 5)
    return json.dumps(out)
