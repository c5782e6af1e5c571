"""Flow nodes: route items between ports."""

from __future__ import annotations

from typing import Any

from .. import limits
from ..errors import NodeError, NodeFoxError
from .base import PATHS, NodeCall, NodeType, Outputs, key_reader, obj_schema
from .conditions import SCHEMA as _CONDITIONS
from .conditions import compile_block, split_by_field


def _memo(call: NodeCall, key: str, build: Any) -> Any:
    value = call.plan.memo.get(key)
    if value is None:
        value = call.plan.memo[key] = build()
    return value


def _splitter(yes: str, no: str):
    def run(call: NodeCall) -> Outputs:
        holds_at = _memo(call, "conditions", lambda: compile_block(call.plan))
        context = call.context
        kept: list = []
        dropped: list = []

        field = getattr(holds_at, "field", None)
        if field is not None:  # one field against a constant: every item at once
            split = split_by_field(call.first, field)
            if split is not None:
                return {yes: split[0], no: split[1]}
        keep, drop = kept.append, dropped.append
        try:  # the hot path, one loop; an item that fails redoes them item by item, under onError
            for index, item in enumerate(call.first):
                (keep if holds_at(item, index, context) else drop)(item)
            return {yes: kept, no: dropped}
        except NodeFoxError:
            kept.clear()
            dropped.clear()

        def route(item: dict, index: int) -> None:
            (keep if holds_at(item, index, context) else drop)(item)

        call.each(route, kept)
        return {yes: kept, no: dropped}

    return run


def _rule_tests(call: NodeCall) -> list:
    rules = call.plan.params.get("rules") or []
    if type(rules) is not list:  # `={{ ... }}`: the ports are the rules', known before any item
        raise NodeError("rules must be a list written out, one per output port, not an expression", path="/rules")
    for i, rule in enumerate(rules):
        if type(rule) is not dict:
            raise NodeError("a rule must be an object with conditions", path=f"/rules/{i}")
    return [compile_block(call.plan, "rules", i) for i in range(len(rules))]


def run_switch(call: NodeCall) -> Outputs:
    tests = _memo(call, "rules", lambda: _rule_tests(call))
    ports = [str(i) for i in range(len(tests))]
    outputs: Outputs = {p: [] for p in ports}
    fallback = outputs["fallback"] = []
    lists = [outputs[p] for p in ports]
    fixed, mode = call.plan.fixed("mode")
    mode_at = None if fixed else call.plan.part("mode")  # `={{ ... }}`: per item
    every = mode == "all"
    first_port = lists[0] if lists else fallback
    context = call.context
    fields = [getattr(test, "field", None) for test in tests]
    if fixed and not every and None not in fields:  # each rule one field against a constant: all items at once
        rest = call.first
        for i, field in enumerate(fields):
            split = split_by_field(rest, field) if rest else ([], [])
            if split is None:
                break
            lists[i].extend(split[0])
            rest = split[1]
        else:
            fallback.extend(rest)
            return outputs
        for taken in lists:
            taken.clear()

    def route(item: dict, index: int) -> None:
        # every rule is tested before the item goes anywhere: one that fails after another
        # matched must not leave the item on that port as well as where onError sends it
        all_rules = every if mode_at is None else _switch_mode(mode_at(item, index, context), index) == "all"
        matched = []
        for i, holds_at in enumerate(tests):
            if holds_at(item, index, context):
                matched.append(lists[i])
                if not all_rules:
                    break
        for taken in matched or (fallback,):
            taken.append(item)

    call.each(route, first_port)
    return outputs


def _switch_mode(mode: Any, index: int) -> str:
    if mode not in ("first", "all"):
        raise NodeError(f'mode must be "first" or "all", got {mode!r}', item=index, path="/mode")
    return mode


