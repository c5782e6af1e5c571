"""Helpers shared by the engine tests: small documents and their runs."""

from __future__ import annotations

import json
import os
from typing import Any

import nodefox
import pytest
from hypothesis import HealthCheck, settings
from nodefox.filedata import abridged

NOW = "2026-01-01T09:30:00Z"

# -- hypothesis profiles -----------------------------------------------------------------
# The property tests run a quick, derandomized profile by default (50 op sequences), so every
# run of the suite, CI included, sees the same sequences in a few seconds. NODEFOX_HYPOTHESIS
# picks another: "thorough" (300, still reproducible) or "nightly" (4,000 longer ones with fresh
# randomness, and hypothesis's example database so a failure replays). NODEFOX_NIGHTLY=1 is
# the same as NODEFOX_HYPOTHESIS=nightly.
_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("quick", max_examples=50, stateful_step_count=10, derandomize=True,
                          database=None, **_COMMON)  # fmt: skip
settings.register_profile("thorough", max_examples=300, stateful_step_count=10, derandomize=True,
                          database=None, **_COMMON)  # fmt: skip
settings.register_profile("nightly", max_examples=4000, stateful_step_count=25, derandomize=False,
                          **_COMMON)  # fmt: skip
HYPOTHESIS_PROFILE = "nightly" if os.environ.get("NODEFOX_NIGHTLY") == "1" else os.environ.get("NODEFOX_HYPOTHESIS", "quick")
settings.load_profile(HYPOTHESIS_PROFILE)


def document(nodes: list[dict], edges: list[dict] | None = None, **extra: Any) -> dict:
    """A workflow document with a fixed clock."""
    doc: dict = {"nodefox": 1, "settings": {"now": NOW}, "nodes": nodes, "edges": edges or []}
    doc.update(extra)
    return doc


def data(node_id: str, items: list[dict], **extra: Any) -> dict:
    return {"id": node_id, "type": "data", "params": {"items": items}, **extra}


def node(node_id: str, node_type: str, params: dict | None = None, **extra: Any) -> dict:
    out: dict = {"id": node_id, "type": node_type, **extra}
    if params is not None:
        out["params"] = params
    return out


def edge(source: str, target: str, source_port: str | None = None, target_port: str | None = None, **extra: Any) -> dict:
    out: dict = {"source": source, "target": target, **extra}
    if source_port is not None:
        out["sourcePort"] = source_port
    if target_port is not None:
        out["targetPort"] = target_port
    return out


def chain(*nodes: dict) -> list[dict]:
    """Edges joining each node's first output to the next node's first input."""
    return [edge(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:], strict=False)]


def run(doc: dict, input_items: list | None = None, allow_code: bool = False) -> dict:
    """Run a document and return its canonical result, parsed (no `stats`)."""
    result = nodefox.run(doc, input_items, allow_code=allow_code)
    return json.loads(nodefox.canonical(result))


def run_one(
    node_type: str,
    params: dict | None,
    items: list[dict],
    allow_code: bool = False,
    **extra: Any,
) -> dict:
    """Run one node fed by a data node with `items`; return the node's result entry."""
    src = data("src", items)
    target = node("n", node_type, params, **extra)
    result = run(document([src, target], chain(src, target)), allow_code=allow_code)
    return result["nodes"]["n"]


def outputs(node_type: str, params: dict | None, items: list[dict], port: str = "out", **extra: Any) -> list:
    """The items on one output port of a node that must succeed."""
    entry = run_one(node_type, params, items, **extra)
    assert entry["status"] == "ok", entry
    return entry["outputs"][port]


def error_of(node_type: str, params: dict | None, items: list[dict], **extra: Any) -> dict:
    """The error of a node that must fail."""
    entry = run_one(node_type, params, items, **extra)
    assert entry["status"] == "error", entry
    return entry["error"]


def rejected(doc: Any) -> list[nodefox.Problem]:
    """The problems of a document that must be rejected."""
    with pytest.raises(nodefox.DocumentError) as info:
        nodefox.load(doc)
    return info.value.problems


def pointers(doc: Any) -> list[str]:
    return [p.pointer for p in rejected(doc)]


def expected_entry(result_entry: dict, preview_limit: int) -> dict:
    """The live answer's entry for a node whose run result is `result_entry` (live.md)."""
    out: dict = {"status": result_entry["status"]}
    outputs = result_entry.get("outputs")
    if outputs is not None:
        out["counts"] = {p: len(v) for p, v in outputs.items()}
        # files held in items are cut short in previews (filedata.abridged)
        out["preview"] = {p: abridged(v[:preview_limit]) for p, v in outputs.items()}
    elif "counts" in result_entry:  # a waiting node: the items it would receive per input port (world.md)
        out["counts"] = result_entry["counts"]
    if "error" in result_entry:
        out["error"] = result_entry["error"]
    if result_entry.get("warnings"):
        out["warnings"] = result_entry["warnings"]
    return out
