"""n8n's file nodes as facts (`tests/corpus/n8n/behaviour/files.json`): import, run, compare.

The facts were written for NodeFox from n8n's behaviour and are checked against a
real n8n where `scripts/bench --peers` installed one (`test_n8n_gives_what_the_facts_say`).
Items are written as NodeFox holds them: the json, with n8n's binary properties
in the field `binary` (docs/n8n.md, "Files"), so test_n8n_behaviour's harness
serves as it is; for n8n the files are split out of the items again.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from test_n8n_behaviour import outcome
from test_n8n_peer import _execute

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)

ROOT = Path(__file__).parents[2]
FACTS = json.loads((ROOT / "tests/corpus/n8n/behaviour/files.json").read_text(encoding="utf-8"))["cases"]
N8N = ROOT / "bench" / "peers" / "n8n" / "node_modules" / ".bin" / "n8n"
# where NodeFox does not give n8n's items yet, and what would close the gap
DIVERGES: dict[str, str] = {
    "spreadsheetFile v1 read csv": "v1 reads CSV through SheetJS (007 is 7, true stays text); NodeFox infers "
    "types by its own rules (reported when imported)",
    "set v3.2 including all fields drops the item's files": "the Set mapping (_set.py) should remove the field "
    "binary for v3 to v3.2 unless options.includeBinary",
    "set v3.4 stripping binary drops the item's files": "the Set mapping (_set.py) should remove the field "
    "binary when options.stripBinary",
    "aggregate of all item data leaves the files out": "the Aggregate mapping (nodes.py) should aggregate the "
    "items without their field binary",
}


def n8n_item(item: dict) -> dict:
    """A NodeFox item as n8n's {json, binary}."""
    json_part = {k: v for k, v in item.items() if k != "binary"}
    return {"json": json_part, "binary": item["binary"]} if item.get("binary") else {"json": json_part}


def nodefox_item(entry: dict) -> dict:
    """n8n's {json, binary} as a NodeFox item."""
    binary = entry.get("binary") or {}
    return {**entry["json"], "binary": binary} if binary else dict(entry["json"])


def served(case: dict, base: str) -> dict:
    """The case with {base} replaced by the local server's address."""
    return json.loads(json.dumps(case).replace("{base}", base))


def with_files(case: dict, folder: Path, base: str) -> tuple[bool, str]:
    """A case run in a files folder holding its files; what it wrote must be what it says."""
    for name, data in case.get("files", {}).items():
        (folder / name).write_bytes(base64.b64decode(data))
    ok, why = outcome(served(case, base), files=str(folder), allow_write=True, allow_net=["127.0.0.1"])
    written = {p.name: base64.b64encode(p.read_bytes()).decode() for p in folder.iterdir() if p.name not in case.get("files", {})}
    if ok and written != case.get("written", {}):
        return False, f"wrote {written}, not {case.get('written', {})}"
    return ok, why


@pytest.mark.parametrize("name", sorted(FACTS))
def test_fact(name: str, tmp_path: Path, http_server) -> None:  # noqa: F811  (the fixture)
    ok, why = with_files(FACTS[name], tmp_path, http_server.base)
    if name in DIVERGES:
        assert not ok, f"{name} now agrees with n8n: drop it from DIVERGES"
        return
    assert ok, why


@pytest.mark.skipif(not N8N.is_file(), reason="n8n is not installed (scripts/bench --peers installs it)")
def test_n8n_gives_what_the_facts_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_server) -> None:  # noqa: F811
    """Every fact in one n8n workflow: a Code node per input (files included), the node under test."""
    monkeypatch.setenv("N8N_DEFAULT_BINARY_DATA_MODE", "default")  # files in the items, base64, not in a store
    # names resolve in n8n's working folder, which holds the facts' files (and only there may it read and write)
    folder = tmp_path / "files"
    folder.mkdir()
    for case in FACTS.values():
        for name, data in case.get("files", {}).items():
            (folder / name).write_bytes(base64.b64decode(data))
    monkeypatch.chdir(folder)
    monkeypatch.setenv("N8N_RESTRICT_FILE_ACCESS_TO", str(folder))
    nodes = [{"id": "trigger", "name": "Trigger", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
              "position": [0, 0], "parameters": {}}]  # fmt: skip
    connections: dict = {"Trigger": {"main": [[]]}}
    names = {}
    for i, (case_name, case) in enumerate(sorted(FACTS.items())):
        node_name = names[case_name] = f"Case {i}"
        nodes.append({**served(case, http_server.base)["node"], "id": f"case{i}", "name": node_name, "position": [400, i * 100],
                      "onError": "continueErrorOutput"})  # fmt: skip
        for k, items in enumerate(case["inputs"]):
            code_name = f"Case {i} input {k}"
            code = f"return {json.dumps([n8n_item(item) for item in items])};"
            nodes.append({"id": f"case{i}in{k}", "name": code_name, "type": "n8n-nodes-base.code", "typeVersion": 2,
                          "position": [200, i * 100 + k * 50], "parameters": {"jsCode": code}})  # fmt: skip
            connections["Trigger"]["main"][0].append({"node": code_name, "type": "main", "index": 0})
            connections[code_name] = {"main": [[{"node": node_name, "type": "main", "index": k}]]}
    wf = {"id": "nodefoxFiles", "name": "nodefox file facts", "active": False, "nodes": nodes,
          "connections": connections, "settings": {"executionOrder": "v1"}}  # fmt: skip
    run_data = _execute(tmp_path, wf)
    wrong = {}
    for case_name, case in FACTS.items():
        runs = run_data.get(names[case_name])
        main = (runs[0].get("data") or {}).get("main", []) if runs else []
        for j, expected in case["outputs"].items():
            got = [nodefox_item(entry) for entry in (main[int(j)] or [])] if int(j) < len(main) else []
            expected = served(expected, http_server.base)
            if got != expected:
                wrong[f"{case_name} output {j}"] = {"expected": expected, "n8n": got,
                                                    "error": (runs[0].get("error") if runs else "did not run")}  # fmt: skip
    inputs = {n for case in FACTS.values() for n in case.get("files", {})}
    written = {p.name: base64.b64encode(p.read_bytes()).decode() for p in folder.iterdir() if p.name not in inputs}
    expected = {n: d for case in FACTS.values() for n, d in case.get("written", {}).items()}
    if written != expected:
        wrong["written files"] = {"expected": expected, "n8n": written}
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)[:8000]
