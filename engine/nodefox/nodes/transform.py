"""Transform nodes: reshape items one by one or as a list."""

from __future__ import annotations

import operator
from itertools import compress
from typing import Any

from .. import _json, limits, paths
from .._guards import type_name
from ..errors import NodeError, NodeFoxError
from ..expressions.compiler import compile_loop
from ..functions import number_sum
from .base import PATH, PATHS, NodeCall, NodeType, Outputs, key_reader, obj_schema

# -- set -------------------------------------------------------------------------


_UNSET = object()


def _literal(value: Any) -> bool:
    if type(value) is str:
        return not value.startswith("=")
    return type(value) is not list or all(_literal(v) for v in value)


def _set_plan(call: NodeCall) -> tuple | None:
    """How this definition's items are set, worked out once per plan: None when include,
    selected or the whole fields list are expressions (params then resolve per item), else
    (include, selected, writers, fixed: every field has a fixed top-level name)."""
    params = call.plan.params
    include = params.get("include", "all")
    selected = params.get("selected") or []
    if not (_literal(include) and _literal(selected) and type(params.get("fields")) is list) or "object" in params:
        return None
    writers = [_field_writer(call, k) for k in range(len(params.get("fields") or []))]
    return include, selected, writers, all(w[0] is not None for w in writers)


def run_set(call: NodeCall) -> Outputs:
    memo = call.plan.memo
    plan = memo.get("set", _UNSET)
    if plan is _UNSET:
        plan = memo["set"] = _set_plan(call)
    if plan is None:
        return _run_set_resolved(call)
    include, selected, writers, fixed = plan
    context = call.context
    out: list = []
    append = out.append
    if include == "all" and fixed:
        # the common case, kept tight: fields with fixed top-level names
        items = call.first
        loop = memo.get("loop", _UNSET)
        if loop is _UNSET and len(items) >= _LOOP_FROM and _loop_pays(memo, len(items)):
            loop = memo["loop"] = _set_loop(call, writers)
        if loop is not _UNSET and loop is not None:  # the whole loop one function, the expressions in it
            try:
                loop[0](items, context, out, *loop[1])
                return {"out": out}
            except Exception:  # an item that fails: all again item by item, where errors get their words
                out.clear()
        if len(writers) == 1:
            name, _, value_of = writers[0]
            try:  # the hottest path, kept tight; an item that fails redoes them item by item
                for index, item in enumerate(items):
                    new = dict(item)
                    new[name] = value_of(item, index, context)
                    append(new)
                return {"out": out}
            except NodeFoxError:
                out.clear()

            def one(item: dict, index: int) -> None:
                new = dict(item)
                new[name] = value_of(item, index, context)
                append(new)

            call.each(one, out)
            return {"out": out}
        pairs = [(name, value_of) for name, _, value_of in writers]

        def fixed_names(item: dict, index: int) -> None:
            new = dict(item)
            for name, value_of in pairs:
                new[name] = _detached(value_of(new, index, context))
            append(new)

        call.each(fixed_names, out)
        return {"out": out}
    top_level = all(type(p) is str and p and "." not in p for p in selected)
    if fixed and include in ("none", "selected") and (include == "none" or top_level):
        constant = [call.plan.fixed("fields", k, "value") for k in range(len(writers))]
        if all(known for known, _ in constant):
            made = _fresh_items(call.first, selected if include == "selected" else (),
                                tuple(w[0] for w in writers), tuple(v for _, v in constant))  # fmt: skip
            if made is not None:
                return {"out": made}
    if fixed and len(writers) == 1 and (include == "none" or (include == "selected" and top_level)):
        # one field on a new item (nothing, or the selected top-level keys): what `general`
        # does for it, without its per-item loop over writers
        name, _, value_of = writers[0]
        keep = selected if include == "selected" else ()

        def fresh(item: dict, index: int) -> None:
            new = {p: item[p] for p in keep if p in item}
            new[name] = value_of(item, index, context)
            append(new)

        call.each(fresh, out)
        return {"out": out}

    def general(item: dict, index: int) -> None:
        if include == "all":
            new = dict(item)
            view = new
        else:
            new = {} if include == "none" else _selected(item, selected, top_level)
            view = item
        append(_write_fields(new, view, item, index, writers, context))

    call.each(general, out)
    return {"out": out}


