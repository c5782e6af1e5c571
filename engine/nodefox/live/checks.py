"""Checking an op's fields before anything changes, and the pure edits ops make."""

from __future__ import annotations

from typing import Any

from .. import _json, _schema, paths
from ..document import _clock_problems, schema
from ..expressions import is_template, rename_reference


class Rejected(Exception):
    """An op that cannot apply; its message is the reason given back."""


_SCHEMAS: dict[str, dict] = {}  # kind -> its part of the document schema, built on first use


def _part(kind: str) -> dict:
    sub = _SCHEMAS.get(kind)
    if sub is None:
        root = schema()
        if kind in ("settings", "variables", "name"):
            sub = root["properties"][kind]
        else:
            sub = {"$defs": root["$defs"], "$ref": f"#/$defs/{kind}"}
        _SCHEMAS[kind] = sub
    return sub


def check(kind: str, value: Any) -> None:
    """Reject `value` unless it fits the document schema's `kind` (node, edge, settings...)."""
    found = _schema.problems(_part(kind), value)
    if kind == "settings" and not found:
        found = [(p.pointer[len("/settings"):], p.message) for p in _clock_problems({"settings": value})]
    if found:
        where, message = found[0]
        raise Rejected(f"{kind} {where}: {message}" if where else f"{kind}: {message}")


def items_of(value: Any, what: str) -> list:
    if type(value) is not list or not all(type(i) is dict for i in value):
        raise Rejected(f"{what} must be a list of objects")
    return value


def set_pointer(params: dict, keys: list[str], op: dict, pointer: str) -> Any:
    """A copy of params with the value at `keys` set (or removed when op has no value)."""
    remove = "value" not in op
    value = _json.copy(op.get("value"))
    if not keys:
        if remove:
            raise Rejected("cannot remove the whole params")
        return value

    def walk(container: Any, i: int) -> Any:
        key = keys[i]
        last = i == len(keys) - 1
        if type(container) is dict:
            new = dict(container)
            if last:
                if remove:
                    new.pop(key, None)
                else:
                    new[key] = value
            else:
                if key not in new:
                    raise Rejected(f"{pointer}: there is nothing at {paths.pointer(*keys[: i + 1])}")
                new[key] = walk(new[key], i + 1)
            return new
        if type(container) is list:
            new_list = list(container)
            if key == "-" and last and not remove:
                new_list.append(value)
                return new_list
            index_text = key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0"))
            if not index_text or int(key) >= len(new_list) + (1 if last and not remove else 0):
                raise Rejected(f"{pointer}: {key!r} is not an index of the list at "
                               f"{paths.pointer(*keys[:i]) or '/'}")  # fmt: skip
            index = int(key)
            if last:
                if remove:
                    del new_list[index]
                elif index == len(new_list):
                    new_list.append(value)
                else:
                    new_list[index] = value
            else:
                new_list[index] = walk(new_list[index], i + 1)
            return new_list
        raise Rejected(f"{pointer}: {paths.pointer(*keys[:i]) or '/'} is not an object or a list")

    return walk(params, 0)


def rename_in(value: Any, old: str, new: str) -> Any:
    """`value` with references to node `old` renamed; the same object when nothing changed."""
    if is_template(value):
        return rename_reference(value, old, new)
    if type(value) is dict:
        out = {k: rename_in(v, old, new) for k, v in value.items()}
        return value if all(out[k] is value[k] for k in value) else out
    if type(value) is list:
        out_l = [rename_in(v, old, new) for v in value]
        return value if all(a is b for a, b in zip(out_l, value, strict=True)) else out_l
    return value
