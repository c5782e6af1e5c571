"""Running nodes: one node at a time (shared with the live session) and whole documents."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import _json, limits
from .document import Document, Node, load_cached, non_finite_problems, output_ports
from .errors import NodeError, NodeFoxError
from .expressions import Context
from .functions import format_instant, parse_instant
from .nodes import BUILTINS, NodeCall, NodeType, Registry
from .nodes.base import params_error
from .params import ParamPlan, with_defaults
from .world import World

STATUSES = ("ok", "error", "skipped", "blocked", "idle", "disabled", "pinned", "waiting")
FAILED = frozenset({"error", "blocked"})  # statuses that block a node's children


@dataclass
class Prepared:
    """A node's type, params with defaults, and their resolver; built once per definition."""

    node: Node
    type: NodeType
    ports: tuple[str, ...]
    plan: ParamPlan | None
    error: NodeError | None  # params that fail the schema
    effect: str  # "none", "read" or "write" (world.md)

    @property
    def refs(self) -> set[str]:
        return self.plan.refs if self.plan else set()

    @property
    def uses(self) -> set[str]:
        return self.plan.uses if self.plan else set()


_PREPARED: OrderedDict[tuple, tuple] = OrderedDict()
MAX_PREPARED = 4096  # distinct (type, onError, params) kept across runs


def prepare(node: Node, registry: Registry = BUILTINS) -> Prepared:
    """Check a node's params and build their resolver; reused for equal params in any run."""
    node_type = registry.get(node.type)
    assert node_type is not None, node.type
    mine = node.prepared
    if mine is not None and mine[0] is node_type and mine[1] is node.params:
        return mine[2]
    # keyed by the params' JSON text: equal params in other nodes and other runs share one plan
    key = (id(node_type), node.type, node.on_error, _json.key(node.params))
    hit = _PREPARED.get(key)
    if hit is None:
        hit = _PREPARED[key] = _prepare(node_type, node.params, node.on_error)
        if len(_PREPARED) > MAX_PREPARED:
            _PREPARED.popitem(last=False)
    prep = Prepared(node, node_type, *hit)
    node.prepared = (node_type, node.params, prep)  # kept with the node: never changed (replace it)
    return prep


def _prepare(node_type: NodeType, params: dict, on_error: str) -> tuple:
    ports = node_type.output_ports(params, on_error)
    effect = node_type.effect_of(params)
    error = params_error(node_type.schema, params)
    if error is not None:
        return ports, None, error, effect
    return ports, ParamPlan(with_defaults(node_type.schema, params)), None, effect


@dataclass
class NodeResult:
    status: str
    outputs: dict[str, list] | None = None
    error: dict | None = None
    warnings: list[str] = field(default_factory=list)
    ms: float = 0.0
    fresh: bool = False  # live session: re-run since the last answer
    waiting: dict[str, int] | None = None  # a waiting node: the items it would get, by input port

    def entry(self) -> dict:
        """The node's entry in a run result."""
        out: dict = {"status": self.status}
        if self.outputs is not None:
            out["outputs"] = self.outputs
        if self.waiting is not None:
            out["counts"] = self.waiting
        if self.error is not None:
            out["error"] = self.error
        if self.warnings:
            out["warnings"] = self.warnings
        return out


@dataclass
class RunSettings:
    """What every node of one run shares."""

    now: str
    timezone: str = "UTC"
    seed: int = 0
    variables: dict = field(default_factory=dict)
    workflow: dict = field(default_factory=dict)
    input_items: list | None = None
    allow_code: bool = False
    world: World = field(default_factory=World)
    trigger: str | None = None  # the trigger node that started the run: the others give nothing

    @classmethod
    def of(cls, raw: dict, input_items: list | None, allow_code: bool, now: str | None = None,
           world: World | None = None) -> RunSettings:  # fmt: skip
        settings = raw.get("settings") or {}
        if now is None:
            now = clock(settings)
        return cls(
            now=now,
            timezone=settings.get("timezone", "UTC"),
            seed=int(settings.get("seed", 0)),  # 7.0 is the integer 7 to JSON Schema: the same sequence
            variables=raw.get("variables") or {},
            workflow={"name": raw.get("name", "")},
            input_items=input_items,
            allow_code=allow_code,
            world=world if world is not None else World(),
        )


