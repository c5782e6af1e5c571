"""n8n workflows imported by NodeFox run the same inside Pyodide as in CPython.

Every behaviour case (`tests/corpus/n8n/behaviour/cases.json`) is translated
here, natively, and the document runs through `nodefox.bridge.run` both in one
Pyodide instance under Node (tests/pyodide/run_examples.mjs, from build/site)
and in CPython. The canonical results must be equal as bytes. This covers the
node options the importer uses (set's `object`, split_out's `zip`, aggregate's
`nulls`/`missing`/`flatten`, summarize's `skipEmpty`) and the translated
expressions. Like test_parity.py, these tests build nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nodefox
import pytest
from nodefox import bridge
from nodefox.n8n import translate

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
RUNNER = Path(__file__).with_name("run_examples.mjs")
CASES = json.loads((ROOT / "tests/corpus/n8n/behaviour/cases.json").read_text(encoding="utf-8"))["cases"]
NOW = "2026-01-01T09:30:00Z"  # one clock for both runs

sys.path.insert(0, str(ROOT / "tests" / "engine"))
from test_n8n_behaviour import workflow  # noqa: E402


def documents() -> dict[str, str]:
    out = {}
    for name, case in sorted(CASES.items()):
        doc, _ = translate(workflow(case))
        doc.setdefault("settings", {})["now"] = NOW
        out[name] = json.dumps(doc)
    return out


DOCUMENTS = documents()


@pytest.fixture(scope="session")
def pyodide_answers() -> dict:
    if not (SITE / "pyodide" / "pyodide-lock.json").is_file():
        pytest.fail("build/site is missing: build the site first with scripts/build-site", pytrace=False)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Pyodide tests run Pyodide under Node", pytrace=False)
    cases = [{"name": name, "document": text} for name, text in DOCUMENTS.items()]
    proc = subprocess.run([node, str(RUNNER), "--site", str(SITE)], input=json.dumps(cases),
                          capture_output=True, text=True, encoding="utf-8", timeout=600)  # fmt: skip
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or not lines[0].get("ready"):
        pytest.fail(f"Pyodide did not start from build/site:\n{proc.stderr[-3000:]}", pytrace=False)
    return {r["name"]: r for r in lines[1:]}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_imported_workflow_same_in_pyodide(pyodide_answers: dict, name: str) -> None:
    answer = pyodide_answers.get(name)
    assert answer is not None and "error" not in answer, answer
    native = nodefox.canonical(json.loads(bridge.run(DOCUMENTS[name])))
    assert answer["canonical"].encode("utf-8") == native.encode("utf-8")
