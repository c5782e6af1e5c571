"""Source nodes: they make items."""

from __future__ import annotations

from ..errors import NodeError
from .base import NodeCall, NodeType, Outputs, obj_schema


def run_trigger(call: NodeCall) -> Outputs:
    items = call.input_items
    return {"out": list(items) if items else [{}]}


def run_data(call: NodeCall) -> Outputs:
    items = call.params().get("items")
    if not isinstance(items, list) or not all(type(i) is dict for i in items):
        raise NodeError("items must be a list of objects", path="/items")
    return {"out": items}


NODES = [
    NodeType(
        "trigger", "Manual Trigger", "Sources",
        "Starts the workflow: emits the run's input items, or one empty item when none were given.",
        (), ("out",), obj_schema({}), run_trigger, reads=frozenset({"input_items"}),
    ),
    NodeType(
        "data", "Data", "Sources",
        "Emits fixed items. Expressions inside are evaluated once, with $json = {}.",
        (), ("out",),
        obj_schema(
            {"items": {"type": "array", "items": {"type": "object"}, "default": [],
                       "description": "the items to emit, as a JSON array of objects"}},
            ["items"],
        ),
        run_data,
    ),
]  # fmt: skip
