"""n8n node types mapped to NodeFox node types, one function per n8n type.

A mapper reads the n8n node's parameters through a `Context` and returns
`Mapped` (a NodeFox type, params and a port map) or raises `NotExpressible`
when a parameter has no NodeFox equivalent, which makes the node a placeholder.
n8n expressions are left in the params as they are; the translator rewrites
them afterwards. A value a mapper has already written in NodeFox's own
spelling is wrapped in `Done` so it is not rewritten again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .expressions import Py, Untranslatable, _string, translate_js, translate_template


class NotExpressible(Exception):
    """A parameter of a mapped node type that NodeFox cannot express; the message says which."""


@dataclass(frozen=True)
class Done:
    """A value already in NodeFox's spelling."""

    value: Any


@dataclass
class Ports:
    """Which NodeFox ports n8n's output and input indexes become."""

    outputs: list[list[str]] = field(default_factory=lambda: [["out"]])
    inputs: list[str] = field(default_factory=lambda: ["in"])

    def output(self, index: int, node: dict) -> list[str]:
        if index < len(self.outputs):
            return self.outputs[index]
        if index == len(self.outputs) and node.get("onError") == "errorOutput":
            return ["error"]
        return []

    def input(self, index: int, node: dict) -> str | None:
        return self.inputs[index] if 0 <= index < len(self.inputs) else None


class _Any(Ports):
    """A placeholder: every output is `out`, every input `in`."""

    def output(self, index: int, node: dict) -> list[str]:
        return ["out"]

    def input(self, index: int, node: dict) -> str | None:
        return "in"


@dataclass
class Mapped:
    type: str
    params: dict
    ports: Ports = field(default_factory=Ports)
    divergence: str = ""  # where NodeFox's node differs from n8n's in a documented way
    # further NodeFox nodes one n8n node becomes (type, params), joined by `links`
    # (from part, port, to part, port; part 0 is the first node); port maps may
    # then name a part as (part, port)
    parts: list[tuple[str, dict]] = field(default_factory=list)
    links: list[tuple[int, str, int, str]] = field(default_factory=list)


@dataclass
class Placeholder:
    reason: str
    mapped: bool = False
    code: bool = False
    params: dict | None = None
    ports: Ports = field(default_factory=_Any)


class Context:
    """One n8n node being mapped, and the expression counts of its translation."""

    def __init__(self, raw: dict, name: str):
        params = raw.get("parameters", {})
        # parameters that are not an object are refused when the node is mapped
        self.malformed = params is not None and not isinstance(params, dict)
        params = params if isinstance(params, dict) else {}
        self.raw = raw
        self.name = name
        self.params = params
        version = raw.get("typeVersion", 1)
        self.version = float(version) if type(version) in (int, float) else 1.0
        self.total = 0
        self.translated = 0
        self.untranslated: list[dict] = []
        self.graph: Any = None  # the workflow's connections (translate.Graph), for pairs of nodes
        self.dropped: list[dict] = []  # parameters not carried over, reported per node
        self.notes: list[str] = []  # documented differences from n8n, reported per node

    def drop(self, where: str, reason: str) -> None:
        """Report an n8n parameter (`where`, its path in n8n's parameters) the translation leaves out."""
        self.dropped.append({"node": self.name, "parameter": where, "reason": reason})

    def differ(self, note: str) -> None:
        """Report a way the translated node behaves differently from n8n's."""
        if note not in self.notes:
            self.notes.append(note)

    def get(self, path: str, default: Any = None) -> Any:
        """A parameter by dotted path (`options.dotNotation`), or `default`."""
        value: Any = self.params
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return default if value is None else value

    def list(self, path: str) -> list:
        value = self.get(path, [])
        if not isinstance(value, list):
            raise NotExpressible(f"{path} is not a list")
        return [v for v in value if isinstance(v, dict)] if value and isinstance(value[0], dict) else value

    def text(self, path: str, default: str = "") -> str:
        value = self.get(path, default)
        if not isinstance(value, str):
            raise NotExpressible(f"{path} is not text")
        return value

    def literal(self, path: str, default: str = "") -> str:
        value = self.text(path, default)
        if value.startswith("="):
            raise NotExpressible(f"{path} is an expression; NodeFox needs it fixed")
        return value

    def translate(self, text: str, pointer: str) -> str:
        """The expression pass: one n8n template, translated or kept and reported."""
        self.total += 1
        outcome = translate_template(text)
        if outcome.ok:
            self.translated += 1
            return outcome.text
        self.untranslated.append(
            {"node": self.name, "path": pointer or "/", "expression": text[1:], "reason": outcome.reason}
        )
        return text

    def python(self, value: Any, pointer: str) -> Py | None:
        """A parameter value as a Python operand, for params NodeFox spells as one expression.

        Counts as one expression when the value is one; None (and reported) when it
        cannot be translated.
        """
        if isinstance(value, str) and value.startswith("="):
            body = value[1:].strip()
            self.total += 1
            try:
                if not (body.startswith("{{") and body.endswith("}}")):
                    raise Untranslatable("text with expressions inside a combined test")
                py = translate_js(body[2:-2])
            except Untranslatable as exc:
                self.untranslated.append({"node": self.name, "path": pointer, "expression": value[1:], "reason": str(exc)})
                return None
            self.translated += 1
            return py
        return Py(_literal_python(value))


