"""Small hostile files: every one ends within seconds in a message, never a hang, a memory
blow-up or a traceback (the red-team reproductions of issue 10, items 3 to 6, kept).

Run budgets are in `limits.py`; the caps on single expressions in `_guards.py`.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import nodefox
import pytest
from conftest import chain, data, document, edge, node
from nodefox import _guards, _json, limits, paths
from nodefox.errors import ExpressionError, NodeError
from nodefox.expressions import Context, Expression, evaluate_reference, template
from nodefox.nodes import BUILTINS, NodeType, Registry
from nodefox.nodes.base import obj_schema

ENGINE = Path(__file__).resolve().parents[2] / "engine"
REDOS = "re_match('(a+)+$', 'a' * 40 + '!')"
HAS_PROC = Path("/proc/self/statm").exists()


def set_doc(value: Any, items: list[dict] | None = None, name: str = "x") -> dict:
    src = data("d", [{}] if items is None else items)
    target = node("s", "set", {"fields": [{"name": name, "value": value}]})
    return document([src, target], chain(src, target))


def entry(result: dict, node_id: str) -> dict:
    return result["nodes"][node_id]


def timed(fn: Any) -> tuple[Any, float]:
    start = time.monotonic()
    value = fn()
    return value, time.monotonic() - start


def cli(*args: str, timeout: float = 60, **kwargs: Any) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ENGINE)}
    proc = subprocess.run([sys.executable, "-m", "nodefox", *args], capture_output=True,
                          timeout=timeout, env=env, **kwargs)  # fmt: skip
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def both(text: str, item: dict | None = None) -> list[Any]:
    """The value (or the ExpressionError) of one expression in both evaluators."""
    out = []
    item = {"a": 5} if item is None else item
    for evaluate in (lambda: Expression(text).evaluate(item, 0, Context()),
                     lambda: evaluate_reference(text, item, 0, Context())):  # fmt: skip
        try:
            out.append(evaluate())
        except ExpressionError as exc:
            out.append(exc)
    return out


def fails_in_both(text: str, item: dict | None = None) -> str:
    compiled, reference = both(text, item)
    assert isinstance(compiled, ExpressionError), compiled
    assert isinstance(reference, ExpressionError), reference
    return compiled.message


# -- 3. regular expressions and the run's time budget ------------------------------------------


@pytest.mark.parametrize(
    "value",
    [f"={{{{ {REDOS} }}}}", "={{ re_findall('(a+)+$', 'a' * 40 + '!') }}",
     "={{ re_sub('(a+)+$', 'b', 'a' * 40 + '!') }}"],
)  # fmt: skip
def test_a_backtracking_regex_stops_at_the_runs_time_budget(value):
    result, took = timed(lambda: nodefox.run(set_doc(value), timeout=0.5))
    assert took < 5
    assert result["status"] == "error"
    assert entry(result, "s")["error"]["message"] == "the run took longer than its 0.5 s time budget (--timeout)"


def test_the_regex_condition_op_stops_at_the_time_budget_too():
    src = data("d", [{"t": "a" * 40 + "!"}])
    f = node("f", "filter", {"conditions": [{"left": "={{ $json.t }}", "op": "regex", "right": "(a+)+$"}]})
    result, took = timed(lambda: nodefox.run(document([src, f], chain(src, f)), timeout=0.5))
    assert took < 5 and "0.5 s time budget" in entry(result, "f")["error"]["message"]


def test_the_regex_condition_op_has_re_matchs_caps():
    src = data("d", [{"t": "abc"}])
    f = node("f", "filter", {"conditions": [{"left": "={{ $json.t }}", "op": "regex", "right": "a" * 1001}]})
    result = nodefox.run(document([src, f], chain(src, f)))
    assert "at most 1,000 characters" in entry(result, "f")["error"]["message"]


def test_the_budget_ignores_on_error_and_fails_every_node_after_it():
    slow = node("s", "set", {"fields": [{"name": "x", "value": f"={{{{ {REDOS} }}}}"}]}, onError="continue")
    nodes = [data("d", [{}]), slow, data("later", [{"a": 1}])]
    result = nodefox.run(document(nodes, [edge("d", "s")]), timeout=0.3)
    assert entry(result, "s")["status"] == "error"  # not passed through: the run is out of time
    assert entry(result, "later")["error"]["message"] == entry(result, "s")["error"]["message"]


def test_a_run_within_its_budget_is_unchanged():
    doc = set_doc("={{ $json.a * 2 }}", [{"a": 1}, {"a": 2}])
    assert nodefox.canonical(nodefox.run(doc)) == nodefox.canonical(nodefox.run(doc, timeout=None, max_items=None, max_memory=None))


def test_budgets_must_be_positive():
    with pytest.raises(ValueError, match="timeout"):
        nodefox.run(set_doc("x"), timeout=0)


def test_the_timer_is_given_back_as_it_was():
    import signal

    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers here")
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        nodefox.run(set_doc("={{ 1 }}"))
        delay, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < delay <= 0.3 and signal.getsignal(signal.SIGALRM) is not limits._tick
        time.sleep(0.4)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _registry(fn: Any) -> Registry:
    custom = NodeType("custom", "Custom", "Test", "for tests", ("in",), ("out",), obj_schema({}), fn)
    return Registry([*BUILTINS, custom])


def _custom_doc() -> dict:
    return document([data("d", [{}]), node("c", "custom"), data("after", [{}])], [edge("d", "c")])


def _in_a_thread(fn: Any) -> Any:
    """Run fn in another thread (no signals there: the budget is checked between nodes)."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(30)
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_without_signals_the_deadline_is_checked_between_nodes():
    def slow(call: Any) -> dict:
        time.sleep(0.3)
        return {"out": call.first}

    result = _in_a_thread(lambda: nodefox.run(_custom_doc(), registry=_registry(slow), timeout=0.1))
    assert "0.1 s time budget" in entry(result, "c")["error"]["message"]
    assert "0.1 s time budget" in entry(result, "after")["error"]["message"]