def _write_fields(new: dict, view: dict, item: dict, index: int, writers: list, context: Any) -> dict:
    """Write each field into `new` in order; each one's name and value read `view` as `$json`,
    which is `new` itself or the input item, given the fields written so far."""
    last = len(writers) - 1
    for k, (fixed, name_of, value_of) in enumerate(writers):
        name = fixed if fixed is not None else name_of(view, index, context)
        if type(name) is not str or not name:
            raise NodeError("a field name must be non-empty text", path=f"/fields/{k}/name")
        value = _detached(value_of(view, index, context))
        try:
            _write(new, name, value)
            if view is not new and k < last:
                view = dict(view) if view is item else view
                _write(view, name, value)
        except NodeError as exc:  # a path the item cannot take (`l.x` where l is an array)
            raise exc.located(path=f"/fields/{k}/name") from None
    return new


def _detached(value: Any) -> Any:
    """A field's value as it is written into the item being made, which later fields read as
    `$json`: an array or object is copied, so that `$json` (or a value holding it) written
    into that item does not hold the item itself."""
    return _json.copy(value) if type(value) is dict or type(value) is list else value


_LOOP_FROM = 256  # items from which set's loop may be built (`_loop_pays`)


def _loop_pays(memo: dict, items: int) -> bool:
    """Whether to build set's loop for a run of `items` (256 or more): building it costs
    what about 1,000 items' fields save, so on a definition's first such run only for
    many items (an edit of the node itself answers sooner without it), and from its second
    (the live session runs it again when something above changes) for any."""
    runs = memo["runs"] = memo.get("runs", 0) + 1
    return items >= 4096 or runs > 1


def _set_loop(call: NodeCall, writers: list) -> tuple | None:
    """(loop, its arguments) for fields of fixed top-level names whose values are constants
    or `={{ expr }}` (`compile_loop`); None when some value is another kind of text."""
    values: list = []
    constants, finishes = [], []
    for k, (_, _, value_of) in enumerate(writers):
        known, constant = call.plan.fixed("fields", k, "value")
        expr, text = getattr(value_of, "expr", None), getattr(value_of, "template", None)
        finish: Any = None
        if known:
            values.append(None)
        elif expr is not None and hasattr(expr.fn, "inline"):
            values.append(expr.fn)
            finish = lambda value, e=expr: _detached(e.finish(value))  # noqa: E731
        elif text is not None and all(type(p) is str or hasattr(p.fn, "inline") for p in text.parts):
            values.append([p if type(p) is str else p.fn for p in text.parts])
            constant = tuple(p if type(p) is str else None for p in text.parts)
            finish = tuple(None if type(p) is str else p.finish for p in text.parts)
        else:
            return None
        constants.append(constant)
        finishes.append(finish)
    try:
        loop = compile_loop(values)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # as compile_checked: not worth an error
        return None
    return loop, (*[w[0] for w in writers], *constants, *finishes)


def _fresh_items(items: list, keep: list, names: tuple, values: tuple) -> list | None:
    """New items of the `keep` keys (top-level) and fields of constant values, each one dict
    display (3.5x the speed of building them key by key); None when some item lacks one of
    those keys (the items are then made one by one, which skips what is missing)."""
    if len(keep) + len(names) > 64:
        return None
    try:
        return _fresh_maker(len(keep), len(names))(items, *keep, *names, *values)
    except KeyError:
        return None


_FRESH: dict[tuple[int, int, bool], Any] = {}


def _fresh_maker(kept: int, fields: int, renamed: bool = False) -> Any:
    """`fresh(items, k0.., n0.., v0..)`: for each item `{k0: item[k0], .., n0: v0, ..}`. A name
    also kept takes its place and the field's value, as in the loop it replaces. `renamed`:
    `fresh(items, k0.., r0..)` makes `{r0: item[k0], ..}` instead (rename). Built once per
    shape; its source holds no text of the workflow's (keys and values are arguments)."""
    fn = _FRESH.get((kept, fields, renamed))
    if fn is None:
        ks, ns, vs = ([f"{c}{i}" for i in range(n)] for c, n in (("k", kept), ("n", fields), ("v", fields)))
        if renamed:
            ns = [f"r{i}" for i in range(kept)]
            body = ", ".join(f"{r}: it[{k}]" for r, k in zip(ns, ks, strict=True))
        else:
            body = ", ".join([f"{k}: it[{k}]" for k in ks] + [f"{n}: {v}" for n, v in zip(ns, vs, strict=True)])
        scope: dict[str, Any] = {}
        exec(f"def fresh({', '.join(['items', *ks, *ns, *vs])}):\n    return [{{{body}}} for it in items]",  # noqa: S102
             {"__builtins__": {}}, scope)  # fmt: skip
        fn = _FRESH[(kept, fields, renamed)] = scope["fresh"]
    return fn


