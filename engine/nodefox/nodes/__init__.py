"""The built-in node types, registered in one place."""

from __future__ import annotations

from collections.abc import Iterable

from . import code, convert, files, flow, http, sources, transform, triggers
from .base import NodeCall, NodeType


class Registry:
    """Node types by name; pass one to the engine to add or replace types."""

    def __init__(self, types: Iterable[NodeType] = ()):
        self._types: dict[str, NodeType] = {}
        for t in types:
            self.add(t)

    def add(self, node_type: NodeType) -> None:
        self._types[node_type.type] = node_type

    def get(self, name: str) -> NodeType | None:
        return self._types.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self):
        return iter(self._types.values())

    def catalogue(self) -> list[dict]:
        return [t.describe() for t in self._types.values()]


BUILTINS = Registry([
    *sources.NODES, *transform.NODES, *code.NODES, *flow.NODES, *http.NODES, *files.NODES, *convert.NODES,
    *triggers.NODES,
])

__all__ = ["BUILTINS", "NodeCall", "NodeType", "Registry"]
