"""`nodefox/n8n/translate.py`: nodes, ports, names, pins, error settings, credentials, loops."""

from __future__ import annotations

import pytest
from nodefox import run
from nodefox.n8n import NotN8n, translate


def n8n(nodes: list[dict], connections: dict | None = None, **extra) -> dict:
    for i, node in enumerate(nodes):
        node.setdefault("typeVersion", 1)
        node.setdefault("position", [i * 200, 0])
        node.setdefault("parameters", {})
        node["type"] = node["type"] if "." in node["type"] else "n8n-nodes-base." + node["type"]
    return {"nodes": nodes, "connections": connections or {}, **extra}


def link(*pairs: tuple) -> dict:
    """(source, target, output=0, input=0) tuples as n8n connections."""
    out: dict = {}
    for source, target, *rest in pairs:
        output, inp = (rest + [0, 0])[:2]
        main = out.setdefault(source, {"main": []})["main"]
        while len(main) <= output:
            main.append([])
        main[output].append({"node": target, "type": "main", "index": inp})
    return out


def by_name(doc: dict) -> dict:
    return {n["name"]: n for n in doc["nodes"]}


def edges(doc: dict) -> set:
    names = {n["id"]: n["name"] for n in doc["nodes"]}
    return {(names[e["source"]], e["sourcePort"], names[e["target"]], e["targetPort"]) for e in doc["edges"]}


def test_if_outputs_become_true_and_false_ports() -> None:
    doc, report = translate(n8n(
        [{"name": "T", "type": "manualTrigger"},
         {"name": "If", "type": "if", "typeVersion": 2, "parameters": {"conditions": {"conditions": [
             {"leftValue": "={{ $json.n }}", "rightValue": 1, "operator": {"type": "number", "operation": "gt"}}]}}},
         {"name": "Yes", "type": "noOp"}, {"name": "No", "type": "noOp"}],
        link(("T", "If"), ("If", "Yes", 0), ("If", "No", 1))))  # fmt: skip
    assert edges(doc) == {("T", "out", "If", "in"), ("If", "true", "Yes", "in"), ("If", "false", "No", "in")}
    # a missing or null n is not greater (n8n): guarded, where a strict NodeFox test would fail the item
    assert by_name(doc)["If"]["params"] == {"conditions": [{"left": "={{ $json.n is not None and $json.n > 1 }}", "op": "true"}]}
    assert report["nodes"]["translated"] == 4


def test_merge_inputs_and_switch_fallback() -> None:
    doc, _ = translate(n8n(
        [{"name": "A", "type": "noOp"}, {"name": "B", "type": "noOp"},
         {"name": "M", "type": "merge", "typeVersion": 3, "parameters": {"mode": "combine", "combineBy": "combineByPosition"}},
         {"name": "S", "type": "switch", "typeVersion": 3.2, "parameters": {
             "rules": {"values": [{"conditions": {"conditions": [{"leftValue": "={{ $json.k }}", "rightValue": "x",
                                                                  "operator": {"type": "string", "operation": "equals"}}]}}]},
             "options": {"fallbackOutput": "extra"}}},
         {"name": "X", "type": "noOp"}, {"name": "Other", "type": "noOp"}],
        link(("A", "M", 0, 0), ("B", "M", 0, 1), ("M", "S"), ("S", "X", 0), ("S", "Other", 1))))  # fmt: skip
    assert {("A", "out", "M", "in1"), ("B", "out", "M", "in2"), ("S", "0", "X", "in"), ("S", "fallback", "Other", "in")} <= edges(doc)
    assert by_name(doc)["M"]["params"] == {"mode": "position"}


def test_names_positions_disabled_pins_and_error_settings() -> None:
    doc, report = translate(n8n(
        [{"name": "Start", "type": "manualTrigger", "position": [10, 20]},
         {"name": "Keep", "type": "set", "typeVersion": 3.4, "disabled": True, "onError": "continueErrorOutput",
          "parameters": {"assignments": {"assignments": []}}},
         {"name": "Lim", "type": "limit", "continueOnFail": True, "notes": "mine"}],
        link(("Start", "Keep"), ("Keep", "Lim")),
        pinData={"Lim": [{"json": {"a": 1}}, {"json": {"a": 2}}]}))  # fmt: skip
    nodes = by_name(doc)
    assert nodes["Start"]["position"] == [10, 20]
    assert nodes["Keep"]["disabled"] is True and "onError" not in nodes["Keep"]
    assert nodes["Lim"]["onError"] == "continue" and nodes["Lim"]["notes"] == "mine"
    assert nodes["Lim"]["pinned"] == [{"a": 1}, {"a": 2}]
    result = run(doc)
    assert result["nodes"][nodes["Lim"]["id"]]["status"] == "pinned"