def _run_set_resolved(call: NodeCall) -> Outputs:
    """`set` whose include or selected are expressions, whose whole fields list is one, or
    that writes an `object`: those params resolved per item. Fields listed one by one still
    see the fields before them (and the object) through `$json`; a list that is one
    expression gives its values whole, evaluated against the input item."""
    plan, context = call.plan, call.context
    out: list = []
    listed = type(plan.params.get("fields")) is list
    writers = [_field_writer(call, k) for k in range(len(plan.params["fields"]))] if listed else []
    others = [k for k in plan.params if k != "fields"] if listed else []

    def resolved(item: dict, index: int) -> None:
        if listed:  # the fields are written below, one by one
            params = call.checked({**{k: plan.part(k)(item, index, context) for k in others}, "fields": []})
        else:
            params = call.params_at(index, item)
        include = params.get("include", "all")
        new = dict(item) if include == "all" else {} if include == "none" else _selected(item, params.get("selected") or [])
        view = new if include == "all" else item
        whole = params.get("object", _UNSET)
        if whole is not _UNSET:
            if type(whole) is not dict:
                raise NodeError(f"object must be an object, not {type_name(whole)}", path="/object")
            if view is item and writers:
                view = dict(item)
            for name, value in whole.items():
                _write(new, name, value)
                if view is not new and writers:
                    _write(view, name, value)
        if listed:
            out.append(_write_fields(new, view, item, index, writers, context))
            return
        for k, field in enumerate(params["fields"]):
            if not field["name"]:
                raise NodeError("a field name must be non-empty text", path=f"/fields/{k}/name")
            _write(new, field["name"], field.get("value"))
        out.append(new)

    call.each(resolved, out)
    return {"out": out}


def _field_writer(call: NodeCall, k: int) -> tuple:
    """(fixed top-level name or None, name resolver, value resolver) of field k."""
    field = call.plan.params["fields"][k]
    if type(field) is not dict:
        raise NodeError("a field must be an object with name and value", path=f"/fields/{k}")
    name = field.get("name")
    fixed = name if type(name) is str and name and "." not in name and name[0] != "=" else None
    return fixed, call.plan.part("fields", k, "name"), call.plan.part("fields", k, "value")


def _write(target: dict, name: str, value: Any) -> None:
    if "." in name:
        paths.set_(target, name, value)
    else:
        target[name] = value


def _selected(item: dict, selected: list, top_level: bool = False) -> dict:
    """The paths of `selected` that `item` has; `top_level`: they are all plain keys."""
    if top_level:
        return {p: item[p] for p in selected if p in item}
    new: dict = {}
    for path in selected:
        if paths.has(item, path):
            paths.set_(new, path, paths.get(item, path))
    return new


# -- rename / remove -----------------------------------------------------------


def run_rename(call: NodeCall) -> Outputs:
    out: list = []
    params_of = call.item_params()
    once = call.read_once(_renames)
    if once is not None and all("." not in a and "." not in b for a, b in once):
        # top-level keys: what the renames make of each shape of item (its keys in order),
        # worked out once per shape; an item is then one read of its values and one dict
        items = call.first
        shape = tuple(items[0]) if items else ()
        if len(items) >= 64 and len(shape) <= 200 and list(map(tuple, items)).count(shape) == len(items):
            made = _renamed_shape(shape, once)  # one shape (the common case): one comprehension
            if made is not True:
                return {"out": _fresh_maker(len(made[0]), 0, renamed=True)(items, *made[2], *made[0])}
        shapes: dict[tuple, Any] = {}
        for item in items:
            shape = tuple(item)
            made = shapes.get(shape)
            if made is None:
                made = shapes[shape] = _renamed_shape(shape, once)
            out.append(item if made is True else dict(zip(made[0], made[1](item), strict=True)))
        return {"out": out}

    def rename(item: dict, index: int) -> None:
        new = item
        for src, dst in once if once is not None else _renames(params_of(item, index)):
            if not paths.has(new, src):
                continue
            if "." not in src and "." not in dst:
                if dst in new:  # its old value goes; the moved one takes src's place
                    value = new[src]
                    new = {(dst if k == src else k): (value if k == src else v)
                           for k, v in new.items() if k != dst}  # fmt: skip
                else:  # the same, built in C
                    keys = list(new)
                    keys[keys.index(src)] = dst
                    new = dict(zip(keys, new.values(), strict=True))
            else:  # the moved value is appended where it lands, after the keys already there
                value = paths.get(new, src)
                new = dict(new)
                paths.delete(new, src)
                parent = dst.rpartition(".")[0]
                if type(paths.get(new, parent)) is dict:  # an array keeps its positions
                    paths.delete(new, dst)
                paths.set_(new, dst, value)
        out.append(new)

    call.each(rename, out)
    return {"out": out}