def test_an_interrupt_after_the_deadline_is_the_budgets_and_before_it_the_callers():
    def interrupted_late(call: Any) -> dict:  # as Pyodide's interrupt buffer raises it
        time.sleep(0.2)
        raise KeyboardInterrupt

    result = _in_a_thread(lambda: nodefox.run(_custom_doc(), registry=_registry(interrupted_late), timeout=0.1))
    assert "0.1 s time budget" in entry(result, "c")["error"]["message"]

    def interrupted(call: Any) -> dict:  # the user's Stop: not ours to swallow
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _in_a_thread(lambda: nodefox.run(_custom_doc(), registry=_registry(interrupted), timeout=30))


def test_the_cli_timeout_flag(tmp_path):
    path = tmp_path / "redos.json"
    path.write_text(json.dumps(set_doc(f"={{{{ {REDOS} }}}}")))
    proc, took = timed(lambda: cli("run", str(path), "--timeout", "0.5"))
    assert proc.returncode == 1 and took < 10
    assert "0.5 s time budget (--timeout)" in json.loads(proc.stdout)["nodes"]["s"]["error"]["message"]
    bad = cli("run", str(path), "--timeout", "-1")
    assert bad.returncode == 2 and b"--timeout" in bad.stderr


# -- 4. memory from a few hundred bytes: the item budget, paths, bytes formatting ---------------


def test_the_item_budget_counts_every_item_produced():
    doc = set_doc("={{ 1 }}", [{}, {}, {}])
    assert nodefox.run(doc, max_items=6)["status"] == "ok"  # 3 from the data node, 3 from set
    result = nodefox.run(doc, max_items=5)
    assert entry(result, "s")["error"]["message"] == "the run would produce more than 5 items, its item budget (--max-items)"