def test_error_output_becomes_the_error_port() -> None:
    doc, _ = translate(n8n(
        [{"name": "S", "type": "sort", "onError": "continueErrorOutput",
          "parameters": {"sortFieldsUi": {"sortField": [{"fieldName": "a"}]}}},
         {"name": "Ok", "type": "noOp"}, {"name": "Bad", "type": "noOp"}],
        link(("S", "Ok", 0), ("S", "Bad", 1))))  # fmt: skip
    assert by_name(doc)["S"]["onError"] == "errorOutput"
    assert ("S", "error", "Bad", "in") in edges(doc)


def test_unknown_types_become_disabled_placeholders_keeping_parameters() -> None:
    doc, report = translate(n8n(
        [{"name": "Mail", "type": "gmail", "typeVersion": 2, "parameters": {"to": "={{ $json.x }}"},
          "credentials": {"gmailOAuth2": {"id": "7", "name": "My Gmail"}}},
         {"name": "C", "type": "code", "typeVersion": 2, "parameters": {"jsCode": "return items.map(i => i)"}},
         {"name": "Note", "type": "stickyNote", "parameters": {"content": "# Hi"}}]))  # fmt: skip
    mail, code = by_name(doc)["Mail"], by_name(doc)["C"]
    assert mail["type"] == "noop" and mail["disabled"] and "params" not in mail
    assert '"to": "={{ $json.x }}"' in mail["notes"] and "My Gmail" in mail["notes"] and '"7"' not in mail["notes"]
    assert code["type"] == "code" and code["disabled"] and "return items.map(i => i)" in code["notes"]
    assert report["nodes"] == {"total": 2, "translated": 0, "placeholders": [
        {"name": "Mail", "type": "n8n-nodes-base.gmail"},
        {"name": "C", "type": "n8n-nodes-base.code", "reason": "JavaScript code is not translated"}]}
    assert report["dropped"] == [{"name": "Note", "text": "# Hi"}]
    assert report["expressions"]["total"] == 0


def test_http_request_v4_and_credentials_by_name() -> None:
    doc, report = translate(n8n([{
        "name": "Call", "type": "httpRequest", "typeVersion": 4.2,
        "parameters": {
            "method": "POST", "url": "=https://api.example.com/items/{{ $json.id }}",
            "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth",
            "sendQuery": True, "queryParameters": {"parameters": [{"name": "q", "value": "={{ $json.q }}"}]},
            "sendBody": True, "specifyBody": "json", "jsonBody": "={\n \"name\": \"{{ $json.name }}\",\n \"n\": {{ $json.n }}\n}",
            "options": {"timeout": 5000},
        },
        "credentials": {"httpHeaderAuth": {"id": "1", "name": "Example key"}},
    }]))  # fmt: skip
    params = by_name(doc)["Call"]["params"]
    assert params == {
        "method": "POST", "url": "=https://api.example.com/items/{{ $json.id }}", "credential": "Example key",
        "query": {"q": "={{ $json.q }}"}, "body": {"name": "={{ $json.name }}{{ \"\" }}", "n": "={{ $json.n }}"},
        "timeoutMs": 5000,
    }  # fmt: skip
    assert report["expressions"] == {"total": 3, "translated": 3, "untranslated": []}


def test_loops_are_dropped_and_reported() -> None:
    doc, report = translate(n8n(
        [{"name": "A", "type": "noOp"}, {"name": "B", "type": "noOp"}], link(("A", "B"), ("B", "A"))))  # fmt: skip
    assert edges(doc) == {("A", "out", "B", "in")}
    assert report["edges"] == [{"source": "B", "target": "A", "reason": "it closes a loop; NodeFox workflows run without loops"}]


def test_connections_that_cannot_be_edges_are_reported() -> None:
    agent = "@n8n/n8n-nodes-langchain.agent"
    connections = {**link(("A", "B"), ("A", "Gone")), "Nobody": {"main": [[{"node": "B", "type": "main", "index": 0}]]},
                   "Model": {"ai_languageModel": [[{"node": "Agent", "type": "ai_languageModel", "index": 0}]]}}  # fmt: skip
    doc, report = translate(n8n([{"name": "A", "type": "noOp"}, {"name": "B", "type": "noOp"},
                                 {"name": "Model", "type": "@n8n/n8n-nodes-langchain.lmChatOpenAi"},
                                 {"name": "Agent", "type": agent}], connections))  # fmt: skip
    assert edges(doc) == {("A", "out", "B", "in")}
    assert report["edges"] == [
        {"source": "A", "target": "Gone", "reason": "the file has no node named 'Gone'"},
        {"source": "Nobody", "target": "B", "reason": "the file has no node named 'Nobody'"},
        {"source": "Model", "target": "Agent", "reason": "an n8n ai_languageModel connection has no NodeFox counterpart"},
    ]


