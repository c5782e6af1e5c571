"""The live session: edit operations in, only what changed out (`live.md`).

The session keeps the document, each node's prepared definition and last
result. After a batch of ops it re-runs, in topological order, only the nodes
marked dirty: by their own edit, a changed input, a changed node they name
through `$("...")`, or changed settings they read. A node whose new result
equals the old one does not dirty its children (early cutoff).
"""

from __future__ import annotations

import copy
import heapq
import time
from typing import Any

from . import _json, _schema, paths
from .document import (
    Document,
    Node,
    _clock_problems,
    _schema_message,
    edge_from_json,
    load,
    output_ports,
    port_problems,
    schema,
)
from .errors import DocumentError, NodeError, NodeFoxError
from .execute import (
    NodeResult,
    Prepared,
    RunSettings,
    gather_inputs,
    gc_paused,
    make_lookup,
    node_context,
    prepare,
    run_node,
)
from .expressions import is_template, rename_reference
from .graph import Edge, Graph, would_close_cycle
from .nodes import BUILTINS, Registry
from .params import ParamPlan

EMPTY_WORKFLOW = {"nodefox": 1, "nodes": [], "edges": []}
UPDATABLE = ("params", "name", "disabled", "onError", "notes")
_FAILED = frozenset({"error", "blocked"})


class Rejected(Exception):
    """An op that cannot apply; its message is the reason given back."""


def _sub_schema(name: str) -> dict:
    root = schema()
    return {"$defs": root["$defs"], "$ref": f"#/$defs/{name}"}


_SCHEMAS: dict[str, dict] = {}  # kind -> its part of the document schema, built on first use