def test_a_node_past_the_item_budget_fails_alone():
    nodes = [data("d", [{}, {}, {}]), node("s", "set", {"fields": [{"name": "x", "value": 1}]}), data("other", [{}])]
    result = nodefox.run(document(nodes, [edge("d", "s")]), max_items=4)
    assert "item budget" in entry(result, "s")["error"]["message"]
    assert entry(result, "other")["status"] == "ok"  # the set node's items were dropped, not counted


CROSS = document(
    [data("a", "={{ [{'i': i} for i in range(10000)] }}"), data("b", "={{ [{'j': j} for j in range(10000)] }}"),
     node("m", "merge", {"mode": "cross"})],
    [edge("a", "m", target_port="in1"), edge("b", "m", target_port="in2")],
)  # fmt: skip


def test_a_cross_merge_past_the_item_budget_fails_before_it_is_built():
    result, took = timed(lambda: nodefox.run(CROSS))
    assert took < 5
    assert "item budget" in entry(result, "m")["error"]["message"]


def test_a_many_to_many_join_past_the_item_budget_fails_as_it_grows():
    doc = document(
        [data("a", "={{ [{'k': 1} for i in range(3000)] }}"), data("b", "={{ [{'k': 1} for j in range(3000)] }}"),
         node("m", "merge", {"mode": "join", "fields1": ["k"], "fields2": ["k"]})],
        [edge("a", "m", target_port="in1"), edge("b", "m", target_port="in2")],
    )  # fmt: skip
    result, took = timed(lambda: nodefox.run(doc, max_items=100_000))
    assert took < 5 and "item budget" in entry(result, "m")["error"]["message"]


def test_chained_split_outs_stop_at_the_item_budget():
    src = data("d", "={{ [{'a': list(range(1000)), 'b': list(range(1000))}] }}")
    s1 = node("s1", "split_out", {"field": "a", "include": "all"})
    s2 = node("s2", "split_out", {"field": "b", "include": "all"})
    result, took = timed(lambda: nodefox.run(document([src, s1, s2], chain(src, s1, s2)), max_items=100_000))
    assert took < 5
    assert entry(result, "s1")["status"] == "ok"
    assert "item budget" in entry(result, "s2")["error"]["message"]


@pytest.mark.skipif(not HAS_PROC, reason="resident memory is read from /proc")
def test_the_memory_budget_stops_a_run_whose_items_are_big():
    src = data("d", "={{ [{'i': i} for i in range(10000)] }}")
    fat = node("s", "set", {"fields": [{"name": "l", "value": "={{ list(range(100000)) }}"}]})
    result, took = timed(lambda: nodefox.run(document([src, fat], chain(src, fat)), max_memory=50))
    assert took < 10
    assert entry(result, "s")["error"]["message"] == "the run's memory grew by more than 50 MB, its memory budget (--max-memory)"


def test_a_memory_error_in_a_node_is_a_node_error():
    def greedy(call: Any) -> dict:
        raise MemoryError

    result = nodefox.run(_custom_doc(), registry=_registry(greedy))
    assert entry(result, "c")["error"]["message"] == "the node ran out of memory"
    assert entry(result, "after")["status"] == "ok"


def test_a_memory_error_in_the_cli_is_exit_1(monkeypatch, capsys, tmp_path):
    from nodefox import cli as cli_module

    def out_of_memory(*args: Any, **kwargs: Any) -> dict:
        raise MemoryError

    path = tmp_path / "w.json"
    path.write_text(json.dumps(set_doc("x")))
    monkeypatch.setattr(cli_module, "run", out_of_memory)
    assert cli_module.main(["run", str(path)]) == 1
    assert capsys.readouterr().err == "nodefox: out of memory\n"


def test_bytes_formatting_is_refused():
    text = "'%01000000000d'.encode() % (1,)"
    message, took = timed(lambda: fails_in_both(text))
    assert message == "bytes % formatting is not allowed" and took < 1


