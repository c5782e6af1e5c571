"""What an answer says about nodes: each entry once, again only when it changed (`live.md`)."""

from __future__ import annotations

from .. import _json
from ..execute import NodeResult
from ..filedata import abridged


def entry(res: NodeResult | None, preview_limit: int) -> dict:
    """A node's entry in an answer: its run-result entry with counts and a preview for outputs
    (files held in items cut short: `filedata.abridged`; `inspect` gives them whole)."""
    res = res or NodeResult("stale")
    out = res.entry()
    outputs = out.pop("outputs", None)
    if outputs is not None:
        out = {"status": res.status, "counts": {p: len(items) for p, items in outputs.items()},
               "preview": {p: abridged(items[:preview_limit]) for p, items in outputs.items()}, **out}  # fmt: skip
        out.pop("outputs", None)
    return out


class Answers:
    """The entries last sent to the page, and the nodes whose entry may have changed since."""

    def __init__(self) -> None:
        self.sent: dict[str, dict] = {}
        self.unsent: set[str] = set()

    def forget(self, node_id: str) -> None:
        self.sent.pop(node_id, None)
        self.unsent.discard(node_id)

    def changes(self, results: dict[str, NodeResult], rank: dict[str, int], preview_limit: int) -> dict:
        changes = {}
        pending = sorted((n for n in self.unsent if n in rank), key=rank.__getitem__)
        self.unsent = set()
        for node_id in pending:
            res = results.get(node_id)
            fresh = res is not None and res.fresh
            if node_id in self.sent and not fresh:
                continue
            now = entry(res, preview_limit)
            if res is not None:
                res.fresh = False
            last = self.sent.get(node_id)
            if last is not None and last == now and _json.dumps(last) == _json.dumps(now):
                continue
            self.sent[node_id] = now
            changes[node_id] = {**now, "ms": res.ms if res else 0.0, "reused": not fresh}
        return changes
