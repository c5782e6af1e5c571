"""The command line (`cli.py`): run, validate, nodes; exit codes 0/1/2; never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nodefox
import pytest
from conftest import chain, data, document, node
from nodefox.cli import main

OK_DOC = document([node("t", "trigger"), node("s", "set", {"fields": [{"name": "n", "value": "={{ $json.get('v', 0) * 2 }}"}]})],
                  chain(node("t", "trigger"), node("s", "set")))  # fmt: skip
ERR_DOC = document([data("d", [{}]), node("l", "limit", {"max": -1})], chain(data("d", []), node("l", "limit")))
CODE_DOC = document([data("d", [{"v": 1}]), node("c", "code", {"code": "return [{'n': len(items)}]"})],
                    chain(data("d", []), node("c", "code")))  # fmt: skip
REJECTED = {"nodefox": 1, "nodes": [{"id": "a", "type": "nope"}, {"id": "a", "type": "noop"}],
            "edges": [{"source": "a", "target": "zz"}]}  # fmt: skip


@pytest.fixture
def files(tmp_path: Path):
    def write(name: str, value, raw: bool = False) -> str:
        path = tmp_path / name
        path.write_text(value if raw else json.dumps(value), encoding="utf-8")
        return str(path)

    return write


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def process(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nodefox", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert "Traceback" not in proc.stderr
    return proc


# -- run -------------------------------------------------------------------------------


def test_run_prints_the_result_and_exits_0(capsys, files):
    code, out, err = cli(capsys, "run", files("ok.json", OK_DOC))
    assert code == 0 and err == ""
    assert out.endswith("}\n") and out.count("\n") == 1  # compact, one line
    result = json.loads(out)
    assert list(result) == ["status", "now", "order", "nodes", "stats"]
    assert result["nodes"]["s"]["outputs"]["out"] == [{"n": 0}]


def test_run_exits_1_when_a_node_failed(capsys, files):
    code, out, _ = cli(capsys, "run", files("err.json", ERR_DOC))
    assert code == 1 and json.loads(out)["status"] == "error"


def test_run_input_feeds_triggers(capsys, files):
    code, out, _ = cli(capsys, "run", files("ok.json", OK_DOC), "--input", files("in.json", [{"v": 2}, {"v": 5}]))
    assert code == 0 and json.loads(out)["nodes"]["s"]["outputs"]["out"] == [{"v": 2, "n": 4}, {"v": 5, "n": 10}]


def test_run_output_writes_the_file(capsys, files, tmp_path):
    target = tmp_path / "result.json"
    code, out, _ = cli(capsys, "run", files("ok.json", OK_DOC), "--output", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text("utf-8"))["status"] == "ok"


def test_run_pretty_indents_and_keeps_the_same_result(capsys, files):
    flow = files("ok.json", OK_DOC)
    _, compact, _ = cli(capsys, "run", flow)
    _, pretty, _ = cli(capsys, "run", flow, "--pretty")
    assert "\n  " in pretty
    a, b = json.loads(compact), json.loads(pretty)
    a.pop("stats"), b.pop("stats")
    assert a == b


def test_run_matches_the_api(capsys, files):
    _, out, _ = cli(capsys, "run", files("ok.json", OK_DOC))
    printed = json.loads(out)
    printed.pop("stats")
    assert json.dumps(printed, separators=(",", ":"), ensure_ascii=False) == nodefox.canonical(nodefox.run(OK_DOC))


def test_run_allow_code(capsys, files):
    flow = files("code.json", CODE_DOC)
    code, out, _ = cli(capsys, "run", flow)
    assert code == 1 and "--allow-code" in json.loads(out)["nodes"]["c"]["error"]["message"]
    code, out, _ = cli(capsys, "run", flow, "--allow-code")
    assert code == 0 and json.loads(out)["nodes"]["c"]["outputs"]["out"] == [{"n": 1}]


def test_run_reads_stdin():
    proc = process("run", "-", stdin=json.dumps(OK_DOC))
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "ok"


# -- exit 2: rejected documents, unreadable files, wrong shapes ---------------------------------


def test_run_rejected_document_names_every_problem(capsys, files):
    code, out, err = cli(capsys, "run", files("bad.json", REJECTED))
    assert code == 2 and out == ""
    for pointer in ("/nodes/0/type", "/nodes/1/id", "/edges/0/target"):
        assert pointer in err


@pytest.mark.parametrize("text", ["{", "", "[1, 2", '{"nodefox": NaN}', "\ufeff{}", "1e999999"])
def test_run_bad_json(capsys, files, text):
    code, out, err = cli(capsys, "run", files("bad.json", text, raw=True))
    assert code == 2 and out == "" and err.startswith("nodefox:")


@pytest.mark.parametrize("value", [[], 5, "x", None, {"nodefox": 2, "nodes": [], "edges": []}, {"nodes": {}}])
def test_run_wrong_document_shapes(capsys, files, value):
    code, out, err = cli(capsys, "run", files("shape.json", value))
    assert code == 2 and out == "" and err


def test_run_missing_files(capsys, files, tmp_path):
    code, _, err = cli(capsys, "run", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in err
    code, _, err = cli(capsys, "run", files("ok.json", OK_DOC), "--input", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err
    code, _, err = cli(capsys, "run", str(tmp_path))  # a folder
    assert code == 2 and err


def test_run_not_utf8(capsys, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"nodefox": 1, "name": "\xe9", "nodes": [], "edges": []}')
    code, _, err = cli(capsys, "run", str(path))
    assert code == 2 and err


@pytest.mark.parametrize("value", [{"v": 1}, [1], [{"v": 1}, []], "x", None])
def test_run_input_of_the_wrong_shape(capsys, files, value):
    code, out, err = cli(capsys, "run", files("ok.json", OK_DOC), "--input", files("in.json", value))
    assert code == 2 and out == "" and "array of objects" in err


def test_run_bad_input_json(capsys, files):
    code, _, err = cli(capsys, "run", files("ok.json", OK_DOC), "--input", files("in.json", "[{", raw=True))
    assert code == 2 and "input" in err


def test_run_unwritable_output(capsys, files, tmp_path):
    code, _, err = cli(capsys, "run", files("ok.json", OK_DOC), "--output", str(tmp_path / "no" / "dir" / "r.json"))
    assert code == 2 and "cannot write" in err


def test_run_deeply_nested_json(capsys, files):
    code, _, err = cli(capsys, "run", files("deep.json", "[" * 100_000 + "]" * 100_000, raw=True))
    assert code == 2 and err


def test_no_traceback_from_a_process():
    proc = process("run", "/nonexistent/flow.json")
    assert proc.returncode == 2 and proc.stdout == "" and "flow.json" in proc.stderr
    proc = process("run", "-", stdin="{not json")
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr
    proc = process("validate", "-", stdin=json.dumps(REJECTED))
    assert proc.returncode == 2 and "/nodes/0/type" in proc.stderr


def test_usage_errors_exit_2():
    assert process().returncode == 2
    assert process("run").returncode == 2
    assert process("frobnicate").returncode == 2


# -- validate / nodes --------------------------------------------------------------------


def test_validate(capsys, files):
    flow = files("ok.json", OK_DOC)
    code, out, _ = cli(capsys, "validate", flow)
    assert code == 0 and out == f"{flow}: valid (2 nodes, 1 edges)\n"
    code, out, err = cli(capsys, "validate", files("bad.json", REJECTED))
    assert code == 2 and out == "" and "/nodes/1/id" in err


def test_validate_does_not_run(capsys, files):
    # a failing node is still a valid document
    code, _, _ = cli(capsys, "validate", files("err.json", ERR_DOC))
    assert code == 0


def test_validate_bad_json_and_missing_file(capsys, files, tmp_path):
    assert cli(capsys, "validate", files("bad.json", "{", raw=True))[0] == 2
    assert cli(capsys, "validate", str(tmp_path / "none.json"))[0] == 2


def test_nodes_prints_the_catalogue(capsys):
    code, out, _ = cli(capsys, "nodes")
    assert code == 0
    catalogue = json.loads(out)
    assert catalogue["version"] == nodefox.__version__
    types = [n["type"] for n in catalogue["nodes"]]
    assert types == [t.type for t in nodefox.BUILTINS]
    assert set(types) >= {"trigger", "data", "set", "rename", "remove", "sort", "limit", "dedupe", "split_out",
                          "aggregate", "summarize", "json", "code", "filter", "if", "switch", "merge", "noop"}  # fmt: skip
    for entry in catalogue["nodes"]:
        assert {"inputs", "outputs", "schema", "runsOnEmpty", "title"} <= set(entry)
    assert catalogue["functions"]


def test_version():
    proc = process("--version")
    assert proc.returncode == 0 and nodefox.__version__ in proc.stdout


def test_output_is_utf8_whatever_the_locale(files):
    flow = files("uni.json", document([data("a", [{"x": "é😀"}])]))
    env = {**__import__("os").environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "nodefox", "run", flow], capture_output=True, env=env, timeout=60, check=False)
    assert b"Traceback" not in proc.stderr
    assert proc.returncode == 0
    assert json.loads(proc.stdout.decode("utf-8"))["nodes"]["a"]["outputs"]["out"] == [{"x": "é😀"}]
    assert '"é😀"'.encode() in proc.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_a_message(files):
    flow = files("ok.json", OK_DOC)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "nodefox", "run", flow], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "cannot write" in proc.stderr


def test_run_of_a_clock_in_the_year_0_in_utc_exits_2_with_the_pointer(capsys, files):
    doc = {"nodefox": 1, "settings": {"now": "0001-01-01T00:00:00+01:00"}, "nodes": [], "edges": []}
    code, out, err = cli(capsys, "run", files("early.json", doc))
    assert code == 2 and out == "" and "/settings/now" in err
