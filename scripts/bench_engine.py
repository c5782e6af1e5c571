"""Engine measurements, run unchanged natively and inside Pyodide.

`main(input_text) -> str` takes {"docs": {...}, "quick": bool, "only": [...]} and
returns timings in milliseconds as JSON text. The same code runs in both places
so the figures compare like with like.
"""

from __future__ import annotations

import json
import time

import nodefox
from nodefox import bridge


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


def _edit_times(doc: dict, node: str, path: str, values: list, repeat: int) -> tuple[list, list]:
    """Time one patch_params through the JSON bridge, alternating values; (ms, ran counts)."""
    _apply([{"op": "load", "workflow": doc}])
    times, ran = [], []
    for i in range(repeat + 2):
        op = {"op": "patch_params", "id": node, "path": path, "value": values[i % len(values)]}
        start = time.perf_counter()
        answer = _apply([op])
        ms = (time.perf_counter() - start) * 1000
        if i >= 2:  # the first two edits warm the caches
            times.append(ms)
            ran.append(answer["stats"]["ran"])
    return times, ran


def plain_chain(n: int, item: dict) -> dict:
    for i in range(n):
        item = {**item, f"f{i}": item["a"] * 2 + 1}
    return item


def plain_set(items: list) -> list:
    return [{**it, "f0": it["a"] * 2 + 1} for it in items]


def main(input_text: str) -> str:
    spec = json.loads(input_text)
    docs = spec["docs"]
    quick = spec.get("quick", False)
    only = set(spec.get("only") or ["run", "chain", "expr", "edit", "move", "equal", "growth"])
    n = 5 if quick else 25
    out: dict = {"python": __import__("sys").version.split()[0]}

    if "run" in only:
        out["report_run_ms"] = _times(lambda: nodefox.run(docs["report"]), n)
    if "chain" in only:
        chain = docs["chain-1000"]
        out["chain1000_ms"] = _times(lambda: nodefox.run(chain), n)
        first = chain["nodes"][0]["params"]["items"][0]
        out["chain1000_plain_ms"] = _times(lambda: plain_chain(1000, first), n)
    if "expr" in only:
        expr = docs["expr"]
        items = expr["nodes"][0]["params"]["items"]
        node_ms = []

        def run_expr() -> None:
            node_ms.append(nodefox.run(expr)["stats"]["nodes"]["s0"]["ms"])

        out["expr_run_ms"] = _times(run_expr, max(3, n // 3))
        out["expr_node_ms"] = node_ms[1:]
        out["expr_plain_ms"] = _times(lambda: plain_set(items), max(3, n // 3))
        out["expr_items"] = len(items)
    if "edit" in only:
        node, path, values = spec["report_edit"]
        out["edit_ms"], out["edit_ran"] = _edit_times(docs["report"], node, path, values, 4 * n)
    if "move" in only:
        _apply([{"op": "load", "workflow": docs["report"]}])
        moves = []
        for i in range(4 * n):
            start = time.perf_counter()
            answer = _apply([{"op": "move", "id": "big", "position": [i, i]}])
            moves.append((time.perf_counter() - start) * 1000)
            assert answer["stats"]["ran"] == 0
        out["move_ms"] = moves
    if "equal" in only:
        # two spellings of the same value: `top3` re-runs, its outputs are equal, nothing downstream runs
        values = [3, "={{ 1 + 2 }}"]
        out["equal_ms"], out["equal_ran"] = _edit_times(docs["report"], "top3", "/max", values, 4 * n)
    if "growth" in only:
        node, path, values = spec["big_edit"]
        out["lane_edit_ms"], _ = _edit_times(docs["lane"], node, path, values, 4 * n)
        out["big_edit_ms"], out["big_edit_ran"] = _edit_times(docs["big-1000"], node, path, values, 4 * n)
    if "memory" in only:
        _apply([{"op": "load", "workflow": docs["big-1000"]}])
        node, path, values = spec["big_edit"]
        _edit_times(docs["big-1000"], node, path, values, 5)
    return json.dumps(out)