@pytest.mark.parametrize("node_type", ["set", "rename"])
def test_a_path_cannot_pad_a_list_to_a_billion(node_type):
    params = ({"fields": [{"name": "arr.1000000000", "value": "x"}]} if node_type == "set"
              else {"keys": [{"from": "v", "to": "arr.1000000000"}]})  # fmt: skip
    src = data("d", [{"arr": [], "v": 1}])
    target = node("n", node_type, params)
    result, took = timed(lambda: nodefox.run(document([src, target], chain(src, target))))
    assert took < 2
    assert "more than 10,000 past the end of its array" in entry(result, "n")["error"]["message"]


def test_paths_pad_lists_a_little_and_no_more():
    item: dict = {"arr": []}
    paths.set_(item, f"arr.{paths.MAX_PAD}", 1)
    assert len(item["arr"]) == paths.MAX_PAD + 1
    with pytest.raises(NodeError, match="past the end"):
        paths.set_({"arr": []}, f"arr.{paths.MAX_PAD + 1}", 1)
    with pytest.raises(NodeError, match="past the end"):
        paths.set_({"arr": []}, "arr." + "9" * 5000, 1)  # more digits than int() reads
    assert paths.get({"arr": [1]}, "arr." + "9" * 5000) is None


@pytest.mark.parametrize("segment", ["²", "٣", "x", "-1"])
def test_a_segment_that_is_not_ascii_digits_is_no_index(segment):
    assert paths.get({"arr": [1, 2, 3, 4]}, f"arr.{segment}") is None
    with pytest.raises(NodeError, match="indexed by the digits 0-9"):
        paths.set_({"arr": [1, 2, 3, 4]}, f"arr.{segment}", "x")
    item = {"arr": [1, 2, 3, 4]}
    paths.delete(item, f"arr.{segment}")
    assert item == {"arr": [1, 2, 3, 4]}


def test_superscript_digits_in_a_set_path_are_a_node_error():
    result = nodefox.run(set_doc("x", [{"arr": [1, 2, 3]}], name="arr.²"))
    assert entry(result, "s")["error"] == {
        "message": "cannot write 'arr.²': an array is indexed by the digits 0-9, not '²'", "item": 0,
        "path": "/fields/0/name"}


# -- 5. exact big integers, natively as in the browser -------------------------------------------

JSON_TEXTS = [
    '{"a": 18446744073709551617}', "-9223372036854775809", "18446744073709551615", "-9223372036854775808",
    "9" * 400, "-" + "9" * 4300, "[1.2345678901234567890123, 1e-7, 12345678901234567890e-5]",
    '"\\ud800"', '"\\ud83d\\ude00"', '{"a": "é", "b": [null, true, false, 1.5]}', "[]", "0",
]  # fmt: skip
BAD_JSON_TEXTS = ["1e999", "[1, -1e400]", '{"a": 2e308}', "9" * 4301, "NaN", "\ufeff[]", "[1,", "", '{"a" 1}', "[" * 100_000]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_reads_the_same_values_with_and_without_orjson(text, monkeypatch):
    native = _json.loads(text)
    native_bytes = _json.loads(text.encode("utf-8", "surrogatepass"))
    monkeypatch.setattr(_json, "orjson", None)  # as in Pyodide
    browser = _json.loads(text)
    assert _json.dumps(native) == _json.dumps(browser) == _json.dumps(native_bytes)
    assert repr(native) == repr(browser)  # ints stay ints, floats floats


@pytest.mark.parametrize("text", BAD_JSON_TEXTS)
def test_json_refuses_the_same_texts_with_and_without_orjson(text, monkeypatch):
    with pytest.raises((ValueError, RecursionError)) as native:
        _json.loads(text)
    monkeypatch.setattr(_json, "orjson", None)
    with pytest.raises((ValueError, RecursionError)) as browser:
        _json.loads(text)
    if "e" in text:  # a number beyond the double range: the same words both ways
        assert str(native.value) == str(browser.value) == _json.TOO_LARGE


