"""The live session's invariant, checked with hypothesis after every step (`live.md`).

A state machine loads a random workflow over every built-in node type (params
with expressions that fail, read `$vars`/`$now`, or name ancestors and
non-ancestors through `$("Name")`), then applies random batches of valid and
invalid ops. A plain-JSON model applies the same ops to its own copy of the
document and says which ops must be rejected. After every step:

- the session's document is the model's, and exactly the invalid ops were rejected;
- every node's status, error, warnings, counts and preview, as the answers
  told them, equal a fresh `nodefox.run` of the exported document, and so do
  its full outputs, paged through `inspect` with several page sizes (compared
  as canonical JSON text, so 1 and 1.0, and key order, count);
- an answer lists only nodes whose entry changed (all of them after `load`),
  and every node that changed;
- a batch of ops that change no result (move, notes, inspect, export) runs nothing.

Some steps are interrupted (KeyboardInterrupt from inside a node, as Pyodide's
interrupt does): what the canvas shows is then either right or `stale`, and
the next apply restores the invariant.

Profiles (registered in conftest.py): by default a quick run of 50 op sequences,
derandomized so CI is reproducible; `NODEFOX_HYPOTHESIS=thorough` runs 300, and
`NODEFOX_NIGHTLY=1` thousands with fresh randomness (and hypothesis's example
database, so a failure replays).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from typing import Any

import nodefox
from conftest import expected_entry
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from nodefox.expressions import rename_reference
from nodefox.nodes import BUILTINS

NOWS = ["2026-01-01T09:30:00Z", "2026-02-28T23:59:59Z", "2026-03-01T00:00:00.5+02:00"]
PREVIEW_LIMIT = 3
PAGE_SIZES = [1, 2, 5, 1000]
UPDATABLE = ("params", "name", "disabled", "onError", "notes")


def canon(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# -- values, items and expressions -----------------------------------------------------

KEYS = ["a", "b", "t", "n"]
PATHS = ["a", "b", "t", "n.a", "t.0", "missing"]
scalars = st.one_of(
    st.sampled_from([0, 1, 2, -3, 1.0, 2.5, -0.5, "x", "y", "1", "2026-01-02T03:04:05Z", True, False, None]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=6,
)
items = st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=4), max_size=5)


def expressions(names: list[str]) -> st.SearchStrategy[str]:
    """Templates: typed and text, failing ones, $vars/$now, and $("Name") of any node (ancestor or not)."""
    plain = st.sampled_from([
        "={{ $json.a }}", "={{ $json.a * 2 }}", "={{ $json.b + 1 }}", "={{ str($json.a) + 'x' }}",
        "={{ $index }}", "={{ $vars.k }}", "={{ $vars.k * 2 }}", "={{ $now }}", "={{ $today }}",
        "={{ date_add($now, days=1) }}", "={{ date_format($now, '%H:%M %Z') }}", "={{ 1 }}", "={{ 1.0 }}",
        "={{ 1 / 0 }}", "={{ $json.n.a }}", "={{ len($input.all()) }}", "={{ $input.first() }}",
        "=v{{ $json.a }}-{{ $json.b }}", "={{ $workflow.name }}", "={{ [1, 2.0] }}", "={{ {'k': $json.a} }}",
        "={{ nonsense( }}", "={{ $json.t if $json.t else 'none' }}", "=plain", "={{ $json }}",
        "={{ json_stringify($json) }}", "={{ float('nan') }}", "={{ $json.a > 1 }}",
    ])
    # `$node["X"]`/`$("X")` with a constant name only: any other spelling is refused
    named = st.builds(
        lambda name, form: form.replace("NAME", json.dumps(name)[1:-1]),
        st.sampled_from(names + ["Nobody"]),
        st.sampled_from([
            '={{ $("NAME").first() }}', '={{ len($("NAME").all()) }}', '={{ $("NAME").item }}',
            '={{ $node["NAME"].json }}', "={{ $('NAME').last().a }}", '=got {{ $("NAME").first().a }}',
        ]),
    )
    return st.one_of(plain, plain, named)


def param_values(names: list[str]) -> st.SearchStrategy:
    return st.one_of(values, expressions(names))


def conditions(names: list[str]) -> st.SearchStrategy[dict]:
    ops = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "notContains", "startsWith", "endsWith",
           "regex", "empty", "notEmpty", "exists", "notExists", "true", "false", "bogus"]
    condition = st.fixed_dictionaries(
        {"left": st.one_of(expressions(names), scalars), "op": st.sampled_from(ops)},
        optional={"right": st.one_of(scalars, expressions(names))},
    )
    return st.fixed_dictionaries(
        {"conditions": st.lists(condition, max_size=2)},
        optional={"combinator": st.sampled_from(["and", "or"]), "looseTypes": st.booleans()},
    )


CODE = [
    "return items",
    "return [dict(i, r=random.random()) for i in items]",
    "return [{'n': len(items), 'k': vars.get('k'), 'now': now}]",
    "raise ValueError('no')",
    "return 5",
    "return [{'x': 1.5}]",
    "this is not python",
]
CODE_EACH = ["return dict(item, i=index)", "return None if index % 2 else item", "return [item, item]", "return 1/0"]


def params_for(node_type: str, names: list[str]) -> st.SearchStrategy[dict]:
    pv = param_values(names)
    path = st.sampled_from(PATHS)
    if node_type == "trigger" or node_type == "noop":
        return st.just({})
    if node_type == "data":
        data_items = st.lists(st.dictionaries(st.sampled_from(KEYS), pv, max_size=3), max_size=4)
        return st.fixed_dictionaries({"items": st.one_of(data_items, data_items, st.just("=bad"))})
    if node_type == "set":
        field = st.fixed_dictionaries({"name": st.one_of(st.sampled_from(KEYS), path, st.just("={{ 'k' + str($index) }}")),
                                       "value": pv})
        return st.fixed_dictionaries(
            {"fields": st.lists(field, max_size=3)},
            optional={"include": st.sampled_from(["all", "none", "selected"]), "selected": st.lists(path, max_size=2)},
        )
    if node_type == "rename":
        return st.fixed_dictionaries({"keys": st.lists(st.fixed_dictionaries({"from": path, "to": path}), max_size=2)})
    if node_type == "remove":
        return st.fixed_dictionaries({"fields": st.lists(path, max_size=2)})
    if node_type == "sort":
        return st.fixed_dictionaries({"fields": st.lists(st.fixed_dictionaries(
            {"field": path}, optional={"order": st.sampled_from(["asc", "desc"])}), max_size=2)})
    if node_type == "limit":
        return st.fixed_dictionaries({"max": st.one_of(st.integers(0, 3), st.just("={{ $vars.k }}"))},
                                     optional={"keep": st.sampled_from(["first", "last"])})
    if node_type == "dedupe":
        return st.fixed_dictionaries({}, optional={"fields": st.lists(path, max_size=2)})
    if node_type == "split_out":
        return st.fixed_dictionaries({"field": path}, optional={
            "destination": st.sampled_from(["d", "a"]), "include": st.sampled_from(["none", "all"])})
    if node_type == "aggregate":
        return st.one_of(
            st.fixed_dictionaries({"fields": st.lists(st.fixed_dictionaries({"field": path}, optional={
                "as": st.sampled_from(["x", "y"])}), max_size=2)}),
            st.fixed_dictionaries({"all": st.just(True)}, optional={"as": st.sampled_from(["data", "all"])}),
        )
    if node_type == "summarize":
        agg = st.fixed_dictionaries(
            {"op": st.sampled_from(["count", "countUnique", "sum", "avg", "min", "max", "concat", "first", "last"]),
             "field": path}, optional={"as": st.sampled_from(["s", "t"])})
        return st.fixed_dictionaries({"aggregations": st.lists(agg, max_size=2)}, optional={
            "groupBy": st.lists(path, max_size=1), "separator": st.sampled_from(["-", ", "])})
    if node_type == "json":
        return st.fixed_dictionaries({"op": st.sampled_from(["parse", "stringify"]), "field": path},
                                     optional={"destination": st.sampled_from(["j", "a"])})
    if node_type in ("filter", "if"):
        return conditions(names)
    if node_type == "switch":
        return st.fixed_dictionaries({"rules": st.lists(conditions(names), max_size=3)},
                                     optional={"mode": st.sampled_from(["first", "all"])})
    if node_type == "merge":
        return st.one_of(
            st.fixed_dictionaries({}, optional={"mode": st.sampled_from(["append", "cross"])}),
            st.fixed_dictionaries({"mode": st.just("join"), "fields1": st.lists(path, min_size=1, max_size=1),
                                   "fields2": st.lists(path, min_size=1, max_size=1)},
                                  optional={"join": st.sampled_from(["inner", "left", "right", "outer"]),
                                            "prefer": st.sampled_from(["in1", "in2"])}),
            st.fixed_dictionaries({"mode": st.just("position")}, optional={
                "includeUnpaired": st.booleans(), "prefer": st.sampled_from(["in1", "in2"])}),
            st.fixed_dictionaries({"mode": st.just("choose"), "branch": st.sampled_from(["in1", "in2"])}),
        )
    if node_type == "code":
        return st.one_of(
            st.fixed_dictionaries({"code": st.sampled_from(CODE)}, optional={"mode": st.just("all")}),
            st.fixed_dictionaries({"code": st.sampled_from(CODE_EACH), "mode": st.just("each")}),
        )
    if node_type == "to_file":  # a file held in an item (docs/files.md)
        return st.fixed_dictionaries({"format": st.sampled_from(["csv", "json", "ndjson", "text", "base64"])}, optional={
            "source": path, "field": st.sampled_from(["file", "binary.data"]), "csvStyle": st.sampled_from(["plain", "excel"]),
            "fileName": st.sampled_from(["a.csv", "={{ 'f' + str($index) }}"])})
    if node_type == "from_file":
        return st.fixed_dictionaries({}, optional={
            "field": st.sampled_from(["file", "binary.data"]), "format": st.sampled_from(["auto", "csv", "json", "txt", "base64"]),
            "into": st.sampled_from(["t", "a.b"]), "keep": st.sampled_from(["none", "files", "fields", "all"]),
            "skipMissing": st.booleans(), "emptyCells": st.sampled_from(["keep", "drop", "text"])})
    if node_type == "http":  # answered by FAKE_NET; POST and DELETE wait in a preview
        return st.fixed_dictionaries(
            {"url": st.sampled_from(["https://api.test/items", "https://api.test/missing",
                                     "={{ 'https://api.test/items?i=' + str($index) }}"])},
            optional={"method": st.sampled_from(["GET", "POST", "DELETE", "={{ 'GET' }}"]),
                      "once": st.booleans(), "split": st.sampled_from(["/rows", "/none"])})
    if node_type == "webhook":
        return st.fixed_dictionaries({"path": st.sampled_from(["orders", "/a/b/"])}, optional={
            "method": st.sampled_from(["GET", "POST"]), "respond": st.sampled_from(["onFinish", "immediately"])})
    if node_type == "schedule":
        return st.one_of(st.fixed_dictionaries({"cron": st.sampled_from(["*/5 * * * *", "0 9 * * mon-fri", "99 * * * *"])}),
                         st.fixed_dictionaries({"everySeconds": st.integers(1, 60)}))
    if node_type == "respond":
        return st.fixed_dictionaries({}, optional={"status": st.sampled_from([200, 201]), "items": st.sampled_from(
            ["all", "first"]), "body": st.sampled_from(["={{ $json }}", "ok", {"a": 1}])})
    raise AssertionError(f"params_for has no case for the node type {node_type!r}: add one")


def FAKE_NET(method: str, url: str, headers: dict, body: bytes | None, timeout: float) -> tuple:
    """A deterministic API for http nodes: the answer depends only on the request."""
    if "/missing" in url:
        return 404, "Not Found", [("content-type", "text/plain")], b"no such thing"
    text = json.dumps({"method": method, "url": url, "rows": [{"n": 1}, {"n": len(url)}]})
    return 200, "OK", [("content-type", "application/json")], text.encode()


NET = {"transport": FAKE_NET, "allow_net": True}  # given to the session and to its truth alike


# every built-in type that does not reach outside the run (world.md's effect "none"), and http
# against FAKE_NET: a new
# one needs its case in params_for, which test_every_node_type_has_params_to_draw asks for
TYPES = [t.type for t in BUILTINS if t.effect == "none"] + ["http"]
SOURCES = ["data", "data", "trigger"]


def test_every_node_type_has_params_to_draw():
    assert {"trigger", "data", "set", "merge", "code"} <= set(TYPES)
    for node_type in TYPES:
        assert isinstance(params_for(node_type, ["Alpha"]), st.SearchStrategy)
BAD_PARAMS = st.sampled_from([{"bogus": 1}, {"max": -1}, {"fields": "x"}, {"rules": [5]}, {"items": [1]}])


@st.composite
def new_node(draw: Any, node_id: str, names: list[str], taken: set[str]) -> dict:
    node_type = draw(st.sampled_from(TYPES + SOURCES))
    out: dict = {"id": node_id, "type": node_type}
    name = draw(st.one_of(st.none(), st.sampled_from(["Alpha", "Beta", "Gamma", "Δ node", 'Q"uote'])))
    if name is not None and name not in taken:
        out["name"] = name
    out["params"] = draw(st.one_of(params_for(node_type, names), params_for(node_type, names), BAD_PARAMS))
    extra = draw(st.sampled_from(["", "", "", "", "disabled", "onError", "pinned", "notes", "position"]))
    if extra == "disabled":
        out["disabled"] = draw(st.booleans())
    elif extra == "onError":
        out["onError"] = draw(st.sampled_from(["stop", "continue", "errorOutput"]))
    elif extra == "pinned":
        out["pinned"] = draw(items)
    elif extra == "notes":
        out["notes"] = "a note"
    elif extra == "position":
        out["position"] = [draw(st.integers(-5, 5)), 2.5]
    return out


# -- the model: the document as plain JSON, and which ops it must reject ------------------------


def name_of(raw: dict) -> str:
    return raw.get("name") or raw["id"]


def out_ports(raw: dict) -> tuple[str, ...]:
    node_type = BUILTINS.get(raw["type"])
    params = raw.get("params") or {}
    return node_type.output_ports(params if type(params) is dict else {}, raw.get("onError", "stop"))


def in_ports(raw: dict) -> tuple[str, ...]:
    return BUILTINS.get(raw["type"]).inputs


def effective(doc: dict, raw_edge: dict) -> tuple[str, str, str, str, str]:
    """(id, source, sourcePort, target, targetPort) of an edge, its defaults filled in."""
    nodes = {n["id"]: n for n in doc["nodes"]}
    sport = raw_edge.get("sourcePort") or (out_ports(nodes[raw_edge["source"]]) or ("out",))[0]
    tport = raw_edge.get("targetPort") or (in_ports(nodes[raw_edge["target"]]) or ("in",))[0]
    eid = raw_edge.get("id") or f"{raw_edge['source']}:{sport}->{raw_edge['target']}:{tport}"
    return eid, raw_edge["source"], sport, raw_edge["target"], tport


def loads(doc: Any) -> bool:
    try:
        nodefox.load(doc)
    except nodefox.DocumentError:
        return False
    return True


class Reject(Exception):
    pass


def pointer_keys(pointer: Any) -> list[str]:
    if type(pointer) is not str or (pointer and not pointer.startswith("/")):
        raise Reject
    if pointer == "":
        return []
    return [k.replace("~1", "/").replace("~0", "~") for k in pointer[1:].split("/")]


def patched(params: Any, keys: list[str], op: dict) -> Any:
    remove = "value" not in op
    value = copy.deepcopy(op.get("value"))
    if not keys:
        if remove:
            raise Reject
        return value
    root = copy.deepcopy(params)
    container = root
    for key in keys[:-1]:
        if type(container) is dict:
            if key not in container:
                raise Reject
            container = container[key]
        elif type(container) is list:
            if not key.isdigit() or int(key) >= len(container):
                raise Reject
            container = container[int(key)]
        else:
            raise Reject
    key = keys[-1]
    if type(container) is dict:
        if remove:
            container.pop(key, None)
        else:
            container[key] = value
    elif type(container) is list:
        if key == "-" and not remove:
            container.append(value)
        elif not key.isdigit() or int(key) >= len(container) + (0 if remove else 1):
            raise Reject
        elif remove:
            del container[int(key)]
        elif int(key) == len(container):
            container.append(value)
        else:
            container[int(key)] = value
    else:
        raise Reject
    return root


def renamed(value: Any, old: str, new: str) -> Any:
    if type(value) is str and value.startswith("="):
        return rename_reference(value, old, new)
    if type(value) is dict:
        return {k: renamed(v, old, new) for k, v in value.items()}
    if type(value) is list:
        return [renamed(v, old, new) for v in value]
    return value


def replace_node(doc: dict, index: int, raw: dict) -> dict:
    """The document with node `index` replaced, and the edges it feeds kept on their ports."""
    new = copy.deepcopy(doc)
    old = doc["nodes"][index]
    new["nodes"][index] = raw
    before, after = out_ports(old)[:1], out_ports(raw)[:1] if type(raw.get("params", {})) is dict else ()
    if before != after:
        for e in new["edges"]:
            if e["source"] == old["id"] and not e.get("sourcePort") and before:
                e["sourcePort"] = before[0]
    return new


class Model:
    """The document and input items; `apply` gives the new state or raises Reject."""

    def __init__(self, doc: dict, input_items: list | None = None):
        self.doc = doc
        self.input_items = input_items

    def index(self, node_id: Any) -> int:
        for i, n in enumerate(self.doc["nodes"]):
            if n["id"] == node_id:
                return i
        raise Reject

    def apply(self, op: Any) -> tuple[Model, dict]:
        """(the model after op, what the op answers); Reject when the op must be rejected."""
        if type(op) is not dict or op.get("op") not in OPS:
            raise Reject
        doc, extra = OPS[op["op"]](self, op)
        if doc is not self.doc and not loads(doc):
            raise Reject
        return Model(doc, self.input_items), extra

    def op_load(self, op: dict) -> tuple[dict, dict]:
        new = copy.deepcopy(op.get("workflow"))
        if not loads(new):
            raise Reject
        return new, {"load": True}

    def op_add_node(self, op: dict) -> tuple[dict, dict]:
        raw = op.get("node")
        if type(raw) is not dict:
            raise Reject
        new = copy.deepcopy(self.doc)
        new["nodes"].append(copy.deepcopy(raw))
        return new, {}

    def op_remove_node(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        new = copy.deepcopy(self.doc)
        gone = new["nodes"].pop(i)["id"]
        new["edges"] = [e for e in new["edges"] if gone not in (e["source"], e["target"])]
        return new, {}

    def op_update_node(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        changes = op.get("set")
        if type(changes) is not dict or any(k not in UPDATABLE for k in changes):
            raise Reject
        old = self.doc["nodes"][i]
        raw = dict(old)
        for key, value in changes.items():
            if value is None and key != "params":
                raw.pop(key, None)
            else:
                raw[key] = copy.deepcopy(value)
        if type(raw.get("params", {})) is not dict or (type(raw.get("name", "x")) is not str):
            raise Reject
        new = replace_node(self.doc, i, raw)
        old_name, new_name = name_of(old), name_of(raw)
        if new_name != old_name and loads(new):
            for n in new["nodes"]:
                if "params" in n:
                    n["params"] = renamed(n["params"], old_name, new_name)
        return new, {}

    def op_patch_params(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        keys = pointer_keys(op.get("path", ""))
        raw = self.doc["nodes"][i]
        params = patched(raw.get("params") or {}, keys, op)
        if type(params) is not dict:
            raise Reject
        return replace_node(self.doc, i, {**raw, "params": params}), {}

    def op_move(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        pos = op.get("position")
        if type(pos) is not list or len(pos) != 2 or not all(type(v) in (int, float) for v in pos):
            raise Reject
        new = copy.deepcopy(self.doc)
        new["nodes"][i]["position"] = list(pos)
        return new, {}

    def op_connect(self, op: dict) -> tuple[dict, dict]:
        raw = op.get("edge")
        if type(raw) is not dict or not loads({**self.doc, "edges": [*self.doc["edges"], raw]}):
            raise Reject
        new = copy.deepcopy(self.doc)
        raw = copy.deepcopy(raw)
        raw.setdefault("id", effective(self.doc, raw)[0])
        new["edges"].append(raw)
        return new, {}

    def op_disconnect(self, op: dict) -> tuple[dict, dict]:
        ids = [effective(self.doc, e)[0] for e in self.doc["edges"]]
        if op.get("id") not in ids:
            raise Reject
        new = copy.deepcopy(self.doc)
        del new["edges"][ids.index(op["id"])]
        return new, {}

    def op_pin(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        pinned = op.get("items")
        if type(pinned) is not list or not all(type(x) is dict for x in pinned):
            raise Reject
        new = copy.deepcopy(self.doc)
        new["nodes"][i]["pinned"] = copy.deepcopy(pinned)
        return new, {}

    def op_unpin(self, op: dict) -> tuple[dict, dict]:
        i = self.index(op.get("id"))
        new = copy.deepcopy(self.doc)
        new["nodes"][i].pop("pinned", None)
        return new, {}

    def op_set_input(self, op: dict) -> tuple[dict, dict]:
        given = op.get("items")
        if given is not None and (type(given) is not list or not all(type(x) is dict for x in given)):
            raise Reject
        return self.doc, {"input": copy.deepcopy(given)}

    def op_set_variables(self, op: dict) -> tuple[dict, dict]:
        if type(op.get("variables")) is not dict:
            raise Reject
        return {**copy.deepcopy(self.doc), "variables": copy.deepcopy(op["variables"])}, {}

    def op_set_settings(self, op: dict) -> tuple[dict, dict]:
        return {**copy.deepcopy(self.doc), "settings": copy.deepcopy(op.get("settings"))}, {}

    def op_inspect(self, op: dict) -> tuple[dict, dict]:
        raw = self.doc["nodes"][self.index(op.get("id"))]
        offset, limit = op.get("offset", 0), op.get("limit", 50)
        if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 0:
            raise Reject
        port = op.get("port")
        if port is not None and port not in out_ports(raw):
            raise Reject
        return self.doc, {"inspect": op}

    def op_export(self, op: dict) -> tuple[dict, dict]:
        return self.doc, {"export": copy.deepcopy(self.doc)}


OPS = {name[3:]: fn for name, fn in vars(Model).items() if name.startswith("op_")}


# -- ops, valid and not -----------------------------------------------------------------------


def fresh_id(doc: dict, draw: Any) -> str:
    taken = {n["id"] for n in doc["nodes"]}
    return draw(st.sampled_from([f"n{i}" for i in range(12)] + ["x"]).filter(lambda i: i not in taken or i == "x"))


@st.composite
def an_op(draw: Any, model: Model) -> Any:
    doc = model.doc
    ids = [n["id"] for n in doc["nodes"]]
    names = [name_of(n) for n in doc["nodes"]]
    some_id = st.sampled_from(ids + ["ghost"]) if ids else st.just("ghost")
    kind = draw(st.sampled_from([
        "add_node", "add_node", "remove_node", "update_node", "update_node", "patch_params", "patch_params",
        "patch_params", "move", "connect", "connect", "connect", "disconnect", "pin", "unpin", "set_input",
        "set_variables", "set_settings", "inspect", "export", "load", "bad",
    ]))
    if kind == "add_node":
        node_id = draw(st.sampled_from(ids + [fresh_id(doc, draw)] * 3)) if ids else fresh_id(doc, draw)
        raw = draw(new_node(node_id, names, set()))
        if draw(st.integers(0, 9)) == 0:
            raw = draw(st.sampled_from([{"id": node_id}, {"id": node_id, "type": "nosuch"}, "node"]))
        return {"op": "add_node", "node": raw}
    if kind == "remove_node":
        return {"op": "remove_node", "id": draw(some_id)}
    if kind == "update_node":
        node_id = draw(some_id)
        node_type = next((n["type"] for n in doc["nodes"] if n["id"] == node_id), "noop")
        fields = draw(st.lists(st.sampled_from([*UPDATABLE, "notes", "bad"]), min_size=1, max_size=3, unique=True))
        change: dict = {}
        for f in fields:
            if f == "params":
                change[f] = draw(st.one_of(params_for(node_type, names), BAD_PARAMS, st.just(None)))
            elif f == "name":
                change[f] = draw(st.one_of(st.sampled_from(["Alpha", "Beta", "Gamma", "Δ node", "", None]),
                                           st.sampled_from(names or ["x"])))
            elif f == "disabled":
                change[f] = draw(st.sampled_from([True, False, None, "yes"]))
            elif f == "onError":
                change[f] = draw(st.sampled_from(["stop", "continue", "errorOutput", None, "explode"]))
            elif f == "notes":
                change[f] = draw(st.sampled_from(["note", "other note", None, 5]))
            else:
                change[draw(st.sampled_from(["type", "id", "pinned", "position"]))] = "x"
        return {"op": "update_node", "id": node_id, "set": change}
    if kind == "patch_params":
        node_id = draw(some_id)
        raw = next((n for n in doc["nodes"] if n["id"] == node_id), {"params": {}})
        pointers = [""] + list(all_pointers(raw.get("params") or {}, ""))
        pointer = draw(st.one_of(st.sampled_from(pointers), st.sampled_from(
            ["/fields/-", "/rules/-", "/conditions/-", "/items/0/a", "/max", "/nope/x", "bad", "/items/9"])))
        op = {"op": "patch_params", "id": node_id, "path": pointer}
        if draw(st.integers(0, 5)):
            node_type = raw.get("type", "noop")
            op["value"] = draw(st.one_of(param_values(names), params_for(node_type, names), conditions(names)))
        return op
    if kind == "move":
        return {"op": "move", "id": draw(some_id), "position": draw(st.sampled_from([[1, 2], [0.5, -3], [1], "x"]))}
    if kind == "connect":
        if not ids:
            return {"op": "connect", "edge": {"source": "a", "target": "b"}}
        src, dst = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        by_id = {n["id"]: n for n in doc["nodes"]}
        raw_edge: dict = {"source": src, "target": dst}
        sports = list(out_ports(by_id[src])) + ["nope"]
        tports = list(in_ports(by_id[dst])) + ["nope"]
        if draw(st.booleans()):
            raw_edge["sourcePort"] = draw(st.sampled_from(sports))
        if draw(st.booleans()):
            raw_edge["targetPort"] = draw(st.sampled_from(tports))
        if draw(st.integers(0, 4)) == 0:
            raw_edge["id"] = draw(st.sampled_from(["e1", "e2"]))
        if draw(st.integers(0, 19)) == 0:
            raw_edge = draw(st.sampled_from([{"source": src}, {"source": src, "target": "ghost"}, []]))
        return {"op": "connect", "edge": raw_edge}
    if kind == "disconnect":
        edge_ids = [effective(doc, e)[0] for e in doc["edges"]] + ["ghost"]
        return {"op": "disconnect", "id": draw(st.sampled_from(edge_ids))}
    if kind == "pin":
        return {"op": "pin", "id": draw(some_id), "items": draw(st.one_of(items, st.just([1])))}
    if kind == "unpin":
        return {"op": "unpin", "id": draw(some_id)}
    if kind == "set_input":
        return {"op": "set_input", "items": draw(st.one_of(items, st.none(), st.just({"a": 1})))}
    if kind == "set_variables":
        return {"op": "set_variables", "variables": draw(st.one_of(
            st.fixed_dictionaries({"k": st.sampled_from([1, 2, 2.0, "x", None])}), st.just([])))}
    if kind == "set_settings":
        good = st.fixed_dictionaries({"now": st.sampled_from(NOWS)}, optional={
            "timezone": st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"]), "seed": st.integers(0, 3)})
        return {"op": "set_settings", "settings": draw(st.one_of(good, good, st.just({"now": "soon"}), st.just(1)))}
    if kind == "inspect":
        node_id = draw(some_id)
        raw = next((n for n in doc["nodes"] if n["id"] == node_id), None)
        op = {"op": "inspect", "id": node_id, "offset": draw(st.sampled_from([0, 0, 1, 4, -1])),
              "limit": draw(st.sampled_from([1, 3, 50, 0, True]))}
        if raw is not None and draw(st.booleans()):
            op["port"] = draw(st.sampled_from([*out_ports(raw), "nope"]))
        return op
    if kind == "export":
        return {"op": "export"}
    if kind == "load":
        if draw(st.integers(0, 3)) == 0:
            return {"op": "load", "workflow": draw(st.sampled_from([
                {"nodefox": 2, "nodes": [], "edges": []}, {"nodefox": 1, "nodes": [{"id": "a", "type": "noop"}],
                                                           "edges": [{"source": "a", "target": "a"}]}, None]))}
        return {"op": "load", "workflow": draw(workflows())}
    return draw(st.sampled_from([{"op": "frobnicate"}, "op", None, {"id": "n1"}, {"op": "inspect"}]))


def all_pointers(value: Any, prefix: str):
    if type(value) is dict:
        for k, v in value.items():
            p = f"{prefix}/{k.replace('~', '~0').replace('/', '~1')}"
            yield p
            yield from all_pointers(v, p)
    elif type(value) is list:
        for i, v in enumerate(value):
            p = f"{prefix}/{i}"
            yield p
            yield from all_pointers(v, p)


@st.composite
def workflows(draw: Any) -> dict:
    """A valid document: nodes of every type, edges only forward (no cycles), valid ports."""
    count = draw(st.integers(0, 7))
    nodes: list[dict] = []
    taken: set[str] = set()
    for i in range(count):
        names = [name_of(n) for n in nodes] + [f"n{j}" for j in range(i + 1, count)]
        raw = draw(new_node(f"n{i}", names, taken))
        taken.add(name_of(raw))
        nodes.append(raw)
    edges: list[dict] = []
    seen = set()
    for _ in range(draw(st.integers(0, 2 * count)) if count > 1 else 0):
        a, b = sorted(draw(st.lists(st.integers(0, count - 1), min_size=2, max_size=2, unique=True)))
        src, dst = nodes[a], nodes[b]
        if not in_ports(dst):
            continue
        sport = draw(st.sampled_from(out_ports(src)))
        tport = draw(st.sampled_from(in_ports(dst)))
        if (a, sport, b, tport) in seen:
            continue
        seen.add((a, sport, b, tport))
        raw_edge = {"source": src["id"], "target": dst["id"]}
        if sport != out_ports(src)[0] or draw(st.booleans()):
            raw_edge["sourcePort"] = sport
        if tport != in_ports(dst)[0] or draw(st.booleans()):
            raw_edge["targetPort"] = tport
        if draw(st.booleans()):
            raw_edge["id"] = f"e{len(edges)}"
        edges.append(raw_edge)
    settings_ = draw(st.fixed_dictionaries({"now": st.sampled_from(NOWS)}, optional={
        "timezone": st.sampled_from(["UTC", "Asia/Kolkata"]), "seed": st.integers(0, 3)}))
    doc = {"nodefox": 1, "name": "prop", "settings": settings_, "variables": {"k": draw(st.sampled_from([1, 2.5, "x"]))},
           "nodes": nodes, "edges": edges}
    if not loads(doc):  # e.g. two edges that got the same explicit id
        doc["edges"] = [{k: v for k, v in e.items() if k != "id"} for e in edges]
    assert loads(doc), doc
    return doc


# -- the state machine -----------------------------------------------------------------------------


def truth(model: Model) -> dict:
    result = nodefox.run(copy.deepcopy(model.doc), model.input_items, allow_code=True, preview=True, **NET)
    return json.loads(nodefox.canonical(result))


QUIET = {"move", "inspect", "export"}  # ops after which nothing may run


def quiet(op: Any, rejected: bool) -> bool:
    if rejected:
        return True
    if op["op"] in QUIET:
        return True
    return op["op"] == "update_node" and set(op["set"]) == {"notes"}


class Interrupting:
    """The session's execution step, with a hook before each node runs (to interrupt it);
    whole runs, the model's truth, are untouched."""

    def __init__(self, step: Any, hook: Any) -> None:
        object.__setattr__(self, "_step", step)
        object.__setattr__(self, "_hook", hook)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._hook()
        return self._step(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._step, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._step, name, value)


