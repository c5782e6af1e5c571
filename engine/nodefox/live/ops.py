"""The live ops (`live.md`, `world.md`): each validates fully, then changes the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .. import _json, credentials, paths
from ..document import Node, edge_from_json, load, output_ports, port_problems
from ..errors import DocumentError, NodeError
from ..graph import would_close_cycle
from ..params import ParamPlan
from ..world import permitted_hosts
from .checks import Rejected, check, items_of, rename_in, set_pointer
from .session import Session, same_definition

UPDATABLE = ("params", "name", "disabled", "onError", "notes")

OPS: dict[str, Callable[[Session, dict], Any]] = {}


def op(name: str) -> Callable:
    def register(fn: Callable) -> Callable:
        OPS[name] = fn
        return fn

    return register


# -- the document ------------------------------------------------------------------


@op("load")
def load_(s: Session, op: dict) -> dict:
    """Replace the document; pure nodes whose definition and inputs are unchanged keep their
    results, so undo costs what the edit it undoes cost. The cached reads are dropped
    (world.md: `load` drops everything): nodes that read the world read it again."""
    try:
        doc = load(s.own(op.get("workflow")), s.registry)
    except DocumentError as exc:
        raise Rejected("; ".join(str(p) for p in exc.problems)) from None
    removed = sorted(s.take(doc))
    if s.world.cache is not None and len(s.world.cache):
        # the reads, not what the cache also keeps of code that hung (it must not run again)
        for node_id in s.nodes:
            if s.prep(node_id).effect != "none":
                s.world.cache.drop(node_id)
                s.mark(node_id)
    return {"removed": removed}


@op("add_node")
def add_node(s: Session, op: dict) -> None:
    raw = op.get("node")
    check("node", raw)
    node = Node.from_json(s.own(raw))
    if node.id in s.nodes:
        raise Rejected(f"a node with id {node.id!r} already exists")
    if s.registry.get(node.type) is None:
        raise Rejected(f"unknown node type {node.type!r}")
    if node.name in s.by_name:
        raise Rejected(f"a node named {node.name!r} already exists")
    s.raw["nodes"].append(node.raw)
    s.nodes[node.id] = node
    s.restructure()
    s.invalidate(node.id)
    s.mark(*s.refs.readers(node.name))


@op("remove_node")
def remove_node(s: Session, op: dict) -> dict:
    node = s.need(op.get("id"))
    # its children lose an input; nodes reading it, or an ancestor they no longer descend from
    # through it, may lose a $() reference even where their inputs stay the same
    children = set(s.graph.children[node.id]) | s.refs.readers(node.name)
    children |= s.graph.descendants([node.id]) & s.refs.all_readers()
    s.raw["nodes"] = [r for r in s.raw["nodes"] if r is not node.raw]
    _set_edges(s, [e for e in s.edges if node.id not in (e.source, e.target)])
    del s.nodes[node.id]
    s.forget(node.id)
    s.restructure()
    s.mark(*children)
    return {"removed": [node.id]}


@op("update_node")
def update_node(s: Session, op: dict) -> None:
    node = s.need(op.get("id"))
    changes = op.get("set")
    if type(changes) is not dict:
        raise Rejected("update_node needs 'set', an object of fields")
    unknown = [k for k in changes if k not in UPDATABLE]
    if unknown:
        raise Rejected(f"update_node cannot set {unknown[0]!r} (allowed: {', '.join(UPDATABLE)})")
    raw = dict(node.raw)
    for key, value in changes.items():
        if value is None and key != "params":
            raw.pop(key, None)
        else:
            raw[key] = s.own(value)
    check("node", raw)
    new_name = raw.get("name") or raw["id"]
    if new_name != node.name and new_name in s.by_name:
        raise Rejected(f"a node named {new_name!r} already exists")
    _replace(s, node, raw, renamed_from=node.name if new_name != node.name else None)


@op("patch_params")
def patch_params(s: Session, op: dict) -> None:
    node = s.need(op.get("id"))
    pointer = op.get("path", "")
    if type(pointer) is not str:
        raise Rejected("path must be a JSON pointer such as /fields/0/value")
    try:
        keys = paths.parse_pointer(pointer)
    except ValueError as exc:
        raise Rejected(str(exc)) from None
    params = set_pointer(node.raw.get("params") or {}, keys, op, pointer)
    if type(params) is not dict:
        raise Rejected("params must stay an object")
    _replace(s, node, {**node.raw, "params": params})


def _replace(s: Session, node: Node, raw: dict, renamed_from: str | None = None) -> None:
    new = Node.from_json(raw)
    # the node's output ports may change (switch rules, onError); edges must still fit
    ports = output_ports(new, s.registry)
    outgoing = s.graph.outgoing[node.id]
    for e in outgoing:
        if e.source_port not in ports:
            raise Rejected(f"edge {e.id} uses output port {e.source_port!r}, which this change removes")
    for e in outgoing:
        # an edge written without sourcePort means the first port; when the first port
        # changes (a switch's first rule), the edge stays where it is, said explicitly
        raw_edge = s.edge_raw[e.id]
        if not raw_edge.get("sourcePort") and e.source_port != ports[0]:
            raw_edge["sourcePort"] = e.source_port
    _swap(s, node, new)
    if renamed_from is not None:
        readers = s.refs.readers(renamed_from)
        for other in list(s.nodes.values()):
            params = rename_in(other.raw.get("params"), renamed_from, new.name)
            if params is not other.raw.get("params"):
                _swap(s, other, Node.from_json({**other.raw, "params": params}))
        s.restructure()
        s.mark(*readers, *s.refs.readers(new.name))


def _swap(s: Session, old: Node, new: Node) -> None:
    nodes = s.raw["nodes"]
    i = s.graph.rank.get(old.id, -1)  # raw["nodes"] is in the graph's (document) order
    if not (0 <= i < len(nodes) and nodes[i] is old.raw):
        i = next(i for i, r in enumerate(nodes) if r is old.raw)
    nodes[i] = new.raw
    s.nodes[old.id] = new
    s.by_name.pop(old.name, None)
    s.by_name[new.name] = new
    prep = s.preps.get(new.id)
    if prep is not None and same_definition(old, new):
        s.preps[new.id] = replace(prep, node=new)  # notes, name or position only: the result still holds
    else:
        s.invalidate(new.id)


@op("move")
def move(s: Session, op: dict) -> None:
    node = s.need(op.get("id"))
    position = op.get("position")
    if type(position) is not list or len(position) != 2 or not all(type(v) in (int, float) for v in position):
        raise Rejected("position must be [x, y]")
    node.raw["position"] = list(position)


@op("connect")
def connect(s: Session, op: dict) -> None:
    raw = op.get("edge")
    check("edge", raw)
    raw = s.own(raw)
    for end in ("source", "target"):
        s.need(raw[end])
    edge = edge_from_json(raw, s.nodes, s.registry)
    problems = port_problems(edge, s.nodes, s.registry, "")
    if problems:
        raise Rejected(problems[0].message)
    if any(e.id == edge.id for e in s.edges):
        raise Rejected(f"an edge with id {edge.id!r} already exists")
    ends = (edge.source, edge.source_port, edge.target, edge.target_port)
    if any((e.source, e.source_port, e.target, e.target_port) == ends for e in s.edges):
        raise Rejected("another edge already joins these two ports")
    cycle = would_close_cycle(s.graph, edge.source, edge.target)
    if cycle:
        raise Rejected(
            f"edge {edge.source}:{edge.source_port} -> {edge.target}:{edge.target_port} "
            f"would close the cycle {' -> '.join(cycle)}"
        )
    raw.setdefault("id", edge.id)
    s.raw["edges"].append(raw)
    s.edge_raw[edge.id] = raw
    s.edges.append(edge)
    # the target's inputs change; so do $() lookups of anything below it
    affected = {edge.target} | (s.graph.descendants([edge.target]) & s.refs.all_readers())
    s.restructure()
    s.mark(*affected)


@op("disconnect")
def disconnect(s: Session, op: dict) -> None:
    edge_id = op.get("id")
    edge = next((e for e in s.edges if e.id == edge_id), None) if type(edge_id) is str else None
    if edge is None:
        raise Rejected(f"there is no edge {edge_id!r}")
    affected = {edge.target} | (s.graph.descendants([edge.target]) & s.refs.all_readers())
    _set_edges(s, [e for e in s.edges if e is not edge])
    s.restructure()
    s.mark(*affected)


def _set_edges(s: Session, edges: list) -> None:
    s.edges = edges
    s.edge_raw = {e.id: s.edge_raw[e.id] for e in edges}
    s.raw["edges"] = [s.edge_raw[e.id] for e in edges]


@op("pin")
def pin(s: Session, op: dict) -> None:
    node = s.need(op.get("id"))
    items = items_of(op.get("items"), "pinned items")
    _swap(s, node, Node.from_json({**node.raw, "pinned": s.own(items)}))


@op("unpin")
def unpin(s: Session, op: dict) -> None:
    node = s.need(op.get("id"))
    _swap(s, node, Node.from_json({k: v for k, v in node.raw.items() if k != "pinned"}))


# -- what the whole workflow shares ------------------------------------------------------


@op("set_input")
def set_input(s: Session, op: dict) -> None:
    items = op.get("items")
    s.input_items = None if items is None else s.own(items_of(items, "input items"))
    s.settings.input_items = s.input_items
    s.mark_reading("input_items")


@op("set_variables")
def set_variables(s: Session, op: dict) -> None:
    variables = op.get("variables")
    if type(variables) is not dict:
        raise Rejected("variables must be an object")
    s.raw["variables"] = s.own(variables)
    s.settings_changed()


@op("set_settings")
def set_settings(s: Session, op: dict) -> None:
    settings = op.get("settings")
    check("settings", settings)
    s.raw["settings"] = s.own(settings)
    s.settings_changed()


@op("set_name")
def set_name(s: Session, op: dict) -> None:
    """The workflow's name: only nodes reading `$workflow` re-run."""
    name = op.get("name")
    if type(name) is not str:
        raise Rejected("the workflow's name must be text")
    if name:
        s.raw["name"] = name
    else:
        s.raw.pop("name", None)
    s.settings_changed()


