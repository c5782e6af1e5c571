"""n8n's Set / Edit Fields node, every version, as NodeFox's `set`."""

from __future__ import annotations

import json
from typing import Any

from ._holes import value_of
from .expressions import Translator, Untranslatable
from .nodes import Context, Done, Mapped, NotExpressible, Ports, dot_notation, literal, names, path

_V3_TYPES = {"stringValue": "string", "numberValue": "number", "booleanValue": "boolean",
             "arrayValue": "array", "objectValue": "object"}  # fmt: skip


def set_(ctx: Context) -> Mapped:
    if ctx.version < 3:
        return _v1(ctx)
    dots = dot_notation(ctx)
    if ctx.get("mode", "manual") == "raw":
        fields = _raw(ctx, dots)
    elif ctx.version >= 3.3:
        fields = [_typed(ctx, a.get("name", ""), a.get("type", "string"), a.get("value"), dots)
                  for a in ctx.list("assignments.assignments")]  # fmt: skip
    else:
        fields = []
        for entry in ctx.list("fields.values"):
            kind = entry.get("type", "stringValue")
            if kind not in _V3_TYPES:
                raise NotExpressible(f"the field type {kind} has no NodeFox equivalent")
            fields.append(_typed(ctx, entry.get("name", ""), _V3_TYPES[kind], entry.get(kind), dots))
    params: dict[str, Any] = {"fields": fields}
    whole = getattr(ctx, "whole", None)
    if whole is not None:
        params["object"] = whole
    if getattr(ctx, "keep_all", False):
        include = "all"  # the JSON spread $json into the item
    elif ctx.version >= 3.3 and not ctx.get("includeOtherFields", False):
        include = "none"
    else:
        include = ctx.get("include", "all")
    if include == "selected":
        params["include"] = "selected"
        params["selected"] = names(ctx.get("includeFields", ""))
        if ctx.version >= 3 and dots and any("." in name for name in params["selected"]):
            # n8n writes a selected `a.b` under its last key, `b`
            raise NotExpressible("a dotted field to include, which n8n writes under its last key")
    elif include == "none":
        params["include"] = "none"
    elif include == "except":
        # n8n copies the item without those fields, then writes its own (its expressions
        # read the input item): set, then remove, unless a field written is one removed
        excluded = names(ctx.get("excludeFields", ""))
        if whole is not None:
            raise NotExpressible("a JSON output computed as a whole on the item except some fields (its keys are known only at run time)")
        if ctx.version < 3.3 and any("." in k for k in excluded):
            raise NotExpressible("a dotted field to exclude, which this Set version reads as one key")
        written = [f.get("name") for f in fields if isinstance(f, dict)]
        if any(not isinstance(n, str) or n.startswith("=") or _overlaps(n, excluded) for n in written):
            raise NotExpressible("a field written that may be one excluded")
        return Mapped("set", params, Ports([[(1, "out")]], ["in"]),
                      parts=[("remove", {"fields": excluded})], links=[(0, "out", 1, "in")])
    elif include != "all":
        raise NotExpressible(f"including {include} input fields has no NodeFox equivalent")
    return Mapped("set", params)


