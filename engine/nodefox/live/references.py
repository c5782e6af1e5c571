"""Which nodes read which others through `$("Name")`: the index the session re-runs by."""

from __future__ import annotations


class References:
    def __init__(self) -> None:
        self.of: dict[str, frozenset[str]] = {}  # node id -> names it reads
        self._readers: dict[str, set[str]] = {}  # name -> ids of the nodes reading it

    def readers(self, name: str) -> set[str]:
        return set(self._readers.get(name, ()))

    def all_readers(self) -> set[str]:
        return {nid for nid, refs in self.of.items() if refs}

    def set(self, node_id: str, refs: frozenset[str]) -> None:
        for name in self.of.get(node_id, ()):
            self._readers.get(name, set()).discard(node_id)
        if refs:
            self.of[node_id] = refs
            for name in refs:
                self._readers.setdefault(name, set()).add(node_id)
        else:
            self.of.pop(node_id, None)
