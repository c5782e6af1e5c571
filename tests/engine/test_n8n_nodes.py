"""`nodefox/n8n/nodes.py`, `_set.py`, `_flow.py`: what the mappers write, and what they refuse and why.

What the translated nodes compute is checked against n8n's behaviour in
test_n8n_behaviour.py; here are the shapes and the placeholders' reasons.
"""

from __future__ import annotations

import pytest
from nodefox.n8n import translate
from nodefox.n8n.nodes import NotExpressible, lodash_segments, path


def one(kind: str, parameters: dict, version: float = 1) -> tuple[dict, dict]:
    """Translate one n8n node: (its NodeFox node, the report)."""
    doc, report = translate({"nodes": [{"name": "N", "type": f"n8n-nodes-base.{kind}", "typeVersion": version,
                                        "position": [0, 0], "parameters": parameters}], "connections": {}})  # fmt: skip
    return next(n for n in doc["nodes"] if n["name"] == "N"), report


def reason(report: dict) -> str:
    return report["nodes"]["placeholders"][0]["reason"] if report["nodes"]["placeholders"] else ""


@pytest.mark.parametrize("name, keys", [
    ("a[0].b", ["a", "0", "b"]), ("metadata['message-id']", ["metadata", "message-id"]),
    ("['text anchors']", ["text anchors"]), ('x["q\\"r"]', ["x", 'q"r']), ("['a.b']", ["a.b"]),
    ("a[0]b", None), ("a]", None),
])  # fmt: skip
def test_lodash_segments(name: str, keys: list | None) -> None:
    assert lodash_segments(name) == keys


def test_paths_with_brackets_become_dotted_unless_a_key_holds_a_dot() -> None:
    assert path("metadata['message-id']") == "metadata.message-id"
    assert path("['gesmes:Envelope'].Cube") == "gesmes:Envelope.Cube"
    assert path("['a b']", dot_notation=False) == "['a b']"  # one plain key, as n8n reads it
    with pytest.raises(NotExpressible, match="dot inside brackets"):
        path("x['a.b']")


def test_set_json_output_as_one_expression_is_the_object_param() -> None:
    node, report = one("set", {"mode": "raw", "jsonOutput": "={{ $json.output }}\n"}, 3.4)
    assert node["type"] == "set" and node["params"]["include"] == "none" and node["params"]["fields"] == []
    assert node["params"]["object"] == "={{ json_parse($json.output) if $json.output == str($json.output) else $json.output }}"
    node, _ = one("set", {"mode": "raw", "jsonOutput": "={{ JSON.stringify({a: $json.x}) }}"}, 3.4)
    assert node["params"]["object"] == '={{ {"a": $json.x} }}'
    assert report["expressions"] == {"total": 1, "translated": 1, "untranslated": []}


def test_set_json_output_as_one_expression_refused_with_a_reason() -> None:
    node, report = one("set", {"mode": "raw", "jsonOutput": "={{ $json.n * 2 }}"}, 3.4)
    assert node["disabled"] and "never an object" in reason(report)
    _, report = one("set", {"mode": "raw", "jsonOutput": "={{ $json.o }}", "options": {"dotNotation": False}}, 3.4)
    assert "dot notation off" in reason(report)
    _, report = one("set", {"mode": "raw", "jsonOutput": "={{ { id: $execution.id } }}"}, 3.4)
    assert "NodeFox runs have no id" in reason(report)


def test_split_out_of_several_fields_zips_them() -> None:
    node, report = one("splitOut", {"fieldToSplitOut": "$json.a, o.b", "options": {"destinationFieldName": "A, B"},
                                    "include": "allOtherFields"})  # fmt: skip
    assert node["params"] == {"field": "a", "destination": "A", "include": "all", "zip": [{"field": "o.b", "destination": "B"}]}
    assert "divergences" not in report


@pytest.mark.parametrize("params, why", [
    ({"fieldToSplitOut": "a, b", "options": {"destinationFieldName": "x"}}, "number of destination fields"),
    ({"fieldToSplitOut": "a", "include": "selectedOtherFields", "fieldsToInclude": "b.c"}, "flat key"),
    ({"fieldToSplitOut": "a", "include": "={{ $json.x }}"}, "including"),
    ({"options": {}}, "no field"),
])  # fmt: skip
def test_split_out_refusals(params: dict, why: str) -> None:
    assert why in reason(one("splitOut", params)[1])