def test_mapped_node_with_unexpressible_parameter_is_a_placeholder_with_reason() -> None:
    _, report = translate(n8n([{"name": "M", "type": "merge", "typeVersion": 3,
                                "parameters": {"numberInputs": 3, "mode": "combineBySql"}}]))
    assert report["nodes"]["placeholders"] == [{"name": "M", "type": "n8n-nodes-base.merge",
                                                "reason": "merging more than two inputs by combineBySql has no NodeFox equivalent"}]


@pytest.mark.parametrize("obj", [{}, [], "x", {"nodes": {}}, {"nodes": [], "connections": []}, {"nodes": [{"name": 1}]}])
def test_not_n8n(obj) -> None:
    with pytest.raises(NotN8n):
        translate(obj)


def test_connections_by_node_id_are_read() -> None:
    doc, _ = translate(n8n(
        [{"id": "a1", "name": "A", "type": "noOp"}, {"id": "b2", "name": "B", "type": "noOp"}],
        {"a1": {"main": [[{"node": "b2", "type": "main", "index": 0}]]}}))  # fmt: skip
    assert edges(doc) == {("A", "out", "B", "in")}


def test_merge_of_four_inputs_is_a_chain_that_appends_in_input_order() -> None:
    data = [{"name": c, "type": "noOp"} for c in "ABCD"]
    doc, report = translate(n8n(
        [{"name": "T", "type": "manualTrigger"}, *data,
         {"name": "M", "type": "merge", "typeVersion": 3, "parameters": {"numberInputs": 4}},
         {"name": "Out", "type": "noOp"}],
        link(("T", "A"), ("T", "B"), ("T", "C"), ("T", "D"),
             ("A", "M", 0, 0), ("B", "M", 0, 1), ("C", "M", 0, 2), ("D", "M", 0, 3), ("M", "Out"))))  # fmt: skip
    assert report["nodes"]["placeholders"] == [] and report["nodes"]["translated"] == 7
    assert {n["name"]: n["type"] for n in doc["nodes"]}["M (step 2)"] == "merge"
    assert {("A", "out", "M (step 1)", "in1"), ("B", "out", "M (step 1)", "in2"), ("M (step 1)", "out", "M (step 2)", "in1"),
            ("C", "out", "M (step 2)", "in2"), ("M (step 2)", "out", "M", "in1"), ("D", "out", "M", "in2"),
            ("M", "out", "Out", "in")} <= edges(doc)
    for n in doc["nodes"]:
        if n["name"] in "ABCD":
            n["pinned"] = [{"from": n["name"]}]
    result = run(doc)
    assert result["nodes"][by_name(doc)["Out"]["id"]]["outputs"]["out"] == [{"from": c} for c in "ABCD"]


def test_merge_of_three_inputs_by_position_preferring_input_1_stays_a_placeholder() -> None:
    _, report = translate(n8n([{"name": "M", "type": "merge", "typeVersion": 3, "parameters": {
        "numberInputs": 3, "mode": "combine", "combineBy": "combineByPosition",
        "options": {"clashHandling": {"values": {"resolveClash": "preferInput1"}}}}}]))  # fmt: skip
    assert "more than two inputs" in report["nodes"]["placeholders"][0]["reason"]


def test_http_pairs_named_by_expressions_or_twice_are_left_out_and_reported() -> None:
    doc, report = translate(n8n([{"name": "H", "type": "httpRequest", "typeVersion": 4.2, "parameters": {
        "url": "https://x.org", "sendQuery": True, "queryParameters": {"parameters": [
            {"name": "a", "value": "1"}, {"name": "a", "value": "2"}, {"name": "={{ $json.k }}", "value": "3"}]}}}]))  # fmt: skip
    assert by_name(doc)["H"]["params"]["query"] == {"a": "1"}
    assert [p["parameter"] for p in report["parameters"]] == ["queryParameters.parameters.1", "queryParameters.parameters.2"]
    from nodefox.n8n.translate import complete

    assert not complete(report)