def _check(kind: str, value: Any) -> None:
    sub = _SCHEMAS.get(kind)
    if sub is None:
        sub = _SCHEMAS[kind] = schema()["properties"]["settings"] if kind == "settings" else _sub_schema(kind)
    found = []
    for err in _schema.iter_errors(sub, value):
        path = tuple(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            messages = [f"missing required field {k!r}" for k in err.validator_value if k not in err.instance]
        else:
            messages = [_schema_message(err)]  # the engine's own words, as for whole documents
        found += [(paths.pointer_order(path), paths.pointer(*path), m) for m in messages]
    if kind == "settings" and not found:
        found += [((), p.pointer[len("/settings"):], p.message) for p in _clock_problems({"settings": value})]
    if found:
        _, where, message = min(found)
        raise Rejected(f"{kind} {where}: {message}" if where else f"{kind}: {message}")


def _items(value: Any, what: str) -> list:
    if type(value) is not list or not all(type(i) is dict for i in value):
        raise Rejected(f"{what} must be a list of objects")
    return value


class Session:
    """One live document and the results of its nodes."""

    def __init__(self, document: dict | None = None, preview_limit: int = 20, registry: Registry = BUILTINS):
        self.preview_limit = preview_limit
        self.registry = registry
        self.input_items: list | None = None
        self.sent: dict[str, dict] = {}
        self._reset(load(copy.deepcopy(document or EMPTY_WORKFLOW), registry))

    # -- state ---------------------------------------------------------------

    def _reset(self, doc: Document) -> None:
        self.raw = doc.raw
        self.raw.setdefault("nodes", [])
        self.raw.setdefault("edges", [])
        self.nodes: dict[str, Node] = {n.id: n for n in doc.nodes}
        self.edges: list[Edge] = list(doc.edges)
        self.edge_raw: dict[str, dict] = {e.id: r for e, r in zip(self.edges, self.raw["edges"], strict=True)}
        self.preps: dict[str, Prepared] = {}
        self.refs_of: dict[str, frozenset[str]] = {}  # node id -> names it reads via $()
        self.referrers_of: dict[str, set[str]] = {}  # name -> ids of the nodes reading it
        self.unsent: set[str] = set(self.nodes)  # nodes whose entry may differ from the last answer
        self.results: dict[str, NodeResult] = {}
        self.settings = RunSettings.of(self.raw, self.input_items, allow_code=self.allow_code)
        self._restructure()
        self.dirty: set[str] = set(self.nodes)
        self._runs = True

    allow_code = True  # the session is the user's own editor; the bridge may turn it off

    def _restructure(self) -> None:
        self.graph = Graph(list(self.nodes), self.edges)
        self.order = self.graph.order()
        self.rank = {n: i for i, n in enumerate(self.order)}
        self.by_name = {n.name: n for n in self.nodes.values()}
        self.names = frozenset(self.by_name)

    def _node_raw(self, node_id: str) -> dict:
        return self.nodes[node_id].raw

    def _need(self, node_id: Any) -> Node:
        node = self.nodes.get(node_id) if type(node_id) is str else None
        if node is None:
            raise Rejected(f"there is no node {node_id!r}")
        return node

    def document(self) -> dict:
        """The current document (a deep copy)."""
        return copy.deepcopy(self.raw)

    # -- applying ops -----------------------------------------------------------

    def apply(self, ops: Any) -> dict:
        start = time.perf_counter()
        # An empty batch resumes an interrupted one; otherwise only ops that change what
        # runs (`_mark`) let the batch run anything, so paging through a node's items
        # after an interrupt does not start the long run again.
        self._ran, self._interrupted, self._runs = 0, False, ops == []
        answer: dict[str, Any] = {"nodes": {}, "removed": [], "rejected": []}
        removed: list[str] = []
        if type(ops) is not list:
            answer["rejected"].append({"index": 0, "reason": "ops must be a list"})
            ops = []
        for index, op in enumerate(ops):
            try:
                if type(op) is not dict:
                    raise Rejected("an op must be an object")
                handler = _OPS.get(op.get("op"))
                if handler is None:
                    raise Rejected(f"unknown op {op.get('op')!r}")
                extra = handler(self, op)
                if isinstance(extra, dict):
                    if "removed" in extra:
                        removed.extend(extra.pop("removed"))
                    answer.update(extra)
            except Rejected as exc:
                answer["rejected"].append({"index": index, "reason": str(exc)})
            except (NodeFoxError, ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
                answer["rejected"].append({"index": index, "reason": f"{type(exc).__name__}: {exc}"})
        if self._runs:
            self._recompute()
        ran, interrupted = self._ran, self._interrupted
        self._interrupted = False  # a later result() or apply runs what is left
        answer["nodes"] = self._changes()
        gone = [n for n in removed if n not in self.nodes]
        for n in gone:
            self.sent.pop(n, None)
        answer["removed"] = list(dict.fromkeys(gone))
        answer["stats"] = {"ms": round((time.perf_counter() - start) * 1000, 3), "ran": ran,
                           "reused": len(self.nodes) - ran}  # fmt: skip
        if interrupted:
            answer["interrupted"] = True
        return answer

    def _mark(self, *node_ids: str) -> None:
        # a node already dirty (stale after an interrupt) that is edited again must run too
        marked = [n for n in node_ids if n in self.nodes]
        self.dirty.update(marked)
        self._runs = self._runs or bool(marked)

    def _invalidate(self, node_id: str) -> None:
        self.preps.pop(node_id, None)
        self._mark(node_id)

    # -- op handlers (validate fully, then change) -------------------------------

    def op_load(self, op: dict) -> None:
        workflow = op.get("workflow")
        try:
            doc = load(copy.deepcopy(workflow), self.registry)
        except DocumentError as exc:
            raise Rejected("; ".join(str(p) for p in exc.problems)) from None
        old = set(self.nodes)
        self._reset(doc)
        self.sent = {}
        self.unsent = set(self.nodes)
        return {"removed": sorted(old - set(self.nodes))}

    def op_add_node(self, op: dict) -> None:
        raw = op.get("node")
        _check("node", raw)
        node = Node.from_json(copy.deepcopy(raw))
        if node.id in self.nodes:
            raise Rejected(f"a node with id {node.id!r} already exists")
        if self.registry.get(node.type) is None:
            raise Rejected(f"unknown node type {node.type!r}")
        if node.name in self.by_name:
            raise Rejected(f"a node named {node.name!r} already exists")
        self.raw["nodes"].append(node.raw)
        self.nodes[node.id] = node
        self._restructure()
        self._mark(node.id)
        self.unsent.add(node.id)
        self._mark(*self._referrers(node.name))

    def op_remove_node(self, op: dict) -> dict:
        node = self._need(op.get("id"))
        # its children lose an input; nodes reading it, or an ancestor they no longer descend from
        # through it, may lose a $() reference even where their inputs stay the same
        children = set(self.graph.children[node.id]) | self._referrers(node.name)
        children |= self.graph.descendants([node.id]) & self._all_referrers()
        self.raw["nodes"] = [r for r in self.raw["nodes"] if r is not node.raw]
        keep = [e for e in self.edges if node.id not in (e.source, e.target)]
        self._set_edges(keep)
        del self.nodes[node.id]
        self.preps.pop(node.id, None)
        self._set_refs(node.id, frozenset())
        self.unsent.discard(node.id)
        self.results.pop(node.id, None)
        self.dirty.discard(node.id)
        self._restructure()
        self._mark(*children)
        return {"removed": [node.id]}

    def op_update_node(self, op: dict) -> None:
        node = self._need(op.get("id"))
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
                raw[key] = copy.deepcopy(value)
        _check("node", raw)
        new_name = raw.get("name") or raw["id"]
        if new_name != node.name and new_name in self.by_name:
            raise Rejected(f"a node named {new_name!r} already exists")
        self._replace(node, raw, renamed_from=node.name if new_name != node.name else None)

    def op_patch_params(self, op: dict) -> None:
        node = self._need(op.get("id"))
        pointer = op.get("path", "")
        if type(pointer) is not str:
            raise Rejected("path must be a JSON pointer such as /fields/0/value")
        try:
            keys = paths.parse_pointer(pointer)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        params = _set_pointer(node.raw.get("params") or {}, keys, op, pointer)
        if type(params) is not dict:
            raise Rejected("params must stay an object")
        self._replace(node, {**node.raw, "params": params})

    def _replace(self, node: Node, raw: dict, renamed_from: str | None = None) -> None:
        new = Node.from_json(raw)
        # the node's output ports may change (switch rules, onError); edges must still fit
        ports = output_ports(new, self.registry)
        outgoing = self.graph.outgoing[node.id]
        for e in outgoing:
            if e.source_port not in ports:
                raise Rejected(f"edge {e.id} uses output port {e.source_port!r}, which this change removes")
        for e in outgoing:
            # an edge written without sourcePort means the first port; when the first port
            # changes (a switch's first rule), the edge stays where it is, said explicitly
            raw_edge = self.edge_raw[e.id]
            if not raw_edge.get("sourcePort") and e.source_port != ports[0]:
                raw_edge["sourcePort"] = e.source_port
        self._swap(node, new)
        if renamed_from is not None:
            referrers = self._referrers(renamed_from)
            for other in list(self.nodes.values()):
                params = _rename_in(other.raw.get("params"), renamed_from, new.name)
                if params is not other.raw.get("params"):
                    self._swap(other, Node.from_json({**other.raw, "params": params}))
            self._restructure()
            self._mark(*referrers, *self._referrers(new.name))

    def _swap(self, old: Node, new: Node) -> None:
        nodes = self.raw["nodes"]
        i = self.graph.rank.get(old.id, -1)  # raw["nodes"] is in the graph's (document) order
        if not (0 <= i < len(nodes) and nodes[i] is old.raw):
            i = next(i for i, r in enumerate(nodes) if r is old.raw)
        nodes[i] = new.raw
        self.nodes[old.id] = new
        self.by_name.pop(old.name, None)
        self.by_name[new.name] = new
        prep = self.preps.get(new.id)
        if prep is not None and _same_definition(old, new):
            prep.node = new  # notes, name or position only: the result still holds
        else:
            self._invalidate(new.id)

    def op_move(self, op: dict) -> None:
        node = self._need(op.get("id"))
        position = op.get("position")
        if type(position) is not list or len(position) != 2 or not all(
            type(v) in (int, float) for v in position
        ):
            raise Rejected("position must be [x, y]")
        node.raw["position"] = list(position)

    def op_connect(self, op: dict) -> None:
        raw = op.get("edge")
        _check("edge", raw)
        raw = copy.deepcopy(raw)
        for end in ("source", "target"):
            self._need(raw[end])
        edge = edge_from_json(raw, self.nodes, self.registry)
        problems = port_problems(edge, self.nodes, self.registry, "")
        if problems:
            raise Rejected(problems[0].message)
        if any(e.id == edge.id for e in self.edges):
            raise Rejected(f"an edge with id {edge.id!r} already exists")
        ends = (edge.source, edge.source_port, edge.target, edge.target_port)
        if any((e.source, e.source_port, e.target, e.target_port) == ends for e in self.edges):
            raise Rejected("another edge already joins these two ports")
        cycle = would_close_cycle(self.graph, edge.source, edge.target)
        if cycle:
            raise Rejected(
                f"edge {edge.source}:{edge.source_port} -> {edge.target}:{edge.target_port} "
                f"would close the cycle {' -> '.join(cycle)}"
            )
        raw.setdefault("id", edge.id)
        self.raw["edges"].append(raw)
        self.edge_raw[edge.id] = raw
        self.edges.append(edge)
        self._restructure()
        self._mark(edge.target, *self.graph.descendants([edge.target]) & self._all_referrers())

    def op_disconnect(self, op: dict) -> None:
        edge_id = op.get("id")
        edge = next((e for e in self.edges if e.id == edge_id), None)
        if edge is None:
            raise Rejected(f"there is no edge {edge_id!r}")
        affected = {edge.target} | (self.graph.descendants([edge.target]) & self._all_referrers())
        self._set_edges([e for e in self.edges if e is not edge])
        self._restructure()
        self._mark(*affected)

    def _set_edges(self, edges: list[Edge]) -> None:
        self.edges = edges
        self.edge_raw = {e.id: self.edge_raw[e.id] for e in edges}
        self.raw["edges"] = [self.edge_raw[e.id] for e in edges]

    def op_pin(self, op: dict) -> None:
        node = self._need(op.get("id"))
        items = _items(op.get("items"), "pinned items")
        self._swap(node, Node.from_json({**node.raw, "pinned": copy.deepcopy(items)}))

    def op_unpin(self, op: dict) -> None:
        node = self._need(op.get("id"))
        raw = {k: v for k, v in node.raw.items() if k != "pinned"}
        self._swap(node, Node.from_json(raw))

    def op_set_input(self, op: dict) -> None:
        items = op.get("items")
        self.input_items = None if items is None else copy.deepcopy(_items(items, "input items"))
        self.settings.input_items = self.input_items
        self._mark(*(n.id for n in self.nodes.values() if n.type == "trigger"))

    def op_set_variables(self, op: dict) -> None:
        variables = op.get("variables")
        if type(variables) is not dict:
            raise Rejected("variables must be an object")
        self.raw["variables"] = copy.deepcopy(variables)
        # the session's clock stays: only settings.now (or a settings change) moves it
        self._settings_changed(now=self.settings.now)

    def op_set_settings(self, op: dict) -> None:
        settings = op.get("settings")
        _check("settings", settings)
        self.raw["settings"] = copy.deepcopy(settings)
        self._settings_changed()

    def _settings_changed(self, now: str | None = None) -> None:
        """Mark the nodes that read what changed: $vars, $now/$today, the timezone, the seed."""
        old = self.settings
        new = self.settings = RunSettings.of(self.raw, self.input_items, self.allow_code, now=now)
        names: set[str] = set()
        if _json.key(old.variables) != _json.key(new.variables):
            names.add("vars")
        if old.now != new.now:
            names.update(("now", "today"))
        zone = old.timezone != new.timezone
        seed = old.seed != new.seed
        if not (names or zone or seed):
            return
        for node_id, node in self.nodes.items():
            prep = self.preps.get(node_id)
            if prep is None or prep.type is not BUILTINS.get(node.type) or node.type == "code":
                # not prepared yet, a node type of the caller's (it may read anything), or code
                # (it sees vars, now and a random seeded from the settings)
                self._mark(node_id)
            elif prep.plan is not None and (
                names & prep.plan.uses or (zone and _json.contains_text(node.params, "date_format"))
            ):
                self._mark(node_id)

    def op_inspect(self, op: dict) -> dict:
        node = self._need(op.get("id"))
        port = op.get("port")
        offset, limit = op.get("offset", 0), op.get("limit", 50)
        if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 0:
            raise Rejected("offset and limit must be whole numbers >= 0")
        if self._runs:
            self._recompute()
        res = self.results.get(node.id)
        outputs = (res.outputs if res else None) or {}
        if port is None:
            port = next(iter(outputs), None) or next(iter(output_ports(node, self.registry)), None)
        if port not in output_ports(node, self.registry):
            raise Rejected(f"node {node.id!r} has no output port {port!r}")
        items = outputs.get(port, [])
        page = {"id": node.id, "port": port, "offset": offset, "total": len(items),
                "items": items[offset : offset + limit]}  # fmt: skip
        return {"page": page}

    def op_evaluate(self, op: dict) -> dict:
        """What one param value gives for the node's first input item, or its error: the
        inspector's preview while typing (not in live.md; changes nothing)."""
        node = self._need(op.get("id"))
        text, path = op.get("expression"), op.get("path", "")
        if type(path) is not str:
            raise Rejected("path must be a JSON pointer such as /fields/0/value")
        self._recompute()
        prep = self.preps.get(node.id) or prepare(node, self.registry)
        inputs, _ = gather_inputs(prep.type, self.graph.incoming[node.id], self.results)
        first = inputs.get(prep.type.inputs[0], []) if prep.type.inputs else []
        lookup = make_lookup(self.graph, self.by_name, self.results, self.registry, node.id)
        context = node_context(prep.type, inputs, self.settings, lookup, self.names)
        try:
            value = ParamPlan({"value": text}).at(first[0] if first else {}, 0, context)["value"]
        except NodeError as err:
            return {"evaluated": {"error": NodeError(err.message, item=0, path=path, expression=err.expression or text).as_dict()}}
        return {"evaluated": {"value": value}}

    def op_export(self, op: dict) -> dict:
        return {"workflow": self.document()}

    # -- dependencies ------------------------------------------------------------

    def _referrers(self, name: str) -> set[str]:
        return set(self.referrers_of.get(name, ()))

    def _all_referrers(self) -> set[str]:
        return {nid for nid, refs in self.refs_of.items() if refs}

    def _set_refs(self, node_id: str, refs: frozenset[str]) -> None:
        for name in self.refs_of.get(node_id, ()):
            self.referrers_of.get(name, set()).discard(node_id)
        if refs:
            self.refs_of[node_id] = refs
            for name in refs:
                self.referrers_of.setdefault(name, set()).add(node_id)
        else:
            self.refs_of.pop(node_id, None)

    # -- re-running ----------------------------------------------------------------

    _ran = 0  # nodes run during the current apply
    _interrupted = False  # the current apply was interrupted: it runs nothing more
    _runs = False  # the current apply may run the dirty nodes

    def _recompute(self) -> None:
        """Re-run the dirty nodes in order (an inspect in the batch may do it before the end)."""
        if self._interrupted:
            return
        with gc_paused():
            self._rerun()

    def _rerun(self) -> None:
        heap = [self.rank[n] for n in self.dirty if n in self.rank]
        heapq.heapify(heap)
        queued = set(heap)
        try:
            while heap:
                rank = heapq.heappop(heap)
                node_id = self.order[rank]
                changed = self._run_one(node_id)
                self._ran += 1
                self.dirty.discard(node_id)
                if changed:
                    node = self.nodes[node_id]
                    for nxt in (*self.graph.children[node_id], *self._referrers(node.name)):
                        r = self.rank[nxt]
                        if r not in queued:
                            queued.add(r)
                            heapq.heappush(heap, r)
                            self.dirty.add(nxt)
        except KeyboardInterrupt:
            # Unfinished nodes stay dirty and are re-run by the next apply; so does
            # everything they feed or that reads them, whose result may now be wrong.
            for rank in heap:
                self.dirty.add(self.order[rank])
            todo = list(self.dirty)
            while todo:
                node = self.nodes.get(todo.pop())
                if node is None:
                    continue
                for nxt in (*self.graph.children[node.id], *self._referrers(node.name)):
                    if nxt not in self.dirty:
                        self.dirty.add(nxt)
                        todo.append(nxt)
            for node_id in list(self.dirty):
                # fresh: the answer must tell the canvas, even if it showed a result before
                self.results[node_id] = NodeResult("stale", fresh=True)
                self.unsent.add(node_id)
            self._interrupted = True

    def _run_one(self, node_id: str) -> bool:
        node = self.nodes[node_id]
        old = self.results.get(node_id)
        self.results[node_id] = NodeResult("stale")  # if interrupted inside, the node is stale
        incoming = self.graph.incoming[node_id]
        if any(self.results[e.source].status in _FAILED for e in incoming if e.source in self.results):
            new = NodeResult("blocked")
        else:
            prep = self.preps.get(node_id)
            if prep is None:
                prep = self.preps[node_id] = prepare(node, self.registry)
                self._set_refs(node_id, frozenset(prep.refs))
            inputs, connected = gather_inputs(prep.type, incoming, self.results)
            lookup = make_lookup(self.graph, self.by_name, self.results, self.registry, node_id)
            new = run_node(prep, inputs, connected, self.settings, lookup, self.names)
        new.fresh = True
        self.unsent.add(node_id)
        if old is not None and _same_result(old, new):
            old.ms, old.fresh = new.ms, True
            self.results[node_id] = old
            return False
        self.results[node_id] = new
        return True

    # -- answers ---------------------------------------------------------------------

    def entry(self, node_id: str) -> dict:
        res = self.results.get(node_id) or NodeResult("stale")
        out: dict = {"status": res.status}
        if res.outputs is not None:
            out["counts"] = {p: len(items) for p, items in res.outputs.items()}
            out["preview"] = {p: items[: self.preview_limit] for p, items in res.outputs.items()}
        if res.error is not None:
            out["error"] = res.error
        if res.warnings:
            out["warnings"] = res.warnings
        return out

    def _changes(self) -> dict:
        changes = {}
        pending = sorted((n for n in self.unsent if n in self.rank), key=self.rank.__getitem__)
        self.unsent = set()
        for node_id in pending:
            res = self.results.get(node_id)
            fresh = res is not None and res.fresh
            if node_id in self.sent and not fresh:
                continue
            entry = self.entry(node_id)
            if res is not None:
                res.fresh = False
            last = self.sent.get(node_id)
            if last is not None and last == entry and _json.dumps(last) == _json.dumps(entry):
                continue
            self.sent[node_id] = entry
            changes[node_id] = {**entry, "ms": res.ms if res else 0.0, "reused": not fresh}
        return changes

    def result(self) -> dict:
        """The session's state in the shape of a run result (for tests and export)."""
        self._recompute()
        nodes = {nid: (self.results.get(nid) or NodeResult("stale")).entry() for nid in self.nodes}
        status = "error" if any(r.status == "error" for r in self.results.values()) else "ok"
        return {"status": status, "now": self.settings.now, "order": list(self.order), "nodes": nodes}


def _same_definition(a: Node, b: Node) -> bool:
    """Whether two versions of a node give the same result (type, params, disabled, onError, pinned)."""
    if a.type != b.type or a.disabled != b.disabled or a.on_error != b.on_error:
        return False
    if a.params is not b.params and _json.key(a.params) != _json.key(b.params):
        return False
    return a.pinned is b.pinned or _json.key(a.pinned) == _json.key(b.pinned)


def _same_result(a: NodeResult, b: NodeResult) -> bool:
    if a.status != b.status or a.error != b.error or a.warnings != b.warnings:
        return False
    if a.outputs is b.outputs:
        return True
    if a.outputs is None or b.outputs is None or list(a.outputs) != list(b.outputs):
        return False
    for port, old in a.outputs.items():
        new = b.outputs[port]
        if old is new:
            continue
        if len(old) != len(new):
            return False
        # items passed through unchanged are the same objects: only the others are compared,
        # by == first, then by text (== treats 1, 1.0 and True alike and ignores key order)
        for x, y in zip(old, new, strict=True):
            if x is not y and (x != y or _json.dumps(x) != _json.dumps(y)):
                return False
    return True


def _set_pointer(params: dict, keys: list[str], op: dict, pointer: str) -> Any:
    """A copy of params with the value at `keys` set (or removed when op has no value)."""
    remove = "value" not in op
    value = copy.deepcopy(op.get("value"))
    if not keys:
        if remove:
            raise Rejected("cannot remove the whole params")
        return value

    def walk(container: Any, i: int) -> Any:
        key = keys[i]
        last = i == len(keys) - 1
        if type(container) is dict:
            new = dict(container)
            if last:
                if remove:
                    new.pop(key, None)
                else:
                    new[key] = value
            else:
                if key not in new:
                    raise Rejected(f"{pointer}: there is nothing at {paths.pointer(*keys[: i + 1])}")
                new[key] = walk(new[key], i + 1)
            return new
        if type(container) is list:
            new_list = list(container)
            if key == "-" and last and not remove:
                new_list.append(value)
                return new_list
            if not key.isdigit() or int(key) >= len(new_list) + (1 if last and not remove else 0):
                raise Rejected(f"{pointer}: {key!r} is not an index of the list at "
                               f"{paths.pointer(*keys[:i]) or '/'}")  # fmt: skip
            index = int(key)
            if last:
                if remove:
                    del new_list[index]
                elif index == len(new_list):
                    new_list.append(value)
                else:
                    new_list[index] = value
            else:
                new_list[index] = walk(new_list[index], i + 1)
            return new_list
        raise Rejected(f"{pointer}: {paths.pointer(*keys[:i]) or '/'} is not an object or a list")

    return walk(params, 0)


def _rename_in(value: Any, old: str, new: str) -> Any:
    """`value` with references to node `old` renamed; the same object when nothing changed."""
    if is_template(value):
        return rename_reference(value, old, new)
    if type(value) is dict:
        out = {k: _rename_in(v, old, new) for k, v in value.items()}
        return value if all(out[k] is value[k] for k in value) else out
    if type(value) is list:
        out_l = [_rename_in(v, old, new) for v in value]
        return value if all(a is b for a, b in zip(out_l, value, strict=True)) else out_l
    return value


_OPS = {
    name[3:]: fn for name, fn in vars(Session).items() if name.startswith("op_") and callable(fn)
}
