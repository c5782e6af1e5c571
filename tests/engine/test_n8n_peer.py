"""The behaviour cases run through n8n itself, where `scripts/bench --peers` installed it.

`tests/corpus/n8n/behaviour/cases.json` states what n8n gives for each node and
input; this test checks those facts against a real n8n (`bench/peers/n8n`,
installed by `scripts/bench --peers`), so the NodeFox side of the comparison
(`test_n8n_behaviour.py`) stands on n8n's actual behaviour. Skipped when n8n
is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
N8N = ROOT / "bench" / "peers" / "n8n" / "node_modules" / ".bin" / "n8n"
CASES = json.loads((ROOT / "tests/corpus/n8n/behaviour/cases.json").read_text(encoding="utf-8"))["cases"]

pytestmark = pytest.mark.skipif(not N8N.is_file(), reason="n8n is not installed (scripts/bench --peers installs it)")


def workflow(wid: str) -> tuple[dict, dict[str, str]]:
    """Every case in one workflow: a trigger, a Code node per input, the node under test."""
    nodes = [{"id": "trigger", "name": "Trigger", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
              "position": [0, 0], "parameters": {}}]  # fmt: skip
    connections: dict = {"Trigger": {"main": [[]]}}
    names = {}
    for i, (case_name, case) in enumerate(sorted(CASES.items())):
        node_name = f"Case {i}"
        names[case_name] = node_name
        # an error goes to an extra output instead of stopping every other case
        nodes.append({**case["node"], "id": f"case{i}", "name": node_name, "position": [400, i * 100],
                      "onError": "continueErrorOutput"})
        for k, items in enumerate(case["inputs"]):
            code_name = f"Case {i} input {k}"
            nodes.append({"id": f"case{i}in{k}", "name": code_name, "type": "n8n-nodes-base.code", "typeVersion": 2,
                          "position": [200, i * 100 + k * 50],
                          "parameters": {"jsCode": f"return {json.dumps(items)}.map(json => ({{ json }}));"}})  # fmt: skip
            connections["Trigger"]["main"][0].append({"node": code_name, "type": "main", "index": 0})
            connections[code_name] = {"main": [[{"node": node_name, "type": "main", "index": k}]]}
    return {"id": wid, "name": "nodefox behaviour cases", "active": False, "nodes": nodes,
            "connections": connections, "settings": {"executionOrder": "v1"}}, names  # fmt: skip


def _execute(tmp_path: Path, wf: dict) -> dict:
    """n8n's runData for one workflow, imported into a fresh n8n home and executed."""
    home = tmp_path / f"home-{wf['id']}"
    home.mkdir()
    env = {**os.environ, "N8N_USER_FOLDER": str(home), "N8N_DIAGNOSTICS_ENABLED": "false",
           "N8N_RUNNERS_ENABLED": "false", "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
           "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false"}  # fmt: skip
    path = tmp_path / f"{wf['id']}.json"
    path.write_text(json.dumps(wf), encoding="utf-8")
    imported = subprocess.run([str(N8N), "import:workflow", f"--input={path}"], env=env, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip
    assert imported.returncode == 0, imported.stderr[-800:]
    # to a file, not a pipe: Node exits before a large write to a pipe is flushed
    result = tmp_path / f"{wf['id']}.out"
    for _attempt in range(2):  # n8n has been seen to print nothing once when the machine was busy
        with result.open("w") as sink:
            proc = subprocess.run([str(N8N), "execute", f"--id={wf['id']}", "--rawOutput"], env=env, stdout=sink,
                                  stderr=subprocess.PIPE, text=True, timeout=600, check=False)  # fmt: skip
        out = result.read_text(encoding="utf-8")
        if "{" in out:
            break
    assert "{" in out, f"n8n printed no result: {out[-500:]} {proc.stderr[-1500:]}"
    start = 0 if out.startswith("{") else out.find("\n{") + 1
    data, _ = json.JSONDecoder().raw_decode(out[start:])
    data = data.get("data", data)
    return data["resultData"]["runData"]


def run_n8n(tmp_path: Path) -> tuple[dict, dict[str, str]]:
    wf, names = workflow("nodefoxBehaviour")
    return _execute(tmp_path, wf), names


def test_n8n_gives_what_the_cases_say(tmp_path: Path) -> None:
    run_data, names = run_n8n(tmp_path)
    wrong = {}
    for case_name, case in CASES.items():
        runs = run_data.get(names[case_name])
        main = (runs[0].get("data") or {}).get("main", []) if runs else []
        for j, expected in case["outputs"].items():
            got = [entry["json"] for entry in (main[int(j)] or [])] if int(j) < len(main) else []
            if got != expected:
                errors = [e["json"] for e in (main[len(case["outputs"])] or [])] if len(main) > len(case["outputs"]) else []
                wrong[f"{case_name} output {j}"] = {"expected": expected, "n8n": got,
                                                    "error": (runs[0].get("error") if runs else "did not run") or errors}
    assert not wrong, json.dumps(wrong, indent=1)[:6000]


def test_n8n_evaluates_the_expression_cases(tmp_path: Path) -> None:
    """The values test_n8n_expressions.py expects are n8n's (cases without the clock)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_n8n_expressions import CASES as EXPRESSIONS
    from test_n8n_expressions import ITEM

    cases = [(e, v) for e, v in EXPRESSIONS if "$now" not in e and v is not None]
    nodes = [{"id": "trigger", "name": "Trigger", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
              "position": [0, 0], "parameters": {}},
             {"id": "item", "name": "Item", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [200, 0],
              "parameters": {"jsCode": f"return [{{ json: {json.dumps(ITEM)} }}];"}}]  # fmt: skip
    targets = []
    for i, (expression, _) in enumerate(cases):
        nodes.append({"id": f"e{i}", "name": f"Expression {i}", "type": "n8n-nodes-base.set", "typeVersion": 2,
                      "position": [400, i * 100], "onError": "continueErrorOutput",
                      "parameters": {"keepOnlySet": True, "values": {"string": [{"name": "r", "value": "=" + expression}]},
                                     "options": {}}})  # fmt: skip
        targets.append({"node": f"Expression {i}", "type": "main", "index": 0})
    wf = {"id": "nodefoxExpressions", "name": "nodefox expressions", "active": False, "nodes": nodes,
          "connections": {"Trigger": {"main": [[{"node": "Item", "type": "main", "index": 0}]]},
                          "Item": {"main": [targets]}}, "settings": {"executionOrder": "v1"}}  # fmt: skip
    run_data = _execute(tmp_path, wf)
    wrong = {}
    for i, (expression, expected) in enumerate(cases):
        main = run_data[f"Expression {i}"][0]["data"]["main"]
        got = main[0][0]["json"].get("r") if main[0] else ("error", main[1][0]["json"] if len(main) > 1 else None)
        if got != expected:
            wrong[expression] = {"expected": expected, "n8n": got}
    assert not wrong, json.dumps(wrong, indent=1)[:6000]
