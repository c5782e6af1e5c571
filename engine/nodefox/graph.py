"""The edge graph: topological order with document-order ties, ancestry, cycles.

Knows node ids and edges only; nothing about node types or expressions.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    source_port: str
    target: str
    target_port: str

    @staticmethod
    def default_id(source: str, source_port: str, target: str, target_port: str) -> str:
        return f"{source}:{source_port}->{target}:{target_port}"


class Graph:
    """Nodes in document order and the edges between them."""

    def __init__(self, node_ids: Sequence[str], edges: Iterable[Edge]):
        self.nodes = list(node_ids)
        self.rank = {n: i for i, n in enumerate(self.nodes)}
        self.edges = [e for e in edges if e.source in self.rank and e.target in self.rank]
        self.parents: dict[str, list[str]] = {n: [] for n in self.nodes}
        self.children: dict[str, list[str]] = {n: [] for n in self.nodes}
        self.incoming: dict[str, list[Edge]] = {n: [] for n in self.nodes}
        self.outgoing: dict[str, list[Edge]] = {n: [] for n in self.nodes}
        for e in self.edges:
            self.parents[e.target].append(e.source)
            self.children[e.source].append(e.target)
            self.incoming[e.target].append(e)
            self.outgoing[e.source].append(e)

    def order(self) -> list[str]:
        """Kahn's algorithm; of the ready nodes, the first in document order goes first.

        Raises ValueError with the cycle when there is one.
        """
        blockers = {n: len(self.parents[n]) for n in self.nodes}
        ready = [self.rank[n] for n in self.nodes if blockers[n] == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            node = self.nodes[heapq.heappop(ready)]
            out.append(node)
            for child in self.children[node]:
                blockers[child] -= 1
                if blockers[child] == 0:
                    heapq.heappush(ready, self.rank[child])
        if len(out) != len(self.nodes):
            raise ValueError("cycle: " + " -> ".join(self.find_cycle() or []))
        return out

    def find_cycle(self) -> list[str] | None:
        """One cycle as node ids in edge order, first node repeated at the end."""
        state: dict[str, int] = {}
        for root in self.nodes:
            if state.get(root):
                continue
            stack = [(root, iter(self.children[root]))]
            path = [root]
            state[root] = 1
            while stack:
                node, it = stack[-1]
                child = next(it, None)
                if child is None:
                    stack.pop()
                    path.pop()
                    state[node] = 2
                elif state.get(child) == 1:
                    cycle = path[path.index(child) :]
                    return _rotate(cycle, self.rank) + [_rotate(cycle, self.rank)[0]]
                elif not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(self.children[child])))
        return None

    def is_ancestor(self, candidate: str, node: str) -> bool:
        """Whether an edge path leads from `candidate` to `node`."""
        seen = set()
        stack = list(self.parents.get(node, ()))
        while stack:
            n = stack.pop()
            if n == candidate:
                return True
            if n not in seen:
                seen.add(n)
                stack.extend(self.parents[n])
        return False

    def descendants(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            n = stack.pop()
            for c in self.children.get(n, ()):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return seen


def _rotate(cycle: list[str], rank: dict[str, int]) -> list[str]:
    """Start the cycle at its node that comes first in the document."""
    start = min(range(len(cycle)), key=lambda i: rank[cycle[i]])
    return cycle[start:] + cycle[:start]


def would_close_cycle(graph: Graph, source: str, target: str) -> list[str] | None:
    """The cycle a new edge source -> target would close, as node ids, or None."""
    if source == target:
        return [source, source]
    # a path target ->...-> source exists?
    prev: dict[str, str] = {}
    stack = [target]
    seen = {target}
    while stack:
        n = stack.pop()
        if n == source:
            path = [source]
            while path[-1] != target:
                path.append(prev[path[-1]])
            path.reverse()  # target ... source
            return [*path, target]
        for c in graph.children.get(n, ()):
            if c not in seen:
                seen.add(c)
                prev[c] = n
                stack.append(c)
    return None
