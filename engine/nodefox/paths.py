"""Field paths (`customer.address.city`, `lines.0.sku`) and JSON pointers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import repeat
from typing import Any

from .errors import NodeError

_MISSING = object()
# Entries a path write may add to the end of a list (`arr.5` on an empty list adds six):
# `arr.1000000000` from a few bytes of a workflow must not pad a list to a billion.
MAX_PAD = 10_000


def index(key: str) -> int | None:
    """The array index a path segment spells: ASCII digits only (`²` and `٣` are keys)."""
    if key.isdigit() and key.isascii():
        return int(key) if len(key) < 19 else 10**18  # past any list; int() refuses 4,300 digits
    return None


@lru_cache(maxsize=4096)
def split(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def values(items: Iterable[dict], path: str) -> Iterator[Any]:
    """`get(item, path)` of each item (an item is always an object): one key is read by
    `dict.get` from C, with no Python run per item."""
    if type(path) is str and path and "." not in path:
        return map(dict.get, items, repeat(path))
    return (get(item, path) for item in items)


def get(item: Any, path: str, default: Any = None) -> Any:
    """Read a field path; anything missing on the way reads as `default`."""
    if "." not in path and type(item) is dict:  # the common case: one key of an item
        return item.get(path, default) if path else item
    value = item
    for key in split(path):
        t = type(value)
        if t is dict:
            value = value.get(key, _MISSING)
            if value is _MISSING:
                return default
        elif t is list and key.isdigit() and key.isascii():
            i = index(key)
            if i >= len(value):
                return default
            value = value[i]
        else:
            return default
    return value


def has(item: Any, path: str) -> bool:
    return get(item, path, _MISSING) is not _MISSING


def set_(item: dict, path: str, value: Any) -> None:
    """Write a field path in place, creating objects on the way.

    Containers on the path are copied before they are changed, so an item that
    shares nested values with its input never changes the input. Raises NodeError
    for a key that is not an index of the array it meets, or an index too far
    past its end (MAX_PAD).
    """
    keys = split(path)
    if not keys:
        return
    target: Any = item
    for key in keys[:-1]:
        nxt = _own_child(target, key)
        if nxt is None:
            nxt = {}
        _put(target, key, nxt, path)
        target = nxt
    _put(target, keys[-1], value, path)


def _own_child(target: Any, key: Any) -> dict | list | None:
    """The object or array under key, copied so that changing it leaves the input alone;
    None when there is none."""
    nxt = _child(target, key)
    t = type(nxt)
    return dict(nxt) if t is dict else list(nxt) if t is list else None


def delete(item: dict, path: str) -> None:
    """Remove a field path in place (copying nested containers it changes)."""
    if "." not in path and type(item) is dict:  # the common case: one key of an item
        if path:
            item.pop(path, None)
        return
    keys = split(path)
    if not keys:
        return
    target: Any = item
    for key in keys[:-1]:
        nxt = _own_child(target, key)
        if nxt is None:
            return
        _put(target, key, nxt)
        target = nxt
    last = keys[-1]
    if type(target) is dict:
        target.pop(last, None)
    elif type(target) is list:
        i = index(last)
        if i is not None and i < len(target):
            del target[i]


def _child(container: Any, key: str) -> Any:
    if type(container) is dict:
        return container.get(key)
    if type(container) is list:
        i = index(key)
        if i is not None and i < len(container):
            return container[i]
    return None


def _put(container: Any, key: str, value: Any, path: str = "") -> None:
    if type(container) is not list:
        container[key] = value
        return
    i = index(key)
    if i is None:
        raise NodeError(f"cannot write {path!r}: an array is indexed by the digits 0-9, not {key!r}")
    if i < len(container):
        container[i] = value
        return
    if i - len(container) > MAX_PAD:
        raise NodeError(
            f"cannot write {path!r}: index {i:,} is more than {MAX_PAD:,} past the end of its array"
        )
    container.extend([None] * (i - len(container)))
    container.append(value)


def last_segment(path: str) -> str:
    keys = split(path)
    return keys[-1] if keys else path


# -- JSON pointers (RFC 6901) -------------------------------------------------


def pointer(*parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_order(parts: Any) -> tuple:
    """A sort key for the parts of a pointer: /nodes/2 before /nodes/10."""
    return tuple((type(p) is not int, p) for p in parts)


def parse_pointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise ValueError(f"JSON pointer {ptr!r} must start with '/'")
    parts = ptr[1:].split("/")
    if any("~" in p.replace("~0", "").replace("~1", "") for p in parts):
        raise ValueError(f"JSON pointer {ptr!r}: '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')")
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]