def run_merge(call: NodeCall) -> Outputs:
    params = call.params()
    a = call.inputs.get("in1", [])
    b = call.inputs.get("in2", [])
    mode = params.get("mode", "append")
    prefer_in1 = params.get("prefer", "in2") == "in1"

    def pair(x: dict, y: dict) -> dict:
        return {**y, **x} if prefer_in1 else {**x, **y}

    if mode == "append":
        return {"out": a + b}
    if mode == "choose":
        return {"out": list(a if params.get("branch", "in1") == "in1" else b)}
    if mode == "cross":
        limits.reserve(len(a) * len(b))  # before building: 10,000 x 10,000 items must not be tried
        return {"out": [pair(x, y) for x in a for y in b]}
    if mode == "position":
        n = min(len(a), len(b))
        out = [pair(a[i], b[i]) for i in range(n)]
        if params.get("includeUnpaired"):
            out += a[n:] + b[n:]
        return {"out": out}
    if mode == "join":
        f1, f2 = params.get("fields1") or [], params.get("fields2") or []
        if len(f1) != len(f2) or not f1:
            raise NodeError("fields1 and fields2 must be non-empty lists of the same length", path="/fields2")
        how = params.get("join", "inner")
        index: dict[tuple, list[int]] = {}
        key1, key2 = key_reader(f1), key_reader(f2)
        for j, y in enumerate(b):
            index.setdefault(key2(y), []).append(j)
        used: set[int] = set()
        out = []
        for x in a:
            matches = index.get(key1(x), ())
            if len(matches) > 1:  # many-to-many keys multiply like a cross
                limits.reserve(len(out) + len(matches))
            for j in matches:
                out.append(pair(x, b[j]))
                used.add(j)
            if not matches and how in ("left", "outer"):
                out.append(x)
        if how in ("right", "outer"):
            out += [y for j, y in enumerate(b) if j not in used]
        return {"out": out}
    raise NodeError(f"unknown merge mode {mode!r}", path="/mode")


def run_noop(call: NodeCall) -> Outputs:
    return {"out": list(call.first)}


_RULE = {**_CONDITIONS, "description": "one rule: the conditions for its port"}

NODES = [
    NodeType("filter", "Filter", "Flow", "Keeps the items for which the conditions hold.",
             ("in",), ("kept", "discarded"), _CONDITIONS, _splitter("kept", "discarded")),
    NodeType("if", "If", "Flow", "Sends each item to true or false by its conditions.",
             ("in",), ("true", "false"), _CONDITIONS, _splitter("true", "false")),
    NodeType(
        "switch", "Switch", "Flow",
        "Routes each item to the port of the first (or every) matching rule, else to fallback.",
        ("in",), ("fallback",),
        obj_schema({
            "rules": {"type": "array", "items": _RULE, "default": [], "description": "one output port per rule"},
            "mode": {"type": "string", "enum": ["first", "all"], "default": "first",
                     "description": "first: an item goes to the first rule that holds; all: to every one"},
        }, ["rules"]),
        run_switch, dynamic_outputs="rules",
    ),
    NodeType(
        "merge", "Merge", "Flow",
        "Combines two inputs: append, join by key, pair by position, cross, or choose one.",
        ("in1", "in2"), ("out",),
        obj_schema({
            "mode": {"type": "string", "enum": ["append", "join", "position", "cross", "choose"], "default": "append",
                     "description": "append: in1's items then in2's; join: by key fields; position: item k with "
                                    "item k; cross: every pair; choose: one input's items (branch)"},
            "fields1": {**PATHS, "default": [], "description": "join: key fields of in1"},
            "fields2": {**PATHS, "default": [], "description": "join: key fields of in2"},
            "join": {"type": "string", "enum": ["inner", "left", "right", "outer"], "default": "inner",
                     "description": "join: which items without a match are kept too (left: in1's, right: in2's)"},
            "prefer": {"type": "string", "enum": ["in2", "in1"], "default": "in2",
                       "description": "whose value wins when both have a key"},
            "includeUnpaired": {"type": "boolean", "default": False,
                                "description": "position: the longer input's items past the shorter's end are kept"},
            "branch": {"type": "string", "enum": ["in1", "in2"], "default": "in1",
                       "description": "choose: the input whose items pass on"},
        }),
        run_merge, runs_on_empty=True,
    ),
    NodeType("noop", "No Operation", "Flow", "Passes items through unchanged.",
             ("in",), ("out",), obj_schema({}), run_noop),
]  # fmt: skip
