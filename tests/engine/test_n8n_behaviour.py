"""n8n's node behaviour as facts (`tests/corpus/n8n/behaviour/cases.json`): import, run, compare.

Each case is one n8n node with the items on its inputs and the items n8n gives
on each output. The test wraps it in an n8n workflow (pinned inputs, a No-Op
after each output), imports that, runs it with NodeFox and compares every
output. `test_pass_rate` prints the pass rate per n8n node type.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from nodefox import run
from nodefox.n8n import translate

CASES = json.loads((Path(__file__).parents[1] / "corpus/n8n/behaviour/cases.json").read_text(encoding="utf-8"))["cases"]
# deliberate divergences, each explained in docs/n8n.md
DIVERGES = {
    "summarize: count, unique count, concatenate by two fields": "groups in order of first appearance, not nested by field",
    "splitOut: no other fields": "an object element becomes {field: element}, not the item itself",
    "switch v2: rules and fallback on numbers": "a rule's items, then the fallback's, where n8n keeps item order",
}


def workflow(case: dict) -> dict:
    node = {"name": "Node", "position": [200, 0], **case["node"]}
    nodes, pins, connections = [node], {}, {}
    for k, items in enumerate(case["inputs"]):
        name = f"Input {k}"
        nodes.append({"name": name, "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}, "position": [0, k * 100]})
        pins[name] = [{"json": item} for item in items]
        connections[name] = {"main": [[{"node": "Node", "type": "main", "index": k}]]}
    outs = []
    for j in sorted(case["outputs"], key=int):
        name = f"Out {j}"
        nodes.append({"name": name, "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}, "position": [400, int(j) * 100]})
        outs.append([{"node": name, "type": "main", "index": 0}])
    connections["Node"] = {"main": outs}
    return {"name": "case", "nodes": nodes, "connections": connections, "pinData": pins}


def outcome(case: dict, **world) -> tuple[bool, str]:
    doc, report = translate(workflow(case))
    if report["nodes"]["placeholders"] or report["expressions"]["untranslated"]:
        return False, f"not translated: {report}"
    result = run(doc, allow_code=False, **world)
    ids = {n["name"]: n["id"] for n in doc["nodes"]}
    for j, expected in case["outputs"].items():
        entry = result["nodes"][ids[f"Out {j}"]]
        got = entry.get("outputs", {}).get("out", []) if entry["status"] == "ok" else entry
        if entry["status"] in ("skipped", "idle"):
            got = []
        if got != expected:
            node = result["nodes"][ids["Node"]]
            return False, f"output {j}: expected {expected}, got {got} (node: {node.get('error') or node['status']})"
    return True, ""


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    ok, why = outcome(CASES[name])
    if name in DIVERGES:
        assert not ok, f"{name} now agrees with n8n: drop it from DIVERGES"
        return
    assert ok, why


def test_pass_rate(capsys) -> None:
    rates: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for case in CASES.values():
        kind = case["node"]["type"].split(".")[-1]
        rates[kind][1] += 1
        rates[kind][0] += outcome(case)[0]
    with capsys.disabled():
        print("\nn8n behaviour cases passed, per node type:")
        for kind, (ok, total) in sorted(rates.items()):
            print(f"  {kind:18} {ok}/{total}")
    assert sum(ok for ok, _ in rates.values()) >= len(CASES) - len(DIVERGES)