def test_aggregate_fields_as_n8n_names_them() -> None:
    fields = {"fieldToAggregate": [{"fieldToAggregate": "o.v"}, {"fieldToAggregate": "['a b']"},
                                   {"fieldToAggregate": "x", "renameField": True, "outputFieldName": "y"}, {}]}  # fmt: skip
    node, _ = one("aggregate", {"fieldsToAggregate": fields, "options": {"mergeLists": True}})
    assert node["params"] == {"fields": [{"field": "o.v", "as": "v"}, {"field": "a b", "as": "a b"}, {"field": "x", "as": "y"}],
                              "nulls": "drop", "flatten": True}  # fmt: skip
    node, _ = one("aggregate", {"fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "x"}]}, "options": {"keepMissing": True}})
    assert node["params"] == {"fields": [{"field": "x", "as": "x"}], "missing": "null"}
    _, report = one("aggregate", {"fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "x", "outputFieldName": "p.q"}]}})
    assert "is a path" in reason(report)


def test_merge_semi_join_and_refusals() -> None:
    base = {"mode": "combine", "combineBy": "combineByFields", "fieldsToMatchString": "id", "joinMode": "keepMatches"}
    doc, report = translate({"nodes": [{"name": "M", "type": "n8n-nodes-base.merge", "typeVersion": 3, "position": [0, 0],
                                        "parameters": {**base, "outputDataFrom": "input1"}}], "connections": {}})  # fmt: skip
    assert [n["type"] for n in doc["nodes"]] == ["filter", "set", "dedupe", "merge", "filter", "remove"]
    assert not report["nodes"]["placeholders"]
    _, report = one("merge", {**base, "outputDataFrom": "input2", "options": {"multipleMatches": "first"}}, 3)
    assert "matched first" in reason(report)
    _, report = one("merge", {**base, "joinMode": "keepNonMatches", "outputDataFrom": "both"}, 3)
    assert "_source" in reason(report)


def test_condition_tests_n8n_lacks_say_so() -> None:
    _, report = one("if", {"conditions": {"number": [{"value1": 1, "operation": "greater"}]}})
    assert reason(report) == "the number test greater is not one n8n has (n8n fails on it)"


def test_set_refuses_what_n8n_writes_elsewhere() -> None:
    _, report = one("set", {"mode": "raw", "jsonOutput": "={{ $json.o }}", "include": "except", "excludeFields": "a"}, 3.2)
    assert "except some fields" in reason(report)
    _, report = one("set", {"fields": {"values": []}, "include": "selected", "includeFields": "a.b"}, 3.2)
    assert "last key" in reason(report)


def test_remove_duplicates_with_dot_notation_off_refuses_a_dotted_name() -> None:
    params = {"compare": "selectedFields", "fieldsToCompare": "k.z", "options": {"disableDotNotation": True}}
    assert "dot notation is off" in reason(one("removeDuplicates", params, 1.1)[1])
    assert one("removeDuplicates", {**params, "options": {}}, 1.1)[0]["params"] == {"fields": ["k.z"]}


def test_http_pagination_in_n8n_default_mode_is_reported() -> None:
    # n8n leaves its default mode (update a parameter in each request) out of the export
    pages = {"pagination": {"parameters": {"parameters": [{"name": "page", "value": "={{ $pageCount + 1 }}"}]}}}
    node, report = one("httpRequest", {"url": "https://api.example.com/a", "options": {"pagination": pages}}, 4.2)
    assert [p["parameter"] for p in report["parameters"]] == ["options.pagination.pagination"]
    assert "paginate" not in node["params"]


def test_node_settings_n8n_applies_are_reported_or_kept() -> None:
    doc, report = translate({"nodes": [
        {"name": "S", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [0, 0], "executeOnce": True,
         "alwaysOutputData": True, "retryOnFail": True, "parameters": {}},
        {"name": "H", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2, "position": [0, 0], "retryOnFail": True,
         "maxTries": 4, "parameters": {"url": "https://api.example.com/a"}}], "connections": {}})  # fmt: skip
    assert {(p["node"], p["parameter"]) for p in report["parameters"]} == {
        ("S", "executeOnce"), ("S", "alwaysOutputData"), ("S", "retryOnFail")}
    assert next(n for n in doc["nodes"] if n["name"] == "H")["params"]["retries"] == 3
    assert any(d["name"] == "H" and "retries" in d["note"] for d in report["divergences"])


def test_a_webhook_flow_answers_through_its_respond_node() -> None:
    from nodefox import run

    doc, report = translate({"nodes": [
        {"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
         "parameters": {"httpMethod": "POST", "path": "orders/new", "responseMode": "responseNode"}},
        {"name": "Answer", "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.1, "position": [200, 0],
         "parameters": {"respondWith": "json", "responseBody": "={{ { ok: true, qty: $json.body.qty } }}",
                        "options": {"responseCode": 201, "responseHeaders": {"entries": [{"name": "X-By", "value": "n8n"}]}}}}],
        "connections": {"Hook": {"main": [[{"node": "Answer", "type": "main", "index": 0}]]}}})  # fmt: skip
    by = {n["name"]: n for n in doc["nodes"]}
    assert by["Hook"]["type"] == "webhook" and by["Hook"]["params"] == {"path": "orders/new", "method": "POST",
                                                                         "respond": "respondNode"}  # fmt: skip
    assert report["nodes"]["placeholders"] == []
    call = {"method": "POST", "path": "orders/new", "query": {}, "headers": {}, "body": {"qty": 4}}
    out = run(doc, [call], trigger=by["Hook"]["id"])["nodes"][by["Answer"]["id"]]["outputs"]["out"]
    assert out == [{"status": 201, "headers": {"X-By": "n8n"}, "body": {"ok": True, "qty": 4}}]


@pytest.mark.parametrize("rule, params", [
    ({"field": "seconds", "secondsInterval": 10}, {"everySeconds": 10}),
    ({"field": "minutes", "minutesInterval": 7}, {"cron": "*/7 * * * *"}),
    ({"field": "hours", "hoursInterval": 2, "triggerAtMinute": 15}, {"cron": "15 */2 * * *"}),
    ({}, {"cron": "0 0 * * *"}),  # n8n's default: every day at midnight
    ({"field": "days", "daysInterval": 1, "triggerAtHour": 9, "triggerAtMinute": 30}, {"cron": "30 9 * * *"}),
    ({"field": "weeks", "triggerAtDay": [5, 1], "triggerAtHour": 8}, {"cron": "0 8 * * 1,5"}),
    ({"field": "months", "triggerAtDayOfMonth": 15}, {"cron": "0 0 15 * *"}),
    ({"field": "cronExpression", "expression": "0 */5 * * * *"}, {"cron": "*/5 * * * *"}),
])  # fmt: skip
def test_schedule_trigger_rules_become_a_cron_or_seconds(rule: dict, params: dict) -> None:
    node, report = one("scheduleTrigger", {"rule": {"interval": [rule]}}, 1.2)
    assert (node["type"], node["params"]) == ("schedule", params) and not report["nodes"]["placeholders"]


def test_a_webhook_v2_with_one_of_several_methods_chosen_answers_that_method() -> None:
    node, _ = one("webhook", {"path": "p", "multipleMethods": True, "httpMethod": ["PUT"]}, 2)
    assert node["params"]["method"] == "PUT"
    assert "several methods" in reason(one("webhook", {"path": "p", "httpMethod": ["PUT", "GET"]}, 2)[1])


@pytest.mark.parametrize("kind, params, why", [
    ("webhook", {"path": "users/:id"}, "parameters"),
    ("webhook", {"path": "p", "authentication": "headerAuth"}, "checks who calls"),
    ("respondToWebhook", {"respondWith": "binary"}, "responding with"),
    ("scheduleTrigger", {"rule": {"interval": [{"field": "hours"}, {"field": "days"}]}}, "several schedule rules"),
    ("scheduleTrigger", {"rule": {"interval": [{"field": "cronExpression", "expression": "*/5 * * * * *"}]}}, "5 fields"),
])  # fmt: skip
def test_trigger_refusals(kind: str, params: dict, why: str) -> None:
    assert why in reason(one(kind, params, 2)[1])


def test_filter_v2_array_and_date_tests_read_a_missing_value_as_n8n_does() -> None:
    """n8n reads a null or missing array as [] (`leftValue ?? []`) and finds a date test on
    a missing date false (`if (!left || !right) return false`); a NodeFox test on null fails
    the item instead, so the translation guards it."""
    from nodefox import run

    tests = [("array", "contains", 2), ("array", "notContains", 2), ("array", "lengthEquals", 0),
             ("array", "lengthGt", 1), ("dateTime", "after", "2026-01-01T00:00:00Z"),
             ("dateTime", "before", "2026-01-01T00:00:00Z"), ("dateTime", "notEquals", "2026-01-01T00:00:00Z")]  # fmt: skip
    field = {"array": "l", "dateTime": "d"}
    items = [{"l": [1, 2], "d": "2026-02-01T00:00:00Z"}, {}]
    kept = []
    for kind, operation, right in tests:
        node, report = one("filter", {"conditions": {
            "options": {"caseSensitive": True, "typeValidation": "strict"}, "combinator": "and",
            "conditions": [{"leftValue": f"={{{{ $json.{field[kind]} }}}}", "rightValue": right,
                            "operator": {"type": kind, "operation": operation}}]}}, 2)  # fmt: skip
        assert report["nodes"]["placeholders"] == []
        doc = {"nodefox": 1, "nodes": [{"id": "t", "type": "trigger"}, node], "edges": [{"source": "t", "target": node["id"]}]}
        result = run(doc, items)["nodes"][node["id"]]
        assert result["status"] == "ok", (kind, operation, result.get("error"))
        kept.append([items.index(i) for i in result["outputs"]["kept"]])
    assert kept == [[0], [1], [1], [0], [0], [], [0]]
