"""Workflow documents: the shipped JSON Schema, loading and every rejection rule."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from . import _json, _schema, paths
from .errors import DocumentError, NodeFoxError, Problem
from .functions import format_instant, parse_instant, zone
from .graph import Edge, Graph
from .nodes import BUILTINS, Registry

ON_ERROR = ("stop", "continue", "errorOutput")


@lru_cache(maxsize=1)
def schema() -> dict:
    """The workflow document schema (Draft 2020-12), shipped in the package."""
    text = resources.files("nodefox").joinpath("workflow.schema.json").read_text("utf-8")
    return _json.loads(text)


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict = field(default_factory=dict)
    disabled: bool = False
    on_error: str = "stop"
    pinned: list | None = None
    raw: dict = field(default_factory=dict)  # the node as written, for export
    # what execute.prepare built for this node: (node type, params, Prepared); a cached
    # Document hands back the same nodes, so a repeated run skips keying the params
    prepared: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def from_json(cls, raw: dict) -> Node:
        return cls(
            id=raw["id"],
            type=raw["type"],
            name=raw.get("name") or raw["id"],
            params=raw.get("params") or {},
            disabled=raw.get("disabled") is True,
            on_error=raw.get("onError", "stop"),
            pinned=raw.get("pinned"),
            raw=raw,
        )


@dataclass
class Document:
    raw: dict
    nodes: list[Node]
    edges: list[Edge]
    graph: Graph
    order: list[str]

    @property
    def settings(self) -> dict:
        return self.raw.get("settings") or {}

    @property
    def variables(self) -> dict:
        return self.raw.get("variables") or {}

    @property
    def name(self) -> str:
        return self.raw.get("name") or ""


def schema_problems(doc: Any) -> list[Problem]:
    """Every schema failure, one per missing field, in document order (`_schema.problems`)."""
    return [Problem(ptr, message) for ptr, message in _schema.problems(schema(), doc)]


NOW_MESSAGE = "must be an RFC 3339 date-time such as 2026-01-01T09:30:00Z"


def _clock_problems(doc: dict) -> list[Problem]:
    """A `settings.now` that has the right shape but names no moment (2026-02-30), and a
    `settings.timezone` that is no IANA zone (it would fail only where a date is written,
    and a server's schedule would fire in UTC)."""
    settings = doc.get("settings") or {}
    problems = []
    if settings.get("now") is not None:
        try:
            format_instant(parse_instant(settings["now"]))
        except NodeFoxError:
            problems.append(Problem("/settings/now", NOW_MESSAGE))
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is in the year 0 in UTC, the result's form
            problems.append(Problem("/settings/now", "must be within the years 0001 to 9999 in UTC"))
    if settings.get("timezone") is not None:
        try:
            zone(settings["timezone"])
        except NodeFoxError:
            problems.append(Problem("/settings/timezone", f"unknown time zone {settings['timezone']!r}: "
                                    "an IANA name such as Europe/Berlin or UTC"))  # fmt: skip
    return problems


def edge_from_json(raw: dict, nodes: dict[str, Node], registry: Registry) -> Edge:
    src, dst = nodes.get(raw["source"]), nodes.get(raw["target"])
    sport = raw.get("sourcePort") or _first_port(src, registry, "out")
    tport = raw.get("targetPort") or _first_port(dst, registry, "in")
    eid = raw.get("id") or Edge.default_id(raw["source"], sport, raw["target"], tport)
    return Edge(eid, raw["source"], sport, raw["target"], tport)


def _first_port(node: Node | None, registry: Registry, direction: str) -> str:
    t = registry.get(node.type) if node else None
    if t is None:
        return "out" if direction == "out" else "in"
    ports = t.output_ports(node.params, node.on_error) if direction == "out" else t.inputs
    return ports[0] if ports else ("out" if direction == "out" else "in")


def output_ports(node: Node, registry: Registry) -> tuple[str, ...]:
    t = registry.get(node.type)
    return t.output_ports(node.params, node.on_error) if t else ()


_LOADED: OrderedDict[tuple, Document] = OrderedDict()
MAX_LOADED = 16  # documents whose checked model is kept for repeated runs


def load_cached(doc: Any, registry: Registry = BUILTINS) -> Document:
    """`load`, reusing the model of an equal document loaded before.

    For callers that never change the model (whole runs); the live session
    edits its document and uses `load`.
    """
    try:
        key = (id(registry), _json.key(doc))
    except (TypeError, ValueError):
        return load(doc, registry)
    hit = _LOADED.get(key)
    return hit if hit is not None else _remember(key, doc, registry)


def load_text(text: str, registry: Registry = BUILTINS) -> Document:
    """`load_cached` for JSON text, keyed by the text itself: a document sent again
    unchanged (the bridge's whole runs) is neither parsed nor serialised again."""
    key = (id(registry), "text", text)
    hit = _LOADED.get(key)
    return hit if hit is not None else _remember(key, _json.loads(text), registry)


def _remember(key: tuple, doc: Any, registry: Registry) -> Document:
    problems = non_finite_problems(doc)  # orjson writes NaN as null: check before caching
    if problems:
        raise DocumentError(problems)
    hit = _LOADED[key] = load(doc, registry)
    if len(_LOADED) > MAX_LOADED:
        _LOADED.popitem(last=False)
    return hit


def non_finite_problems(value: Any) -> list[Problem]:
    """NaN and infinities, which only a Python caller can put in a document: they are not JSON."""
    try:
        _json.check_finite(value)
    except ValueError:
        return [Problem(ptr, "NaN and infinities are not JSON numbers") for ptr in _non_finite(value, "")]
    return []


def _non_finite(value: Any, ptr: str) -> list[str]:
    if type(value) is float:
        return [] if math.isfinite(value) else [ptr]
    if type(value) is dict:
        pairs = value.items()
    elif type(value) is list:
        pairs = enumerate(value)
    else:
        return []
    return [p for k, v in pairs for p in _non_finite(v, ptr + paths.pointer(k))]


def load(doc: Any, registry: Registry = BUILTINS) -> Document:
    """Validate a workflow document and build its model; raise DocumentError listing every problem.

    The model shares the document's values; nothing in the engine changes them.
    """
    problems = schema_problems(doc) or _clock_problems(doc)
    if problems:
        raise DocumentError(problems)
    nodes: dict[str, Node] = {}
    names: dict[str, int] = {}
    for i, raw in enumerate(doc["nodes"]):
        node = Node.from_json(raw)
        if node.id in nodes:
            problems.append(Problem(f"/nodes/{i}/id", f"the id {node.id!r} is used by another node"))
            continue
        if registry.get(node.type) is None:
            problems.append(Problem(f"/nodes/{i}/type", f"unknown node type {node.type!r}"))
        if node.name in names:
            problems.append(Problem(f"/nodes/{i}/name", f"the name {node.name!r} is used by another node"))
        names[node.name] = i
        nodes[node.id] = node
    edges: list[Edge] = []
    seen_ids: set[str] = set()
    seen_ends: set[tuple] = set()
    for i, raw in enumerate(doc["edges"]):
        where = f"/edges/{i}"
        bad = False
        for end in ("source", "target"):
            if raw[end] not in nodes:
                problems.append(Problem(f"{where}/{end}", f"there is no node {raw[end]!r}"))
                bad = True
        if bad:
            continue
        edge = edge_from_json(raw, nodes, registry)
        problems.extend(port_problems(edge, nodes, registry, where))
        if edge.id in seen_ids:
            problems.append(Problem(f"{where}/id", f"the edge id {edge.id!r} is used by another edge"))
        ends = (edge.source, edge.source_port, edge.target, edge.target_port)
        if ends in seen_ends:
            problems.append(Problem(where, "another edge joins the same two ports"))
        seen_ids.add(edge.id)
        seen_ends.add(ends)
        edges.append(edge)
    graph = Graph(list(nodes), edges)
    try:
        order = graph.order()
    except ValueError:
        cycle = graph.find_cycle() or []
        problems.append(Problem("/edges", "the edges form a cycle: " + " -> ".join(cycle)))
        order = []
    if problems:
        raise DocumentError(problems)
    return Document(doc, list(nodes.values()), edges, graph, order)


def _rule_port_of_bad_rules(node: Node, node_type: Any, port: str) -> bool:
    """A rule's port (`0`, `1`, ...) of a node whose `rules` param is not a list: a param
    error fails that node when it runs, and must not reject the document (workflow.md)."""
    rules = node.params.get("rules") if type(node.params) is dict else None
    return node_type.dynamic_outputs == "rules" and type(rules) is not list and port.isdigit() and port.isascii()


def port_problems(edge: Edge, nodes: dict[str, Node], registry: Registry, where: str) -> list[Problem]:
    out = []
    src, dst = nodes[edge.source], nodes[edge.target]
    stype = registry.get(src.type)
    if stype is not None and edge.source_port not in output_ports(src, registry) and not _rule_port_of_bad_rules(src, stype, edge.source_port):
        ports = ", ".join(output_ports(src, registry)) or "none"
        out.append(Problem(f"{where}/sourcePort",
                           f"node {src.id!r} has no output port {edge.source_port!r} (it has: {ports})"))  # fmt: skip
    dtype = registry.get(dst.type)
    if dtype is not None and edge.target_port not in dtype.inputs:
        ports = ", ".join(dtype.inputs) or "none"
        out.append(Problem(f"{where}/targetPort",
                           f"node {dst.id!r} has no input port {edge.target_port!r} (it has: {ports})"))  # fmt: skip
    return out