class LiveSession(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session = nodefox.Session(preview_limit=PREVIEW_LIMIT, allow_code=True, **NET)
        self.model = Model({"nodefox": 1, "nodes": [], "edges": []})
        self.view: dict[str, dict] = {}
        self.countdown: int | None = None
        self.fired = False
        self.session.step = Interrupting(self.session.step, self._tick)
        self.check_now = False

    def _tick(self) -> None:
        if self.countdown is not None:
            self.countdown -= 1
            if self.countdown < 0:
                self.countdown = None
                self.fired = True
                raise KeyboardInterrupt

    # -- steps

    @initialize(doc=workflows())
    def load(self, doc: dict) -> None:
        self.batch([{"op": "load", "workflow": doc}])

    @rule(data=st.data())
    def edit(self, data: Any) -> None:
        self.batch(self.draw_ops(data))

    @rule(data=st.data(), after=st.integers(0, 4))
    def interrupted_edit(self, data: Any, after: int) -> None:
        ops = self.draw_ops(data)
        self.countdown, self.fired = after, False
        answer = self.batch(ops)
        self.countdown = None
        assert answer.get("interrupted", False) is self.fired  # an interrupt is never swallowed
        if self.fired:
            self.check_partial()
            self.batch([], resumed=True)

    @precondition(lambda self: self.model.doc["nodes"])
    @rule(data=st.data())
    def page_through(self, data: Any) -> None:
        node = data.draw(st.sampled_from(self.model.doc["nodes"]))
        size = data.draw(st.sampled_from(PAGE_SIZES))
        expected = truth(self.model)["nodes"][node["id"]]
        for port in out_ports(node):
            got = self.items(node["id"], port, size)
            assert canon(got) == canon((expected.get("outputs") or {}).get(port, [])), (node["id"], port)

    def draw_ops(self, data: Any) -> list:
        ops = []
        model = self.model
        for _ in range(data.draw(st.integers(1, 4))):
            op = data.draw(an_op(model))
            ops.append(op)
            with contextlib.suppress(Reject):
                model, _ = model.apply(op)
        return ops

    # -- applying a batch and checking its answer against the model

    def batch(self, ops: list, resumed: bool = False) -> dict:
        before = dict(self.view)
        model = self.model
        rejected, last_inspect, last_export = set(), None, None
        all_quiet = True
        before_op = []  # the document each op met: a cycle is named against it, not the batch's end
        for index, op in enumerate(ops):
            before_op.append(model)
            try:
                model, extra = model.apply(op)
            except Reject:
                rejected.add(index)
                continue
            finally:
                all_quiet = all_quiet and (index in rejected or quiet(op, False))
            if "input" in extra:
                model = Model(model.doc, extra["input"])
            if "inspect" in extra:
                last_inspect = (extra["inspect"], model)
            if "export" in extra:
                last_export = extra["export"]
        answer = self.session.apply(ops)
        interrupted = answer.get("interrupted", False)
        self.model = model
        assert {r["index"] for r in answer["rejected"]} == rejected, (answer["rejected"], ops)
        for r in answer["rejected"]:
            assert type(r["reason"]) is str and r["reason"] and "Traceback" not in r["reason"]
            check_cycle_reason(r["reason"], ops[r["index"]], before_op[r["index"]])
        exported = self.session.document()
        assert canon(exported) == canon(model.doc)
        ids = [n["id"] for n in model.doc["nodes"]]
        assert set(answer["removed"]).isdisjoint(ids) and set(answer["removed"]).isdisjoint(answer["nodes"])
        assert set(answer["nodes"]) <= set(ids)
        assert answer["stats"]["ran"] + answer["stats"]["reused"] == len(ids)
        if last_export is not None:
            assert canon(answer["workflow"]) == canon(last_export)
        if all_quiet and not resumed:
            assert answer["stats"]["ran"] == 0 and answer["nodes"] == {}, ops
        for node_id in answer["removed"]:
            self.view.pop(node_id, None)
        for node_id in set(self.view) - set(ids):
            self.view.pop(node_id)  # removed and the client never knew? it must have been told
            raise AssertionError(f"{node_id} was removed but the answer did not say so")
        for node_id, entry in answer["nodes"].items():
            shown = {k: v for k, v in entry.items() if k not in ("ms", "reused")}
            # load too: it keeps what still holds, so undo answers only what it changed
            assert node_id not in before or canon(before[node_id]) != canon(shown), (
                f"{node_id} is in the answer but its entry did not change")
            self.view[node_id] = shown
        if last_inspect is not None and not interrupted:
            op, at = last_inspect
            self.check_page(answer["page"], op, at)
        if not interrupted:
            self.check_view()
        return answer

    def check_page(self, page: dict, op: dict, at: Model) -> None:
        raw = next(n for n in at.doc["nodes"] if n["id"] == op["id"])
        result = truth(at)["nodes"][op["id"]]
        outputs = result.get("outputs") or {}
        port = op.get("port") or next(iter(outputs), None) or out_ports(raw)[0]
        port_items = outputs.get(port, [])
        offset, limit = op.get("offset", 0), op.get("limit", 50)
        want = {"id": op["id"], "port": port, "offset": offset, "total": len(port_items),
                "items": port_items[offset: offset + limit]}
        assert canon(page) == canon(want)

    def check_view(self) -> None:
        """Every node's entry, as the answers told it, is that of a fresh run."""
        fresh = truth(self.model)
        assert set(self.view) == set(fresh["nodes"])
        for node_id, entry in fresh["nodes"].items():
            assert canon(self.view[node_id]) == canon(expected_entry(entry, PREVIEW_LIMIT)), node_id

    def check_partial(self) -> None:
        """After an interrupt: what the canvas shows is right or marked stale."""
        fresh = truth(self.model)
        assert set(self.view) == set(fresh["nodes"])
        for node_id, entry in fresh["nodes"].items():
            if self.view[node_id]["status"] != "stale":
                assert canon(self.view[node_id]) == canon(expected_entry(entry, PREVIEW_LIMIT)), node_id

    def items(self, node_id: str, port: str, size: int) -> list:
        out: list = []
        while True:
            answer = self.session.apply([{"op": "inspect", "id": node_id, "port": port, "offset": len(out),
                                          "limit": size}])
            assert answer["rejected"] == [] and answer["nodes"] == {} and answer["stats"]["ran"] == 0
            page = answer["page"]
            assert page["offset"] == len(out) and page["port"] == port
            out.extend(page["items"])
            assert len(page["items"]) <= size
            if len(out) >= page["total"]:
                assert len(out) == page["total"]
                return out

    @invariant()
    def full_outputs(self) -> None:
        """Full outputs of every node, through inspect, with a page size that changes per step."""
        fresh = truth(self.model)
        self.check_now = not self.check_now
        size = PAGE_SIZES[len(self.model.doc["nodes"]) % len(PAGE_SIZES)] if self.check_now else 1000
        for raw in self.model.doc["nodes"]:
            outputs = fresh["nodes"][raw["id"]].get("outputs") or {}
            for port in out_ports(raw):
                assert canon(self.items(raw["id"], port, size)) == canon(outputs.get(port, [])), (raw["id"], port)


def check_cycle_reason(reason: str, op: Any, model: Model) -> None:
    """A cycle is named by its node ids in edge order, closed by the new edge."""
    if "would close the cycle" not in reason:
        return
    m = re.fullmatch(r"edge (\S+):(\S+) -> (\S+):(\S+) would close the cycle (.+)", reason)
    assert m, reason
    source, target = m.group(1), m.group(3)
    assert (source, target) == (op["edge"]["source"], op["edge"]["target"])
    cycle = m.group(5).split(" -> ")
    assert cycle[0] == cycle[-1] == target and cycle[-2] == source
    links = {(e["source"], e["target"]) for e in model.doc["edges"]}
    for a, b in zip(cycle[:-2], cycle[1:-1], strict=True):
        assert (a, b) in links, (a, b, reason)


LiveSession.TestCase.settings = settings()  # the profile conftest.py loaded
TestLiveSession = LiveSession.TestCase


# -- what the checker refuses so the session knows every dependency ----------------------------------


def test_a_node_read_through_a_list_is_refused_so_every_node_read_is_a_dependency():
    """`[$node][0]["X"]` would read node X without declaring it, so the live session could not
    know to re-run the reader; the checker refuses `$node` anywhere but `$node["Name"]`."""
    nodes = [{"id": "x", "type": "data", "name": "X", "params": {"items": [{"v": 1}]}},
             {"id": "r", "type": "set", "params": {"fields": [{"name": "g", "value": '={{ [$node][0]["X"].json.v }}'}]}}]
    doc = {"nodefox": 1, "settings": {"now": NOWS[0]}, "nodes": nodes, "edges": [{"source": "x", "target": "r"}]}
    session = nodefox.Session(doc)
    entry = session.apply([])["nodes"]["r"]
    assert entry["status"] == "error" and "$node can only be used as" in entry["error"]["message"]
