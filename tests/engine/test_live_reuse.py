"""Outputs kept for input items seen before (`live/reuse.py`), and answers written from
the texts of the items they gather (`live/answers.py`).

Every test compares the session with a whole run of its document: reusing must never
change a result, only skip work.
"""

from __future__ import annotations

import json
from typing import Any

import nodefox
import pytest
from conftest import data, document, edge, node
from nodefox import Session, _json
from nodefox.live import answers, reuse

NOW = "2026-01-01T09:30:00Z"
ITEMS = [{"id": i, "v": i % 10, "deep": {"k": [i, i / 4]}} for i in range(40)]


def canon(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def threshold(right: Any = 5) -> dict:
    return node("f", "filter", {"conditions": [{"left": "={{ $json.v }}", "op": "gte", "right": right}]})


def filtered(mapper: dict, items: list = ITEMS) -> Session:
    doc = document([data("d", items), threshold(), mapper], [edge("d", "f"), edge("f", mapper["id"], "kept")],
                   settings={"now": NOW}, variables={"k": 3})  # fmt: skip
    session = Session(doc)
    session.apply([])
    return session


def move(session: Session, right: Any) -> dict:
    return session.apply([{"op": "patch_params", "id": "f", "path": "/conditions/0/right", "value": right}])


def outputs(session: Session, node_id: str) -> list:
    return session.results[node_id].outputs["kept" if node_id == "f" else "out"]


def same_as_a_whole_run(session: Session) -> None:
    fresh = nodefox.run(session.document())
    mine = session.result()
    assert canon(mine["nodes"]) == canon(fresh["nodes"])


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many input items each run of a node was given (the reuse's partial runs)."""
    given: list[int] = []
    real = reuse.Reuse.run

    def run(self: reuse.Reuse, prep: Any, inputs: dict, run_: Any) -> Any:
        return real(self, prep, inputs, lambda got: given.append(len(next(iter(got.values())))) or run_(got))

    monkeypatch.setattr(reuse.Reuse, "run", run)
    return given


SET = node("m", "set", {"fields": [{"name": "w", "value": "={{ $json.v * 2 + $json.deep.k[1] }}"}]})


def test_items_seen_before_get_the_same_outputs_and_only_new_ones_run(monkeypatch):
    session = filtered(SET)
    given = counting(monkeypatch)
    first = {id(x): y for x, y in zip(outputs(session, "f"), outputs(session, "m"), strict=True)}
    move(session, 7)  # fewer items: all seen before
    assert given == [] and all(first[id(x)] is y for x, y in zip(outputs(session, "f"), outputs(session, "m"), strict=True))
    same_as_a_whole_run(session)
    move(session, 2)  # more items: only the new ones (v 2..4, 12 of them) run
    assert given == [12]
    same_as_a_whole_run(session)
    move(session, 5)
    assert given == [12] and session.results["m"].status == "ok"
    same_as_a_whole_run(session)


# v 2..4 then v 0..1 (4 items of each v), once: all others were seen before
ONCE = [12, 8]


@pytest.mark.parametrize(("mapper", "runs"), [
    (node("m", "rename", {"keys": [{"from": "v", "to": "value"}]}), ONCE),
    (node("m", "remove", {"fields": ["deep"]}), ONCE),
    (node("m", "json", {"op": "stringify", "field": "deep", "destination": "text"}), ONCE),
    (node("m", "set", {"include": "selected", "selected": ["id"], "fields": [{"name": "x", "value": True}]}), ONCE),
    # empty objects look like items not seen before (a check in C that finds them all): all run
    (node("m", "set", {"include": "none", "fields": []}), [12, 32, 4, 40, 20]),
])  # fmt: skip
def test_every_mapping_type_reuses_and_matches_a_whole_run(monkeypatch, mapper, runs):
    session = filtered(mapper)
    given = counting(monkeypatch)
    for right in (7, 2, 9, 0, 5):
        move(session, right)
        same_as_a_whole_run(session)
    assert given == runs


@pytest.mark.parametrize("value", ["={{ $index }}", "={{ $vars.k }}", "={{ $now }}", '={{ $("d").first().id }}',
                                   "={{ len($input.all()) }}"])  # fmt: skip
def test_params_reading_more_than_the_item_run_on_every_item(monkeypatch, value):
    session = filtered(node("m", "set", {"fields": [{"name": "w", "value": value}]}))
    given = counting(monkeypatch)
    move(session, 7)
    move(session, 2)
    assert given == [] or given == [len(outputs(session, "f"))] * len(given)
    assert session.reuse.kept == {}
    same_as_a_whole_run(session)


def test_an_edit_of_the_params_makes_everything_again():
    session = filtered(SET)
    before = outputs(session, "m")
    session.apply([{"op": "patch_params", "id": "m", "path": "/fields/0/value", "value": "={{ $json.v * 3 }}"}])
    after = outputs(session, "m")
    assert [x["w"] for x in after] == [x["v"] * 3 for x in after] and not set(map(id, before)) & set(map(id, after))
    same_as_a_whole_run(session)
    # and back: the params' first outputs are not kept, what they make is equal
    session.apply([{"op": "patch_params", "id": "m", "path": "/fields/0/value", "value": SET["params"]["fields"][0]["value"]}])
    assert canon(outputs(session, "m")) == canon(before)
    same_as_a_whole_run(session)


def test_a_new_item_that_fails_names_its_own_position():
    items = [{"v": v, "t": "x" if v != 3 else None} for v in (9, 8, 7, 3, 6)]
    session = filtered(node("m", "set", {"fields": [{"name": "u", "value": "={{ $json.t.upper() }}"}]}), items)
    move(session, 6)
    assert session.results["m"].status == "ok"
    move(session, 0)  # the failing item (v 3) is new, at position 3 of the filter's output
    error = session.results["m"].error
    assert session.results["m"].status == "error" and error["item"] == 3, error
    same_as_a_whole_run(session)
    move(session, 6)
    assert session.results["m"].status == "ok"
    same_as_a_whole_run(session)


def test_warnings_are_never_kept_and_on_error_continue_matches_a_whole_run():
    items = [{"v": v, "t": "x" if v != 3 else None} for v in (9, 8, 7, 3, 6)]
    mapper = node("m", "set", {"fields": [{"name": "u", "value": "={{ $json.t.upper() }}"}]}, onError="continue")
    session = filtered(mapper, items)
    for right in (6, 0, 6, 0):
        move(session, right)
        same_as_a_whole_run(session)
    assert session.results["m"].warnings and "m" not in session.reuse.kept


def test_kept_outputs_are_bounded_by_the_input():
    session = filtered(node("m", "set", {"fields": [{"name": "w", "value": "={{ $json.n + 1 }}"}]}),
                       [{"v": 9, "n": i} for i in range(50)])
    for i in range(30):  # 50 new items each time
        session.apply([{"op": "patch_params", "id": "d", "path": "/items", "value": [{"v": 9, "n": j} for j in range(i, i + 50)]}])
    _, made, held = session.reuse.kept["m"]
    assert len(made) == 50 and len(held) == 1  # all new: the new ones only
    same_as_a_whole_run(session)
    for i in range(30):  # one new item each time, beside 49 seen before: a partial run each
        session.apply([{"op": "patch_params", "id": "d", "path": "/items/0", "value": {"v": 9, "n": 1000 + i}}])
        _, made, held = session.reuse.kept["m"]
        assert len(made) <= 3 * 50 + reuse._SLACK and len(held) <= reuse._LISTS
    same_as_a_whole_run(session)
    for i in range(12):  # 40 new items each time beside 10 seen before
        session.apply([{"op": "patch_params", "id": "d", "path": f"/items/{j}", "value": {"v": 9, "n": 100 * i + j}}
                       for j in range(10, 50)])
        _, made, held = session.reuse.kept["m"]
        assert len(made) <= 3 * 50 + reuse._SLACK and len(held) <= reuse._LISTS
    same_as_a_whole_run(session)


def test_a_removed_node_keeps_nothing():
    session = filtered(SET)
    assert "m" in session.reuse.kept
    session.apply([{"op": "remove_node", "id": "m"}])
    assert "m" not in session.reuse.kept


def test_an_item_gathering_items_written_before_has_the_same_text():
    agg = node("a", "aggregate", {"all": True, "as": "all"})
    doc = document([data("d", ITEMS), threshold(), SET, agg],
                   [edge("d", "f"), edge("f", "m", "kept"), edge("m", "a")], settings={"now": NOW})  # fmt: skip
    session = Session(doc, preview_limit=3)
    session.apply([])
    for rev, right in enumerate((7, 2, 9, 0)):
        answer = {"rev": rev, **move(session, right)}
        assert answers.encode(answer) == _json.dumps(answer)
        gathered = outputs(session, "a")[0]
        assert answers._item_text(gathered) == _json.dumps(gathered)
        assert answers._gathering(gathered) is not None  # written from the items' texts
    same_as_a_whole_run(session)
    # an item whose lists hold nothing written before is written whole, and so is one
    # gathering more items than are worth a call each
    assert answers._gathering({"all": [{"never": "seen"}], "n": 1}) is None
    many = {"all": [outputs(session, "m")[0]] * (answers.MAX_GATHERED + 1)}
    assert answers._gathering(many) is None and answers._item_text(many) == _json.dumps(many)
