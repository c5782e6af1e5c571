"""n8n's If, Filter, Switch and Merge, every version, as NodeFox's flow nodes."""

from __future__ import annotations

import re
from typing import Any

from ._set import _convert
from .expressions import _string
from .nodes import Context, Done, Mapped, NotExpressible, Ports, fixed, names, path

# -- conditions ------------------------------------------------------------------

_V2_OPS = {
    "equals": "eq", "notEquals": "ne", "gt": "gt", "lt": "lt", "gte": "gte", "lte": "lte",
    "contains": "contains", "notContains": "notContains", "startsWith": "startsWith",
    "endsWith": "endsWith", "regex": "regex", "exists": "exists", "notExists": "notExists",
    "empty": "empty", "notEmpty": "notEmpty", "true": "true", "false": "false",
}  # fmt: skip
_NEGATED = {"notStartsWith": "startswith", "notEndsWith": "endswith"}
_LENGTH = {"lengthEquals": "==", "lengthNotEquals": "!=", "lengthGt": ">", "lengthLt": "<",
           "lengthGte": ">=", "lengthLte": "<="}  # fmt: skip
_DATE = {"after": ">", "before": "<", "afterOrEquals": ">=", "beforeOrEquals": "<=", "equals": "==",
         "notEquals": "!="}  # fmt: skip
_V1_OPS = {
    "equal": "eq", "notEqual": "ne", "smaller": "lt", "smallerEqual": "lte", "larger": "gt",
    "largerEqual": "gte", "contains": "contains", "notContains": "notContains",
    "startsWith": "startsWith", "endsWith": "endsWith", "regex": "regex", "isEmpty": "empty",
    "isNotEmpty": "notEmpty",
}  # fmt: skip
_V1_DEFAULT_OP = {"boolean": "equal", "number": "smaller", "string": "equal", "dateTime": "after"}
_V1_DEFAULT_VALUE = {"boolean": False, "number": 0, "string": "", "dateTime": ""}
_TYPE_OF = {"boolean": "boolean", "number": "number", "string": "string", "dateTime": "dateTime"}


