"""Field paths and JSON pointers (`paths.py`)."""

from __future__ import annotations

import copy

import pytest
from nodefox import paths

ITEM = {"customer": {"address": {"city": "Oslo"}, "tags": ["a", "b"]}, "lines": [{"sku": "x"}], "n": None}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("customer.address.city", "Oslo"),
        ("lines.0.sku", "x"),
        ("customer.tags.1", "b"),
        ("customer.tags.2", None),  # past the end
        ("customer.tags.-1", None),  # only digits index arrays
        ("customer.tags.x", None),
        ("missing", None),
        ("missing.deeper", None),
        ("n", None),
        ("n.x", None),
        ("customer.address.city.0", None),  # a string is not indexed
        ("customer", ITEM["customer"]),
    ],
)
def test_get(path, value):
    assert paths.get(ITEM, path) == value


def test_get_default_and_empty_path():
    assert paths.get(ITEM, "nope", 7) == 7
    assert paths.get(ITEM, "") is ITEM
    assert paths.get({"a": None}, "a", 7) is None  # present null is not missing


def test_get_digit_keys_of_objects():
    assert paths.get({"a": {"0": "zero"}}, "a.0") == "zero"


def test_has():
    assert paths.has(ITEM, "n") and paths.has(ITEM, "lines.0")
    assert not paths.has(ITEM, "lines.1") and not paths.has(ITEM, "x")


def test_split_and_last_segment():
    assert paths.split("a.b.0") == ("a", "b", "0")
    assert paths.split("") == ()
    assert paths.last_segment("a.b.c") == "c"
    assert paths.last_segment("a") == "a"


def test_set_creates_objects_on_the_way():
    item: dict = {}
    paths.set_(item, "a.b.c", 1)
    assert item == {"a": {"b": {"c": 1}}}
    paths.set_(item, "lines.0.sku", "x")  # missing containers are objects
    assert item["lines"] == {"0": {"sku": "x"}}


def test_set_replaces_a_scalar_on_the_way():
    item = {"a": 5}
    paths.set_(item, "a.b", 1)
    assert item == {"a": {"b": 1}}


def test_set_in_arrays():
    item = {"xs": [1, 2]}
    paths.set_(item, "xs.1", 9)
    paths.set_(item, "xs.3", 4)
    assert item == {"xs": [1, 9, None, 4]}


def test_set_copies_shared_containers():
    inner = {"b": {"c": 1}, "xs": [1]}
    source = {"a": inner}
    before = copy.deepcopy(source)
    item = dict(source)
    paths.set_(item, "a.b.c", 2)
    paths.set_(item, "a.xs.0", 2)
    assert source == before
    assert item == {"a": {"b": {"c": 2}, "xs": [2]}}


def test_set_keeps_key_order_and_appends_new_keys():
    item = {"a": 1, "b": 2}
    paths.set_(item, "a", 3)
    paths.set_(item, "c", 4)
    assert list(item) == ["a", "b", "c"]


def test_set_with_empty_path_does_nothing():
    item = {"a": 1}
    paths.set_(item, "", 2)
    assert item == {"a": 1}


def test_delete():
    source = {"a": {"b": 1, "c": 2}, "xs": [1, 2, 3], "k": 0}
    before = copy.deepcopy(source)
    item = dict(source)
    paths.delete(item, "a.b")
    paths.delete(item, "xs.1")
    paths.delete(item, "k")
    paths.delete(item, "missing.deep")
    paths.delete(item, "xs.9")
    assert item == {"a": {"c": 2}, "xs": [1, 3]}
    assert source == before


def test_pointer():
    assert paths.pointer() == ""
    assert paths.pointer("fields", 0, "value") == "/fields/0/value"
    assert paths.pointer("a/b", "c~d") == "/a~1b/c~0d"


def test_parse_pointer():
    assert paths.parse_pointer("") == []
    assert paths.parse_pointer("/a~1b/c~0d/0") == ["a/b", "c~d", "0"]
    assert paths.parse_pointer("/") == [""]
    with pytest.raises(ValueError):
        paths.parse_pointer("a")
    for bad in ("/a~2", "/a~", "/~~0"):
        with pytest.raises(ValueError):
            paths.parse_pointer(bad)


def test_pointer_order_is_numeric_for_indexes():
    ptrs = [("nodes", 10), ("nodes", 2), ("edges",), ("nodes", 2, "id")]
    assert sorted(ptrs, key=paths.pointer_order) == [("edges",), ("nodes", 2), ("nodes", 2, "id"), ("nodes", 10)]