# -- effects (world.md) ---------------------------------------------------------------


@op("set_permissions")
def set_permissions(s: Session, op: dict) -> None:
    """What this workflow may do: `net` (true, or a list of hosts), `write`, `code`.
    Fields left out stay as they were."""
    unknown = [k for k in op if k not in ("op", "net", "write", "code")]
    if unknown:
        raise Rejected(f"set_permissions has no field {unknown[0]!r} (fields: net, write, code)")
    net = op.get("net", s.world.allow_net)
    if not (net is None or net is True or net is False or
            (type(net) is list and all(type(h) is str and h for h in net))):  # fmt: skip
        raise Rejected("net must be true, false or a list of host names")
    if type(net) is list:
        try:
            net = permitted_hosts(net)
        except ValueError as exc:
            raise Rejected(f"net takes {exc}") from None
    for key in ("write", "code"):
        if key in op and type(op[key]) is not bool:
            raise Rejected(f"{key} must be true or false")
    world = s.world
    if "net" in op and net != world.allow_net:
        world.allow_net = None if net is False else net
        s.mark_reading("network")
    if "write" in op and op["write"] != world.allow_write:
        world.allow_write = op["write"]
        s.mark_reading("effects")
    if "code" in op and op["code"] != s.allow_code:
        s.allow_code = s.settings.allow_code = op["code"]
        s.mark_reading("code")