def test_a_big_integer_stays_exact_through_a_run():
    doc = _json.loads(json.dumps(set_doc("={{ $json.a + 1 }}", name="b")).replace('[{}]', '[{"a": 18446744073709551617}]'))
    result = nodefox.run(doc)
    assert entry(result, "s")["outputs"]["out"] == [{"a": 18446744073709551617, "b": 18446744073709551618}]
    assert '"b":18446744073709551618' in nodefox.canonical(result)


def test_a_big_integer_stays_exact_through_the_cli(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(set_doc("={{ $json.a * 10 }}", [{"a": int("9" * 400)}], name="b")))
    proc = cli("run", str(path))
    assert proc.returncode == 0
    out = json.loads(proc.stdout)["nodes"]["s"]["outputs"]["out"][0]
    assert out == {"a": int("9" * 400), "b": int("9" * 400) * 10}


def test_a_sum_past_the_digit_limit_is_a_node_error():
    src = data("d", [{"a": int("9" * 4299)}] * 20)
    summary = node("s", "summarize", {"aggregations": [{"field": "a", "op": "sum"}]})
    result = nodefox.run(document([src, summary], chain(src, summary)))
    assert entry(result, "s")["error"]["message"] == "a: a number with more than 4,300 digits cannot be written as JSON"
    nodefox.canonical(result)


# -- 6. the smaller ones ------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_result_is_written_as_its_escape(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(set_doc('={{ "\\ud800" + "é" }}')))
    proc = cli("run", str(path))
    assert proc.returncode == 0 and b'"x":"\\ud800\xc3\xa9"' in proc.stdout
    assert json.loads(proc.stdout)["nodes"]["s"]["outputs"]["out"] == [{"x": "\ud800é"}]
    out = tmp_path / "out.json"
    assert cli("run", str(path), "--output", str(out), "--pretty").returncode == 0
    assert json.loads(out.read_text("utf-8"))["nodes"]["s"]["outputs"]["out"] == [{"x": "\ud800é"}]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("as_input", [False, True])
def test_an_endless_file_is_read_with_a_size_limit(as_input, tmp_path):
    (tmp_path / "w.json").write_text(json.dumps(set_doc("x")))
    args = [str(tmp_path / "w.json"), "--input", "/dev/zero"] if as_input else ["/dev/zero"]
    proc, took = timed(lambda: cli("run", *args))
    assert proc.returncode == 2 and took < 10
    assert b"is larger than 100 MB" in proc.stderr


@pytest.mark.parametrize(
    "text",
    ["={{ (" + "}}" * 5000, "={{ 1 + }}" + " }}" * 5000, "={{ 'a' }}" + "}}" * 5000,
     "=" + "{{ 1 }} " * 300, "={{ x y" + " }} {{" * 3000],
)  # fmt: skip
def test_many_closing_braces_are_split_in_linear_time(text):
    def parse() -> Any:
        try:
            return template(text)
        except ExpressionError as exc:
            return exc

    _, took = timed(parse)
    assert took < 2  # it was 13 s for 10 KB: every `}}` parsed everything before it


def test_the_split_still_finds_the_shortest_expression():
    ctx = Context()
    assert template("={{ {'a': {'b': 1}} }}").evaluate({}, 0, ctx) == {"a": {"b": 1}}
    assert template("={{ '}}' }}").evaluate({}, 0, ctx) == "}}"
    assert template("=a {{ 1 }} }} b").evaluate({}, 0, ctx) == "a 1 }} b"
    assert template("={{ 1 # }} }}").evaluate({}, 0, ctx) == "1 }}"  # a comment ends at }}, as before
    assert template("={{ 2 # it's }}").evaluate({}, 0, ctx) == 2
    with pytest.raises(ExpressionError, match="unterminated"):
        template("={{ 'a }}")