def _run_one(node: dict, items: list[dict]) -> tuple[list, dict, dict]:
    """Import one n8n node fed by pinned items and run it: (its output items, document, report)."""
    doc, report = translate(n8n([{"name": "In", "type": "noOp"}, node, {"name": "Out", "type": "noOp"}],
                                link(("In", node["name"]), (node["name"], "Out"))))  # fmt: skip
    by_name(doc)["In"]["pinned"] = items
    result = run(doc)
    return result["nodes"][by_name(doc)["Out"]["id"]]["outputs"]["out"], doc, report


def test_split_out_with_selected_other_fields_is_set_then_split_out() -> None:
    out, doc, report = _run_one({"name": "S", "type": "splitOut", "parameters": {
        "fieldToSplitOut": "tags", "include": "selectedOtherFields", "fieldsToInclude": "id, missing"}},
        [{"id": 1, "other": "x", "tags": ["a", {"b": 2}]}, {"id": 2, "tags": []}])  # fmt: skip
    # n8n: each element under the field's name plus the selected fields (a missing one is undefined, so absent)
    assert out == [{"tags": "a", "id": 1}, {"tags": {"b": 2}, "id": 1}]
    assert report["nodes"]["placeholders"] == [] and "divergences" not in report
    assert by_name(doc)["S"]["type"] == "split_out" and by_name(doc)["S (step 1)"]["type"] == "set"


def test_aggregate_of_specified_or_all_but_some_fields_drops_items_left_empty() -> None:
    items = [{"a": 1, "b": 2}, {"c": 3}, {"a": 4}]
    out, _, report = _run_one({"name": "A", "type": "aggregate", "parameters": {
        "aggregate": "aggregateAllItemData", "include": "specifiedFields", "fieldsToInclude": "a"}}, items)  # fmt: skip
    assert out == [{"data": [{"a": 1}, {"a": 4}]}] and report["nodes"]["placeholders"] == []
    out, _, _ = _run_one({"name": "A", "type": "aggregate", "parameters": {
        "aggregate": "aggregateAllItemData", "include": "allFieldsExcept", "fieldsToExclude": "a, c",
        "destinationFieldName": "rows"}}, items)  # fmt: skip
    assert out == [{"rows": [{"b": 2}]}]


def test_set_except_removes_then_sets() -> None:
    out, _, report = _run_one({"name": "Set", "type": "set", "typeVersion": 3.4, "parameters": {
        "include": "except", "excludeFields": "secret, id", "includeOtherFields": True,
        "assignments": {"assignments": [{"name": "n", "type": "number", "value": "={{ $json.id * 2 }}"}]}}},
        [{"id": 2, "secret": "s", "keep": True}])  # fmt: skip
    # n8n removes the fields first, so the new field's expression still reads the input item
    assert out == [{"keep": True, "n": 4}]
    assert report["nodes"]["placeholders"] == [] and report["expressions"]["translated"] == 1


def _run_merge(params: dict, one: list, two: list, version: float = 3) -> tuple[list, dict, dict]:
    doc, report = translate(n8n(
        [{"name": "A", "type": "noOp"}, {"name": "B", "type": "noOp"},
         {"name": "M", "type": "merge", "typeVersion": version, "parameters": params}, {"name": "Out", "type": "noOp"}],
        link(("A", "M", 0, 0), ("B", "M", 0, 1), ("M", "Out"))))  # fmt: skip
    by_name(doc)["A"]["pinned"], by_name(doc)["B"]["pinned"] = one, two
    result = run(doc)
    return result["nodes"][by_name(doc)["Out"]["id"]]["outputs"]["out"], doc, report


ONE = [{"id": 1, "a": "x"}, {"id": 2, "a": "y"}, {"id": 3, "a": "z"}]
TWO = [{"key": 2, "b": True}, {"key": 2, "b": False}, {"key": 9}]


def test_merge_keep_non_matches_of_one_input_is_an_anti_join() -> None:
    base = {"mode": "combine", "combineBy": "combineByFields", "joinMode": "keepNonMatches",
            "advanced": True, "mergeByFields": {"values": [{"field1": "id", "field2": "key"}]}}  # fmt: skip
    out, doc, report = _run_merge({**base, "outputDataFrom": "input1"}, ONE, TWO)
    assert out == [{"id": 1, "a": "x"}, {"id": 3, "a": "z"}]
    assert report["nodes"]["placeholders"] == [] and by_name(doc)["M"]["type"] == "remove"
    out, _, _ = _run_merge({**base, "outputDataFrom": "input2"}, ONE, TWO)
    assert out == [{"key": 9}]


