"""The edge graph (`graph.py`): order, cycles, ancestry."""

from __future__ import annotations

import pytest
from nodefox.graph import Edge, Graph, would_close_cycle


def g(nodes: str, *pairs: str) -> Graph:
    """Graph("abc", "ab", "bc"): nodes by letter, edges by letter pairs."""
    return Graph(list(nodes), [Edge(f"e{i}", p[0], "out", p[1], "in") for i, p in enumerate(pairs)])


def test_default_edge_id():
    assert Edge.default_id("a", "out", "b", "in") == "a:out->b:in"


def test_order_without_edges_is_document_order():
    assert g("cab").order() == ["c", "a", "b"]


def test_order_follows_edges():
    assert g("cba", "ab", "bc").order() == ["a", "b", "c"]


def test_ties_go_to_the_node_first_in_the_document():
    # x and c are ready at once; x runs, then a (ready now, before c in nodes[]),
    # then a's children d and b in document order, and c last
    assert g("xdbac", "ad", "ab", "xa").order() == ["x", "a", "d", "b", "c"]


def test_a_node_ready_later_still_goes_before_later_document_nodes():
    # b becomes ready after a runs; z was ready from the start but comes after b in nodes[]
    assert g("abz", "ab").order() == ["a", "b", "z"]
    assert g("zab", "ab").order() == ["z", "a", "b"]
    assert g("bza", "ab").order() == ["z", "a", "b"]


def test_diamond():
    assert g("dcba", "ab", "ac", "bd", "cd").order() == ["a", "c", "b", "d"]


def test_several_edges_between_the_same_nodes():
    graph = Graph(["a", "b"], [Edge("1", "a", "out", "b", "in1"), Edge("2", "a", "out", "b", "in2")])
    assert graph.order() == ["a", "b"]
    assert graph.parents["b"] == ["a", "a"]


def test_edges_to_unknown_nodes_are_ignored():
    graph = Graph(["a"], [Edge("1", "a", "out", "zz", "in")])
    assert graph.edges == [] and graph.order() == ["a"]


def test_incoming_edges_keep_edges_order():
    e1, e2, e3 = (Edge(str(i), s, "out", "m", "in1") for i, s in enumerate("cab"))
    graph = Graph(["a", "b", "c", "m"], [e1, e2, e3])
    assert graph.incoming["m"] == [e1, e2, e3]


def test_order_raises_on_a_cycle():
    with pytest.raises(ValueError, match="cycle: b -> c -> b"):
        g("abc", "ab", "bc", "cb").order()


def test_find_cycle_none_without_one():
    assert g("abc", "ab", "bc", "ac").find_cycle() is None


@pytest.mark.parametrize(
    ("nodes", "pairs", "cycle"),
    [
        ("a", ["aa"], ["a", "a"]),
        ("ab", ["ab", "ba"], ["a", "b", "a"]),
        ("abc", ["bc", "ca", "ab"], ["a", "b", "c", "a"]),
        ("cba", ["ab", "bc", "ca"], ["c", "a", "b", "c"]),
        ("xabc", ["xa", "ab", "bc", "cb"], ["b", "c", "b"]),
    ],
)
def test_find_cycle_lists_ids_in_edge_order_from_the_first_document_node(nodes, pairs, cycle):
    assert g(nodes, *pairs).find_cycle() == cycle


def test_is_ancestor():
    graph = g("abcde", "ab", "bc", "dc")
    assert graph.is_ancestor("a", "c") and graph.is_ancestor("b", "c") and graph.is_ancestor("d", "c")
    assert not graph.is_ancestor("c", "a")
    assert not graph.is_ancestor("e", "c")
    assert not graph.is_ancestor("c", "c")  # a node is not its own ancestor
    assert not graph.is_ancestor("a", "d")


def test_descendants():
    graph = g("abcde", "ab", "bc", "dc", "ae")
    assert graph.descendants(["a"]) == {"b", "c", "e"}
    assert graph.descendants(["c"]) == set()
    assert graph.descendants(["b", "d"]) == {"c"}


def test_would_close_cycle():
    graph = g("abc", "ab", "bc")
    assert would_close_cycle(graph, "c", "a") == ["a", "b", "c", "a"]
    assert would_close_cycle(graph, "a", "c") is None
    assert would_close_cycle(graph, "b", "b") == ["b", "b"]