@op("set_credentials")
def set_credentials(s: Session, op: dict) -> None:
    """Credentials by name, kept in the session only: never exported, never answered."""
    creds = op.get("credentials")
    if type(creds) is not dict:
        raise Rejected("credentials must be an object of credentials by name")
    for name, cred in creds.items():
        trouble = credentials.problem(cred)  # the same checks as a native run's (no hosts: refused)
        if trouble is not None:
            raise Rejected(f"credential {name!r}: {trouble}")
    s.world.credentials = s.own(creds)
    if s.world.cache is not None:
        s.world.cache.drop()
    s.mark_reading("network")


@op("refresh")
def refresh(s: Session, op: dict) -> None:
    """Read again: drop one node's cached reads (or every node's) and re-run it."""
    node_id = op.get("id")
    if node_id is not None:
        s.need(node_id)
    if node_id is None:
        s.mark_reading("effects")
        if s.world.cache is not None:
            s.world.cache.drop()
    else:  # the other nodes that made the same reads read them again too
        s.mark(node_id, *(s.world.cache.drop(node_id) if s.world.cache is not None else ()))


@op("execute")
def execute(s: Session, op: dict) -> dict:
    """Run one node now, effects and all (the editor's ▶), and pin its output so the
    document says what happened and downstream previews continue from it."""
    node = s.need(op.get("id"))
    s.recompute()  # its inputs as they stand
    s.run_one(node.id, force=True)
    s.dirty.discard(node.id)
    res = s.results[node.id]
    executed: dict = {"id": node.id, "status": res.status}
    if res.status == "ok" and res.outputs:
        first = next(iter(res.outputs.values()))
        _swap(s, node, Node.from_json({**node.raw, "pinned": _json.copy(first)}))
        executed["items"] = len(first)
    elif res.status == "error":
        executed["error"] = res.error
        s.mark(*s._followers(node.id))  # below a failed node: blocked (workflow.md), not waiting
    return {"executed": executed}


