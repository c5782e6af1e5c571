"""The session: the live document, its nodes' results, and re-running what an edit touched.

After a batch of ops it re-runs, in topological order, only the nodes marked
dirty: by their own edit, a changed input, a changed node they name through
`$("...")`, or a change in what they declare they read (`NodeType.reads`:
the run's input, `$vars`, the clock, the seed, the timezone, files, the
network). A node whose new result equals the old one does not dirty its
children (early cutoff), and one whose result changed on some ports only
dirties the children those ports feed (a filter's discarded items changing
leaves the nodes after its kept ones alone); nodes naming it through `$("...")`
re-run on any change.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import replace
from operator import is_
from typing import Any

from .. import _json, limits
from ..document import Document, Node, load
from ..errors import NodeFoxError
from ..execute import NodeResult, Prepared, RunSettings, Step, gc_paused, prepare, result
from ..graph import Edge, Graph
from ..nodes import BUILTINS, Registry
from ..world import ReadCache, World
from .answers import Answers, entry
from .checks import Rejected
from .references import References
from .reuse import Reuse

EMPTY_WORKFLOW = {"nodefox": 1, "nodes": [], "edges": []}


class Session:
    """One live document and the results of its nodes.

    Nothing with an effect happens unless granted: `allow_code` (code nodes wait
    until allowed), `allow_net`, `allow_write`, `credentials` (world.md); `write`
    nodes never run on an edit, only on op `execute`. Each batch's re-runs are bounded
    like a whole run (`timeout`, `max_items`, `max_memory`: limits.py).
    """

    def __init__(
        self,
        document: dict | None = None,
        preview_limit: int = 20,
        registry: Registry = BUILTINS,
        *,
        allow_code: bool = False,
        allow_net: Any = None,
        allow_write: bool = False,
        files: str | None = None,
        credentials: dict | None = None,
        transport: Any = None,
        timeout: float | None = limits.DEFAULT_TIMEOUT,
        max_items: int | None = limits.DEFAULT_MAX_ITEMS,
        max_memory: float | None = limits.DEFAULT_MAX_MEMORY,
    ):
        self.preview_limit = preview_limit
        self.budgets = (timeout, max_items, max_memory)  # of each batch's re-runs (limits.py)
        self.registry = registry
        self.input_items: list | None = None
        self.allow_code = allow_code
        self.world = World(allow_net=allow_net, allow_write=allow_write, files=files,
                           credentials=dict(credentials or {}), transport=transport,
                           cache=ReadCache(), preview=True)  # fmt: skip
        self.answers = Answers()
        self.refs = References()
        self.reuse = Reuse()
        self.results: dict[str, NodeResult] = {}
        self.preps: dict[str, Prepared] = {}
        self.dirty: set[str] = set()
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.edge_raw: dict[str, dict] = {}
        self.raw: dict = {}
        doc = load(_json.copy(document or EMPTY_WORKFLOW), registry)
        self.settings = self._settings_of(doc.raw)
        # the document's settings.now the session's clock was taken from
        self._clock: str | None = (doc.raw.get("settings") or {}).get("now")
        self.step = Step(None, {}, self.results, self.settings, registry)
        self.take(doc)
        self._unrun = True  # the document given here has not run: the first batch runs it
        self._ran: set[str] = set()  # the nodes run during the current apply

    # -- state ---------------------------------------------------------------

    def _settings_of(self, raw: dict, now: str | None = None) -> RunSettings:
        return RunSettings.of(raw, self.input_items, self.allow_code, now=now, world=self.world)

    def take(self, doc: Document) -> list[str]:
        """Hold `doc`, keeping the results of nodes whose definition and inputs are unchanged;
        mark the rest (and what reads them) to re-run. Returns the ids of removed nodes."""
        old_nodes, old_incoming = self.nodes, self._incoming_keys()
        old_names = {n.id: n.name for n in old_nodes.values()}
        old_edges = {(e.source, e.source_port, e.target, e.target_port) for e in self.edges}
        self.raw = doc.raw
        self.raw.setdefault("nodes", [])
        self.raw.setdefault("edges", [])
        self.nodes = {n.id: n for n in doc.nodes}
        self.edges = list(doc.edges)
        self.edge_raw = {e.id: r for e, r in zip(self.edges, self.raw["edges"], strict=True)}
        self.restructure()
        removed = [nid for nid in old_nodes if nid not in self.nodes]
        for nid in removed:
            self.forget(nid)
        new_incoming = self._incoming_keys()
        for nid, node in self.nodes.items():
            old = old_nodes.get(nid)
            prep = self.preps.get(nid)
            if old is None or prep is None or not same_definition(old, node):
                self.invalidate(nid)
                continue
            self.preps[nid] = replace(prep, node=node)  # a node's Prepared is its own (execute.prepare)
            if old_incoming.get(nid) != new_incoming.get(nid):
                self.mark(nid)
        renamed = {old_names[n] for n in old_names if n in self.nodes and self.nodes[n].name != old_names[n]}
        renamed |= {self.nodes[n].name for n in old_names if n in self.nodes and self.nodes[n].name != old_names[n]}
        renamed |= {n.name for n in self.nodes.values() if n.id not in old_nodes}
        renamed |= {old_names[n] for n in removed}
        for name in renamed:
            self.mark(*self.refs.readers(name))
        if old_edges != {(e.source, e.source_port, e.target, e.target_port) for e in self.edges}:
            self.mark(*self.refs.all_readers())  # who is an ancestor of whom may have changed
        self.settings_changed()
        return removed

    def _incoming_keys(self) -> dict[str, tuple]:
        graph = getattr(self, "graph", None)
        if graph is None:
            return {}
        return {nid: tuple((e.source, e.source_port, e.target_port) for e in edges)
                for nid, edges in graph.incoming.items()}  # fmt: skip

    def restructure(self) -> None:
        self.graph = Graph(list(self.nodes), self.edges)
        self.order = self.graph.order()
        self.rank = {n: i for i, n in enumerate(self.order)}
        self.by_name = {n.name: n for n in self.nodes.values()}
        self.step.graph = self.graph
        self.step.rename(self.by_name)

    def forget(self, node_id: str) -> None:
        """Drop what the session keeps about a removed node."""
        self.preps.pop(node_id, None)
        self.reuse.forget(node_id)
        self.refs.set(node_id, frozenset())
        self.results.pop(node_id, None)
        self.dirty.discard(node_id)
        self.answers.unsent.discard(node_id)
        if self.world.cache is not None:
            self.world.cache.forget(node_id)

    def need(self, node_id: Any) -> Node:
        node = self.nodes.get(node_id) if type(node_id) is str else None
        if node is None:
            raise Rejected(f"there is no node {node_id!r}")
        return node

    def document(self) -> dict:
        """The current document (a deep copy)."""
        return _json.copy(self.raw)

    # -- applying ops -----------------------------------------------------------

    def apply(self, ops: Any, *, owned: bool = False) -> dict:
        """Apply a batch of ops; answer what changed. `owned`: the ops were parsed for this
        call alone (the bridge), so the session keeps their values without copying them."""
        from .ops import OPS

        start = time.perf_counter()
        self._owned = owned
        # The next apply re-runs what an interrupt left stale (live.md), except a batch that
        # only asks (pages through items, evaluates a field being typed): after Stop, looking
        # at a node's items does not start the long run again. Otherwise only ops that change
        # what runs (`mark`) let the batch run anything.
        self._ran, self._interrupted = set(), False
        self._runs = ops == [] or self._unrun or bool(self.dirty) and not _asks_only(ops)
        answer: dict[str, Any] = {"nodes": {}, "removed": [], "rejected": []}
        removed: list[str] = []
        if type(ops) is not list:
            answer["rejected"].append({"index": 0, "reason": "ops must be a list"})
            ops = []
        for index, op in enumerate(ops):
            try:
                if type(op) is not dict:
                    raise Rejected("an op must be an object")
                handler = OPS.get(op.get("op"))
                if handler is None:
                    raise Rejected(f"unknown op {op.get('op')!r}")
                extra = handler(self, op)
                if isinstance(extra, dict):
                    removed.extend(extra.pop("removed", ()))
                    answer.update(extra)
            except Rejected as exc:
                answer["rejected"].append({"index": index, "reason": self.world.redact(str(exc))})
            except (NodeFoxError, ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
                answer["rejected"].append({"index": index, "reason": f"{type(exc).__name__}: {exc}"})
        if self._runs:
            self._unrun = False
            self.recompute()
        ran, interrupted = self._ran, self._interrupted
        self._interrupted = False  # a later result() or apply runs what is left
        answer["nodes"] = self.answers.changes(self.results, self.rank, self.preview_limit)
        answer["removed"] = list(dict.fromkeys(n for n in removed if n not in self.nodes))
        for node_id in answer["removed"]:
            self.answers.forget(node_id)
        ran = len(ran)  # a node run twice in one batch (an inspect between edits) counts once
        answer["stats"] = {"ms": round((time.perf_counter() - start) * 1000, 3), "ran": ran,
                           "reused": len(self.nodes) - ran}  # fmt: skip
        if interrupted:
            answer["interrupted"] = True
        return answer

    _owned = False

    def own(self, value: Any) -> Any:
        """A value from an op, safe to keep: the caller may change its own copy later."""
        return value if self._owned else _json.copy(value)

    def mark(self, *node_ids: str) -> None:
        # a node already dirty (stale after an interrupt) that is edited again must run too
        marked = [n for n in node_ids if n in self.nodes]
        self.dirty.update(marked)
        self._runs = self._runs or bool(marked)

    def invalidate(self, node_id: str) -> None:
        self.preps.pop(node_id, None)
        self.answers.unsent.add(node_id)
        self.mark(node_id)

    def mark_reading(self, *what: str) -> None:
        """Mark the nodes that read any of `what` (input_items, vars, now, network, ...);
        "effects" marks every node with an effect, "code" every node running code."""
        wanted = set(what)
        for node_id, node in self.nodes.items():
            if self._reads(self.preps.get(node_id), node, wanted):
                self.mark(node_id)

    def _reads(self, prep: Prepared | None, node: Node, wanted: set[str]) -> bool:
        node_type = prep.type if prep else self.registry.get(node.type)
        if prep is None or node_type is None:
            return True  # not prepared yet: it runs anyway
        return bool(
            wanted & node_type.reads
            or (prep.plan is not None and wanted & prep.plan.uses)
            or ("effects" in wanted and prep.effect != "none")
            or ("code" in wanted and node_type.runs_code)
        )

    def settings_changed(self) -> None:
        """Take the document's settings, variables and name; mark the nodes that read what changed.

        The session's clock stays unless `settings.now` itself changed.
        """
        old = self.settings
        clock = (self.raw.get("settings") or {}).get("now")
        keep = clock == self._clock
        self._clock = clock
        new = self._settings_of(self.raw, now=old.now if keep else None)
        changed = set()
        if _json.key(old.variables) != _json.key(new.variables):
            changed.add("vars")
        if old.now != new.now:
            changed.update(("now", "today"))
        if old.timezone != new.timezone:
            changed.add("timezone")
        if old.seed != new.seed:
            changed.add("seed")
        if old.workflow != new.workflow:
            changed.add("workflow")
        old.__dict__.update(new.__dict__)  # the Step holds this object: change it in place
        if changed:
            self.mark_reading(*changed)

    # -- re-running ----------------------------------------------------------------

    _interrupted = False  # the current apply was interrupted: it runs nothing more
    _runs = False  # the current apply may run the dirty nodes

    def recompute(self) -> None:
        """Re-run the dirty nodes in order (an inspect in the batch may do it before the end)."""
        if self._interrupted:
            return
        with gc_paused(), limits.budget(*self.budgets):
            self._rerun()

    def _followers(self, node_id: str) -> tuple[str, ...]:
        return (*self.graph.children[node_id], *self.refs.readers(self.nodes[node_id].name))

    def _fed(self, node_id: str, ports: frozenset[str]) -> tuple[str, ...]:
        """The nodes to re-run when only `ports` of `node_id`'s outputs changed."""
        fed = [e.target for e in self.graph.outgoing[node_id] if e.source_port in ports]
        return (*fed, *self.refs.readers(self.nodes[node_id].name))

    def _rerun(self) -> None:
        heap = [self.rank[n] for n in self.dirty if n in self.rank]
        heapq.heapify(heap)
        queued = set(heap)
        try:
            while heap:
                rank = heapq.heappop(heap)
                node_id = self.order[rank]
                changed = self.run_one(node_id)
                self._ran.add(node_id)
                self.dirty.discard(node_id)
                if changed:
                    followers = self._followers(node_id) if changed is True else self._fed(node_id, changed)
                    for nxt in followers:
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
                node_id = todo.pop()
                if node_id not in self.nodes:
                    continue
                for nxt in self._followers(node_id):
                    if nxt not in self.dirty:
                        self.dirty.add(nxt)
                        todo.append(nxt)
            for node_id in list(self.dirty):
                # fresh: the answer must tell the canvas, even if it showed a result before
                self.results[node_id] = NodeResult("stale", fresh=True)
                self.answers.unsent.add(node_id)
            self._interrupted = True

    def prep(self, node_id: str) -> Prepared:
        prep = self.preps.get(node_id)
        if prep is None:
            prep = self.preps[node_id] = prepare(self.nodes[node_id], self.registry)
            self.refs.set(node_id, frozenset(prep.refs))
        return prep

    def run_one(self, node_id: str, force: bool = False) -> bool | frozenset[str]:
        """Run one node through the engine's one execution step. Answers what changed:
        False (nothing), the output ports whose items changed, or True (more than items)."""
        old = self.results.get(node_id)
        self.results[node_id] = NodeResult("stale")  # if interrupted inside, the node is stale
        new = self.step(self.nodes[node_id], self.prep(node_id), force, self.reuse)
        new.fresh = True
        self.answers.unsent.add(node_id)
        changed = True if old is None else changes(old, new)
        if not changed:
            old.ms, old.fresh = new.ms, True
            self.results[node_id] = old
            return False
        self.results[node_id] = new
        return changed

    # -- answers ---------------------------------------------------------------------

    def entry(self, node_id: str) -> dict:
        return entry(self.results.get(node_id), self.preview_limit)

    def result(self) -> dict:
        """The session's state in the shape of a run result (for tests and export)."""
        self.recompute()
        return result(list(self.nodes), self.order, self.settings.now, self.results, None)