def _overlaps(name: str, paths: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") or p.startswith(name + ".") for p in paths)


def _v1(ctx: Context) -> Mapped:
    dots = dot_notation(ctx)
    values = ctx.get("values", {})
    if not isinstance(values, dict):
        raise NotExpressible("values is not an object")
    fields = []
    # n8n writes the boolean values, then the numbers, then the texts
    for kind, default in (("boolean", False), ("number", 0), ("string", "")):
        entries = values.get(kind) or []
        if not isinstance(entries, list):
            raise NotExpressible(f"values.{kind} is not a list")
        for _i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise NotExpressible(f"values.{kind} holds something that is not a field")
            name = path(entry.get("name", "propertyName"), dots)
            value = entry.get("value", default)
            if kind == "boolean":
                value = _truthy(ctx, value, f"/fields/{len(fields)}/value")
            else:
                value = value if _is_expression(value) else literal(value)
            fields.append({"name": name, "value": value})
    params: dict[str, Any] = {"fields": fields}
    if ctx.get("keepOnlySet", False):
        params["include"] = "none"
    return Mapped("set", params)


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _truthy(ctx: Context, value: Any, pointer: str) -> Any:
    """n8n's v1 boolean fields hold `!!value`."""
    if not _is_expression(value):
        return bool(value) if not isinstance(value, str) else value not in ("", "false")
    py = ctx.python(value, pointer)
    if py is None:
        return Done(value)
    return Done("={{ " + Translator().truthy(py) + " }}")


def _typed(ctx: Context, name: Any, kind: str, value: Any, dots: bool) -> dict:
    field = {"name": path(name, dots)}
    if _is_expression(value):
        field["value"] = _converted(ctx, kind, value)
        return field
    field["value"] = literal(_convert(kind, value, name))
    return field


# n8n converts what an expression gives to the field's type (checked against n8n 2.8.4):
# text fields write numbers, booleans, arrays and objects as JSON text and keep null;
# number, array and object fields parse text. `{v}` is the value's Python source.
_CONVERSIONS = {
    "string": "{v} if {v} is None or {v} == str({v}) else json_stringify({v})",
    "number": "json_parse({v}) if {v} == str({v}) else {v}",
    "array": "json_parse({v}) if {v} == str({v}) else {v}",
    "object": "json_parse({v}) if {v} == str({v}) else {v}",
}
_ALREADY = {"string": ("str",), "number": ("num", "index"), "array": ("list",), "object": ("obj",)}


def _converted(ctx: Context, kind: str, value: str) -> Any:
    """An expression of a typed field, with n8n's conversion where its kind may need one."""
    from .expressions import Translator, split_template

    if kind not in _CONVERSIONS:
        return value
    try:
        parts = split_template(value[1:])
    except Untranslatable:
        return value  # the expression pass reports it
    if len(parts) != 1 or not isinstance(parts[0], tuple):
        return value  # text around the expression: the value is text already
    try:
        py = Translator().top(parts[0][1])
    except (Untranslatable, RecursionError):
        return value
    if py.kind in _ALREADY[kind]:
        return value
    ctx.total += 1
    ctx.translated += 1
    v = py.text if py.atom else f"({py.text})"
    if kind == "string" and py.kind in ("num", "index", "bool"):
        return Done("={{ json_stringify(" + py.text + ") }}")
    return Done("={{ " + _CONVERSIONS[kind].format(v=v) + " }}")


def _convert(kind: str, value: Any, name: Any) -> Any:
    """A literal of a typed field, converted as n8n converts it."""
    if kind == "string":
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value) if isinstance(value, int) or not value.is_integer() else str(int(value))
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise NotExpressible(f"the number field {name!r} holds {value!r}") from None
            if "_" in value or number != number or number in (float("inf"), float("-inf")):
                raise NotExpressible(f"the number field {name!r} holds {value!r}")
            return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
        if value is None:
            return None
        raise NotExpressible(f"the number field {name!r} holds {value!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        if value is None or value == "":
            return False
        raise NotExpressible(f"the boolean field {name!r} holds {value!r}")
    if kind in ("array", "object"):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise NotExpressible(f"the {kind} field {name!r} is not JSON") from None
        wanted = list if kind == "array" else dict
        if not isinstance(value, wanted):
            raise NotExpressible(f"the {kind} field {name!r} holds {json.dumps(value)[:40]}")
        return value
    raise NotExpressible(f"the field type {kind} has no NodeFox equivalent")


def _object_literal(ctx: Context, text: str, dots: bool) -> tuple[list, bool] | None:
    """`={{ { a: ..., ...$json } }}`: a field per property; spreading `$json` keeps the other fields."""
    from . import _js
    from .expressions import Translator, split_template

    try:
        parts = split_template(text[1:])
    except Untranslatable:
        return None
    trees = [p[1] for p in parts if isinstance(p, tuple)]
    if len(trees) != 1 or any(isinstance(p, str) and p.strip() for p in parts) or not isinstance(trees[0], _js.Obj):
        return None
    fields, keep_all = [], False
    for i, (key, value) in enumerate(trees[0].props):
        if key is None and not (isinstance(value.arg, _js.Ident) and value.arg.name == "$json" and i == 0):
            return None  # another spread: the object as a whole
        if key is not None and not isinstance(key, str):
            return None  # a computed key: the object as a whole
    ctx.total += 1
    try:
        for key, value in trees[0].props:
            if key is None:
                keep_all = True
                continue
            py = Translator().top(value)
            fields.append({"name": path(key, dots), "value": Done("={{ " + py.text + " }}")})
    except Untranslatable as exc:
        ctx.untranslated.append({"node": ctx.name, "path": "/fields", "expression": text[1:], "reason": str(exc)})
        raise NotExpressible(f"its JSON output is not translated: {exc}") from None
    ctx.translated += 1
    return fields, keep_all


def _lone_expression(text: str) -> Any:
    """The tree of `={{ js }}` with nothing but white space around it, else None."""
    from .expressions import split_template

    try:
        parts = split_template(text[1:])
    except Untranslatable:
        return None
    trees = [p[1] for p in parts if isinstance(p, tuple)]
    if len(trees) != 1 or any(isinstance(p, str) and p.strip() for p in parts):
        return None
    return trees[0]


def _whole_object(tree: Any) -> str:
    """The NodeFox expression of a JSON output computed as one JavaScript expression.

    n8n renders the value into the JSON text (an object as JSON.stringify writes it,
    anything else as String() does) and parses that: an object stays itself, text
    is parsed as JSON, and anything that does not give an object fails the item.
    """
    from . import _js
    from .expressions import ANY, OBJ, STR, Translator

    if isinstance(tree, _js.Call) and isinstance(tree.callee, _js.Member) and tree.callee.prop == "stringify" \
            and isinstance(tree.callee.obj, _js.Ident) and tree.callee.obj.name == "JSON" and len(tree.args) == 1:
        tree = tree.args[0]  # n8n parses the text JSON.stringify made
    py = Translator().top(tree)
    v = py.text if py.atom else f"({py.text})"
    if py.kind == OBJ:
        return py.text
    if py.kind == STR:
        return f"json_parse({py.text})"
    if py.kind == ANY:
        return f"json_parse({v}) if {v} == str({v}) else {v}"
    raise Untranslatable(f"the JSON output is a {py.kind}, never an object")


def _raw(ctx: Context, dots: bool) -> list:
    text = ctx.get("jsonOutput", "{}")
    if isinstance(text, str) and text.startswith("="):
        literal_fields = _object_literal(ctx, text, dots)
        if literal_fields is not None:
            fields, keep_all = literal_fields
            if keep_all:
                ctx.keep_all = True  # type: ignore[attr-defined]
            return fields
        tree = _lone_expression(text)
        if tree is not None:
            # one expression giving the whole object: the set node's `object`, key by key
            ctx.total += 1
            try:
                if not dots:
                    raise Untranslatable("a JSON output computed as a whole with dot notation off (NodeFox reads a dotted key as a path)")
                expression = _whole_object(tree)
            except (Untranslatable, RecursionError) as exc:
                reason = str(exc) if isinstance(exc, Untranslatable) else "the expression is nested too deeply"
                ctx.untranslated.append({"node": ctx.name, "path": "/object", "expression": text[1:], "reason": reason})
                raise NotExpressible(f"its JSON output is not translated: {reason}") from None
            ctx.translated += 1
            ctx.whole = Done("={{ " + expression + " }}")  # type: ignore[attr-defined]
            return []
    if isinstance(text, dict):
        data: Any = text
    elif not isinstance(text, str):
        raise NotExpressible("jsonOutput is not text")
    else:
        ctx.total += 1 if text.startswith("=") else 0
        try:
            data, _holes = value_of(text)
        except Untranslatable as exc:
            if not text.startswith("="):
                raise NotExpressible(str(exc)) from None
            ctx.untranslated.append({"node": ctx.name, "path": "/fields", "expression": text[1:], "reason": str(exc)})
            raise NotExpressible(f"its JSON output is not translated: {exc}") from None
        if text.startswith("="):
            ctx.translated += 1
    if isinstance(data, Done):
        raise NotExpressible("a JSON output computed as a whole has no NodeFox equivalent (Set writes named fields)")
    if not isinstance(data, dict):
        raise NotExpressible("the JSON output is not an object")
    return [{"name": path(k, dots) if not k.startswith("=") else Done(k), "value": v if isinstance(v, Done) else literal(v)}
            for k, v in data.items()]  # fmt: skip