@pytest.mark.parametrize("text", ["str(len)", "str($input)", "str(min)", "str([sorted])", "str({'a': $input})",
                                  "str(zip([1]))", "str(enumerate([]))", "str(reversed([1]))"])  # fmt: skip
def test_str_of_a_function_or_reference_is_refused(text):
    assert "str() has no text for" in fails_in_both(text)


def test_str_of_data_is_unchanged():
    assert both("str([1, 'a', None, {'b': (1, 2.5)}, range(2)])") == ["[1, 'a', None, {'b': (1, 2.5)}, range(0, 2)]"] * 2


@pytest.mark.parametrize("text", ["[].index($input)", "$json.none[$input]", "[].index(zip([]))"])
def test_messages_hold_no_memory_address(text):
    message = fails_in_both(text, {"none": None})
    assert " at 0x" not in message


def test_results_are_the_same_run_after_run():
    doc = set_doc("={{ str($input) }}")
    first = nodefox.canonical(nodefox.run(doc))
    assert first == nodefox.canonical(nodefox.run(doc)) and " at 0x" not in first


@pytest.mark.parametrize("text", ["[$json for $json in [1]]", "[1 for $index in [1]]", "{1: 2 for $vars in [1]}"])
def test_context_names_cannot_be_loop_variables(text):
    assert "cannot be a loop variable" in fails_in_both(text)


@pytest.mark.parametrize(
    ("text", "want"),
    [("[$index for I in [7]]", [0]), ("[$json.a for J in [1]]", [5]), ("[y for B in [1] for y in [1, 2]]", [1, 2]),
     ("[len([3, 1]) for F_len in [sorted]]", [2]), ("[date_format for date_format in [1]]", [1]),
     ("[len for len in [1]] + [len('ab')]", [1, 2]), ("[[C for C in [1]] for x in [2]]", [[1]]),
     ("[x for x in [1, 2] for x in [x, 3]]", [1, 3, 2, 3]), ("{k: v for k, v in {'a': 1}.items()}", {"a": 1})],
)  # fmt: skip
def test_loop_variables_never_meet_the_compilers_own_names(text, want):
    assert both(text) == [want, want]


@pytest.mark.parametrize("text", ["²", "1 + ²", "x²", "arr.²"])
def test_superscript_digits_in_an_expression_are_a_syntax_error(text):
    assert "syntax error" in fails_in_both(text)


def test_rounding_to_a_huge_number_of_digits_is_quick():
    for text, want in [("round(5, -10 ** 8)", 0), ("round(5.5, 10 ** 8)", 5.5), ("round(-1.5, -10 ** 8)", -0.0),
                       ("round(123, -1)", 120), ("round(2.675, 2)", 2.67)]:  # fmt: skip
        values, took = timed(lambda text=text: both(text))
        assert values == [want, want] and took < 1


def test_a_result_that_repeats_one_big_list_is_refused_quickly():
    # the engine's evaluator only: simpleeval walks every result it makes, 10**8 steps here
    expression = Expression("[list(range(10000))] * 10000")
    with pytest.raises(ExpressionError, match=f"the result holds more than {_guards.MAX_RESULT:,} values"):
        timed(lambda: expression.evaluate({}, 0, Context()))
    _, took = timed(lambda: pytest.raises(ExpressionError, expression.evaluate, {}, 0, Context()))
    assert took < 1


def test_a_small_list_shown_many_times_is_counted_each_time(monkeypatch):
    # small arrays and objects are walked again rather than remembered (_guards._MEMO_FROM);
    # big ones are remembered: both count every time they are shown
    monkeypatch.setattr(_guards, "MAX_RESULT", 1000)
    small, big = [0] * 8, {f"k{i}": i for i in range(40)}
    assert _guards.to_json([small] * 100) == [small] * 100  # 100 + 800 values
    assert _guards.to_json([big] * 20) == [big] * 20  # 20 + 800
    for value in ([small] * 120, [big] * 30, [[small] * 10] * 12):
        with pytest.raises(ExpressionError, match="the result holds more than 1,000 values"):
            _guards.to_json(value)