def clock(settings: dict) -> str:
    """The run's clock in the `$now` form: settings.now, else the wall clock."""
    if settings.get("now"):
        return format_instant(parse_instant(settings["now"]))
    return format_instant(dt.datetime.now(dt.UTC))


def node_context(node_type: Any, inputs: dict[str, list], settings: RunSettings, lookup: Any, names: Any) -> Context:
    """What a node's expressions read besides `$json` and `$index`."""
    first = node_type.inputs[0] if node_type.inputs else None  # by position: made per node run
    return Context(settings.variables, settings.now, settings.timezone, settings.workflow, inputs, first, lookup, names)


def run_node(
    prep: Prepared,
    inputs: dict[str, list],
    connected: bool,
    settings: RunSettings,
    lookup: Any,
    names: Any,
    force: bool = False,
) -> NodeResult:
    """Run one node whose upstream did not fail. `connected`: some input port has an edge.

    In a preview (`settings.world.preview`) a node that would write, or run code the
    user has not allowed, waits instead of running, unless `force` (the editor's ▶).
    """
    node, node_type, ports = prep.node, prep.type, prep.ports
    if node.pinned is not None:
        return NodeResult("pinned", _outputs(ports, {ports[0]: node.pinned} if ports else {}))
    if node.disabled:
        first = next(iter(inputs.values()), [])
        return NodeResult("disabled", _outputs(ports, {ports[0]: first} if ports else {}))
    if node_type.inputs and not connected:
        return NodeResult("idle")
    if settings.trigger is not None and node.id != settings.trigger and "input_items" in node_type.reads:
        return NodeResult("skipped")  # another trigger started this run
    if node_type.inputs and not node_type.runs_on_empty and not any(inputs.values()):
        return NodeResult("skipped")
    if settings.world.preview and not force and (
        prep.effect == "write" or (node_type.runs_code and not settings.allow_code)
    ):
        return NodeResult("waiting", waiting={p: len(items) for p, items in inputs.items()})
    start = time.perf_counter()
    call = None
    try:
        if prep.error is not None:
            raise prep.error
        context = node_context(node_type, inputs, settings, lookup, names)
        call = NodeCall(
            node.id, inputs, prep.plan, context, node.on_error, settings.seed,
            settings.allow_code, settings.input_items, node_type.schema, settings.world,
        )  # fmt: skip
        produced = limits.call(node_type.run, call)
        outputs = _outputs(ports, produced)
        if node.on_error == "errorOutput":
            outputs["error"] = call.errors
        return NodeResult("ok", outputs, None, call.warnings, _ms(start))
    except NodeFoxError as exc:
        err = exc if isinstance(exc, NodeError) else NodeError(str(exc))
        return _failed(prep, inputs, err, call, start)
    except limits.BudgetExceeded as exc:  # the run's, not the node's: onError does not apply
        return NodeResult("error", None, NodeError(exc.message).as_dict(), [], _ms(start))
    except RecursionError:
        return _failed(prep, inputs, NodeError("the data nests too deeply"), call, start)
    except Exception as exc:  # a node type's own bug: it fails that node, never the run
        return _failed(prep, inputs, NodeError(f"{type(exc).__name__}: {exc}"), call, start)


def _failed(prep: Prepared, inputs: dict, err: NodeError, call: NodeCall | None, start: float) -> NodeResult:
    """A whole-node failure, under the node's onError policy."""
    policy = prep.node.on_error
    ports = prep.ports
    first = next(iter(inputs.values()), [])
    if policy == "continue":
        warnings = (call.warnings if call else []) + [err.describe()]
        return NodeResult("ok", _outputs(ports, {ports[0]: list(first)} if ports else {}), None, warnings, _ms(start))
    if policy == "errorOutput":
        outputs = _outputs(ports, {})
        # every input item failed, on every port; a node that had none (a source, a merge of
        # empty inputs) failed on the `{}` its params were evaluated with: the message stays
        failed = [item for items in inputs.values() for item in items] or [{}]
        outputs["error"] = [{"item": item, "error": err.describe()} for item in failed]
        return NodeResult("ok", outputs, None, [], _ms(start))
    return NodeResult("error", None, err.as_dict(), [], _ms(start))


