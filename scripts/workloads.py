"""The benchmark workloads of performance.md, generated deterministically.

    chain(n, items)     a data source, then n `set` nodes in a row, each adding a field
    fan(n, items)       one source feeding n branches of if -> set -> merge
    report(items)       ~60 nodes mixing every built-in type on `items` items
    big(n)              n nodes: lanes of mixed nodes off a few sources
    pipeline(items)     data -> set -> if -> sort -> limit, the shape run by n8n and Node-RED too
"""

from __future__ import annotations

import random

NOW = {"now": "2026-01-01T00:00:00Z", "timezone": "UTC", "seed": 1}


def _doc(name: str, nodes: list, edges: list, variables: dict | None = None) -> dict:
    return {"nodefox": 1, "name": name, "settings": NOW, "variables": variables or {},
            "nodes": nodes, "edges": edges}  # fmt: skip


def _edge(source: str, target: str, sport: str | None = None, tport: str | None = None) -> dict:
    edge = {"id": f"{source}-{sport or 'out'}-{target}-{tport or 'in'}", "source": source, "target": target}
    if sport:
        edge["sourcePort"] = sport
    if tport:
        edge["targetPort"] = tport
    return edge


def rows(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    cities = ["Berlin", "Lyon", "Malmö", "Porto", "Turin", "Ghent"]
    return [
        {"id": i, "a": i % 97, "price": round(rng.uniform(1, 200), 2), "qty": rng.randint(1, 9),
         "city": cities[i % len(cities)], "tags": ["x", "y"][: 1 + i % 2],
         "customer": {"name": f"c{i % 50}", "vip": i % 7 == 0}}
        for i in range(count)
    ]  # fmt: skip


def chain(n: int, items: int = 1) -> dict:
    nodes = [{"id": "src", "type": "data", "name": "Source", "params": {"items": rows(items)}}]
    edges = []
    prev = "src"
    for i in range(n):
        node_id = f"s{i}"
        nodes.append({"id": node_id, "type": "set", "name": f"Set {i}",
                      "params": {"fields": [{"name": f"f{i}", "value": "={{ $json.a * 2 + 1 }}"}]}})  # fmt: skip
        edges.append(_edge(prev, node_id))
        prev = node_id
    return _doc(f"chain-{n}", nodes, edges)


def expression(items: int = 100_000) -> dict:
    """A `set` with `$json.a * 2 + 1` over `items` items."""
    return chain(1, items)


def fan(n: int, items: int = 100) -> dict:
    nodes = [{"id": "src", "type": "data", "name": "Source", "params": {"items": rows(items)}}]
    edges = []
    for i in range(n):
        nodes += [
            {"id": f"if{i}", "type": "if", "name": f"If {i}", "params": {
                "conditions": [{"left": "={{ $json.a }}", "op": "gt", "right": i % 97}]}},
            {"id": f"set{i}", "type": "set", "name": f"Set {i}", "params": {
                "fields": [{"name": "b", "value": f"={{{{ $json.price * {i + 1} }}}}"}]}},
            {"id": f"m{i}", "type": "merge", "name": f"Merge {i}", "params": {"mode": "append"}},
        ]  # fmt: skip
        edges += [_edge("src", f"if{i}"), _edge(f"if{i}", f"set{i}", "true"),
                  _edge(f"set{i}", f"m{i}", None, "in1"), _edge(f"if{i}", f"m{i}", "false", "in2")]  # fmt: skip
    return _doc(f"fan-{n}", nodes, edges)


def report(items: int = 1000) -> dict:
    """~60 nodes mixing every built-in type: the realistic workload."""
    nodes: list[dict] = []
    edges: list[dict] = []

    def add(node_id: str, type_: str, params: dict | None = None, *sources: tuple) -> str:
        nodes.append({"id": node_id, "type": type_, "name": node_id, "params": params or {}})
        for src in sources:
            src_id, sport, tport = (src + (None, None))[:3] if isinstance(src, tuple) else (src, None, None)
            edges.append(_edge(src_id, node_id, sport, tport))
        return node_id

    add("orders", "data", {"items": rows(items)})
    add("customers", "data", {"items": [{"name": f"c{i}", "segment": "ab"[i % 2], "credit": i * 10} for i in range(50)]})
    add("dedupe", "dedupe", {"fields": ["id"]}, "orders")
    add("net", "set", {"fields": [{"name": "net", "value": "={{ $json.price * $json.qty }}"}]}, "dedupe")
    add("gross", "set", {"fields": [{"name": "gross", "value": "={{ round($json.net * (1 + $vars.vat), 2) }}"},
                                    {"name": "who", "value": "={{ $json.customer.name }}"}]}, "net")
    add("label", "set", {"fields": [{"name": "label", "value": "=#{{ $json.id }} {{ $json.city.upper() }}"}]}, "gross")
    add("stamp", "set", {"fields": [{"name": "day", "value": "={{ date_add($now, days=$json.a % 30)[:10] }}"}]}, "label")
    add("clean", "remove", {"fields": ["tags"]}, "stamp")
    add("ren", "rename", {"keys": [{"from": "city", "to": "town"}]}, "clean")
    add("big", "if", {"conditions": [{"left": "={{ $json.gross }}", "op": "gte", "right": 500}]}, "ren")
    add("vip", "filter", {"conditions": [{"left": "={{ $json.customer.vip }}", "op": "true"}]}, ("big", "true"))
    add("route", "switch", {"rules": [
        {"conditions": [{"left": "={{ $json.town }}", "op": "eq", "right": "Berlin"}]},
        {"conditions": [{"left": "={{ $json.town }}", "op": "startsWith", "right": "M"}]},
        {"conditions": [{"left": "={{ $json.qty }}", "op": "gt", "right": 5}]}]}, "ren")
    add("join", "merge", {"mode": "join", "fields1": ["who"], "fields2": ["name"], "join": "left"},
        ("ren", None, "in1"), ("customers", None, "in2"))
    add("bytown", "summarize", {"groupBy": ["town"], "aggregations": [
        {"op": "count", "field": "id"}, {"op": "sum", "field": "gross"}, {"op": "avg", "field": "qty"},
        {"op": "max", "field": "gross", "as": "top"}]}, "join")
    add("byseg", "summarize", {"groupBy": ["segment"], "aggregations": [
        {"op": "countUnique", "field": "who"}, {"op": "sum", "field": "net"}]}, "join")
    add("rank", "sort", {"fields": [{"field": "sum_gross", "order": "desc"}]}, "bytown")
    add("top3", "limit", {"max": 3}, "rank")
    add("sortg", "sort", {"fields": [{"field": "gross", "order": "desc"}, {"field": "id"}]}, ("big", "true"))
    add("top20", "limit", {"max": 20}, "sortg")
    add("ids", "aggregate", {"fields": [{"field": "id", "as": "ids"}]}, "top20")
    add("tocsv", "to_file", {"format": "csv", "field": "binary.data"}, "top20")  # a file held in an item
    add("fromcsv", "from_file", {"field": "binary.data", "inferTypes": True}, "tocsv")
    add("tags", "split_out", {"field": "tags", "destination": "tag", "include": "all"}, "dedupe")
    add("tagcount", "summarize", {"groupBy": ["tag"], "aggregations": [{"op": "count", "field": "id"}]}, "tags")
    add("meta", "json", {"op": "stringify", "field": "customer", "destination": "customer_json"}, "dedupe")
    add("parse", "json", {"op": "parse", "field": "customer_json", "destination": "again"}, "meta")
    add("noop", "noop", {}, "parse")
    add("margin", "code", {"mode": "each", "code": "item['margin'] = round(item['price'] * 0.3, 2)\nreturn item"},
        "noop")
    # lanes: per-route and per-branch processing, enough to reach ~60 nodes
    for port in ("0", "1", "2", "fallback"):
        a = add(f"r{port}set", "set", {"fields": [{"name": "lane", "value": f"=lane {port}"},
                                                  {"name": "score", "value": "={{ $json.gross / ($json.qty + 1) }}"}]},
                ("route", port))
        b = add(f"r{port}if", "if", {"conditions": [{"left": "={{ $json.score }}", "op": "gt", "right": 20}]}, a)
        c = add(f"r{port}sort", "sort", {"fields": [{"field": "score", "order": "desc"}]}, (b, "true"))
        d = add(f"r{port}lim", "limit", {"max": 25}, c)
        e = add(f"r{port}merge", "merge", {"mode": "append"}, (d, None, "in1"), (b, "false", "in2"))
        add(f"r{port}sum", "summarize", {"aggregations": [{"op": "sum", "field": "score"},
                                                          {"op": "count", "field": "id"}]}, e)
    add("all", "merge", {"mode": "append"}, ("r0merge", None, "in1"), ("r1merge", None, "in2"))
    add("all2", "merge", {"mode": "append"}, ("all", None, "in1"), ("r2merge", None, "in2"))
    add("dd", "dedupe", {"fields": ["id"]}, "all2")
    add("vipset", "set", {"fields": [{"name": "vipScore", "value": "={{ $json.gross * 2 }}"}]}, "vip")
    add("vipagg", "aggregate", {"all": True, "as": "vips"}, "vipset")
    add("small", "set", {"include": "selected", "selected": ["id", "net"], "fields": [
        {"name": "small", "value": True}]}, ("big", "false"))
    add("smallsum", "summarize", {"aggregations": [{"op": "avg", "field": "net"}, {"op": "min", "field": "net"},
                                                   {"op": "concat", "field": "id", "as": "first_ids"}]}, "small")
    add("pos", "merge", {"mode": "position", "includeUnpaired": False}, ("top3", None, "in1"), ("tagcount", None, "in2"))
    add("cross", "merge", {"mode": "cross"}, ("top3", None, "in1"), ("byseg", None, "in2"))
    add("pick", "merge", {"mode": "choose", "branch": "in2"}, ("cross", None, "in1"), ("pos", None, "in2"))
    add("final", "set", {"fields": [{"name": "n", "value": "={{ len($input.all()) }}"},
                                    {"name": "first", "value": "={{ $(\"orders\").first()[\"id\"] }}"}]}, "pick")
    add("lastlim", "limit", {"max": 5, "keep": "last"}, "dd")
    add("rensum", "rename", {"keys": [{"from": "count_id", "to": "orders"}]}, "bytown")
    add("trig", "trigger")
    add("trigset", "set", {"fields": [{"name": "at", "value": "={{ $now }}"}]}, "trig")
    add("hook", "webhook", {"path": "report"})
    add("tick", "schedule", {"everySeconds": 3600})
    add("answer", "respond", {"items": "first"}, "rensum")
    doc = _doc("report", nodes, edges, {"vat": 0.2})
    return doc


# the node in the middle of `report` the edit benchmarks change, and the edit
REPORT_EDIT = ("big", "/conditions/0/right", [400, 500])
# two spellings of one value: `top3` re-runs, its outputs are equal, nothing below it re-runs
EQUAL_EDIT = ("top3", "/max", [3, "={{ 1 + 2 }}"])


def big(n: int = 1000, items: int = 20, sources: int = 4) -> dict:
    """n nodes: `sources` sources, then lanes of 9 nodes each (set, if, set, sort, limit, filter, dedupe, noop, set).

    Lane k reads source k % sources; big(10, sources=1) is source 0 and lane 0 alone.
    """
    nodes: list[dict] = []
    edges: list[dict] = []
    for s in range(sources):
        nodes.append({"id": f"src{s}", "type": "data", "name": f"src{s}", "params": {"items": rows(items, s)}})
    lane = 0
    while len(nodes) < n:
        prev = f"src{lane % sources}"
        kinds = [
            ("set", {"fields": [{"name": "v", "value": f"={{{{ $json.a * {lane + 1} }}}}"}]}),
            ("if", {"conditions": [{"left": "={{ $json.v }}", "op": "gt", "right": 10}]}),
            ("set", {"fields": [{"name": "w", "value": "={{ $json.v + 1 }}"}]}),
            ("sort", {"fields": [{"field": "w", "order": "desc"}]}),
            ("limit", {"max": 10}),
            ("filter", {"conditions": [{"left": "={{ $json.qty }}", "op": "gte", "right": 2}]}),
            ("dedupe", {"fields": ["id"]}),
            ("noop", {}),
            ("set", {"fields": [{"name": "done", "value": True}]}),
        ]
        for k, (type_, params) in enumerate(kinds):
            if len(nodes) >= n:
                break
            node_id = f"l{lane}n{k}"
            nodes.append({"id": node_id, "type": type_, "name": node_id, "params": params})
            edges.append(_edge(prev, node_id, "true" if type_ != "if" and prev.endswith("n1") else None))
            prev = node_id
        lane += 1
    return _doc(f"big-{n}", nodes, edges)


# a local edit: the first set of lane 0, which re-runs that lane's 9 nodes in `small()` and in `big()`
BIG_EDIT = ("l0n0", "/fields/0/value", ["={{ $json.a * 4 }}", "={{ $json.a * 5 }}"])


def small(items: int = 20) -> dict:
    """The 10-node graph a local edit is compared against: big's source 0 and lane 0."""
    return big(10, items, sources=1)


# the last node of lane 0: one node re-runs, in `small()` as in `big()`
LAST_EDIT = ("l0n8", "/fields/0/value", [1, 2])
# performance.md's `chain-10` beside `big-1000`: its last set node, one node re-runs
CHAIN_EDIT = ("s9", "/fields/0/value", ["={{ $json.a * 4 }}", "={{ $json.a * 5 }}"])
# the editor's keystroke on a small workflow: `small`'s if node, two thresholds with different counts
SMALL_EDIT = ("l0n1", "/conditions/0/right", [5, 15])


def pipeline(items: int) -> dict:
    """data -> set -> if -> sort -> limit: the shape the peers (n8n, Node-RED) run too."""
    nodes = [
        {"id": "src", "type": "data", "name": "Source", "params": {"items": rows(items)}},
        {"id": "set", "type": "set", "name": "Set", "params": {
            "fields": [{"name": "total", "value": "={{ $json.price * $json.qty }}"}]}},
        {"id": "if", "type": "if", "name": "If", "params": {
            "conditions": [{"left": "={{ $json.total }}", "op": "gt", "right": 100}]}},
        {"id": "sort", "type": "sort", "name": "Sort", "params": {"fields": [{"field": "total", "order": "desc"}]}},
        {"id": "limit", "type": "limit", "name": "Limit", "params": {"max": 10}},
    ]  # fmt: skip
    edges = [_edge("src", "set"), _edge("set", "if"), _edge("if", "sort", "true"), _edge("sort", "limit")]
    return _doc(f"pipeline-{items}", nodes, edges)
