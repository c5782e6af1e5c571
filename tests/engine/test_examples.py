"""The example workflows in `examples/`, data-driven (the spec's own examples are among them).

Each `NAME.json` runs through `nodefox.run`, `nodefox.cli.main` and `nodefox run`
(a subprocess) and must match `NAME.expected.json` under the rules of
`examples/SHARED-README.md`: `"*"` matches any string, `["*"]` any non-empty
list of strings, and an `error` object matches when every key it shows matches.
Everything else must be equal, key order and number kinds included (`1` is
not `1.0`), since the canonical result fixes both.

A user clones only this repo, so everything runs from the project's copies;
when the spec's folder (`../shared/examples`) is there too, one more test checks
that the copies still equal it, and skips otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nodefox
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "examples"


def examples(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith((".expected.json", ".input.json")))


def sibling(flow: Path, suffix: str) -> Path:
    return flow.with_name(flow.name[: -len(".json")] + suffix)


def needs_code(doc: dict) -> bool:
    return any(n.get("type") == "code" for n in doc.get("nodes", []))


def load_case(flow: Path) -> tuple[dict, list | None, dict]:
    doc = json.loads(flow.read_text("utf-8"))
    input_file = sibling(flow, ".input.json")
    items = json.loads(input_file.read_text("utf-8")) if input_file.exists() else None
    expected = json.loads(sibling(flow, ".expected.json").read_text("utf-8"))
    return doc, items, expected


# -- the matching rules -----------------------------------------------------------------


def mismatches(expected: Any, actual: Any, where: str = "", partial: bool = False) -> list[str]:
    """Where `actual` differs from `expected`, as JSON pointers with a reason."""
    if expected == "*" and type(expected) is str:
        return [] if type(actual) is str else [f"{where}: want any string, got {actual!r}"]
    if expected == ["*"]:
        ok = type(actual) is list and actual and all(type(a) is str for a in actual)
        return [] if ok else [f"{where}: want a non-empty list of strings, got {actual!r}"]
    if type(expected) is dict:
        if type(actual) is not dict:
            return [f"{where}: want an object, got {actual!r}"]
        out = []
        if not partial and list(expected) != list(actual):
            out.append(f"{where}: keys {list(actual)} != {list(expected)}")
        for key, want in expected.items():
            if key not in actual:
                out.append(f"{where}/{key}: missing")
                continue
            # an error object matches on the keys it shows
            out += mismatches(want, actual[key], f"{where}/{key}", partial=key == "error")
        return out
    if type(expected) is list:
        if type(actual) is not list or len(actual) != len(expected):
            return [f"{where}: want {expected!r}, got {actual!r}"]
        return [m for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for m in mismatches(e, a, f"{where}/{i}")]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: want {expected!r}, got {actual!r}"]
    return []


def test_matching_rules():
    assert mismatches("*", "anything") == []
    assert mismatches("*", 1)
    assert mismatches(["*"], ["a", "b"]) == []
    assert mismatches(["*"], [])
    assert mismatches(["*"], [1])
    assert mismatches({"error": {"item": 1}}, {"error": {"message": "m", "item": 1}}) == []
    assert mismatches({"error": {"item": 1}}, {"error": {"message": "m", "item": 2}})
    assert mismatches({"a": 1, "b": 2}, {"b": 2, "a": 1}), "key order counts"
    assert mismatches({"a": 1}, {"a": 1, "b": 2}), "extra keys count outside error objects"
    assert mismatches(1, 1.0) and mismatches(True, 1)


# -- the runs --------------------------------------------------------------------------

ALL_CASES = examples(PROJECT)


def case_id(flow: Path) -> str:
    return f"examples/{flow.stem}"


def test_there_are_examples():
    names = {flow.stem for flow in examples(PROJECT)}
    assert {"orders", "join", "errors", "templates"} <= names, "the spec's examples are copied into examples/"
    assert len(names) >= 8
    for flow in examples(PROJECT):
        assert sibling(flow, ".expected.json").exists(), flow


@pytest.mark.parametrize("flow", ALL_CASES, ids=case_id)
def test_example_through_the_api(flow: Path):
    doc, items, expected = load_case(flow)
    result = nodefox.run(doc, items, allow_code=needs_code(doc))
    assert list(result) == ["status", "now", "order", "nodes", "stats"]
    canonical = json.loads(nodefox.canonical(result))
    assert mismatches(expected, canonical) == []
    # the same run again gives the same canonical text
    again = nodefox.run(doc, items, allow_code=needs_code(doc))
    assert nodefox.canonical(again) == nodefox.canonical(result)


def cli_args(flow: Path) -> list[str]:
    args = ["run", str(flow)]
    if sibling(flow, ".input.json").exists():
        args += ["--input", str(sibling(flow, ".input.json"))]
    if needs_code(json.loads(flow.read_text("utf-8"))):
        args.append("--allow-code")
    return args


@pytest.fixture(scope="module")
def cli_runs() -> dict[Path, tuple[int, str, str]]:
    """Every example through `nodefox run` as processes, started together to save time."""
    procs = {
        flow: subprocess.Popen(
            [sys.executable, "-m", "nodefox", *cli_args(flow)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for flow in ALL_CASES
    }
    done = {}
    for flow, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        done[flow] = (proc.returncode, out, err)
    return done


def check_printed(flow: Path, code: int, stdout: str, stderr: str) -> None:
    _, _, expected = load_case(flow)
    assert "Traceback" not in stderr
    assert code == (0 if expected["status"] == "ok" else 1), stderr
    printed = json.loads(stdout)
    assert list(printed) == ["status", "now", "order", "nodes", "stats"]
    printed.pop("stats")
    assert mismatches(expected, printed) == []


@pytest.mark.parametrize("flow", ALL_CASES, ids=case_id)
def test_example_through_the_cli_process(flow: Path, cli_runs):
    check_printed(flow, *cli_runs[flow])


@pytest.mark.parametrize("flow", ALL_CASES, ids=case_id)
def test_example_through_the_cli_main(flow: Path, capsys):
    from nodefox.cli import main

    code = main(cli_args(flow))
    captured = capsys.readouterr()
    check_printed(flow, code, captured.out, captured.err)


@pytest.mark.parametrize("flow", [f for f in ALL_CASES if needs_code(json.loads(f.read_text("utf-8")))], ids=case_id)
def test_code_examples_need_allow_code(flow: Path):
    doc, items, _ = load_case(flow)
    result = nodefox.run(doc, items)
    assert result["status"] == "error"
    failed = [e for e in result["nodes"].values() if e["status"] == "error"]
    assert failed and all("allow" in e["error"]["message"] for e in failed)


# listed only when the folder is there: collecting must not fail in a clone of this repo alone
SHARED_FILES = sorted(SHARED.iterdir()) if SHARED.is_dir() else []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/examples is not present")
@pytest.mark.parametrize("original", SHARED_FILES, ids=lambda p: p.name)
def test_project_copies_equal_the_shared_examples(original: Path):
    copy = PROJECT / ("SHARED-README.md" if original.name == "README.md" else original.name)
    assert copy.exists(), f"examples/ lacks a copy of {original.name}"
    assert copy.read_bytes() == original.read_bytes()