# -- questions (change nothing) -------------------------------------------------------------


@op("inspect")
def inspect(s: Session, op: dict) -> dict:
    node = s.need(op.get("id"))
    port = op.get("port")
    offset, limit = op.get("offset", 0), op.get("limit", 50)
    if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 0:
        raise Rejected("offset and limit must be whole numbers >= 0")
    if s._runs:
        s.recompute()
    res = s.results.get(node.id)
    outputs = (res.outputs if res else None) or {}
    if port is None:
        port = next(iter(outputs), None) or next(iter(output_ports(node, s.registry)), None)
    if port not in output_ports(node, s.registry):
        raise Rejected(f"node {node.id!r} has no output port {port!r}")
    items = outputs.get(port, [])
    page = {"id": node.id, "port": port, "offset": offset, "total": len(items),
            "items": items[offset : offset + limit]}  # fmt: skip
    return {"page": page}


@op("evaluate")
def evaluate(s: Session, op: dict) -> dict:
    """What one param value gives for the node's first input item, or its error: the
    inspector's preview while typing (changes nothing)."""
    node = s.need(op.get("id"))
    text, path = op.get("expression"), op.get("path", "")
    if type(path) is not str:
        raise Rejected("path must be a JSON pointer such as /fields/0/value")
    if s._runs:
        s.recompute()
    prep = s.prep(node.id)
    inputs, context = s.step.context(node, prep)
    first = inputs.get(prep.type.inputs[0], []) if prep.type.inputs else []
    try:
        value = ParamPlan({"value": text}).at(first[0] if first else {}, 0, context)["value"]
    except NodeError as err:
        error = NodeError(err.message, item=0, path=path, expression=err.expression or text)
        return {"evaluated": {"error": error.as_dict()}}
    return {"evaluated": {"value": value}}


@op("export")
def export(s: Session, op: dict) -> dict:
    return {"workflow": s.document()}


__all__ = ["OPS", "UPDATABLE", "op"]