def test_a_result_too_big_to_write_within_the_memory_budget_is_exit_1(tmp_path):
    src = data("d", "={{ [{'a': list(range(3000)), 'b': list(range(3000))}] }}")
    s1 = node("s1", "split_out", {"field": "a", "include": "all"})  # 3,000 items sharing one list
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document([src, s1], chain(src, s1))))
    proc = cli("run", str(path), "--max-memory", "25")  # a few MB to run, 45 MB as text
    assert proc.returncode == 1 and proc.stdout == b""
    assert b"more than 25 MB of JSON, its memory budget (--max-memory); nothing was written" in proc.stderr
    assert cli("run", str(path), "--max-memory", "0").returncode == 0


def test_the_written_result_is_the_one_shot_text():
    result = nodefox.run(set_doc("={{ {'é': [1, {'b': []}], 'c': {}} }}", [{"a": 1}, {}]))
    for indent, whole in ((False, _json.dumps(result)), (True, _json.pretty(result))):
        assert "".join(_json.chunks(result, indent)) == whole


# -- fuzzing: mutated documents never crash a run or the CLI ------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NIGHTLY = os.environ.get("NODEFOX_NIGHTLY") == "1"
SEED = document(
    [data("d", [{"id": 1, "a": 18446744073709551617, "t": "x,y", "l": [1, 2], "o": {"k": "v"}}, {"id": 2, "a": -1.5}]),
     node("s", "set", {"fields": [{"name": "b", "value": "={{ $json.a * 2 }}"}, {"name": "c.d", "value": "={{ $json.t }}"}]}),
     node("i", "if", {"conditions": [{"left": "={{ $json.id }}", "op": "gt", "right": 1}]}),
     node("sp", "split_out", {"field": "l", "include": "all"}),
     node("m", "merge", {"mode": "cross"}),
     node("su", "summarize", {"groupBy": ["id"], "aggregations": [{"op": "sum", "field": "a"}]}),
     node("r", "rename", {"keys": [{"from": "o.k", "to": "p.0"}]}),
     node("j", "json", {"op": "stringify", "field": "o"}),
     node("so", "sort", {"fields": [{"field": "id"}]}),
     node("f", "filter", {"conditions": [{"left": "={{ $json.t }}", "op": "regex", "right": "x"}]})],
    [edge("d", "s"), edge("s", "i"), edge("i", "sp", "true"), edge("sp", "m", target_port="in1"),
     edge("d", "m", target_port="in2"), edge("m", "su"), edge("s", "r"), edge("r", "j"), edge("j", "so"),
     edge("so", "f")],
)  # fmt: skip
NASTY = st.sampled_from([
    None, True, 0, -1, 2**64 + 1, -(2**63) - 1, int("9" * 300), 1e308, -0.0, "", "\ud800", "é" * 10, "x" * 5000,
    "={{ 1 / 0 }}", "={{ $json }}", "={{ [$json] * 100 }}", "={{ $input.all() }}", "={{ '}}' }}", "={{",
    "={{ (" + "}}" * 200, "={{ str($input) }}", "={{ $json.a + 1 }}", "={{ $('d').all() }}", "={{ 10 ** 4000 }}",
    "={{ list(range(1000)) }}", "arr.5", "l.²", "a.100000", "=", "={{ __import__('os') }}", [], {}, [{}], [1, [2, [3]]],
    {"a": {"b": {"c": None}}}, "cross", "join", "regex", "(a|b)*c", "gt",
])  # fmt: skip


def _spots(value: Any, out: list) -> list:
    """(container, key) of every value inside `value`."""
    pairs = value.items() if type(value) is dict else enumerate(value) if type(value) is list else ()
    for k, v in pairs:
        out.append((value, k))
        _spots(v, out)
    return out