def _outputs(ports: tuple[str, ...], produced: dict[str, list]) -> dict[str, list]:
    if len(produced) == len(ports) and tuple(produced) == ports:
        return produced  # every port, in order: as the node made it
    return {p: produced.get(p, []) for p in ports}


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def gather_inputs(node_type: NodeType, incoming: list, results: dict[str, NodeResult]) -> tuple[dict, bool]:
    """Items on each input port: the edges' lists concatenated in edges[] order."""
    ports = node_type.inputs
    if len(incoming) == 1 and len(ports) == 1:  # the common case: one edge into one port
        edge = incoming[0]
        res = results.get(edge.source)
        items = res.outputs.get(edge.source_port) if res and res.outputs else None
        return {ports[0]: items if items and edge.target_port == ports[0] else []}, True
    inputs: dict[str, list] = {p: [] for p in ports}
    for edge in incoming:
        res = results.get(edge.source)
        items = res.outputs.get(edge.source_port) if res and res.outputs else None
        if items:
            port = inputs.get(edge.target_port)
            if port is not None:
                inputs[edge.target_port] = items if not port else port + items
    return inputs, bool(incoming)


def make_lookup(graph: Any, by_name: dict, results: dict, registry: Registry, node_id: str) -> Any:
    """`$("Name")` for one node: an ancestor's outputs and first port, or None."""
    cache: dict[str, Any] = {}

    def lookup(name: str) -> Any:
        if name in cache:
            return cache[name]
        other = by_name.get(name)
        found = None
        if other is not None and graph.is_ancestor(other.id, node_id):
            res = results.get(other.id)
            ports = output_ports(other, registry)
            found = ((res.outputs or {}) if res else {}), (ports[0] if ports else None)
        cache[name] = found
        return found

    return lookup


class Step:
    """One node's execution, the same for whole runs and the live session.

    Holds what a node reads besides its own definition: the graph, the results so
    far, the run's settings. A node below a failed one is `blocked`; below a waiting
    one, `waiting`; otherwise it runs on the items its incoming edges carry.
    """

    def __init__(self, graph: Any, by_name: dict, results: dict[str, NodeResult],
                 settings: RunSettings, registry: Registry):  # fmt: skip
        self.graph, self.by_name, self.results = graph, by_name, results
        self.settings, self.registry = settings, registry
        self.names = frozenset(by_name)

    def rename(self, by_name: dict) -> None:
        self.by_name = by_name
        self.names = frozenset(by_name)

    def __call__(self, node: Node, prep: Prepared | None = None, force: bool = False, reuse: Any = None) -> NodeResult:
        """`reuse`: the live session's outputs kept for input items seen before (`live.reuse`)."""
        incoming = self.graph.incoming[node.id]
        results = self.results
        waiting = False
        for edge in incoming:
            res = results.get(edge.source)
            if res is not None:
                if res.status in FAILED:
                    return NodeResult("blocked")
                waiting = waiting or res.status == "waiting"
        if waiting:
            return NodeResult("waiting")
        if prep is None:
            prep = prepare(node, self.registry)
        inputs, connected = gather_inputs(prep.type, incoming, results)
        lookup = make_lookup(self.graph, self.by_name, results, self.registry, node.id)
        if reuse is not None and connected and reuse.applies(prep):
            return reuse.run(prep, inputs, lambda given: run_node(prep, given, True, self.settings, lookup, self.names, force))
        return run_node(prep, inputs, connected, self.settings, lookup, self.names, force)

    def context(self, node: Node, prep: Prepared) -> tuple[dict[str, list], Context]:
        """The node's items on each input port and what its expressions read, as this step
        gives them when it runs the node (the inspector's preview evaluates with these)."""
        inputs, _ = gather_inputs(prep.type, self.graph.incoming[node.id], self.results)
        lookup = make_lookup(self.graph, self.by_name, self.results, self.registry, node.id)
        return inputs, node_context(prep.type, inputs, self.settings, lookup, self.names)


# The process froze long-lived objects out of the cyclic collector's sight (the browser's
# worker does, after restoring its heap): then gc_paused must not unfreeze them. Set by
# whoever freezes (`freeze_heap`); asking gc.get_freeze_count() instead walks every frozen
# object (1.5 ms per edit in the browser).
HEAP_FROZEN = False


