"""What an answer says about nodes: each entry once, again only when it changed (`live.md`)."""

from __future__ import annotations

from typing import Any

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
               "preview": {p: abridged(items[:preview_limit], _written) for p, items in outputs.items()}, **out}  # fmt: skip
        out.pop("outputs", None)
    return out


def _written(item: Any) -> bool:
    """Whether an earlier answer wrote this item as it is (its text is kept in `_TEXTS`),
    so it holds no long file: most previewed items were."""
    hit = _TEXTS.get(id(item))
    return hit is not None and hit[0] is item


class Answers:
    """The entries last sent to the page, and the nodes whose entry may have changed since."""

    def __init__(self) -> None:
        self.sent: dict[str, dict] = {}
        self.unsent: set[str] = set()

    def forget(self, node_id: str) -> None:
        self.sent.pop(node_id, None)
        self.unsent.discard(node_id)

    def changes(
        self, results: dict[str, NodeResult], rank: dict[str, int], preview_limit: int
    ) -> dict:
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
            if last is not None and last == now and _entry_text(last) == _entry_text(now):
                continue
            self.sent[node_id] = now
            changes[node_id] = {**now, "ms": res.ms if res else 0.0, "reused": not fresh}
        return changes


# The JSON text of items previewed before, by id: most items in an edit's answer are the
# same objects an earlier answer sent (an `if`, `filter`, `sort` or `limit` passes its
# input's items on; nodes above the edit did not re-run), and outputs are never changed
# once made, so their text is written once. Each entry keeps its item, so an id is not
# reused while its text is kept.
_TEXTS: dict[int, tuple[dict, str]] = {}
MAX_TEXTS = 8192
MAX_GATHERED = 2000  # items in one item's lists beyond which it is written whole (`_gathering`)


def _item_text(item: Any) -> str:
    hit = _TEXTS.get(id(item))
    if hit is not None and hit[0] is item:
        return hit[1]
    text = None
    if type(item) is dict and list in map(type, item.values()):
        text = _gathering(item)
    if text is None:
        text = _json.dumps(item)
    if type(item) is dict:
        if len(_TEXTS) >= MAX_TEXTS:
            _TEXTS.clear()
        _TEXTS[id(item)] = (item, text)
    return text


def _gathering(item: dict) -> str | None:
    """The text of an item holding a list of items written before, from theirs, or None.
    An `aggregate` of all items makes a new item on each run, but the items it gathers
    are mostly the same objects (`live.reuse`): 12 KB of text in the report's edit."""
    if not any(type(v) is list and v and type(v[0]) is dict and _written(v[0]) for v in item.values()):
        return None
    if sum(len(v) for v in item.values() if type(v) is list) > MAX_GATHERED:
        return None  # written whole, in C: one Python call per gathered item would cost more
    return _object(item, _gathered)


def _gathered(_: str, value: Any) -> str:
    if type(value) is list and value and type(value[0]) is dict:
        return f"[{','.join(map(_item_text, value))}]"
    return _json.dumps(value)


def _object(value: dict, write: Any) -> str:
    """A JSON object's text with each value written by `write(key, value)`."""
    return "{" + ",".join(f"{_json.dumps(k)}:{write(k, v)}" for k, v in value.items()) + "}"


def _port_items(port: str, items: list) -> str:
    return f"[{','.join(map(_item_text, items))}]"


def _entry_text(entry: dict) -> str:
    if type(entry.get("preview")) is not dict:
        return _json.dumps(entry)
    return _object(
        entry, lambda k, v: _object(v, _port_items) if k == "preview" else _json.dumps(v)
    )


def encode(answer: dict) -> str:
    """An answer as JSON text, the same text as `_json.dumps(answer)`, with the previewed
    items' text reused from earlier answers."""
    nodes = answer.get("nodes")
    if type(nodes) is not dict or not nodes:
        return _json.dumps(answer)
    return _object(
        answer,
        lambda k, v: _object(v, lambda _, e: _entry_text(e)) if k == "nodes" else _json.dumps(v),
    )