@st.composite
def mutated(draw: Any) -> dict:
    doc = json.loads(json.dumps(SEED))
    for _ in range(draw(st.integers(1, 4))):
        container, key = draw(st.sampled_from(_spots(doc, [])))
        how = draw(st.sampled_from(["replace", "replace", "delete", "copy"]))
        if how == "replace":
            container[key] = copy.deepcopy(draw(NASTY))  # the pool's lists must stay as they are
        elif how == "delete":
            del container[key]
        elif type(container) is list:
            container.append(copy.deepcopy(container[key]))
        else:
            container.setdefault(f"{key}2", copy.deepcopy(container[key]))
    return doc


@settings(max_examples=1000 if NIGHTLY else 60, deadline=None, derandomize=not NIGHTLY, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(mutated())
def test_a_mutated_document_runs_or_is_rejected_never_crashes(doc):
    try:
        result = nodefox.run(doc, timeout=5, max_items=200_000, max_memory=300)
    except nodefox.DocumentError:
        return
    assert result["status"] in ("ok", "error")
    text = nodefox.canonical(result)
    assert _json.dumps(_json.loads(text)) == text  # exact numbers, written and read back
    for entry_ in result["nodes"].values():
        assert entry_["status"] in ("ok", "error", "skipped", "blocked", "idle", "disabled", "pinned")
        if "error" in entry_:
            assert "Traceback" not in entry_["error"]["message"]


@settings(max_examples=200 if NIGHTLY else 15, deadline=None, derandomize=not NIGHTLY, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(mutated())
def test_a_mutated_document_through_the_cli_exits_0_1_or_2_with_no_traceback(doc):
    import contextlib
    import io
    import tempfile

    from nodefox.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", str(path), "--timeout", "5"])
    assert code in (0, 1, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code != 2:
        json.loads(out.getvalue())


def _split_as_before(body: str) -> list:
    """The template split before it was made linear: every `}}` in turn, parsed. The
    shortest text that is an expression wins; the test holds the new split equal to it."""
    parts: list = []
    pos = 0
    while True:
        start = body.find("{{", pos)
        if start < 0:
            break
        end = body.find("}}", start + 2)
        while end >= 0:
            try:
                Expression(body[start + 2 : end])
                break
            except ExpressionError as exc:
                nxt = body.find("}}", end + 1)
                if nxt < 0:
                    return ["error", exc.message]
                end = nxt
        if end < 0:
            return ["error", "a {{ has no matching }}"]
        parts.append(("text", body[pos:start]))
        parts.append(("expr", body[start + 2 : end].strip()))
        pos = end + 2
    parts.append(("text", body[pos:]))
    return [p for p in parts if p != ("text", "")]


@settings(max_examples=1500 if NIGHTLY else 150, deadline=None, derandomize=not NIGHTLY, database=None)
@given(st.lists(st.sampled_from(["{{", "}}", "}", "{", "'", '"', "(", ")", "[", "]", "1", "+", " ", "#", "\n",
                                 "\\", "x", "$json", ":", ",", "'}}'", "{'a': 1}"]), max_size=14).map("".join))  # fmt: skip
def test_the_linear_split_finds_what_the_old_one_found(body):
    from nodefox.expressions import Template

    want = _split_as_before(body)
    try:
        parts = Template("=" + body).parts
    except ExpressionError as exc:
        assert want[0] == "error", (body, want, exc.message)
        return
    got = [("expr", p.text) if isinstance(p, Expression) else ("text", p) for p in parts]
    got = [p for p in got if p != ("text", "")]
    if len(got) == 1 and got[0][0] == "expr" and len(want) > 1:  # whitespace around one {{ }} is dropped
        want = [p for p in want if p[0] == "expr" or p[1].strip()]
    assert got == want, body
