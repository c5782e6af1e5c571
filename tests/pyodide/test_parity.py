"""The engine inside Pyodide (under Node, loaded from build/site) matches CPython byte for byte.

Every example workflow, the shared ones and the project's own, runs through
`nodefox.bridge.run` in one Pyodide instance (tests/pyodide/run_examples.mjs, loading
the way the browser worker does: the site's lockfile, `packages: ["nodefox"]`, no
network) and through the same function here in CPython. The canonical results
(without `stats`, compact JSON, insertion order kept) must be equal as bytes.

These tests build nothing: the test command (scripts/test) runs scripts/build-site
first. A missing site is a failure, not a skip.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nodefox
import pytest
from nodefox import bridge

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
PYODIDE = SITE / "pyodide"
RUNNER = Path(__file__).with_name("run_examples.mjs")
EXAMPLE_DIRS = {"shared": ROOT.parent / "shared" / "examples", "project": ROOT / "examples"}
EXPECTED_ABI = "2026_0"  # Pyodide 314


def find_workflows() -> list[tuple[str, Path, Path | None]]:
    found = []
    for label, folder in EXAMPLE_DIRS.items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.name.endswith((".expected.json", ".input.json")) or path.name == "index.json":
                continue
            extra = path.with_name(path.stem + ".input.json")
            found.append((f"{label}:{path.stem}", path, extra if extra.is_file() else None))
    return found


WORKFLOWS = find_workflows()


def canonical(text: str) -> str:
    result = json.loads(text)
    if hasattr(nodefox, "canonical"):
        return nodefox.canonical(result)
    return json.dumps(
        {k: v for k, v in result.items() if k != "stats"}, separators=(",", ":"), ensure_ascii=False
    )


def require_site() -> None:
    if not (PYODIDE / "pyodide-lock.json").is_file():
        pytest.fail(
            f"{PYODIDE.relative_to(ROOT)} is missing: build the site first with scripts/build-site "
            "(scripts/test does this before running these tests)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def lockfile() -> dict:
    require_site()
    return json.loads((PYODIDE / "pyodide-lock.json").read_text())


@pytest.fixture(scope="session")
def pyodide_run() -> dict:
    """Start Node + Pyodide once, run every workflow, keep the answers by name."""
    require_site()
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: the Pyodide tests run Pyodide under Node", pytrace=False
        )
    cases = [
        {
            "name": name,
            "document": path.read_text(encoding="utf-8"),
            "input": extra.read_text(encoding="utf-8") if extra else None,
        }
        for name, path, extra in WORKFLOWS
    ]
    proc = subprocess.run(
        [node, str(RUNNER), "--site", str(SITE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or not lines[0].get("ready"):
        pytest.fail(
            "Pyodide did not start from build/site (exit code "
            f"{proc.returncode}):\n{(lines[:1] or [''])[0]}\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    return {"header": lines[0], "results": {r["name"]: r for r in lines[1:]}}


def test_there_are_workflows():
    assert WORKFLOWS, f"no example workflows in {[str(p) for p in EXAMPLE_DIRS.values()]}"


@pytest.mark.parametrize(
    ("name", "path", "extra"), WORKFLOWS, ids=[name for name, _, _ in WORKFLOWS]
)
def test_same_result_as_cpython(pyodide_run, name, path, extra):
    answer = pyodide_run["results"].get(name)
    assert answer is not None, f"the runner gave no answer for {name}"
    assert "error" not in answer, f"Python raised inside Pyodide: {answer.get('error')}"

    native_text = bridge.run(
        path.read_text(encoding="utf-8"), extra.read_text(encoding="utf-8") if extra else None
    )
    native = canonical(native_text)
    assert answer["canonical"] == canonical(answer["result"])  # the same canonical form
    assert answer["canonical"].encode("utf-8") == native.encode("utf-8")
    # and the raw texts have the same shape (stats included when the run was not rejected)
    assert list(json.loads(answer["result"])) == list(json.loads(native_text))


def test_packages_some_workflows_need_are_not_loaded_at_start(pyodide_run):
    """A page loads urllib3 (http), tzdata (a time zone other than UTC), openpyxl (xlsx) and pypdf (pdf)
    only when a message needs them (web/src/engine/worker.ts); the runner does the same.
    simpleeval (the reference evaluator, for tests) and micropip are never loaded."""
    at_start = set(pyodide_run["header"]["atStart"])
    assert "nodefox" in at_start
    assert not at_start & {"urllib3", "tzdata", "openpyxl", "et-xmlfile", "pypdf", "micropip", "simpleeval"}, at_start


def test_lockfile_hashes_match_served_files(lockfile):
    served = {p.name for p in PYODIDE.glob("*.whl")}
    listed = set()
    for key, entry in lockfile["packages"].items():
        name = entry["file_name"]
        assert "/" not in name and ":" not in name, f"{key} is not served from /pyodide/: {name}"
        path = PYODIDE / name
        assert path.is_file(), f"{key}: {name} is not in build/site/pyodide"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        for dep in entry["depends"]:
            assert dep in lockfile["packages"], f"{key} depends on {dep}, not in the lockfile"
        listed.add(name)
    assert served == listed, "every served wheel has a lockfile entry and the reverse"
    assert "nodefox" in lockfile["packages"]


def test_lockfile_abi_matches_the_runtime(lockfile, pyodide_run):
    abi = lockfile["info"]["abi_version"]
    asm = (PYODIDE / "pyodide.asm.mjs").read_text(encoding="utf-8", errors="replace")
    assert re.findall(r'API\.abiVersion="([^"]+)"', asm) == [abi]
    # the runtime refuses a lockfile of another ABI, so a run at all is proof; check it too
    runtime = pyodide_run["header"].get("abiVersion")
    assert runtime in (None, abi)
    assert abi == EXPECTED_ABI


def test_served_engine_is_the_source(pyodide_run):
    """The nodefox wheel in build/site holds the engine as it is now (else rebuild)."""
    assert pyodide_run["header"]["nodefox"] == nodefox.__version__
    wheels = sorted(PYODIDE.glob("nodefox-*.whl"))
    assert len(wheels) == 1, wheels
    source = ROOT / "engine" / "nodefox"
    with zipfile.ZipFile(wheels[0]) as z:
        in_wheel = {
            n[len("nodefox/") :]: z.read(n)
            for n in z.namelist()
            if n.startswith("nodefox/") and n.endswith((".py", ".json"))
        }
    on_disk = {
        str(p.relative_to(source)): p.read_bytes()
        for p in source.rglob("*")
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts and "site" not in p.parts
    }
    stale = sorted(k for k in on_disk.keys() | in_wheel.keys() if on_disk.get(k) != in_wheel.get(k))
    assert not stale, f"build/site is stale (run scripts/build-site): {stale}"


def test_site_loads_nothing_from_outside():
    require_site()
    proc = subprocess.run(
        ["python3" if not (ROOT / ".venv/bin/python").exists() else str(ROOT / ".venv/bin/python"),
         str(ROOT / "build" / "assemble.py"), "--check-only"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
