"""The node-type protocol: a declaration plus one function.

A node function takes a `NodeCall` (its inputs, resolved params, context and
error policy) and returns a dict of output port -> items. It never mutates its
input items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import _json, paths
from ..errors import NodeError, NodeFoxError
from ..expressions import Context
from ..params import ParamPlan, schema_errors
from ..world import World

Outputs = dict[str, list]
MAX_VALID = 1024  # distinct resolved params remembered as valid, per node definition


@dataclass(frozen=True)
class NodeType:
    type: str
    title: str
    category: str
    description: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    schema: dict
    run: Callable[[NodeCall], Outputs]
    runs_on_empty: bool = False
    # "rules": one output port per element of params.rules, before `outputs`
    dynamic_outputs: str | None = None
    # what the node does to the outside world (`world.md`): "none", "read" or "write",
    # or a function of its raw params giving one of them (http: by its method)
    effect: str | Callable[[dict], str] = "none"
    # what it reads besides its input items and params, so the live session knows what
    # to re-run: "input_items" (the run's input), "vars", "now", "timezone", "seed",
    # "files", "network"; "all" for a node that may read anything (code)
    reads: frozenset[str] = frozenset()
    # runs the user's own code: natively only when allowed, in a preview only with consent
    runs_code: bool = False
    # makes each output item from the input item at its position alone, one for one (set,
    # rename, ...): the live session may give kept outputs again for the same input items
    maps: bool = False

    def effect_of(self, params: dict) -> str:
        """This node's effect for these params ("none", "read" or "write")."""
        effect = self.effect
        if callable(effect):
            try:
                return effect(params if isinstance(params, dict) else {})
            except Exception:
                return "write"  # unsure: treat as the most careful case
        return effect

    def output_ports(self, params: dict, on_error: str = "stop") -> tuple[str, ...]:
        ports = self.outputs
        if self.dynamic_outputs == "rules":
            rules = params.get("rules")
            count = len(rules) if isinstance(rules, list) else 0
            ports = tuple(str(i) for i in range(count)) + ports
        if on_error == "errorOutput":
            ports = ports + ("error",)
        return ports

    def describe(self) -> dict:
        return {
            "type": self.type,
            "title": self.title,
            "category": self.category,
            "description": self.description,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "dynamicOutputs": self.dynamic_outputs,
            "runsOnEmpty": self.runs_on_empty,
            "effect": self.effect if isinstance(self.effect, str) else "depends",
            "reads": sorted(self.reads),
            "runsCode": self.runs_code,
            "schema": self.schema,
        }


class NodeCall:
    """What one execution of a node sees."""

    __slots__ = ("node_id", "inputs", "first", "plan", "context", "on_error", "seed", "allow_code",
                 "input_items", "warnings", "errors", "schema", "world")  # fmt: skip

    def __init__(
        self,
        node_id: str,
        inputs: dict[str, list],
        plan: ParamPlan,
        context: Context,
        on_error: str = "stop",
        seed: int = 0,
        allow_code: bool = False,
        input_items: list | None = None,  # the run's input, for trigger
        schema: dict | None = None,  # the params schema, to check values expressions gave
        world: World | None = None,  # what the node may reach outside (world.md)
    ):
        self.node_id, self.inputs, self.plan, self.context = node_id, inputs, plan, context
        # the items on the first input port
        self.first: list = next(iter(inputs.values()), [])
        self.on_error, self.seed, self.allow_code = on_error, seed, allow_code
        self.input_items = input_items
        self.schema = schema
        self.world = world if world is not None else World()
        self.warnings: list[str] = []
        self.errors: list[dict] = []  # errorOutput items

    def params_at(self, index: int, item: dict) -> dict:
        return self.checked(self.plan.at(item, index, self.context))

    def fixed_params(self) -> dict | None:
        """The params when they hold no expression, so every item gets the same; else None."""
        return None if self.plan.dynamic else self.plan.at({}, 0, self.context)

    def params(self) -> dict:
        """Params evaluated once, with `$json` = the first input item (or `{}`)."""
        items = self.first
        return self.checked(self.plan.at(items[0] if items else {}, 0, self.context))

    def checked(self, params: dict) -> dict:
        """Params whose expressions gave values; they must fit the schema as literals must.

        Values already found valid are remembered by their JSON text, so per-item params
        that resolve alike are checked once.
        """
        if not self.plan.dynamic or self.schema is None:
            return params
        valid = self.plan.memo.get("valid")
        if valid is None:
            valid = self.plan.memo["valid"] = set()
        key = _json.key(params)
        if key not in valid:
            error = params_error(self.schema, params)
            if error is not None:
                raise error
            if len(valid) < MAX_VALID:
                valid.add(key)
        return params

    def each(self, step: Callable[[dict, int], Any], passthrough: list) -> None:
        """Call `step(item, index)` for every item on the first input, under onError.

        The one per-item loop of the node types: `step` files what it makes itself
        (appends, extends, routes to ports); an item whose step fails is passed through
        to `passthrough`, sent to the error port, or stops the node, as onError says.
        """
        for index, item in enumerate(self.first):
            try:
                step(item, index)
            except NodeFoxError as exc:
                self.item_failed(index, item, exc, passthrough)

    def item_params(self) -> Callable[[dict, int], dict]:
        """The params for one item: the same dict for every item when they hold no expression."""
        fixed = self.fixed_params()
        if fixed is not None:
            return lambda item, index: fixed
        return lambda item, index: self.params_at(index, item)

    def read_once(self, derive: Callable[[dict], Any]) -> Any:
        """`derive(params)` once for the whole node when the params hold no expression; None
        when they do, or when `derive` refuses them (each item then fails with that error,
        under onError, as it reads its own params)."""
        fixed = self.fixed_params()
        if fixed is None:
            return None
        try:
            return derive(fixed)
        except NodeError:
            return None

    def item_failed(self, index: int, item: dict, error: NodeFoxError, passthrough: list) -> None:
        """Apply onError to one failing item; raises under `stop`."""
        err = error if isinstance(error, NodeError) else NodeError(str(error))
        err = err.located(item=index)
        if self.on_error == "continue":
            self.warnings.append(err.describe())
            passthrough.append(item)
        elif self.on_error == "errorOutput":
            self.errors.append({"item": item, "error": err.message})
        else:
            raise err


def key_reader(fields: list) -> Callable[[dict], tuple]:
    """A function giving an item's key by `fields` (paths): equal exactly for items whose
    fields have equal JSON texts (`_json.same_key`). One plain field is read directly."""
    same_key = _json.same_key
    if len(fields) == 1 and type(fields[0]) is str and fields[0] and "." not in fields[0]:
        field = fields[0]
        return lambda item: (same_key(item.get(field)),)
    return lambda item: tuple(same_key(paths.get(item, f)) for f in fields)


def params_error(schema: dict, params: Any, where: str = "") -> NodeError | None:
    """The first schema problem of `params` as a node error, or None."""
    problems = schema_errors(schema, params)
    if not problems:
        return None
    ptr, message = problems[0]
    ptr = where + ptr
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return NodeError(f"{ptr or 'params'}: {message}{more}", path=ptr)


def item_error(message: str, index: int | None = None, path: str | None = None) -> NodeError:
    return NodeError(message, item=index, path=path)


def obj_schema(properties: dict, required: list[str] | None = None, **extra: Any) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


PATH = {"type": "string", "description": "a field path such as customer.address.city"}
PATHS = {"type": "array", "items": PATH}