def _renamed_shape(keys: tuple, renames: list[tuple[str, str]]) -> Any:
    """For items with these top-level keys in this order: (new keys, a reader of the values
    they take), as the renames below make them one after the other; True when none applies."""
    pairs = [(k, k) for k in keys]  # (key, the item's key whose value it holds)
    for src, dst in renames:
        at = next((i for i, (k, _) in enumerate(pairs) if k == src), None)
        if at is None:
            continue
        value = pairs[at][1]
        # an existing dst's value goes; the moved one takes src's place
        pairs = [(dst, value) if i == at else p for i, p in enumerate(pairs) if p[0] != dst or i == at]
    if all(k == v for k, v in pairs) and len(pairs) == len(keys):
        return True
    sources = [v for _, v in pairs]
    read = operator.itemgetter(*sources) if len(sources) != 1 else (lambda item: (item[sources[0]],))
    return [k for k, _ in pairs], (read if sources else lambda item: ()), sources


def _renames(params: dict) -> list[tuple[str, str]]:
    """The (from, to) pairs of a rename node's params that move something."""
    pairs = [(p.get("from"), p.get("to")) for p in params.get("keys") or []]
    return [(a, b) for a, b in pairs if isinstance(a, str) and isinstance(b, str) and a != b]


def run_remove(call: NodeCall) -> Outputs:
    out: list = []
    params_of = call.item_params()
    fixed = call.fixed_params()
    drop = [p for p in (fixed or {}).get("fields") or [] if isinstance(p, str) and p]
    if fixed is not None and all("." not in p for p in drop):  # top-level keys: one loop
        append = out.append
        for item in call.first:
            new = dict(item)
            for key in drop:
                new.pop(key, None)
            append(new)
        return {"out": out}

    def remove(item: dict, index: int) -> None:
        new = dict(item)
        for path in params_of(item, index).get("fields") or []:
            if isinstance(path, str):
                paths.delete(new, path)
        out.append(new)

    call.each(remove, out)
    return {"out": out}


# -- sort / limit / dedupe ----------------------------------------------------------

_RANK = {"number": 0, "string": 1, "boolean": 2, "array": 3, "object": 4}


def _sort_key(value: Any) -> tuple:
    kind = type_name(value)
    if kind in ("number", "string", "boolean"):
        return (_RANK[kind], value)
    return (_RANK.get(kind, 5), _json.dumps(value))


_NUMBERS, _TEXT = frozenset({int, float}), frozenset({str})


_value = operator.itemgetter(0)


def _ranked(pair: tuple) -> tuple:
    return _sort_key(pair[0])


def run_sort(call: NodeCall) -> Outputs:
    fields = call.params().get("fields") or []
    items = list(call.first)
    for i in range(len(fields) - 1, -1, -1):
        spec = fields[i]
        path = spec.get("field")
        if not isinstance(path, str):
            raise NodeError("the sort field must be a field path", path=f"/fields/{i}/field")
        order = spec.get("order", "asc")
        if order not in ("asc", "desc"):
            raise NodeError("order must be 'asc' or 'desc'", path=f"/fields/{i}/order")
        values = list(paths.values(items, path))
        kinds = set(map(type, values))
        if kinds <= _NUMBERS or kinds == _TEXT:  # nothing missing, values that order as they are:
            # sorted from C (a stable sort, as below): a top-level key read by itemgetter,
            # else positions by value (a call per item of a bound method costs more in Pyodide)
            if "." not in path:
                items.sort(key=operator.itemgetter(path), reverse=order == "desc")
            else:
                ranks = sorted(range(len(items)), key=values.__getitem__, reverse=order == "desc")
                items = [items[i] for i in ranks]
            continue
        keyed = list(zip(values, items, strict=True))
        present = [(v, it) for v, it in keyed if v is not None]
        absent = [it for v, it in keyed if v is None]
        kinds = {type(v) for v, _ in present}
        # all numbers or all text: _sort_key would rank them alike, so the values order as they are
        plain = kinds <= _NUMBERS or kinds == _TEXT
        present.sort(key=_value if plain else _ranked, reverse=order == "desc")
        items = [it for _, it in present] + absent
    return {"out": items}