_ASKING = frozenset({"inspect", "evaluate", "export"})  # ops that change nothing


def _asks_only(ops: Any) -> bool:
    return type(ops) is list and all(type(op) is dict and op.get("op") in _ASKING for op in ops)


def same_definition(a: Node, b: Node) -> bool:
    """Whether two versions of a node give the same result (type, params, disabled, onError, pinned)."""
    if a.type != b.type or a.disabled != b.disabled or a.on_error != b.on_error:
        return False
    if a.params is not b.params and _json.key(a.params) != _json.key(b.params):
        return False
    return a.pinned is b.pinned or _json.key(a.pinned) == _json.key(b.pinned)


def changes(a: NodeResult, b: NodeResult) -> bool | frozenset[str]:
    """What differs between two results of one node: False (nothing), the output ports
    whose items differ (all else equal), or True (status, error, warnings, or ports)."""
    if a.status != b.status or a.error != b.error or a.warnings != b.warnings or a.waiting != b.waiting:
        return True
    if a.outputs is b.outputs:
        return False
    if a.outputs is None or b.outputs is None or list(a.outputs) != list(b.outputs):
        return True
    ports = frozenset(port for port, old in a.outputs.items() if not _same_items(old, b.outputs[port]))
    return ports or False


def _same_items(old: list, new: list) -> bool:
    if old is new:
        return True
    # items passed through unchanged are the same objects (list == skips them): the others
    # are compared by == first, then by text (== treats 1, 1.0 and True alike and ignores
    # key order), all in one text each
    if len(old) != len(new) or old != new:
        return False
    if all(map(is_, old, new)):  # every item passed through: checked from C
        return True
    others = [(x, y) for x, y in zip(old, new, strict=True) if x is not y]
    return not others or _json.dumps([x for x, _ in others]) == _json.dumps([y for _, y in others])


__all__ = ["EMPTY_WORKFLOW", "Session"]
