"""Undo, workflow rename and a whole `set` run, as issue 9 measured them.

    PYTHONPATH=engine .venv/bin/python scripts/bench_live.py

Undo: on a 31-node chain of 1,000 items, an edit near the end, then a `load` of the
document from before it (what the editor's undo sends): nodes run, entries answered, and
the time against the edit's. Rename: `set_name` runs nothing. Whole run: `set`
`$json.a * 2 + 1` over 100,000 items against a plain loop doing the same dict work.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nodefox  # noqa: E402
import workloads  # noqa: E402
from nodefox import bridge  # noqa: E402


def call(ops: list) -> tuple[float, dict]:
    message = json.dumps({"rev": 0, "ops": ops})
    start = time.perf_counter()
    text = bridge.handle(message)
    return (time.perf_counter() - start) * 1000, json.loads(text)


def live() -> None:
    call([{"op": "load", "workflow": workloads.chain(31, 1000)}])
    edits, undos, ran, answered, renames, renamed_ran = [], [], set(), set(), [], set()
    for i in range(15):
        before = call([{"op": "export"}])[1]["workflow"]
        ms, _ = call([{"op": "patch_params", "id": "s29", "path": "/fields/0/value", "value": f"={{{{ $json.a * {i + 3} }}}}"}])
        edits.append(ms)
        ms, answer = call([{"op": "load", "workflow": before}])
        undos.append(ms)
        ran.add(answer["stats"]["ran"])
        answered.add(len(answer["nodes"]))
        ms, answer = call([{"op": "set_name", "name": f"w{i}"}])
        renames.append(ms)
        renamed_ran.add(answer["stats"]["ran"])
    m = statistics.median
    print(f"edit p50 {m(edits):.2f} ms; undo p50 {m(undos):.2f} ms ({m(undos) / m(edits):.2f}x), "
          f"nodes run {sorted(ran)}, entries answered {sorted(answered)}; "
          f"rename p50 {m(renames):.2f} ms, nodes run {sorted(renamed_ran)}")  # fmt: skip


def whole() -> None:
    items = [{"a": i} for i in range(100_000)]
    doc = workloads.chain(1, 1)
    doc["nodes"][0] = {"id": "src", "type": "trigger"}

    def best(fn, n: int = 9) -> float:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    loop = best(lambda: [{**it, "b": it["a"] * 2 + 1} for it in items])
    run = best(lambda: nodefox.run(doc, items))
    print(f"set over 100,000 items: plain loop {loop:.1f} ms, nodefox.run {run:.1f} ms "
          f"({run / loop:.2f}x, {100_000 / run * 1000:,.0f} items/s)")  # fmt: skip


if __name__ == "__main__":
    live()
    whole()
