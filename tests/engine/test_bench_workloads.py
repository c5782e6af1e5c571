"""The benchmark's generated workloads (scripts/workloads.py) are valid documents that run."""

from __future__ import annotations

import sys
from pathlib import Path

import nodefox
import pytest
from nodefox.nodes import BUILTINS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import workloads  # noqa: E402

SMALL = {
    "chain-10": lambda: workloads.chain(10, 3),
    "fan-5": lambda: workloads.fan(5, 20),
    "report": lambda: workloads.report(100),
    "big-120": lambda: workloads.big(120),
    "small": workloads.small,
    "pipeline-50": lambda: workloads.pipeline(50),
}


@pytest.mark.parametrize("name", SMALL)
def test_workload_runs_ok(name):
    result = nodefox.run(SMALL[name](), allow_code=True)
    assert result["status"] == "ok", {k: v for k, v in result["nodes"].items() if v["status"] != "ok"}


def test_report_has_about_60_nodes_of_every_builtin_type():
    doc = workloads.report(1000)
    assert 55 <= len(doc["nodes"]) <= 70
    # every type without an effect: the benchmark reaches no network and no files
    assert {n["type"] for n in doc["nodes"]} == {t.type for t in BUILTINS if t.effect == "none"}
    assert len(doc["nodes"][0]["params"]["items"]) == 1000


def test_sizes_are_as_named():
    assert len(workloads.chain(1000)["nodes"]) == 1001
    assert len(workloads.big(1000)["nodes"]) == 1000
    assert len(workloads.small()["nodes"]) == 10


@pytest.mark.parametrize(
    ("make", "edit"),
    [
        (lambda: workloads.report(100), workloads.REPORT_EDIT),
        (lambda: workloads.report(100), workloads.EQUAL_EDIT),
        (workloads.small, workloads.BIG_EDIT),
        (workloads.small, workloads.LAST_EDIT),
    ],
)
def test_edits_apply(make, edit):
    session = nodefox.Session()
    session.apply([{"op": "load", "workflow": make()}])  # as the bench does, through `load`
    node, path, values = edit
    for value in values:
        answer = session.apply([{"op": "patch_params", "id": node, "path": path, "value": value}])
        assert answer["rejected"] == []
        assert answer["nodes"].get(node, {"status": "ok"})["status"] == "ok"