def _literal_python(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        return repr(value)
    return _py_json(value)


def _py_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))}: {_literal_python(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_literal_python(v) for v in value) + "]"
    return _literal_python(value)


def literal(value: Any) -> Any:
    """A literal value for NodeFox params: text starting with `=` must not read as an expression."""
    if isinstance(value, str) and value.startswith("="):
        return Done("={{ " + _string(value) + " }}")
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


# one segment of a lodash path: a name, `[0]`, `['key']` or `["key"]`
_SEGMENT = re.compile(r"""([^.\[\]]+)|\[(?:([^"'\[\]][^\[\]]*)|(["'])((?:(?!\3)[^\\]|\\.)*?)\3)\]""")


def lodash_segments(name: str) -> list[str] | None:
    """The keys lodash reads in a path (`a[0]['b c'].d`), or None for a path it reads otherwise than plainly."""
    keys, i, after_key = [], 0, False
    if name.startswith("."):
        keys.append("")
        i = 1
    while i < len(name):
        if name[i] == ".":
            if not after_key:
                keys.append("")
            i, after_key = i + 1, False
            continue
        m = _SEGMENT.match(name, i)
        if m is None or (after_key and m.group(1) is not None):
            return None
        key = m.group(1) or m.group(2)
        if key is None:
            key = re.sub(r"\\(.)", r"\1", m.group(4))
        keys.append(key)
        i, after_key = m.end(), True
    if name.endswith(".") and name:
        keys.append("")
    return keys


def path(name: Any, dot_notation: bool = True) -> Any:
    """An n8n field name (lodash path) as a NodeFox field path."""
    if not isinstance(name, str):
        raise NotExpressible("a field name that is not text")
    if name.startswith("="):
        return name  # an expression: translated with the others
    if not dot_notation and "." in name:
        raise NotExpressible(f"the field name {name!r} has a dot but dot notation is off; NodeFox paths always read dots")
    if "[" not in name and "]" not in name or not dot_notation:
        return name
    keys = lodash_segments(name)
    if keys is None or any("." in k for k in keys):
        raise NotExpressible(f"the field path {name!r} names a key NodeFox paths cannot (a dot inside brackets)")
    return ".".join(keys)


def names(text: Any, dots: bool = True) -> list[str]:
    """n8n's comma-separated field names (`dots`: the node reads dots as paths)."""
    if isinstance(text, list):
        return [path(t, dots) for t in text]
    if not isinstance(text, str):
        raise NotExpressible("a list of field names that is not text")
    text = fixed(text)
    if text.startswith("="):
        raise NotExpressible("a list of field names given by an expression")
    return [path(t.strip(), dots) for t in text.split(",") if t.strip()]


def dot_notation(ctx: Context) -> bool:
    return not ctx.get("options.disableDotNotation", False) and ctx.get("options.dotNotation", True) is not False


# -- simple types -----------------------------------------------------------------------


def trigger(ctx: Context) -> Mapped:
    return Mapped("trigger", {}, Ports([["out"]], []))


def noop(ctx: Context) -> Mapped:
    return Mapped("noop", {})


def code(ctx: Context) -> Placeholder:
    """JavaScript code is kept in the notes of a disabled `code` node."""
    if ctx.raw["type"].endswith(".code"):
        js = ctx.get("jsCode") if ctx.get("language", "javaScript") == "javaScript" else ctx.get("pythonCode")
        each = ctx.get("mode") == "runOnceForEachItem"
    else:
        js = ctx.get("functionCode")
        each = ctx.raw["type"].endswith(".functionItem")
    language = "Python" if ctx.get("language") in ("python", "pythonNative") else "JavaScript"
    body = "return item" if each else "return items"
    header = f"# n8n {language} code, not translated (the original is in the notes)\n"
    params = {"code": header + body, "mode": "each" if each else "all"}
    placeholder = Placeholder(f"{language} code is not translated", mapped=True, code=True, params=params)
    placeholder.code_text = js if isinstance(js, str) else ""  # type: ignore[attr-defined]
    return placeholder


def sort(ctx: Context, prefix: str = "") -> Mapped:
    kind = ctx.get(prefix + "type", "simple")
    if kind != "simple":
        raise NotExpressible(f"sorting by {kind} has no NodeFox equivalent")
    fields = []
    for f in ctx.list(prefix + "sortFieldsUi.sortField"):
        order = f.get("order", "ascending")
        fields.append({"field": path(f.get("fieldName", ""), dot_notation(ctx)), "order": "desc" if order == "descending" else "asc"})
    return Mapped("sort", {"fields": fields})


def limit(ctx: Context) -> Mapped:
    n = ctx.get("maxItems", 1)
    if not (type(n) is int and n >= 0) and not (isinstance(n, str) and n.startswith("=")):
        if type(n) is float and n.is_integer() and n >= 0:
            n = int(n)
        else:
            raise NotExpressible("maxItems is not a whole number")
    keep = "last" if ctx.get("keep", "firstItems") == "lastItems" else "first"
    return Mapped("limit", {"max": n, "keep": keep})


def dedupe(ctx: Context) -> Mapped:
    if ctx.raw["type"].endswith("removeDuplicates") and ctx.version >= 2:
        op = ctx.get("operation", "removeDuplicateInputItems")
        if op != "removeDuplicateInputItems":
            raise NotExpressible(f"the operation {op} keeps state between runs; NodeFox runs keep none")
    compare = ctx.get("compare", "allFields")
    keep_only = ctx.get("options.removeOtherFields", False)
    if compare == "allFields":
        if keep_only:
            raise NotExpressible("removing the other fields after comparing all fields has no exact NodeFox equivalent")
        return Mapped("dedupe", {"fields": []})
    if compare == "selectedFields":
        raw = ctx.get("fieldsToCompare", "")
        if isinstance(raw, dict):
            fields = [path(f.get("fieldName", ""), dot_notation(ctx)) for f in raw.get("fields", []) if isinstance(f, dict)]
        else:
            fields = names(raw, dot_notation(ctx))
        if not fields:
            raise NotExpressible("no fields to compare")
        if keep_only:
            # n8n keeps only the compared fields (lodash's pick): dedupe, then keep those paths
            return Mapped("dedupe", {"fields": fields}, Ports([[(1, "out")]], ["in"]),
                          parts=[("set", {"fields": [], "include": "selected", "selected": fields})],
                          links=[(0, "out", 1, "in")])
        return Mapped("dedupe", {"fields": fields})
    raise NotExpressible(f"comparing {compare} has no NodeFox equivalent")


_NOT_EMPTY = {"conditions": [{"left": Done("={{ $json }}"), "op": "notEmpty"}]}


def top_level(text: Any, what: str) -> list[str]:
    """Comma-separated names n8n reads as top-level keys (or as keys NodeFox would read the same way)."""
    keys = names(text)
    if not keys:
        raise NotExpressible(f"no {what}")
    if any("." in k for k in keys):
        raise NotExpressible(f"the {what} include a dotted name, which n8n reads as one key and NodeFox as a path")
    return keys


def fixed(value: Any) -> Any:
    """A parameter n8n evaluates: `=text` without `{{ }}` is the text itself."""
    if isinstance(value, str) and value.startswith("=") and "{{" not in value:
        return value[1:]
    return value


_SPLIT_MARK = "__nodefox_split"  # fields only the split's own nodes write and read


def split_out(ctx: Context) -> Mapped:
    """n8n's Split Out (and Item Lists' split out), checked against n8n's node source.

    Each field's list (a value that is not a list is one element) is split; with
    several fields, item k holds element k of each (`zip`). An element goes under
    the destination or, without one, under the field's name as written (`a.b` is
    one key), except that n8n spreads an object element of a single field into the
    item when it keeps no other fields (a documented divergence).
    """
    raw = fixed(ctx.get("fieldToSplitOut", ""))
    if isinstance(raw, str) and raw.startswith("="):
        raise NotExpressible("a list of field names given by an expression")
    if not isinstance(raw, str):
        raise NotExpressible("a list of field names that is not text")
    itemlists = ctx.raw["type"].endswith("itemLists")
    fields = [f.strip() for f in raw.split(",")]
    fields = [f.removeprefix("$json.") for f in (fields if itemlists else [f for f in fields if f])]
    several = len(fields) > 1
    if several and itemlists and ctx.version < 3:
        raise NotExpressible("splitting out several fields at once in this Item Lists version has no NodeFox equivalent")
    if not fields or all(not f for f in fields):
        raise NotExpressible("no field to split out")
    dots = not ctx.get("options.disableDotNotation", False)
    dest_raw = fixed(ctx.get("options.destinationFieldName", "") or ctx.get("destinationFieldName", ""))
    if not isinstance(dest_raw, str) or dest_raw.startswith("="):
        raise NotExpressible("a destination given by an expression")
    dests = [d.strip() for d in dest_raw.split(",") if d.strip()]
    if dests and len(dests) != len(fields):
        raise NotExpressible("a number of destination fields other than of fields to split out (n8n fails)")
    include = fixed(ctx.get("include", "noOtherFields"))
    pairs = [(path(f, dots), dests[k] if dests else f) for k, f in enumerate(fields) if f]
    if include == "selectedOtherFields":
        return _split_out_selected(ctx, pairs, dots)
    if include not in ("noOtherFields", "allOtherFields", ""):
        raise NotExpressible(f"including {include} has no NodeFox equivalent")
    params = _split_params(pairs)
    if include == "allOtherFields":
        params["include"] = "all"
    note = ""
    if include == "noOtherFields" and not dests and not several:
        note = "n8n emits an object element as the item itself; NodeFox as {field: element}"
    return Mapped("split_out", params, divergence=note)


def _split_params(pairs: list[tuple[str, str]]) -> dict:
    """split_out's params for (NodeFox path, key) pairs: the first is `field`, the rest `zip`."""
    from ..paths import last_segment

    def one(field: str, key: str) -> dict:
        return {"field": field, **({"destination": key} if key != last_segment(field) else {})}

    params = one(*pairs[0])
    if len(pairs) > 1:
        params["zip"] = [one(*p) for p in pairs[1:]]
    return params


def _split_out_selected(ctx: Context, pairs: list[tuple[str, str]], dots: bool) -> Mapped:
    """Split Out keeping selected other fields: a `set` keeping those fields and copying each list
    to a field of its own, then `split_out` of those lists with the item's other fields.

    n8n gives the elements under their keys, then each selected field's value under
    its name; the two nodes give the same keys and values, the selected fields first.
    """
    raw = fixed(ctx.get("fieldsToInclude", ""))
    if not isinstance(raw, str) or raw.startswith("="):
        raise NotExpressible("fields to include given by an expression or not as text")
    others = [f.strip() for f in raw.split(",") if f.strip()]
    if not dots or not others or any(c in o for o in others for c in ".[]"):
        raise NotExpressible("fields to include with dot notation off, none, or a path (n8n writes it as one flat key)")
    keys = [key for _, key in pairs]
    if any(o in keys for o in others):
        raise NotExpressible("a field to include that is also a key of the split elements")
    marks = [f"{_SPLIT_MARK}{k}" for k in range(len(pairs))]
    fields = [{"name": m, "value": Done("={{ lookup($json, " + _string(f) + ") }}")} for m, (f, _) in zip(marks, pairs, strict=True)]
    keep = {"fields": fields, "include": "selected", "selected": others}
    split = _split_params([(m, key) for m, (_, key) in zip(marks, pairs, strict=True)])
    split["include"] = "all"
    return Mapped("set", keep, Ports([[(1, "out")]], ["in"]), parts=[("split_out", split)], links=[(0, "out", 1, "in")])


def aggregate(ctx: Context) -> Mapped:
    mode = ctx.get("aggregate", "aggregateIndividualFields")
    if mode == "aggregateAllItemData":
        dest = ctx.get("destinationFieldName", "data")
        if not isinstance(dest, str) or dest.startswith("="):
            raise NotExpressible("a destination given by an expression")
        include = ctx.get("include", "allFields")
        if include == "allFields":
            return Mapped("aggregate", {"all": True, "as": dest})
        # n8n keeps (or drops) those top-level keys of each item, skips the items left
        # empty, and aggregates the rest: set (or remove), filter, aggregate
        if include == "specifiedFields":
            first = ("set", {"fields": [], "include": "selected", "selected": top_level(ctx.get("fieldsToInclude", ""), "fields to include")})
        elif include == "allFieldsExcept":
            first = ("remove", {"fields": top_level(ctx.get("fieldsToExclude", ""), "fields to exclude")})
        else:
            raise NotExpressible(f"aggregating {include} has no NodeFox equivalent")
        return Mapped(first[0], first[1], Ports([[(2, "out")]], ["in"]),
                      parts=[("filter", dict(_NOT_EMPTY)), ("aggregate", {"all": True, "as": dest})],
                      links=[(0, "out", 1, "in"), (1, "kept", 2, "in")])
    return _aggregate_fields(ctx)


def _aggregate_fields(ctx: Context) -> Mapped:
    """Aggregate of individual fields, as n8n's node computes it.

    n8n leaves out missing and null values and the nulls inside lists (all kept
    with `keepMissing`, missing ones then as null), gathers a list's elements with
    `mergeLists`, and writes each list under the output name or the field's last
    segment, which it sets as a lodash path.
    """
    if ctx.raw["type"].endswith("itemLists") and ctx.version < 3 and not ctx.get("options.keepMissing", False):
        ctx.differ("n8n fails when no item has a field to aggregate; NodeFox gathers an empty list")
    dots = not ctx.get("options.disableDotNotation", False)
    fields, outputs = [], set()
    entries = ctx.list("fieldsToAggregate.fieldToAggregate")
    if not entries:
        raise NotExpressible("no fields to aggregate (n8n fails)")
    for f in entries:
        name = fixed(f.get("fieldToAggregate", ""))
        if not isinstance(name, str) or name.startswith("="):
            raise NotExpressible("a field to aggregate given by an expression")
        if not name:
            continue  # n8n skips an empty field
        out = fixed(f.get("outputFieldName", ""))
        if not isinstance(out, str) or out.startswith("="):
            raise NotExpressible("an output field given by an expression")
        if not out:
            out = name.split(".")[-1] if dots and "." in name else name
        keys = lodash_segments(out) if dots else [out]
        if keys is None or len(keys) != 1:
            raise NotExpressible(f"the output field {out!r} is a path, which n8n writes nested")
        if keys[0] in outputs:
            raise NotExpressible(f"the output field {keys[0]!r} is used twice (n8n fails)")
        outputs.add(keys[0])
        fields.append({"field": path(name, dots), "as": keys[0]})
    params: dict[str, Any] = {"fields": fields}  # empty fields only: n8n gives one empty item
    if ctx.get("options.keepMissing", False):
        params["missing"] = "null"
    else:
        params["nulls"] = "drop"
    if ctx.get("options.mergeLists", False):
        params["flatten"] = True
    return Mapped("aggregate", params)


_SUMMARY = {
    "average": ("avg", "average"), "count": ("count", "count"), "countUnique": ("countUnique", "unique_count"),
    "max": ("max", "max"), "min": ("min", "min"), "sum": ("sum", "sum"), "concatenate": ("concat", "concatenated"),
    "append": ("append", "appended"),
}  # fmt: skip
_SEPARATORS = {"comma": ",", "commaSpace": ", ", "newline": "\n", "none": "", "space": " "}


def summarize(ctx: Context) -> Mapped:
    if ctx.get("options.outputFormat", "separateItems") != "separateItems" and ctx.get("fieldsToSplitBy"):
        raise NotExpressible("one item for all groups has no NodeFox equivalent")
    if ctx.get("options.skipEmptySplitFields"):
        raise NotExpressible("skipping empty group fields has no NodeFox equivalent")
    aggregations, separators = [], set()
    for f in ctx.list("fieldsToSummarize.values"):
        op = f.get("aggregation", "count")
        if op not in _SUMMARY:
            raise NotExpressible(f"the aggregation {op} has no NodeFox equivalent")
        if f.get("includeEmpty"):
            raise NotExpressible("counting empty values has no NodeFox equivalent")
        field_name = f.get("field", "")
        if not isinstance(field_name, str) or field_name.startswith("="):
            raise NotExpressible("a field given by an expression")
        nf_op, label = _SUMMARY[op]
        # n8n's output name: brackets and quotes dropped, spaces and dots made underscores
        name = re.sub(r"[ .]", "_", re.sub(r'[\]\["]', "", f"{label}_{field_name}"))
        entry = {"op": nf_op, "field": path(field_name, dot_notation(ctx)), "as": name}
        if op in ("count", "countUnique", "concatenate", "min", "max", "append"):
            entry["skipEmpty"] = True  # n8n leaves out empty text there, as it does null
        if op == "concatenate":
            sep = f.get("separateBy", ",")
            separators.add(f.get("customSeparator", "") if sep == "other" else _SEPARATORS.get(sep, sep))
        aggregations.append(entry)
    params: dict[str, Any] = {"groupBy": names(ctx.get("fieldsToSplitBy", "")), "aggregations": aggregations}
    if len(separators) > 1:
        raise NotExpressible("several concatenations with different separators")
    if separators:
        params["separator"] = separators.pop()
    note = "groups come in order of first appearance; n8n nests them by field" if len(params["groupBy"]) > 1 else ""
    return Mapped("summarize", params, divergence=note)


def rename(ctx: Context) -> Mapped:
    if ctx.get("additionalOptions.regexReplacement"):
        raise NotExpressible("renaming by regular expression has no NodeFox equivalent")
    keys = [{"from": path(k.get("currentKey", "")), "to": path(k.get("newKey", ""))} for k in ctx.list("keys.key")]
    return Mapped("rename", {"keys": keys})


def item_lists(ctx: Context) -> Mapped:
    op = ctx.get("operation", "splitOutItems")
    mapper = {
        "splitOutItems": split_out, "aggregateItems": aggregate, "concatenateItems": aggregate,
        "removeDuplicates": dedupe, "sort": sort, "limit": limit, "summarize": summarize,
    }.get(op)  # fmt: skip
    if mapper is None:
        raise NotExpressible(f"the Item Lists operation {op} has no NodeFox equivalent")
    return mapper(ctx)