def _is_expr(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _combined(ctx: Context, pointer: str, left: Any, right: Any, build) -> dict:
    """A test NodeFox has no op for, as one boolean expression on `left` (op `true`)."""
    lp = ctx.python(left, pointer + "/left")
    rp = ctx.python(right, pointer + "/left") if right is not None else None
    if lp is None or (right is not None and rp is None):
        # kept as n8n wrote it: the node fails on it rather than testing something else
        return {"left": Done(left if lp is None else right), "op": "true"}
    return {"left": Done("={{ " + build(lp, rp) + " }}"), "op": "true"}


def _paren(py: Any) -> str:
    return py.text if py.atom else f"({py.text})"


def _regex_text(value: Any) -> Any:
    """n8n reads `/pattern/flags` as a regular expression literal."""
    if not isinstance(value, str) or _is_expr(value):
        return value
    m = re.fullmatch(r"/(.*?)/([gimusy]*)", value, re.S)
    if not m:
        return value
    from ._context import _pattern
    from ._js import Regex

    return _pattern(Regex(m.group(1), m.group(2)))


def _text_operand(ctx: Context, value: Any, pointer: str, lower: bool, guard: bool) -> Any:
    """A string test's operand as n8n reads it: lower-cased when the test ignores case, and
    (`guard`, strict types) null or missing as '' (n8n's `value ?? ''`; NodeFox's strict
    tests would fail the item on null)."""
    if not _is_expr(value):
        return value.lower() if lower and isinstance(value, str) else value
    if not (lower or guard):
        return value
    py = ctx.python(value, pointer)
    if py is None:
        return Done(value)
    text = _or_empty(py) if guard else _paren(py)
    return Done(f"={{{{ {text}{'.lower()' if lower else ''} }}}}")


def _or_empty(py: Any, empty: str = "''") -> str:
    return f"({_paren(py)} if {_paren(py)} is not None else {empty})"


def _when_present(lp: Any, rp: Any, left: Any, right: Any, test: str) -> str:
    """`test`, false when an expression's value is null or missing: n8n's date tests on an
    absent date (`if (!left || !right) return false`)."""
    present = [f"{_paren(p)} is not None" for p, v in ((lp, left), (rp, right)) if _is_expr(v)]
    return " and ".join([*present, test])


# n8n's number tests on a null or missing value: never true, but notEquals (JavaScript's
# undefined > 5, undefined === 5); NodeFox's strict tests would fail the item instead
_NUMBER_TESTS = {"eq": "==", "ne": "!=", "gt": ">", "lt": "<", "gte": ">=", "lte": "<="}


def _number_test(lp: Any, rp: Any, nf: str, left: Any, right: Any) -> str:
    absent = [f"{_paren(p)} is None" for p, v in ((lp, left), (rp, right)) if _is_expr(v)]
    test = f"{_paren(lp)} {_NUMBER_TESTS[nf]} {_paren(rp)}"
    if not absent:
        return test
    if nf == "ne":
        return " or ".join([*absent, test])
    return " and ".join([*(a.replace(" is None", " is not None") for a in absent), test])


def _v2_condition(ctx: Context, c: dict, pointer: str, case_sensitive: bool, loose: bool) -> dict:
    op = c.get("operator") if isinstance(c.get("operator"), dict) else {}
    kind, operation = op.get("type", "string"), op.get("operation", "equals")
    left, right = c.get("leftValue", ""), c.get("rightValue", "")
    if kind == "dateTime" and operation in _DATE:
        cmp = _DATE[operation]
        return _combined(ctx, pointer, left, right, lambda lp, rp: _when_present(
            lp, rp, left, right, f'date_diff({rp.text}, {lp.text}, "seconds") {cmp} 0'))
    # n8n's array tests read a null or missing array as [] (`leftValue ?? []`)
    def array(py: Any) -> str:
        return _or_empty(py, "[]") if _is_expr(left) else _paren(py)

    if kind == "array" and operation in _LENGTH:
        cmp = _LENGTH[operation]
        return _combined(ctx, pointer, left, right, lambda lp, rp: f"len({array(lp)}) {cmp} {_paren(rp)}")
    def text(py: Any, value: Any) -> str:  # an expression's null as '' (n8n's `value ?? ''`)
        return _or_empty(py) if not loose and _is_expr(value) else _paren(py)

    if operation in _NEGATED:
        fn = _NEGATED[operation]
        low = "" if case_sensitive else ".lower()"
        return _combined(ctx, pointer, left, right,
                         lambda lp, rp: f"not {text(lp, left)}{low}.{fn}({text(rp, right)}{low})")  # fmt: skip
    if operation == "notRegex":
        return _combined(ctx, pointer, left, _regex_text(right),
                         lambda lp, rp: f"not re_match({rp.text}, {text(lp, left)})")  # fmt: skip
    nf = _V2_OPS.get(operation)
    if nf is None and operation not in _DATE:
        raise NotExpressible(f"the {kind} test {operation} is not one n8n has (n8n fails on it)")
    if nf is None or kind not in ("string", "number", "boolean", "array", "object", "dateTime", "any"):
        raise NotExpressible(f"the {kind} test {operation} has no NodeFox equivalent")
    if kind == "dateTime" and nf not in ("exists", "notExists", "empty", "notEmpty"):
        raise NotExpressible(f"the date test {operation} has no NodeFox equivalent")
    cond: dict[str, Any] = {"left": left, "op": nf}
    if op.get("singleValue") or nf in ("exists", "notExists", "empty", "notEmpty", "true", "false"):
        return cond
    if kind == "number" and not _is_expr(right) and isinstance(right, str) and right.strip():
        right = _convert("number", right, "rightValue")
    if kind == "boolean" and isinstance(right, str) and right in ("true", "false"):
        right = right == "true"
    if nf == "regex":
        right = _regex_text(right)
    if kind == "number" and not loose and nf in _NUMBER_TESTS and (_is_expr(left) or _is_expr(right)):
        return _combined(ctx, pointer, left, right, lambda lp, rp: _number_test(lp, rp, nf, left, right))
    if kind == "array" and nf in ("contains", "notContains") and _is_expr(left):
        py = ctx.python(left, pointer + "/left")
        cond["left"] = Done(left if py is None else f"={{{{ {array(py)} }}}}")
    if kind == "string":
        lower = not case_sensitive and nf != "regex"
        cond["left"] = _text_operand(ctx, left, pointer + "/left", lower, not loose)
        if nf != "regex":
            right = _text_operand(ctx, right, pointer + "/right", lower, not loose)
        elif not case_sensitive:
            right = "(?i)" + right if isinstance(right, str) and not _is_expr(right) else right
    cond["right"] = right if _is_expr(right) or isinstance(right, Done) else _literal(right)
    return cond


def _literal(value: Any) -> Any:
    from .nodes import literal

    return literal(value)


def conditions_v2(ctx: Context, obj: Any, pointer: str, loose: bool, ignore_case: bool = False) -> dict:
    if not isinstance(obj, dict):
        raise NotExpressible("conditions are not an object")
    options = obj.get("options") if isinstance(obj.get("options"), dict) else {}
    case_sensitive = options.get("caseSensitive", True) is not False and not ignore_case
    loose = loose or options.get("typeValidation") == "loose"
    conds = obj.get("conditions") or []
    if not isinstance(conds, list):
        raise NotExpressible("conditions are not a list")
    out = [_v2_condition(ctx, c, f"{pointer}/conditions/{i}", case_sensitive, loose)
           for i, c in enumerate(conds) if isinstance(c, dict)]  # fmt: skip
    params: dict[str, Any] = {"conditions": out}
    if obj.get("combinator", "and") == "or":
        params["combinator"] = "or"
    if loose:
        params["looseTypes"] = True
    return params


def _v1_test(ctx: Context, kind: str, c: dict, pointer: str, value1: Any = None) -> dict:
    op = fixed(c.get("operation", _V1_DEFAULT_OP[kind]))
    left = value1 if value1 is not None else c.get("value1", _V1_DEFAULT_VALUE[kind])
    right = c.get("value2", _V1_DEFAULT_VALUE[kind])
    if kind == "dateTime":
        cmp = {"after": ">", "before": "<"}.get(op)
        if cmp is None:
            raise NotExpressible(f"the date test {op} has no NodeFox equivalent")
        return _combined(ctx, pointer, left, right, lambda lp, rp: f'date_diff({rp.text}, {lp.text}, "seconds") {cmp} 0')
    if op in _NEGATED:
        fn = _NEGATED[op]
        return _combined(ctx, pointer, left, right, lambda lp, rp: f"not {_paren(lp)}.{fn}({_paren(rp)})")
    if op == "notRegex":
        return _combined(ctx, pointer, left, _regex_text(right), lambda lp, rp: f"not re_match({rp.text}, {lp.text})")
    nf = _V1_OPS.get(op)
    if nf is None:
        raise NotExpressible(f"the {kind} test {op} is not one n8n has (n8n fails on it)")
    cond: dict[str, Any] = {"left": left if _is_expr(left) else _literal(left), "op": nf}
    if nf not in ("empty", "notEmpty"):
        cond["right"] = right if _is_expr(right) else _literal(_regex_text(right) if nf == "regex" else right)
    return cond


def conditions_v1(ctx: Context, obj: Any, combine: str) -> dict:
    if not isinstance(obj, dict):
        raise NotExpressible("conditions are not an object")
    out = []
    for kind in ("boolean", "dateTime", "number", "string"):
        entries = obj.get(kind) or []
        if not isinstance(entries, list):
            raise NotExpressible(f"conditions.{kind} is not a list")
        for c in entries:
            if isinstance(c, dict):
                out.append(_v1_test(ctx, kind, c, f"/conditions/{len(out)}"))
    params: dict[str, Any] = {"conditions": out}
    if combine in ("any", "OR", "or"):
        params["combinator"] = "or"
    return params


def _conditions(ctx: Context) -> dict:
    obj = ctx.get("conditions", {})
    if isinstance(obj, dict) and isinstance(obj.get("conditions"), list):
        loose = ctx.get("looseTypeValidation", False) is True or ctx.get("options.looseTypeValidation", False) is True
        return conditions_v2(ctx, obj, "", loose, ctx.get("options.ignoreCase", False) is True)
    combine = ctx.get("combineOperation", ctx.get("combineConditions", "all"))
    return conditions_v1(ctx, obj, combine)


def if_(ctx: Context) -> Mapped:
    return Mapped("if", _conditions(ctx), Ports([["true"], ["false"]]))


def filter_(ctx: Context) -> Mapped:
    return Mapped("filter", _conditions(ctx), Ports([["kept"], ["discarded"]]))


# -- switch ------------------------------------------------------------------------


def switch(ctx: Context) -> Mapped:
    if ctx.get("mode", "rules") == "expression":
        return _switch_expression(ctx)
    if ctx.version < 3:
        return _switch_v1(ctx)
    rules, all_matching = [], ctx.get("options.allMatchingOutputs", False) is True
    loose = ctx.get("looseTypeValidation", False) is True or ctx.get("options.looseTypeValidation", False) is True
    ignore_case = ctx.get("options.ignoreCase", False) is True
    for i, rule in enumerate(ctx.list("rules.values")):
        rules.append(conditions_v2(ctx, rule.get("conditions", {}), f"/rules/{i}", loose, ignore_case))
    outputs = [[str(i)] for i in range(len(rules))]
    fallback = ctx.get("options.fallbackOutput", "none")
    if fallback == "extra":
        outputs.append(["fallback"])
    elif type(fallback) is int and 0 <= fallback < len(outputs):
        outputs[fallback].append("fallback")
    elif fallback != "none":
        raise NotExpressible(f"the fallback output {fallback!r} has no NodeFox equivalent")
    params: dict[str, Any] = {"rules": rules}
    if all_matching:
        params["mode"] = "all"
    return Mapped("switch", params, Ports(outputs))


def _switch_v1(ctx: Context) -> Mapped:
    kind = ctx.get("dataType", "number")
    if kind not in _V1_DEFAULT_OP:
        raise NotExpressible(f"switching on {kind} has no NodeFox equivalent")
    value1 = ctx.get("value1", _V1_DEFAULT_VALUE[kind])
    rules, targets = [], []
    for i, rule in enumerate(ctx.list("rules.rules")):
        test = _v1_test(ctx, kind, rule, f"/rules/{i}/conditions/0", value1=value1)
        rules.append({"conditions": [test]})
        # v1 sends a rule's items to the rule's `output` (of four); v2 has one output per rule
        out = rule.get("output", 0) if ctx.version < 2 else i
        if type(out) is not int or out < 0:
            raise NotExpressible("a rule's output is not a fixed number")
        targets.append(out)
    count = max([*targets, 3 if ctx.version < 2 else len(targets) - 1, 0]) + 1
    outputs: list[list[str]] = [[] for _ in range(count)]
    for i, out in enumerate(targets):
        outputs[out].append(str(i))
    fallback = ctx.get("fallbackOutput", -1)
    if type(fallback) is int and 0 <= fallback < count:
        outputs[fallback].append("fallback")
    elif fallback not in (-1, "none", None):
        raise NotExpressible(f"the fallback output {fallback!r} has no NodeFox equivalent")
    return Mapped("switch", {"rules": rules}, Ports(outputs))


def _switch_expression(ctx: Context) -> Mapped:
    output = ctx.get("output", 0)
    count = ctx.get("numberOutputs", ctx.get("outputsAmount", 4))
    if type(count) is not int or not 0 < count <= 100:
        raise NotExpressible("the number of outputs is not a fixed number")
    rules = [{"conditions": [{"left": output, "op": "eq", "right": i}]} for i in range(count)]
    return Mapped("switch", {"rules": rules}, Ports([[str(i)] for i in range(count)]))


# -- merge -------------------------------------------------------------------------

_MERGE_PORTS = Ports([["out"]], ["in1", "in2"])


def _prefer(ctx: Context) -> dict:
    clash = ctx.get("options.clashHandling.values.resolveClash", "preferInput2")
    if clash == "preferInput1":
        return {"prefer": "in1"}
    if clash != "preferInput2":
        raise NotExpressible(f"resolving clashes by {clash} has no NodeFox equivalent")
    return {}


def _join(ctx: Context, pairs: list[tuple[str, str]], join_mode: str, output_from: str) -> dict:
    if ctx.get("options.fuzzyCompare", False):
        raise NotExpressible("fuzzy comparison has no NodeFox equivalent")
    if ctx.get("options.multipleMatches", "all") != "all":
        raise NotExpressible("keeping only the first match has no NodeFox equivalent")
    if join_mode == "keepNonMatches":
        raise NotExpressible("keeping the non-matches of both inputs has no NodeFox equivalent "
                             "(n8n adds _source to them only when both inputs have items)")
    join = {"keepMatches": "inner", "keepEverything": "outer", "enrichInput1": "left", "enrichInput2": "right"}.get(join_mode)
    if join is None or (join_mode == "keepMatches" and output_from != "both"):
        raise NotExpressible(f"merging by {join_mode} with data of {output_from} has no NodeFox equivalent")
    if not pairs:
        raise NotExpressible("no fields to match")
    dots = not ctx.get("options.disableDotNotation", False)
    params = {"mode": "join", "fields1": [path(a, dots) for a, _ in pairs], "fields2": [path(b, dots) for _, b in pairs]}
    if join != "inner":
        params["join"] = join
    prefer = _prefer(ctx)
    if join == "right":
        # n8n enriches input 2 by merging with the inputs swapped, so "prefer input 2"
        # keeps input 1's values (in input 2's key order): NodeFox's prefer in1
        prefer = {} if prefer else {"prefer": "in1"}
    return {**params, **prefer}


def _position(ctx: Context) -> dict:
    params: dict[str, Any] = {"mode": "position", **_prefer(ctx)}
    if ctx.get("options.includeUnpaired", False):
        params["includeUnpaired"] = True
    return params


def _field_pairs(ctx: Context) -> list[tuple[str, str]]:
    if ctx.version >= 3 and not ctx.get("advanced", False):
        fields = names(ctx.get("fieldsToMatchString", ""))
        return [(f, f) for f in fields]
    pairs = []
    for p in ctx.list("mergeByFields.values"):
        a, b = p.get("field1", ""), p.get("field2", "")
        if not isinstance(a, str) or not isinstance(b, str) or a.startswith("=") or b.startswith("="):
            raise NotExpressible("fields to match given by expressions")
        pairs.append((a, b))
    return pairs


def merge(ctx: Context) -> Mapped:
    count = ctx.get("numberInputs", 2) if ctx.version >= 3 else 2
    if count != 2:
        return _merge_many(ctx, count)
    params = _merge_v1(ctx) if ctx.version < 2 else _merge_v2(ctx)
    return params if isinstance(params, Mapped) else Mapped("merge", params, _MERGE_PORTS)


_MARK = "__nodefox_match"  # fields only the key join's own nodes write and read


def _present(field: str) -> dict:
    """A condition that holds when the item has the field path (null included), as lodash's get finds it.

    A key is present in an object that has it; an index in a list or text long enough.
    """
    if "." not in field:
        return {"left": Done("={{ " + _string(field) + " in $json }}"), "op": "true"}
    parent, key = field.rsplit(".", 1)
    p = f"lookup($json, {_string(parent)})"
    kind = f"json_stringify({p})[:1]"
    test = f"{_string(key)} in {p} if {kind} == \"{{\" else "
    if key.isdigit() and key.isascii():
        test += f"len({p}) > {int(key)} if {kind} in (\"[\", '\"') else False"
    else:
        test += "False"
    return {"left": Done("={{ " + test + " }}"), "op": "true"}


def _key_join(keep: int, fields_keep: list[str], fields_other: list[str], matched: bool) -> Mapped:
    """The items of input `keep` (1 or 2) that match some item of the other input (`matched`),
    or that match none, each once and unchanged, in their order: n8n's keep matches or
    keep non-matches with the data of one input.

    n8n leaves an item without a key field unmatched and compares keys as JSON values
    (null equals null). Here the other input's items that have every key are reduced
    to their keys under marks (`filter`, `set`), one per key (`dedupe`), joined to the
    kept input (`merge` left join, so each kept item gives one row), and the rows that
    got the marks and have every key of their own are kept or dropped (`filter`), and
    the marks removed (`remove`).
    """
    other = 2 if keep == 1 else 1
    marks = [f"{_MARK}{k}" for k in range(len(fields_other))]
    has_keys = {"conditions": [_present(f) for f in fields_other]}
    to_marks = {"fields": [{"name": m, "value": Done("={{ lookup($json, " + _string(f) + ") }}")} for m, f in zip(marks, fields_other, strict=True)],
                "include": "none"}  # fmt: skip
    join = {"mode": "join", "fields1": fields_keep, "fields2": marks, "join": "left", "prefer": "in1"}
    matched_rows = {"conditions": [_present(marks[0]), *(_present(f) for f in fields_keep)]}
    inputs: list = [None, None]
    inputs[keep - 1] = (3, "in1")
    inputs[other - 1] = "in"
    return Mapped("filter", has_keys, Ports([[(5, "out")]], inputs),
                  parts=[("set", to_marks), ("dedupe", {"fields": marks}), ("merge", join), ("filter", matched_rows),
                         ("remove", {"fields": marks})],
                  links=[(0, "kept", 1, "in"), (1, "out", 2, "in"), (2, "out", 3, "in2"),
                         (3, "out", 4, "in"), (4, "kept" if matched else "discarded", 5, "in")])  # fmt: skip


def _one_empty_item() -> Mapped:
    """n8n's wait (v1) and choose branch with an empty output: one empty item once both inputs came."""
    return Mapped("merge", {}, Ports([[(1, "out")]], ["in1", "in2"]), parts=[("aggregate", {"fields": []})],
                  links=[(0, "out", 1, "in")])


def _by_index_left() -> Mapped:
    """Input 1's items, each merged with input 2's item at the same index when there is one.

    Both inputs get their index as a field (`set`), are joined on it keeping input 1's
    unmatched items (`merge` left join), and the index field is removed (`remove`).
    """
    index = {"fields": [{"name": "__nodefox_index", "value": Done("={{ $index }}")}]}
    join = {"mode": "join", "fields1": ["__nodefox_index"], "fields2": ["__nodefox_index"], "join": "left"}
    return Mapped("set", index, Ports([[(3, "out")]], ["in", (1, "in")]),
                  parts=[("set", dict(index)), ("merge", join), ("remove", {"fields": ["__nodefox_index"]})],
                  links=[(0, "out", 2, "in1"), (1, "out", 2, "in2"), (2, "out", 3, "in")])


def _merge_many(ctx: Context, count: Any) -> Mapped:
    """More than two inputs: a chain of NodeFox merges, each taking the result so far and the next input.

    Append: n8n appends input 1's items, then input 2's, and so on; so does the chain.
    Combine by position: n8n merges the items at each index of every input, later
    inputs winning a clash (the default); the chain merges pairwise with `in2`
    winning, so item *i* of the result is the same; with unpaired items included
    each step keeps the longer side's extra items at their index. Choose branch:
    each merge keeps the result so far, except the one that receives the chosen input.
    """
    if type(count) is not int or not 2 < count <= 10:
        raise NotExpressible("the number of inputs is not a fixed number from 3 to 10")
    mode = ctx.get("mode", "append")
    steps: list[dict]
    if mode == "append":
        steps = [{} for _ in range(count - 1)]
    elif mode == "combine" and ctx.get("combineBy") == "combineByPosition":
        clash = ctx.get("options.clashHandling.values.resolveClash", f"preferInput{count}")
        if clash != f"preferInput{count}":
            raise NotExpressible(f"merging more than two inputs by position resolving clashes by {clash} has no NodeFox equivalent")
        step = {"mode": "position", **({"includeUnpaired": True} if ctx.get("options.includeUnpaired", False) else {})}
        steps = [dict(step) for _ in range(count - 1)]
    elif mode == "chooseBranch":
        chosen = ctx.get("useDataOfInput", 1)
        if ctx.get("output", "specifiedInput") != "specifiedInput" or type(chosen) is not int or not 1 <= chosen <= count:
            raise NotExpressible("choosing an empty output or an input that is not a fixed number")
        # merge j (0-based) joins the result so far (in1) with input j + 2 (in2)
        steps = [{"mode": "choose", "branch": "in2" if chosen == j + 2 else "in1"} for j in range(count - 1)]
    else:
        raise NotExpressible(f"merging more than two inputs by {ctx.get('combineBy') or mode} has no NodeFox equivalent")
    # inputs 0 and 1 go to the first merge, input k (k >= 2) to merge k - 1's in2
    inputs: list = ["in1", "in2"] + [(k - 1, "in2") for k in range(2, count)]
    parts = [("merge", step) for step in steps[1:]]
    links = [(k, "out", k + 1, "in1") for k in range(count - 2)]
    return Mapped("merge", steps[0], Ports([[(count - 2, "out")]], inputs), parts=parts, links=links)


def _merge_v1(ctx: Context) -> dict | Mapped:
    mode = ctx.get("mode", "append")
    if mode == "append":
        return {}
    if mode == "multiplex":
        return {"mode": "cross"}
    if mode == "wait":
        return _one_empty_item()
    if mode == "passThrough":
        return {"mode": "choose", "branch": "in2" if ctx.get("output", "input1") == "input2" else "in1"}
    if mode == "mergeByIndex":
        join = ctx.get("join", "left")
        if join == "inner":
            return {"mode": "position"}
        if join == "outer":
            return {"mode": "position", "includeUnpaired": True}
        return _by_index_left()
    if mode == "mergeByKey":
        if ctx.get("overwrite", "always") != "always":
            raise NotExpressible("merging by key without overwriting has no NodeFox equivalent")
        a, b = ctx.get("propertyName1", ""), ctx.get("propertyName2", "")
        if not isinstance(a, str) or not isinstance(b, str) or not a or not b or a.startswith("=") or b.startswith("="):
            raise NotExpressible("key fields given by expressions")
        return {"mode": "join", "fields1": [path(a)], "fields2": [path(b)], "join": "left"}
    if mode in ("removeKeyMatches", "keepKeyMatches"):
        a, b = ctx.get("propertyName1", ""), ctx.get("propertyName2", "")
        if not isinstance(a, str) or not isinstance(b, str) or not a or not b or a.startswith("=") or b.startswith("="):
            raise NotExpressible("key fields given by expressions")
        ctx.differ("keys compare as JSON values; n8n v1 compares them as text (1 matches \"1\") and ignores input 2's empty keys")
        return _key_join(1, [path(a)], [path(b)], matched=mode == "keepKeyMatches")
    raise NotExpressible(f"the merge mode {mode} has no NodeFox equivalent")


def _merge_v2(ctx: Context) -> dict | Mapped:
    if ctx.version >= 3 and ctx.get("numberInputs", 2) != 2:
        raise NotExpressible("merging more than two inputs has no NodeFox equivalent")
    mode = ctx.get("mode", "append")
    if mode == "append":
        return {}
    if mode == "chooseBranch":
        if ctx.version >= 3:
            if ctx.get("output", "specifiedInput") == "empty":
                return _one_empty_item()
            if ctx.get("output", "specifiedInput") != "specifiedInput":
                raise NotExpressible("choosing this output has no NodeFox equivalent")
            return {"mode": "choose", "branch": "in2" if ctx.get("useDataOfInput", 1) == 2 else "in1"}
        output = ctx.get("output", "input1")
        if output == "empty":
            return _one_empty_item()
        if output not in ("input1", "input2"):
            raise NotExpressible("choosing an empty output has no NodeFox equivalent")
        return {"mode": "choose", "branch": "in2" if output == "input2" else "in1"}
    if mode == "combine":
        by = ctx.get("combineBy", "combineByFields") if ctx.version >= 3 else ctx.get("combinationMode", "mergeByFields")
    else:
        by = mode
    if by in ("combineByFields", "mergeByFields"):
        join_mode, output_from = ctx.get("joinMode", "keepMatches"), ctx.get("outputDataFrom", "both")
        if join_mode in ("keepMatches", "keepNonMatches") and output_from in ("input1", "input2"):
            matches = join_mode == "keepMatches"
            if ctx.get("options.fuzzyCompare", False):
                raise NotExpressible("fuzzy comparison has no NodeFox equivalent")
            if matches and output_from == "input2" and ctx.get("options.multipleMatches", "all") != "all":
                raise NotExpressible("keeping input 2's items matched first only has no NodeFox equivalent")
            pairs = _field_pairs(ctx)
            if not pairs:
                raise NotExpressible("no fields to match")
            dots = not ctx.get("options.disableDotNotation", False)
            ones, twos = [path(a, dots) for a, _ in pairs], [path(b, dots) for _, b in pairs]
            return _key_join(1, ones, twos, matches) if output_from == "input1" else _key_join(2, twos, ones, matches)
        return _join(ctx, _field_pairs(ctx), ctx.get("joinMode", "keepMatches"), ctx.get("outputDataFrom", "both"))
    if by in ("combineByPosition", "mergeByPosition"):
        return _position(ctx)
    if by in ("combineAll", "multiplex"):
        if _prefer(ctx):
            raise NotExpressible("combining all pairs preferring input 1 has no NodeFox equivalent")
        return {"mode": "cross"}
    raise NotExpressible(f"the merge mode {by} has no NodeFox equivalent")