def test_merge_v1_remove_key_matches_is_an_anti_join_with_the_key_difference_reported() -> None:
    out, _, report = _run_merge({"mode": "removeKeyMatches", "propertyName1": "id", "propertyName2": "key"}, ONE, TWO, 1)
    assert out == [{"id": 1, "a": "x"}, {"id": 3, "a": "z"}]
    assert "as text" in report["divergences"][0]["note"]


def test_merge_v1_by_index_left_keeps_input_1_unpaired_only() -> None:
    params = {"mode": "mergeByIndex", "join": "left"}
    out, _, report = _run_merge(params, [{"a": 1}, {"a": 2}], [{"b": 1}], 1)
    assert out == [{"a": 1, "b": 1}, {"a": 2}] and report["nodes"]["placeholders"] == []
    out, _, _ = _run_merge(params, [{"a": 1}], [{"b": 1}, {"b": 2}], 1)
    assert out == [{"a": 1, "b": 1}]


# n8n's file nodes and HTTP Request's files: tests/engine/test_filedata.py


def test_connections_to_nodes_named_by_non_text_are_ignored() -> None:
    doc, report = translate(n8n([{"name": "A", "type": "noOp"}, {"name": "B", "type": "noOp"}],
                                {"A": {"main": [[{"node": ["B"]}, {"node": {"x": 1}}, {"node": None}, {"node": "B"}]]}}))  # fmt: skip
    assert edges(doc) == {("A", "out", "B", "in")} and report["nodes"]["translated"] == 2


def _run_three(params: dict, inputs: list) -> list:
    doc, report = translate(n8n(
        [*({"name": c, "type": "noOp"} for c in "ABC"),
         {"name": "M", "type": "merge", "typeVersion": 3, "parameters": {"numberInputs": 3, **params}},
         {"name": "Out", "type": "noOp"}],
        link(("A", "M", 0, 0), ("B", "M", 0, 1), ("C", "M", 0, 2), ("M", "Out"))))  # fmt: skip
    assert report["nodes"]["placeholders"] == []
    for name, items in zip("ABC", inputs, strict=True):
        by_name(doc)[name]["pinned"] = items
    return run(doc)["nodes"][by_name(doc)["Out"]["id"]]["outputs"]["out"]


def test_merge_of_three_inputs_by_position_or_choosing_a_branch_is_a_chain() -> None:
    inputs = [[{"k": 1, "a": 1}, {"k": 1, "a": 2}], [{"k": 2, "b": 1}], [{"k": 3, "c": 1}, {"k": 3, "c": 2}, {"c": 3}]]
    # n8n: the items at each index merged, later inputs winning a clash
    assert _run_three({"mode": "combine", "combineBy": "combineByPosition"}, inputs) == [{"k": 3, "a": 1, "b": 1, "c": 1}]
    assert _run_three({"mode": "combine", "combineBy": "combineByPosition", "options": {"includeUnpaired": True}}, inputs) == [
        {"k": 3, "a": 1, "b": 1, "c": 1}, {"k": 3, "a": 2, "c": 2}, {"c": 3}]
    for chosen in (1, 2, 3):
        assert _run_three({"mode": "chooseBranch", "useDataOfInput": chosen}, inputs) == inputs[chosen - 1]


def test_an_expression_reading_a_node_on_a_parallel_branch_is_reported() -> None:
    # n8n reads any node that has run; NodeFox reads the nodes above one only
    def field(name: str, value: str) -> dict:
        return {"assignments": {"assignments": [{"id": name, "name": name, "value": value, "type": "string"}]}}

    wf = n8n([
        {"name": "Start", "type": "manualTrigger"},
        {"name": "A", "type": "set", "typeVersion": 3.4, "parameters": field("a", "=x")},
        {"name": "B", "type": "set", "typeVersion": 3.4, "parameters": field("b", "={{ $('A').item.json.a }}")},
        {"name": "C", "type": "set", "typeVersion": 3.4, "parameters": field("c", "={{ $('Start').item.json.q }}")},
    ], link(("Start", "A"), ("Start", "B"), ("A", "C")))  # fmt: skip
    doc, report = translate(wf)
    assert report["expressions"]["total"] == 3 and report["expressions"]["translated"] == 2
    (entry,) = report["expressions"]["untranslated"]
    assert entry["node"] == "B" and entry["path"] == "/fields/0/value" and "'A'" in entry["reason"]
    assert "not an ancestor" in run(doc)["nodes"][by_name(doc)["B"]["id"]]["error"]["message"]  # as the run says
    # an export without connections has no order to judge: nothing is reported for it
    _, report = translate(n8n([dict(n) for n in wf["nodes"]]))
    assert report["expressions"]["untranslated"] == []