def run_limit(call: NodeCall) -> Outputs:
    params = call.params()
    limit = params.get("max")
    if type(limit) is float and limit.is_integer():  # 1.0 is an integer to JSON Schema, and 4 / 2 is 2.0
        limit = int(limit)
    if type(limit) is not int or limit < 0:
        raise NodeError(f"max must be a whole number >= 0, not {_json.dumps(limit)}", path="/max")
    keep = params.get("keep", "first")
    items = call.first
    if keep == "last":
        return {"out": items[len(items) - limit :] if limit else []}
    return {"out": items[:limit]}


def run_dedupe(call: NodeCall) -> Outputs:
    fields = call.params().get("fields") or []
    items = call.first
    values = _keyed_values(items, fields[0]) if len(fields) == 1 else None
    if values is not None:  # each value's first item, found from C (the last write of each
        # value, going backwards, is its first)
        firsts = dict(zip(reversed(values), range(len(values) - 1, -1, -1), strict=True))
        return {"out": [items[i] for i in sorted(firsts.values())]}
    seen: set = set()
    out = []
    key_of = key_reader(fields) if fields else _json.dumps
    for item in call.first:
        key = key_of(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return {"out": out}


# -- split_out / aggregate / summarize ---------------------------------------------


def run_split_out(call: NodeCall) -> Outputs:
    out: list = []
    params_of = call.item_params()
    once = call.read_once(_split_params)
    if once is not None and not once[2] and "." not in once[0]:  # a top-level field: one loop
        _split_top(call.first, *once[:2], once[3], out)
        return {"out": out}

    def split(item: dict, index: int) -> None:
        params = params_of(item, index)
        field, dest, zipped, include_all = once or _split_params(params)
        if zipped:
            _split_zipped(item, [(field, dest), *_zip_fields(zipped)], params, out)
            return
        value = paths.get(item, field)
        values = [] if value is None else value if type(value) is list else [value]
        if len(values) > 1:  # chained, split_outs multiply
            limits.reserve(len(out) + len(values))
        if include_all:
            base = dict(item)
            paths.delete(base, field)
            out.extend({**base, dest: v} for v in values)
        else:
            out.extend({dest: v} for v in values)

    call.each(split, out)
    return {"out": out}


def _split_top(items: list, field: str, dest: str, include_all: bool, out: list) -> None:
    """`split_out` of a top-level field with fixed params: what `split` does per item, in one
    loop (no step can fail an item: only the run's item budget can stop it)."""
    reserve = limits.reserve
    for item in items:
        value = item.get(field)
        if value is None:
            continue
        if type(value) is not list:
            value = [value]
        elif len(value) > 1:  # chained, split_outs multiply
            reserve(len(out) + len(value))
        if include_all:
            base = dict(item)
            del base[field]
            out.extend([{**base, dest: v} for v in value])
        else:
            out.extend([{dest: v} for v in value])


def _split_params(params: dict) -> tuple[str, str, Any, bool]:
    """(field, destination, zip, include all?) of a split_out node's params."""
    field = params.get("field")
    if not isinstance(field, str) or not field:
        raise NodeError("field must be a field path", path="/field")
    dest = params.get("destination") or paths.last_segment(field)
    return field, dest, params.get("zip") or [], params.get("include", "none") == "all"


def _zip_fields(zipped: Any) -> list[tuple[str, str]]:
    if type(zipped) is not list:
        raise NodeError("zip must be a list of fields", path="/zip")
    pairs = []
    for k, spec in enumerate(zipped):
        field = spec.get("field") if type(spec) is dict else None
        if not isinstance(field, str) or not field:
            raise NodeError("field must be a field path", path=f"/zip/{k}/field")
        pairs.append((field, spec.get("destination") or paths.last_segment(field)))
    return pairs


def _split_zipped(item: dict, fields: list[tuple[str, str]], params: dict, out: list) -> None:
    """Several array fields split side by side: item k holds element k of each list."""
    lists = []
    for field, dest in fields:
        value = paths.get(item, field)
        lists.append((dest, [] if value is None else value if type(value) is list else [value]))
    count = max(len(values) for _, values in lists)
    limits.reserve(len(out) + count)
    base: dict = {}
    if params.get("include", "none") == "all":
        base = dict(item)
        for field, _ in fields:
            paths.delete(base, field)
    for k in range(count):
        new = dict(base)
        for dest, values in lists:
            if k < len(values):
                new[dest] = values[k]
        out.append(new)


def run_aggregate(call: NodeCall) -> Outputs:
    params = call.params()
    items = call.first
    if params.get("all"):
        return {"out": [{params.get("as") or "data": list(items)}]}
    result: dict = {}
    missing_as_null = params.get("missing", "skip") == "null"
    drop_nulls = params.get("nulls", "keep") == "drop"
    flatten = params.get("flatten", False)
    for spec in params.get("fields") or []:
        path = spec.get("field")
        if not isinstance(path, str):
            continue
        name = spec.get("as") or paths.last_segment(path)
        if missing_as_null:
            values = list(paths.values(items, path))
        else:
            values = [paths.get(it, path) for it in items if paths.has(it, path)]
        if drop_nulls:
            values = [[e for e in v if e is not None] if type(v) is list else v for v in values if v is not None]
        if flatten:
            values = [e for v in values for e in (v if type(v) is list else (v,))]
        result[name] = values
    return {"out": [result]}


_AGG_OPS = ("count", "countUnique", "sum", "avg", "min", "max", "concat", "first", "last", "append")


def _aggregate(op: str, values: list, separator: str, where: str, skip_empty: bool = False) -> Any:
    if skip_empty:
        present = [v for v in values if v is not None and v != ""]
        kinds = set(map(type, present))
    else:  # the kinds the ops below test tell of nulls too (`None in values` compares each
        # value with None, a slow rich comparison for numbers)
        kinds = set(map(type, values))
        present = values
        if _NONE in kinds:
            present = [v for v in values if v is not None]
            kinds.discard(_NONE)
    if op == "count":
        return len(present)
    if op == "countUnique":
        return len(set(map(_json.same_key, present)))
    if op == "concat":
        if kinds <= _WHOLE:  # a list's text writes whole numbers as str
            # does, ", " between them, in one call (half the time in Pyodide)
            text = str(present)[1:-1]
            return text if separator == ", " else text.replace(", ", separator)
        return separator.join(map(str, present))
    if op == "append":
        return present
    if op == "first":
        return present[0] if present else None
    if op == "last":
        return present[-1] if present else None
    if not kinds <= _NUMBERS and not (op in ("min", "max") and kinds == _TEXT):
        for at, v in enumerate(values):  # `at`: the value's place, which names its item
            if v is not None and type(v) not in _NUMBERS and not (op in ("min", "max") and type(v) is str):
                raise NodeError(f"{op} needs numbers, got {type_name(v)} {_json.dumps(v)}", path=where, item=at)
        raise NodeError(f"{op} cannot compare numbers with text", path=where)
    if op == "sum":
        return _finite(number_sum(present), where)
    if not present:
        return None
    if op == "avg":
        return _finite(number_sum(present) / len(present), where)
    return min(present) if op == "min" else max(present)


_NUMBERS = frozenset({int, float})
_WHOLE = frozenset({int, bool})
_NONE = type(None)
_TEXT = {str}


def _finite(value: Any, where: str) -> Any:
    try:
        _json.check_number(value)
    except ValueError as exc:
        raise NodeError(str(exc), path=where) from None
    return value


def _keyed_values(items: list, field: Any) -> list | None:
    """The values of a top-level field when they are all text or all whole numbers: equal
    exactly when their JSON texts are (`_json.same_key`), so they serve as keys themselves;
    else None."""
    if type(field) is not str or not field or "." in field:
        return None
    values = list(paths.values(items, field))
    return values if set(map(type, values)) in (_TEXT, _INT) else None


def _few_groups(items: list, field: str) -> dict | None:
    """Items grouped by one top-level field holding text in all of them (or whole numbers in
    all), when they make at most 16 groups: each group's members picked from C (a pass per
    group), in the order `run_summarize` gives; None otherwise."""
    values = _keyed_values(items, field)
    if values is None:
        return None
    order = dict.fromkeys(values)
    if len(order) > 16:
        return None
    same_key = _json.same_key
    return {(same_key(v),): ([v], list(compress(items, map(v.__eq__, values)))) for v in order}


_INT = {int}


def run_summarize(call: NodeCall) -> Outputs:
    params = call.params()
    group_by = [p for p in params.get("groupBy") or [] if isinstance(p, str)]
    aggs = params.get("aggregations") or []
    separator = params.get("separator", ", ")
    groups: dict[tuple, tuple[list, list]] = {}
    same_key, get = _json.same_key, paths.get
    if not group_by and call.first:  # one group of every item
        groups[()] = ([], list(call.first))
    plain = all(p and "." not in p for p in group_by)  # what paths.get reads, without the call
    few = _few_groups(call.first, group_by[0]) if len(group_by) == 1 and plain else None
    if few is not None:
        groups = few
    for item in call.first if group_by and few is None else ():
        keys = [item.get(p) for p in group_by] if plain else [get(item, p) for p in group_by]
        key = tuple(map(same_key, keys))
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = (keys, [])
        entry[1].append(item)
    out = []
    for keys, members in groups.values():
        row = {paths.last_segment(p): v for p, v in zip(group_by, keys, strict=True)}
        for i, agg in enumerate(aggs):
            op, field = agg.get("op"), agg.get("field", "")
            name = agg.get("as") or f"{op}_{str(field).replace('.', '_')}"
            values = list(paths.values(members, field))
            try:
                row[name] = _aggregate(op, values, separator, f"/aggregations/{i}", agg.get("skipEmpty", False) is True)
            except NodeError as exc:  # say which field, and which input item holds the value
                item = None if exc.item is None else next(n for n, it in enumerate(call.first) if it is members[exc.item])
                raise NodeError(f"{field}: {exc.message}", path=exc.path, item=item) from None
        out.append(row)
    return {"out": out}


# -- json ---------------------------------------------------------------------------


def run_json(call: NodeCall) -> Outputs:
    out: list = []
    params_of = call.item_params()
    once = call.read_once(_json_params)
    if once is not None and "." not in once[0] and "." not in once[1]:  # top-level: one loop
        try:
            _json_top(call.first, *once, out)
            return {"out": out}
        except (ValueError, TypeError, RecursionError):  # text that is not JSON: item by item, in words
            out.clear()

    def convert(item: dict, index: int) -> None:
        field, dest, parse = once or _json_params(params_of(item, index))
        value = paths.get(item, field)
        if parse:
            if type(value) is not str:
                raise NodeError(f"{field} is {type_name(value)}, not JSON text", path="/field")
            try:
                value = _json.loads(value)
            except ValueError as exc:
                raise NodeError(f"{field} is not valid JSON: {exc}", path="/field") from None
        else:
            value = _json.dumps(value)
        new = dict(item)
        _write(new, dest, value)
        out.append(new)

    call.each(convert, out)
    return {"out": out}


def _json_top(items: list, field: str, dest: str, parse: bool, out: list) -> None:
    """`json` of top-level fields with fixed params: what `convert` does per item, in one loop;
    raises at the first item that is not JSON text (parse)."""
    dumps, loads = _json.dumps, _json.loads
    for item in items:
        value = item.get(field)
        if parse:
            if type(value) is not str:
                raise TypeError(field)
            value = loads(value)
        else:
            value = dumps(value)
        new = dict(item)
        new[dest] = value
        out.append(new)


def _json_params(params: dict) -> tuple[str, str, bool]:
    """(field, destination, parse?) of a json node's params."""
    field = params.get("field")
    if not isinstance(field, str) or not field:
        raise NodeError("field must be a field path", path="/field")
    return field, params.get("destination") or field, params.get("op") == "parse"


# -- declarations -------------------------------------------------------------------

_FIELD = {
    "type": "object",
    "properties": {
        "name": {**PATH, "description": "the field to write (a path)"},
        "value": {"description": "the value; usually an expression"},
    },
    "required": ["name"],
    "additionalProperties": False,
}

NODES = [
    NodeType(
        "set", "Edit Fields", "Transform",
        "Writes fields on each item; a later field sees earlier ones through $json.",
        ("in",), ("out",),
        obj_schema({
            "fields": {"type": "array", "items": _FIELD, "default": [], "description": "fields to write, in order"},
            "include": {"type": "string", "enum": ["all", "none", "selected"], "default": "all",
                        "description": "start from the whole item, nothing, or the selected paths"},
            "selected": {**PATHS, "default": [], "description": "paths kept when include is 'selected'"},
            "object": {"description": "an object (usually one expression) whose keys are written before "
                                      "the fields, each as a field name (a key with a dot is a path)"},
        }, ["fields"]),
        run_set, maps=True,
    ),
    NodeType(
        "rename", "Rename Keys", "Transform", "Moves values to new keys.",
        ("in",), ("out",),
        obj_schema({"keys": {"type": "array", "default": [], "description": "each {from, to}: the value at from moves to to",
                             "items": {
            "type": "object", "properties": {"from": PATH, "to": PATH},
            "required": ["from", "to"], "additionalProperties": False}}}),
        run_rename, maps=True,
    ),
    NodeType(
        "remove", "Remove Fields", "Transform", "Drops fields from each item.",
        ("in",), ("out",), obj_schema({"fields": {**PATHS, "default": [], "description": "the fields to drop"}}),
        run_remove, maps=True,
    ),
    NodeType(
        "sort", "Sort", "Transform",
        "Stable sort by fields; null and missing values always sort last.",
        ("in",), ("out",),
        obj_schema({"fields": {"type": "array", "default": [],
                               "description": "each {field, order}: sort by the first, ties by the next",
                               "items": {
            "type": "object",
            "properties": {"field": PATH, "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc"}},
            "required": ["field"], "additionalProperties": False}}}, ["fields"]),
        run_sort,
    ),
    NodeType(
        "limit", "Limit", "Transform", "Keeps the first or last items.",
        ("in",), ("out",),
        obj_schema({
            "max": {"type": "integer", "minimum": 0, "default": 10, "description": "how many items to keep"},
            "keep": {"type": "string", "enum": ["first", "last"], "default": "first",
                     "description": "keep the first max items, or the last"},
        }, ["max"]),
        run_limit,
    ),
    NodeType(
        "dedupe", "Remove Duplicates", "Transform",
        "Keeps the first item of each distinct key (the whole item when no fields are given).",
        ("in",), ("out",),
        obj_schema({"fields": {**PATHS, "default": [], "description": "the fields that make the key"}}),
        run_dedupe,
    ),
    NodeType(
        "split_out", "Split Out", "Transform",
        "Emits one item per element of an array field.",
        ("in",), ("out",),
        obj_schema({
            "field": {**PATH, "description": "the array field to split"},
            "destination": {"type": "string", "description": "key for each element (default: the field's last segment)"},
            "include": {"type": "string", "enum": ["none", "all"], "default": "none",
                        "description": "also copy the item's other fields"},
            "zip": {"type": "array", "default": [], "items": {
                "type": "object", "properties": {"field": PATH, "destination": {"type": "string"}},
                "required": ["field"], "additionalProperties": False},
                "description": "more array fields split alongside field: item k holds element k of each "
                               "(a shorter list leaves its key out)"},
        }, ["field"]),
        run_split_out,
    ),
    NodeType(
        "aggregate", "Aggregate", "Transform",
        "Gathers field values (or whole items) across all items into one item.",
        ("in",), ("out",),
        obj_schema({
            "fields": {"type": "array", "default": [],
                       "description": "each {field, as?}: gather the field's values into a list named as (default: field)",
                       "items": {
                "type": "object", "properties": {"field": PATH, "as": {"type": "string"}},
                "required": ["field"], "additionalProperties": False}},
            "all": {"type": "boolean", "default": False, "description": "gather whole items"},
            "missing": {"type": "string", "enum": ["skip", "null"], "default": "skip",
                        "description": "an item without the field: left out, or gathered as null"},
            "nulls": {"type": "string", "enum": ["keep", "drop"], "default": "keep",
                      "description": "drop: null values are left out, and so are the nulls inside list values"},
            "flatten": {"type": "boolean", "default": False,
                        "description": "a list value gives its elements rather than itself"},
            "as": {"type": "string", "default": "data", "description": "key for the items when all is true"},
        }),
        run_aggregate, runs_on_empty=True,
    ),
    NodeType(
        "summarize", "Summarize", "Transform",
        "One item per group with counts, sums, averages and more.",
        ("in",), ("out",),
        obj_schema({
            "groupBy": {**PATHS, "default": [], "description": "one row per distinct value of these fields (none: one row)"},
            "aggregations": {"type": "array", "default": [],
                             "description": "each {op, field, as?}: a column of the row, named as (default: op_field)",
                             "items": {
                "type": "object",
                "properties": {"op": {"type": "string", "enum": list(_AGG_OPS)}, "field": PATH,
                               "as": {"type": "string"},
                               "skipEmpty": {"type": "boolean", "default": False,
                                             "description": "leave out empty text as well as null"}},
                "required": ["op", "field"], "additionalProperties": False}},
            "separator": {"type": "string", "default": ", ", "description": "for concat"},
        }, ["aggregations"]),
        run_summarize,
    ),
    NodeType(
        "json", "JSON", "Transform", "Parses a JSON text field or writes a value as JSON text.",
        ("in",), ("out",),
        obj_schema({
            "op": {"type": "string", "enum": ["parse", "stringify"], "default": "parse",
                   "description": "parse: JSON text to a value; stringify: a value to JSON text"},
            "field": PATH,
            "destination": {**PATH, "description": "where to write (default: the field itself)"},
        }, ["op", "field"]),
        run_json, maps=True,
    ),
]  # fmt: skip
