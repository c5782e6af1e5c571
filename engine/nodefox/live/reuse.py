"""Items a node made before, given again for the same input items (the live session only).

A node type that `maps` makes each output item from the input item at its position
alone (`set`, `rename`, `remove`, `json`). When its params read nothing but `$json`
(no `$index`, `$input`, `$vars`, `$now`, `$("...")`), the item it makes from an input
item depends on that item and the params only. Upstream nodes that did not re-run,
and the `if`, `filter`, `sort` and `limit` nodes that pass items on, give the same
item objects again after an edit, so the session keeps, per node, the output made
from each input item (by identity) and runs the node on the new input items only.

The reused items are the same objects as before: answers then find their text
already written (`answers._TEXTS`), and the result equals a whole run's, since
items are never changed once made. A partial run that fails or warns is done
again on all the items, so errors and warnings name the item's real position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..execute import NodeResult, Prepared, _ms

_JSON_ONLY = frozenset({"json"})
# outputs kept per node beyond twice its current input: alternating between two inputs (a
# threshold edited back and forth) finds both; more is dropped
_SLACK = 64
_LISTS = 8  # input lists held per node (each partial run adds one)
MAX_KEPT = 20_000  # input items from which a node's outputs are no longer kept (memory)


class Reuse:
    """Per node: the params' plan its outputs were made with, the outputs by their input
    item's id, and the input lists they came from, held so that no other object takes
    one of those ids while it is kept."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[Any, dict[int, dict], list[list]]] = {}

    def forget(self, node_id: str) -> None:
        self.kept.pop(node_id, None)

    def applies(self, prep: Prepared) -> bool:
        plan, node = prep.plan, prep.node
        return (
            prep.type.maps and plan is not None and prep.error is None and not plan.refs
            and plan.uses <= _JSON_ONLY and prep.ports == ("out",) and prep.effect == "none"
            and node.pinned is None and not node.disabled
        )  # fmt: skip

    def run(self, prep: Prepared, inputs: dict[str, list], run: Callable[[dict[str, list]], NodeResult]) -> NodeResult:
        """The node's result on `inputs`: kept outputs for input items seen before, `run`
        on the rest."""
        node_id = prep.node.id
        (port, items), *others = inputs.items()
        kept = self.kept.get(node_id)
        if kept is None or kept[0] is not prep.plan or not items or others:
            return self._keep(node_id, prep, items, run(inputs))
        start = time.perf_counter()
        _, made, held = kept
        out = list(map(made.get, map(id, items)))
        if all(out):  # every item seen before, checked in C (an empty output object is checked below)
            return NodeResult("ok", {"out": out}, ms=_ms(start))
        if not any(out):  # none seen before (what feeds it made them anew): keep these only
            return self._keep(node_id, prep, items, run(inputs))
        ids = list(map(id, items))
        fresh = [item for item, i in zip(items, ids, strict=True) if i not in made]
        if not fresh:
            return NodeResult("ok", {"out": out}, ms=_ms(start))
        res = run({port: fresh})
        new = _clean(res)
        if new is None or len(new) != len(fresh):  # what it says must be about all the items
            return self._keep(node_id, prep, items, run(inputs))
        following = iter(new).__next__
        res.outputs = {"out": [made[i] if i in made else following() for i in ids]}
        res.ms = _ms(start)
        if len(made) > 2 * len(items) + _SLACK or len(held) >= _LISTS:  # kept for inputs long gone
            return self._keep(node_id, prep, items, res)
        return self._keep(node_id, prep, items, res, made, held)

    def _keep(self, node_id: str, prep: Prepared, items: list, res: NodeResult,
              made: dict | None = None, held: list | None = None) -> NodeResult:  # fmt: skip
        """Keep `res`'s outputs for `items`, beside `made` (those kept from earlier inputs)."""
        out = _clean(res)
        if out is None or len(out) != len(items) or len(items) > MAX_KEPT:
            self.kept.pop(node_id, None)
            return res
        if made is None or held is None:
            made, held = dict(zip(map(id, items), out, strict=True)), [items]
        else:
            made.update(zip(map(id, items), out, strict=True))
            held.append(items)
        self.kept[node_id] = (prep.plan, made, held)
        return res


def _clean(res: NodeResult) -> list | None:
    """The items a run made, when it ran without error or warning (only those are kept)."""
    return res.outputs.get("out") if res.status == "ok" and not res.warnings and res.outputs else None
