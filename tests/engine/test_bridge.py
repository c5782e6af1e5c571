"""The JSON bridge (`bridge.py`): text in, text out; `run` as the CLI prints it; the catalogue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nodefox
import pytest
from conftest import chain, data, document, node
from nodefox import _json, bridge
from nodefox.cli import main

DOC = document([data("d", [{"v": 1}, {"v": 2}]), node("s", "set", {"fields": [{"name": "w", "value": "={{ $json.v * 2 }}"}]})],
               chain(data("d", []), node("s", "set")))  # fmt: skip
TRIGGERED = document([node("t", "trigger"), node("n", "noop")], chain(node("t", "trigger"), node("n", "noop")))


@pytest.fixture(autouse=True)
def fresh_session():
    bridge.configure(json.dumps({"allowCode": True}))
    bridge.handle(json.dumps({"rev": 0, "ops": [{"op": "load", "workflow": {"nodefox": 1, "nodes": [], "edges": []}}]}))
    yield
    bridge.configure(json.dumps({"allowCode": True}))


def without_stats(text: str) -> dict:
    value = json.loads(text)
    value.pop("stats")
    return value


# -- handle -------------------------------------------------------------------------


def test_handle_a_good_message():
    answer = json.loads(bridge.handle(json.dumps({"rev": 7, "ops": [{"op": "load", "workflow": DOC}]})))
    assert answer["rev"] == 7 and "error" not in answer
    text = bridge.handle(json.dumps({"rev": 8, "ops": []}))
    assert isinstance(text, str) and json.loads(text)["rev"] == 8


def test_answers_reuse_item_text_and_say_what_json_says():
    """The bridge writes previews from item texts kept between answers: the text must be
    exactly the JSON of the answer, for items sent before and items new to this answer."""
    from nodefox.live import answers

    filt = node("f", "filter", {"conditions": [{"left": "={{ $json.v }}", "op": "gte", "right": 2}]})
    items = [{"v": i, "x": i / 3, "name": f"n{i}", "deep": {"a": [1, 2.5, None, "é"]}} for i in range(30)]
    doc = document([data("d", items), filt, node("s", "set", {"fields": [{"name": "w", "value": "={{ $json.v * 2 }}"}]})],
                   chain(data("d", []), filt, node("s", "set")))  # fmt: skip
    bridge.handle(json.dumps({"rev": 1, "ops": [{"op": "load", "workflow": doc}]}))
    for rev, right in enumerate([5, 2, 5, 40, 2], start=2):
        answer = bridge.SESSION.apply([{"op": "patch_params", "id": "f", "path": "/conditions/0/right", "value": right}])
        whole = {"rev": rev, **answer}
        assert answers.encode(whole) == _json.dumps(whole)
    assert answers._TEXTS  # the items' texts were kept


@pytest.mark.parametrize("message", [
    "", "{", "null", "[]", "5", '"ops"', '{"rev": 1}', '{"rev": 1, "ops": {}}', '{"ops": "load"}',
    "[" * 50_000 + "]" * 50_000,
])  # fmt: skip
def test_handle_a_bad_message_answers_an_error(message):
    answer = json.loads(bridge.handle(message))
    assert answer["rev"] is None and answer["error"]


def test_handle_a_bad_op_is_an_answer_not_an_exception():
    text = bridge.handle(json.dumps({"rev": 2, "ops": [{"op": "frobnicate"}, {"no": "op"}, 5]}))
    answer = json.loads(text)
    assert answer["rev"] == 2


# -- run ----------------------------------------------------------------------------------


def cli_run(tmp_path: Path, doc: dict, items: list | None = None) -> str:
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(doc), encoding="utf-8")
    args = ["run", str(flow)]
    if items is not None:
        (tmp_path / "in.json").write_text(json.dumps(items), encoding="utf-8")
        args += ["--input", str(tmp_path / "in.json")]
    proc = subprocess.run([sys.executable, "-m", "nodefox", *args], capture_output=True, text=True, timeout=60, check=False)
    return proc.stdout


def test_run_equals_the_cli_output(tmp_path):
    text = bridge.run(json.dumps(DOC))
    printed = cli_run(tmp_path, DOC)
    assert text == printed.rstrip("\n").replace(_stats(printed), _stats(text))
    assert without_stats(text) == without_stats(printed)
    assert list(json.loads(text)) == ["status", "now", "order", "nodes", "stats"]


def _stats(text: str) -> str:
    return _json.dumps(json.loads(text)["stats"])


def test_run_with_input_equals_the_cli(tmp_path, capsys):
    items = [{"a": 1}, {"a": "é"}]
    text = bridge.run(json.dumps(TRIGGERED), json.dumps(items))
    flow, inp = tmp_path / "f.json", tmp_path / "i.json"
    flow.write_text(json.dumps(TRIGGERED)), inp.write_text(json.dumps(items))
    assert main(["run", str(flow), "--input", str(inp)]) == 0
    assert without_stats(text) == without_stats(capsys.readouterr().out)
    assert json.loads(text)["nodes"]["n"]["outputs"]["out"] == items


def test_run_is_compact_json():
    text = bridge.run(json.dumps(DOC))
    assert "\n" not in text and ", " not in text


def test_run_allows_code_unless_configured_off():
    doc = document([data("d", [{}]), node("c", "code", {"code": "return [{'ok': True}]"})],
                   chain(data("d", []), node("c", "code")))  # fmt: skip
    assert json.loads(bridge.run(json.dumps(doc)))["status"] == "ok"
    bridge.configure(json.dumps({"allowCode": False}))
    assert json.loads(bridge.run(json.dumps(doc)))["status"] == "error"


def test_run_reuses_the_model_of_a_document_text_sent_again():
    from nodefox.document import load_text

    text = json.dumps(DOC)
    assert load_text(text) is load_text(text)
    same = [nodefox.canonical(json.loads(bridge.run(t))) for t in (text, text, json.dumps(DOC, indent=1))]
    assert same[0] == same[1] == same[2]
    big = text.replace('"nodes": [', '"nodes": [{"id": "x", "type": "data", "params": {"items": [{"v": 1e400}]}}, ', 1)
    assert json.loads(bridge.run(big))["rejected"]["message"]  # an infinity: refused before it is cached
    assert json.loads(bridge.run(big))["rejected"]["message"]


def test_a_rejected_document_lists_its_problems():
    bad = {"nodefox": 1, "nodes": [{"id": "a", "type": "nope"}], "edges": [{"source": "a", "target": "b"}]}
    answer = json.loads(bridge.run(json.dumps(bad)))
    rejected = answer["rejected"]
    assert rejected["message"]
    assert [p["pointer"] for p in rejected["problems"]] == ["/nodes/0/type", "/edges/0/target"]
    assert all(p["message"] for p in rejected["problems"])


@pytest.mark.parametrize("document_text", ["", "{", "null", "[]", '{"nodefox": 1}', "[" * 50_000 + "]" * 50_000])
def test_run_never_raises_on_a_bad_document(document_text):
    answer = json.loads(bridge.run(document_text))
    assert answer["rejected"]["message"]


@pytest.mark.parametrize("input_text", ["{", "5", "null", "[1]", '{"a": 1}', '[{"a": 1}, []]'])
def test_run_rejects_bad_input(input_text):
    answer = json.loads(bridge.run(json.dumps(TRIGGERED), input_text))
    assert answer["rejected"]["message"]


def test_run_without_orjson_never_raises(monkeypatch):
    monkeypatch.setattr(_json, "orjson", None)
    deep = "[" * 50_000 + "]" * 50_000
    assert json.loads(bridge.run(deep))["rejected"]["message"]
    assert json.loads(bridge.run(json.dumps(TRIGGERED), deep))["rejected"]["message"]
    assert json.loads(bridge.run(json.dumps(DOC)))["status"] == "ok"


# -- catalogue ----------------------------------------------------------------------------


def test_catalogue_equals_nodefox_nodes(capsys):
    text = bridge.catalogue()
    assert main(["nodes"]) == 0
    assert json.loads(text) == json.loads(capsys.readouterr().out)
    assert "\n" not in text


def test_catalogue_equals_nodefox_nodes_in_a_process():
    proc = subprocess.run([sys.executable, "-m", "nodefox", "nodes"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and json.loads(proc.stdout) == json.loads(bridge.catalogue())


def test_configure_answers_the_options():
    options = json.loads(bridge.configure(json.dumps({"allowCode": False})))
    assert options["allowCode"] is False and options["version"]
    assert json.loads(bridge.configure("{}"))["allowCode"] is False


@pytest.mark.parametrize("text", ["{", "", "[" * 50_000])
def test_configure_never_raises_on_bad_text(text):
    bridge.configure(json.dumps({"allowCode": False}))
    options = json.loads(bridge.configure(text))
    assert options["allowCode"] is False


def test_warming_up_answers_edits_in_a_session_of_its_own():
    """The worker warms the edit path while idle (bridge.warm_up): the page's session, its
    document and its next answer are untouched."""
    bridge.handle(json.dumps({"rev": 1, "ops": [{"op": "load", "workflow": document([data("d", [{"a": 1}])], [])}]}))
    page_session, exported = bridge.SESSION, bridge.SESSION.document()
    runs = bridge._WARM["edits"]
    bridge.warm_up(12)
    assert bridge.SESSION is page_session and bridge.SESSION.document() == exported
    assert bridge._WARM["edits"] == runs + 12 and bridge._WARM["session"] is not page_session
    counts = bridge._WARM["session"].entry("f")["counts"]
    assert sum(counts.values()) == bridge._WARM["session"].entry("l")["counts"]["out"]  # it really ran
    answer = json.loads(bridge.handle(json.dumps({"rev": 2, "ops": []})))
    assert answer["nodes"] == {}