def freeze_heap() -> None:
    """Move every object alive now out of the cyclic collector's sight, for good."""
    global HEAP_FROZEN
    gc.freeze()
    HEAP_FROZEN = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off while nodes run, as it was before afterwards.

    Items are acyclic JSON, so the collector finds nothing in them, yet each new
    item counts towards its next pass: with 100,000 new dicts a run spent over
    half its time in passes that freed nothing. Re-enabled as it was, the first
    allocation afterwards would still scan everything the run made (14-25 ms after
    a 1,000-node chain): instead what the run made joins the oldest generation at
    once (freeze, then unfreeze: two list splices), where full collections still
    find any cycle. When the heap was frozen on purpose (`freeze_heap`), it stays
    frozen and the scan is paid as before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not HEAP_FROZEN:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


class Run:
    """One execution of a whole document."""

    def __init__(self, document: Document, settings: RunSettings, registry: Registry = BUILTINS):
        self.document = document
        self.settings = settings
        self.registry = registry
        self.results: dict[str, NodeResult] = {}
        by_name = {n.name: n for n in document.nodes}
        self.step = Step(document.graph, by_name, self.results, settings, registry)

    def execute(self) -> dict:
        with gc_paused():
            return self._execute()

    def _execute(self) -> dict:
        start = time.perf_counter()
        doc = self.document
        nodes = {n.id: n for n in doc.nodes}
        step, results = self.step, self.results
        for node_id in doc.order:
            results[node_id] = step(nodes[node_id])
        return result([n.id for n in doc.nodes], doc.order, self.settings.now, results, _ms(start))


def result(node_ids: Any, order: list[str], now: str, results: dict[str, NodeResult], ms: float | None) -> dict:
    """A run result (`workflow.md`) of these nodes' results; without `stats` when ms is None."""
    entries = {nid: (results.get(nid) or NodeResult("stale")).entry() for nid in node_ids}
    status = "error" if any(e["status"] == "error" for e in entries.values()) else "ok"
    out = {"status": status, "now": now, "order": list(order), "nodes": entries}
    if ms is not None:
        out["stats"] = {"ms": ms, "nodes": {nid: {"ms": results[nid].ms} for nid in node_ids}}
    return out


def run(
    document: dict | Document,
    input_items: list | None = None,
    allow_code: bool = False,
    registry: Registry = BUILTINS,
    *,
    allow_net: Any = None,
    allow_write: bool = False,
    files: str | None = None,
    credentials: dict | None = None,
    transport: Any = None,
    preview: bool = False,
    timeout: float | None = limits.DEFAULT_TIMEOUT,
    max_items: int | None = limits.DEFAULT_MAX_ITEMS,
    max_memory: float | None = limits.DEFAULT_MAX_MEMORY,
    trigger: str | None = None,
) -> dict:
    """Run a workflow document and return its result (`workflow.md`, "The run result").

    Nothing outside is reached unless granted: `allow_net` (None, True or a list of
    hosts), `allow_write`, `files` (the folder file names resolve in), `credentials`
    (by name). `timeout` (seconds), `max_items` and `max_memory` (megabytes) bound the
    run (`limits.py`; None: no limit). `trigger`: the id of the trigger node that started
    the run (a called webhook, a fired schedule): only it gives the input items, the other
    trigger nodes are skipped with their branches. Raises DocumentError when the document
    is rejected.
    """
    doc = document if isinstance(document, Document) else load_cached(document, registry)
    if input_items is not None:
        check_items(input_items)
    world = World(allow_net=allow_net, allow_write=allow_write, files=files,
                  credentials=dict(credentials or {}), transport=transport, preview=preview)  # fmt: skip
    settings = RunSettings.of(doc.raw, input_items, allow_code, world=world)
    settings.trigger = trigger
    with limits.budget(timeout, max_items, max_memory):
        return Run(doc, settings, registry).execute()


def check_items(items: Any) -> None:
    from .errors import DocumentError, Problem

    if type(items) is not list:
        raise DocumentError([Problem("", "input items must be a JSON array of objects")])
    bad = [] if set(map(type, items)) <= {dict} else [i for i, it in enumerate(items) if type(it) is not dict]
    if bad:
        raise DocumentError([Problem(f"/{i}", "an input item must be an object") for i in bad])
    problems = non_finite_problems(items)
    if problems:
        raise DocumentError(problems)


def canonical(result: dict) -> str:
    """The canonical result: without `stats`, compact JSON."""
    return _json.dumps({k: v for k, v in result.items() if k != "stats"})
