"""n8n's names and methods, each mapped to its NodeFox spelling.

Four tables, keyed as the translator looks them up: `GLOBALS` (a bare name such
as `$json` or `Math`), `FUNCTIONS` (a bare call such as `$('Name')` or
`parseInt(x)`), `PROPS` and `CALLS` (a property or method of a value of a
given kind: a node, `$input`, a namespace, an n8n item or list of items).
`method` handles the methods of text, arrays and objects.
"""

from __future__ import annotations

import re
from typing import Any

from ._js import Arrow, Binary, Ident, Lit, Num, Obj, Regex, Spread, Str
from .expressions import (
    ANY,
    BOOL,
    DATE,
    INDEX,
    INPUT,
    ITEM,
    ITEMS,
    LIST,
    NAMESPACE,
    NODE,
    NULL,
    NUM,
    OBJ,
    STR,
    Py,
    Untranslatable,
    _atom,
    _key,
    _op,
    _paren,
    _string,
)  # fmt: skip

_NUMERIC = (NUM, INDEX)


def _no_args(name: str, args: tuple) -> None:
    if args:
        raise Untranslatable(f"{name}() with arguments has no NodeFox equivalent")


def _node(tr: Any, name: Any) -> Py:
    if not isinstance(name, Str):
        raise Untranslatable("a node must be named by a literal text")
    tr.refs.add(name.value)
    return _atom(f"$({_string(name.value)})", NODE, name.value)


# -- bare names ------------------------------------------------------------------

GLOBALS: dict[str, Any] = {
    "$json": lambda tr: _atom("$json", OBJ),
    # an n8n item's files are the field `binary` of the NodeFox item (docs/n8n.md, "Files")
    "$binary": lambda tr: _atom("$json.binary", OBJ),
    "$input": lambda tr: _atom("$input", INPUT),
    "$node": lambda tr: _atom("$node", NODE, None),
    "$vars": lambda tr: _atom("$vars", OBJ),
    "$now": lambda tr: _atom("$now", DATE),
    # Luxon's start of today in the workflow's time zone, as an instant (NodeFox's $today is
    # the UTC date): $now less the local time of day
    "$today": lambda tr: _atom('date_add($now, hours=-int(date_format($now, "%H")), minutes=-int(date_format($now, '
                               '"%M")), seconds=-float(date_format($now, "%S.%f")))', DATE),
    "$workflow": lambda tr: _atom("$workflow", NAMESPACE, "$workflow"),
    "$itemIndex": lambda tr: _atom("$index", INDEX),
    "$execution": lambda tr: _no_execution(),
    **{name: (lambda n: lambda tr: _atom(n, NAMESPACE, n))(name)
       for name in ("Math", "JSON", "Object", "Number", "String", "DateTime", "Array", "Date", "Boolean")},
}  # fmt: skip


def _no_execution() -> Py:
    raise Untranslatable("$execution has no NodeFox equivalent: NodeFox runs have no id, mode or resume URL")


# -- bare calls --------------------------------------------------------------------


def _items(tr: Any, args: tuple) -> Py:
    if not args:
        return _atom("$input.all()", ITEMS)
    if len(args) == 1:
        return _atom(f"{_node(tr, args[0]).text}.all()", ITEMS)
    raise Untranslatable("$items() with a run index has no NodeFox equivalent")


def _if(tr: Any, args: tuple) -> Py:
    if len(args) != 3:
        raise Untranslatable("$if() takes three arguments")
    test, then, other = (tr.value(a) for a in args)
    from .expressions import _join_kind

    return _op(f"{_paren(then)} if {tr.truthy(test)} else {_paren(other)}", _join_kind(then.kind, other.kind))


def _if_empty(tr: Any, args: tuple) -> Py:
    if len(args) != 2:
        raise Untranslatable("$ifEmpty() takes two arguments")
    a, b = (tr.value(x) for x in args)
    return _atom(f"if_empty({a.text}, {b.text})", ANY)


def _min_max(fn: str):
    def call(tr: Any, args: tuple) -> Py:
        if len(args) == 1 and isinstance(args[0], Spread):
            arr = tr.value(args[0].arg)
            return _atom(f"{fn}({arr.text})", NUM)
        if len(args) < 2:
            raise Untranslatable(f"{fn}() of fewer than two numbers")
        vals = [tr.value(a) for a in args]
        if any(isinstance(a, Spread) for a in args) or any(v.kind not in (*_NUMERIC, ANY) for v in vals):
            raise Untranslatable(f"{fn}() of values that are not numbers")
        kind = INDEX if all(v.kind == INDEX for v in vals) else NUM
        return _atom(f"{fn}({', '.join(v.text for v in vals)})", kind)

    return call


# the number JavaScript's parseInt / parseFloat read at the start of a text ("42px" is 42)
_LEADING_INT = _string(r"^\s*[+-]?\d+")
_LEADING_DEC_INT = _string(r"^\s*[+-]?(?!0[xX])\d+")
_LEADING_FLOAT = _string(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _whole_or_float(text: str) -> str:
    """A number's text (checked by the caller) as a whole number when it is one: JavaScript
    has one number type, and "3" reads as 3, not 3.0."""
    return f"int({text}) if {text}.strip().lstrip('+-').isdigit() else float({text})"


def _parse_int(tr: Any, args: tuple) -> Py:
    decimal = len(args) == 2 and isinstance(args[1], Num) and args[1].value == 10
    if decimal:
        args = args[:1]
    if len(args) != 1:
        raise Untranslatable("parseInt() with a radix other than 10")
    x = tr.value(args[0])
    if x.kind == INDEX:
        return x
    if x.kind not in (STR, ANY, NUM):
        raise Untranslatable(f"parseInt() of a {x.kind}")
    # a number truncated; text's leading whole number ("12.99" and "42px" give 12 and 42);
    # text with none fails (JavaScript gives NaN, which JSON cannot hold)
    # without a radix, "0x1F" is hexadecimal to JavaScript (31): no match, so it fails
    leading = f"int(re_findall({_LEADING_INT if decimal else _LEADING_DEC_INT}, {x.text})[0])"
    if x.kind == NUM:
        return _atom(f"int({x.text})", NUM)
    if x.kind == STR:
        return _atom(leading, NUM)
    v = _paren(x)
    return _op(f"int({v}) if {v} != str({v}) and {_not_bool(v)} else {leading}", NUM)


def _parse_float(tr: Any, args: tuple) -> Py:
    if len(args) != 1:
        raise Untranslatable("parseFloat() takes one argument")
    x = tr.value(args[0])
    if x.kind in _NUMERIC:
        return x
    if x.kind not in (STR, ANY):
        raise Untranslatable(f"parseFloat() of a {x.kind}")
    found = f"re_findall({_LEADING_FLOAT}, {x.text})[0]"
    return _number_or_read(x, f"({_whole_or_float(found)})", parse=True)


def _number_fn(tr: Any, args: tuple) -> Py:
    """JavaScript's Number(): the whole text must be a number ("" and blanks are 0)."""
    if len(args) != 1:
        raise Untranslatable("Number() takes one argument")
    x = tr.value(args[0])
    if x.kind in _NUMERIC:
        return x
    if x.kind not in (STR, ANY):
        raise Untranslatable(f"Number() of a {x.kind}")
    v = _paren(x)
    return _number_or_read(x, f"(0 if {v}.strip() == '' else {_whole_or_float(v)})")


def _not_bool(v: str) -> str:
    return f"{v} is not True and {v} is not False"


def _number_or_read(x: Py, read: str, parse: bool = False) -> Py:
    """`read` (the number a text `x` holds) for text; for a value of unknown kind that is no
    text (only text equals its own str()), the number itself: unary `+` gives a boolean's 1 or
    0, as Number() does, and fails on null, arrays and objects. parseFloat() reads a boolean
    as text (JavaScript's NaN), so that fails too."""
    if x.kind == STR:
        return _op(read, NUM)
    v = _paren(x)
    number = f"{v} != str({v}) and {_not_bool(v)}" if parse else f"{v} != str({v})"
    return _op(f"+{v} if {number} else {read}", NUM)


def _boolean(tr: Any, args: tuple) -> Py:
    if len(args) != 1:
        raise Untranslatable("Boolean() takes one argument")
    return _op(tr.truthy(tr.value(args[0])), BOOL)


def _string_fn(tr: Any, args: tuple) -> Py:
    if len(args) != 1:
        raise Untranslatable("String() takes one argument")
    return tr.to_text(tr.value(args[0]), args[0])


def _item(tr: Any, args: tuple) -> Py:
    index = args[0].value if len(args) == 1 and isinstance(args[0], (Num, Str)) else None
    if isinstance(index, str) and index.isascii() and index.isdigit():
        index = int(index)  # n8n reads $item("0") as item 0
    if type(index) is not int or index < 0:
        raise Untranslatable("$item() needs a literal item index")
    return _atom(f"$item({index})", NAMESPACE, ("$item", index))


FUNCTIONS: dict[str, Any] = {
    "$item": _item,
    "$": lambda tr, args: _node(tr, args[0]) if len(args) == 1 else _raise("$() takes one node name"),
    "$items": _items,
    "$if": _if,
    "$ifEmpty": _if_empty,
    "$min": _min_max("min"),
    "$max": _min_max("max"),
    "parseInt": _parse_int,
    "parseFloat": _parse_float,
    "Number": _number_fn,
    "String": _string_fn,
    "Boolean": _boolean,
}


def _raise(message: str) -> Py:
    raise Untranslatable(message)


# -- properties of special values ----------------------------------------------------


def _node_prop(tr: Any, obj: Py, prop: str, node: Any) -> Py:
    if obj.extra is None:  # $node["Name"] / $node.Name
        return _node(tr, Str(prop))
    if prop == "item":
        return _atom(f"{obj.text}.item", ITEM)
    if prop == "json":
        # $node["Name"].json is the item paired by index with the current one
        return _atom(f"{obj.text}.item", OBJ)
    raise Untranslatable(f"$('{obj.extra}').{prop} has no NodeFox equivalent")


def _input_prop(tr: Any, obj: Py, prop: str, node: Any) -> Py:
    if prop == "item":
        return _atom("$json", ITEM)
    raise Untranslatable(f"$input.{prop} has no NodeFox equivalent")


def _namespace_prop(tr: Any, obj: Py, prop: str, node: Any) -> Py:
    if isinstance(obj.extra, tuple) and obj.extra[0] == "$item" and prop == "$node":
        return _atom("$node", NAMESPACE, ("$item.$node", obj.extra[1]))
    if isinstance(obj.extra, tuple) and obj.extra[0] == "$item.$node":
        # $item(i).$node["Name"] is item i of that node's output
        return _atom(f"{_node(tr, Str(prop)).text}.all()[{obj.extra[1]}]", ITEM)
    if obj.extra == "$workflow" and prop == "name":
        return _atom("$workflow.name", STR)
    if obj.extra == "$workflow" and prop in ("id", "active"):
        raise Untranslatable(f"$workflow.{prop} has no NodeFox equivalent: a NodeFox workflow has a name, no id or activation")
    if obj.extra == "Math" and prop in ("PI", "E"):
        return _atom(repr({"PI": 3.141592653589793, "E": 2.718281828459045}[prop]), NUM)
    raise Untranslatable(f"{obj.extra}.{prop} has no NodeFox equivalent")


def _item_prop(tr: Any, obj: Py, prop: str, node: Any) -> Py:
    if prop == "json":
        return Py(obj.text, OBJ, obj.atom)
    if prop == "binary":  # the item's files, kept in its field `binary`
        return _atom(_key(Py(obj.text, OBJ, obj.atom), "binary"), OBJ)
    raise Untranslatable(f"an item's .{prop} has no NodeFox equivalent (NodeFox items are their json)")


def _items_prop(tr: Any, obj: Py, prop: str, node: Any) -> Py:
    if prop == "length":
        return _atom(f"len({obj.text})", INDEX)
    raise Untranslatable(f".{prop} of a list of items has no NodeFox equivalent")


PROPS = {NODE: _node_prop, INPUT: _input_prop, NAMESPACE: _namespace_prop, ITEM: _item_prop, ITEMS: _items_prop}


# -- methods of special values ------------------------------------------------------


def _node_call(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    if obj.extra is None:
        raise Untranslatable(f"$node.{prop}() has no NodeFox equivalent")
    if prop in ("first", "last"):
        _no_args(prop, args)
        return _atom(f"{obj.text}.{prop}()", ITEM)
    if prop == "all":
        _no_args(prop, args)
        return _atom(f"{obj.text}.all()", ITEMS)
    if prop == "pairedItem" and not args:
        return _atom(f"{obj.text}.item", ITEM)
    raise Untranslatable(f"$('{obj.extra}').{prop}() has no NodeFox equivalent")


def _input_call(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    if prop in ("first", "last", "all"):
        _no_args(prop, args)
        return _atom(f"$input.{prop}()", ITEMS if prop == "all" else ITEM)
    raise Untranslatable(f"$input.{prop}() has no NodeFox equivalent")


def _math(tr: Any, prop: str, args: tuple) -> Py:
    if prop in ("max", "min"):
        if len(args) == 1 and not isinstance(args[0], Spread):
            x = tr.value(args[0])
            if x.kind in _NUMERIC:
                return x
            raise Untranslatable(f"Math.{prop}() of one value converts it to a number")
        return _min_max(prop)(tr, args)
    if prop == "pow" and len(args) == 2:
        a, b = (tr.value(x) for x in args)
        return _op(f"{_num(a)} ** {_num(b)}", NUM)
    if len(args) != 1:
        raise Untranslatable(f"Math.{prop}() has no NodeFox equivalent" if prop != "random" else "Math.random() is not deterministic")
    x = tr.value(args[0])
    n = _num(x)
    if x.kind == INDEX and prop in ("round", "floor", "ceil", "abs", "trunc"):
        return x
    spelled = {
        # JavaScript rounds .5 up (towards +infinity); Python's round() rounds half to even
        "round": f"int(({n} + 0.5) // 1)",
        "floor": f"int({n} // 1)",
        "ceil": f"-int(-{n} // 1)",
        "abs": f"abs({x.text})",
        "trunc": f"int({x.text})",
        "sqrt": f"{n} ** 0.5",
    }.get(prop)
    if spelled is None:
        raise Untranslatable(f"Math.{prop}() has no NodeFox equivalent" if prop != "random" else "Math.random() is not deterministic")
    return _op(spelled, NUM) if not spelled.startswith(("int(", "abs(")) else _atom(spelled, INDEX if prop == "abs" and x.kind == INDEX else NUM)


def _num(p: Py) -> str:
    if p.kind in (STR, LIST, OBJ, NULL, DATE, BOOL):
        raise Untranslatable(f"Math of a {p.kind} converts it to a number")
    return _paren(p)


def _namespace_call(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    ns = obj.extra
    if ns == "Math":
        return _math(tr, prop, args)
    if ns == "JSON":
        if prop == "stringify" and len(args) == 1:
            return _atom(f"json_stringify({tr.value(args[0]).text})", STR)
        if prop == "parse" and len(args) == 1:
            return _atom(f"json_parse({tr.value(args[0]).text})", ANY)
        raise Untranslatable(f"JSON.{prop}() with these arguments has no NodeFox equivalent (indented JSON is not supported)")
    if ns == "Object" and len(args) == 1:
        o = tr.value(args[0])
        if o.kind not in (OBJ, ANY):
            raise Untranslatable(f"Object.{prop}() of a {o.kind}")
        if prop == "keys":
            return _atom(f"list({_paren(o)}.keys())", LIST)
        if prop == "values":
            return _atom(f"list({_paren(o)}.values())", LIST)
        if prop == "entries":
            saved = dict(tr.scope.names)
            k, v = tr.bind(("k", "v"), (STR, ANY))
            tr.scope.names = saved
            return _atom(f"[[{k}, {v}] for {k}, {v} in {_paren(o)}.items()]", LIST)
    if ns == "Object" and prop == "assign" and args and isinstance(args[0], Obj):
        # a fresh object literal as the target: what it gives is the literal's keys, then each source's
        parts = ([tr.value(args[0])] if args[0].props else []) + [tr.value(a) for a in args[1:]]
        if any(p.kind not in (OBJ, ANY) for p in parts):
            raise Untranslatable("Object.assign() of values that are not objects")
        return _atom("{" + ", ".join("**" + _paren(p) for p in parts) + " }", OBJ)
    if ns == "Date" and prop == "now" and not args:
        return _atom(_EPOCH_MS % "$now", NUM)
    if ns == "DateTime" and prop in ("fromSeconds", "fromMillis") and len(args) == 1:
        x = tr.value(args[0])
        if x.kind not in (NUM, INDEX, ANY):
            raise Untranslatable(f"DateTime.{prop}() of a {x.kind}")
        amount = _paren(x) if prop == "fromSeconds" else f"{_paren(x)} / 1000"
        return _atom(f'date_add("1970-01-01T00:00:00Z", seconds={amount})', DATE)
    if ns == "DateTime":
        if prop in ("now", "local") and not args:
            return _atom("$now", DATE)
        if prop == "fromISO" and len(args) == 1:
            x = tr.value(args[0])
            if x.kind in (STR, ANY):
                return Py(x.text, DATE, x.atom)
    if ns == "$workflow":
        raise Untranslatable(f"$workflow.{prop}() has no NodeFox equivalent")
    raise Untranslatable(f"{ns}.{prop}() has no NodeFox equivalent")


# milliseconds since 1970 of a date in the $now form, as Date.getTime() gives them
_EPOCH_MS = 'round(date_diff("1970-01-01T00:00:00Z", %s, "seconds") * 1000)'


def _items_call(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    return method(tr, obj, prop, args)


CALLS = {NODE: _node_call, INPUT: _input_call, NAMESPACE: _namespace_call, ITEMS: _items_call}


# -- methods of text, arrays and objects --------------------------------------------


def _arrow(tr: Any, fn: Any, elem_kind: str, what: str) -> tuple[list[str], Any, dict]:
    if not isinstance(fn, Arrow) or not 1 <= len(fn.params) <= 2:
        raise Untranslatable(f"{what}() needs an arrow function of (item) or (item, index)")
    saved = dict(tr.scope.names)
    names = tr.bind(fn.params, (elem_kind, INDEX))
    return names, fn.body, saved


def _loop(names: list[str], seq: str) -> str:
    if len(names) == 1:
        return f"for {names[0]} in {seq}"
    return f"for {names[1]}, {names[0]} in enumerate({seq})"


def _iterate(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    elem = ITEM if obj.kind == ITEMS else ANY
    if len(args) != 1:
        raise Untranslatable(f".{prop}() with a this-argument is not supported")
    fn = args[0]
    if isinstance(fn, Ident) and fn.name == "Boolean" and prop == "filter":
        fn = Arrow(("x",), Ident("x"))
    names, body, saved = _arrow(tr, fn, elem, prop)
    try:
        b = tr.value(body) if not (prop == "map" and elem == ITEM) else tr.expr(body)
        seq = _paren(obj)
        loop = _loop(names, seq)
        if prop == "map":
            if b.kind in (NODE, INPUT, NAMESPACE, ITEMS):
                raise Untranslatable(".map() to something that is not a value")
            return _atom(f"[{b.text} {loop}]", ITEMS if b.kind == ITEM else LIST)
        test = tr.truthy(b)
        if prop == "filter":
            return _atom(f"[{names[0]} {loop} if {test}]", obj.kind if obj.kind == ITEMS else LIST)
        if prop == "find":
            return _atom(f"([{names[0]} {loop} if {test}] + [None])[0]", elem)
        if prop == "some":
            return _atom(f"any([{test} {loop}])", BOOL)
        if prop == "every":
            return _atom(f"all([{test} {loop}])", BOOL)
        raise Untranslatable(f".{prop}() has no NodeFox equivalent")
    finally:
        tr.scope.names = saved


def _reduce(tr: Any, obj: Py, args: tuple) -> Py:
    """The `.reduce()` shapes that have an exact NodeFox spelling.

    `(acc, x) => ({...acc, [key]: value}), {}` builds an object (a dict comprehension:
    a later key replaces an earlier one in its place, as in JavaScript); `(s, x) => s + text,
    "..."` joins texts; `(n, x) => n + number, 0` sums numbers.
    """
    if len(args) != 2 or not isinstance(args[0], Arrow) or not 2 <= len(args[0].params) <= 3:
        raise Untranslatable(".reduce() needs an arrow function of (accumulator, item) and a start value")
    fn, start = args
    acc = fn.params[0]
    elem = ITEM if obj.kind == ITEMS else ANY
    saved = dict(tr.scope.names)
    try:
        names = tr.bind(fn.params[1:], (elem, INDEX))
        loop = _loop(names, _paren(obj))
        body = fn.body
        if isinstance(start, Obj) and not start.props and isinstance(body, Obj) and body.props:
            first_key, first = body.props[0]
            rest = body.props[1:]
            if first_key is not None or not (isinstance(first.arg, Ident) and first.arg.name == acc):
                raise Untranslatable(".reduce() to an object that does not spread the accumulator first")
            if _mentions(body, acc, skip=first):
                raise Untranslatable(".reduce() that reads the accumulator")
            sources, pairs = [], []
            for key, value in rest:
                if key is None:  # another object spread in: its keys and values
                    spread = tr.value(value.arg)
                    if spread.kind not in (OBJ, ANY):
                        raise Untranslatable(".reduce() spreading something that is not an object")
                    sources.append(f"{_paren(spread)}.items()")
                    continue
                k = _string(key) if isinstance(key, str) else tr.to_text(tr.value(key), key).text
                pairs.append((k, tr.value(value).text))
                sources.append(f"[[{k}, {tr.value(value).text}]]")
            if len(rest) == 1 and pairs:
                return _atom("{" + f"{pairs[0][0]}: {pairs[0][1]} {loop}" + " }", OBJ)
            src, k, v = tr.bind(("\0s", "\0k", "\0v"), (ANY, STR, ANY))  # names no JavaScript can spell
            return _atom("{" + f"{k}: {v} {loop} for {src} in [{', '.join(sources)}] for {k}, {v} in {src}" + " }", OBJ)
        if isinstance(body, Binary) and body.op == "+" and isinstance(body.left, Ident) and body.left.name == acc \
                and not _mentions(body.right, acc):
            init = tr.value(start)
            if init.kind == STR:
                part = tr.to_text(tr.value(body.right), body.right)
                joined = f'"".join([{part.text} {loop}])'
                return _op(f"{init.text} + {joined}", STR) if init.text != '""' else _atom(joined, STR)
            if init.kind in (NUM, INDEX):
                term = tr.value(body.right)
                if term.kind not in (NUM, INDEX):
                    raise Untranslatable(".reduce() adding values that may not be numbers")
                total = f"sum([{term.text} {loop}])"
                return _op(f"{init.text} + {total}", NUM) if init.text != "0" else _atom(total, NUM)
        raise Untranslatable(".reduce() of this shape has no NodeFox equivalent")
    finally:
        tr.scope.names = saved


def _mentions(node: Any, name: str, skip: Any = None) -> bool:
    """Whether the JavaScript tree reads the identifier `name` (outside `skip`)."""
    if node is skip:
        return False
    if isinstance(node, Ident):
        return node.name == name
    if isinstance(node, (tuple, list)):
        return any(_mentions(n, name, skip) for n in node)
    if hasattr(node, "__dataclass_fields__"):
        return any(_mentions(getattr(node, f), name, skip) for f in node.__dataclass_fields__)
    return False


def _flat_map(tr: Any, obj: Py, fn: Any) -> Py:
    """`.flatMap(x => e)`: each e's elements when it is an array, else e itself."""
    elem = ITEM if obj.kind == ITEMS else ANY
    names, body, saved = _arrow(tr, fn, elem, "flatMap")
    try:
        b = tr.value(body)
        loop = _loop(names, _paren(obj))
        if b.kind == LIST:
            return _atom(f"[e {loop} for e in {_paren(b)}]", LIST)
        if b.kind != ANY:
            return _atom(f"[{b.text} {loop}]", LIST)
        flat = '(v if json_stringify(v)[:1] == "[" else [v])'
        return _atom(f"[e {loop} for v in [{b.text}] for e in {flat}]", LIST)
    finally:
        tr.scope.names = saved


_JS_REGEX_FLAGS = {"i": "(?i)", "m": "(?m)", "s": "(?s)", "u": "", "g": ""}


def _pattern(regex: Regex) -> str:
    for f in regex.flags:
        if f not in _JS_REGEX_FLAGS:
            raise Untranslatable(f"the regular expression flag {f!r} has no NodeFox equivalent")
    src = regex.pattern
    if "(?<" in src and not re.search(r"\(\?<[=!]", src):
        src = re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", src)
    if re.search(r"\\[cku]|\[\^?\]|\\[1-9]|\(\?<[=!]|\\p\{", src):
        raise Untranslatable("this regular expression reads differently in Python")
    prefix = "".join(sorted({_JS_REGEX_FLAGS[f] for f in regex.flags} - {""}))
    return prefix + src


def _split_flags(pattern: str) -> tuple[str, str]:
    m = re.match(r"^((?:\(\?[ims]\))*)", pattern)
    return m.group(1), pattern[m.end() :]


def _replacement(text: str, shift: int = 0) -> str:
    """A JavaScript replacement string as a Python re template (groups moved up by `shift`)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            out.append("\\\\")
        elif c == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 1
            elif nxt == "&":
                out.append(f"\\g<{shift}>" if shift else "\\g<0>")
                i += 1
            elif nxt.isdigit():
                j = i + 1
                while j < len(text) and text[j].isdigit() and j < i + 3:
                    j += 1
                out.append(f"\\g<{int(text[i + 1 : j]) + shift}>")
                i = j - 1
            elif nxt == "<":
                end = text.find(">", i)
                if end < 0:
                    out.append("$")
                else:
                    out.append(f"\\g<{text[i + 2 : end]}>")
                    i = end
            elif nxt in "`'":
                raise Untranslatable("the replacement patterns $` and $' have no NodeFox equivalent")
            else:
                out.append("$")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _replace(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    if len(args) != 2:
        raise Untranslatable(f".{prop}() takes two arguments")
    pat, rep = args
    if not isinstance(rep, Str):
        raise Untranslatable(f".{prop}() with a replacement computed at run time ($ patterns would differ)")
    target = _text_receiver(obj)
    if isinstance(pat, Regex):
        if prop == "replaceAll" and "g" not in pat.flags:
            raise Untranslatable("replaceAll() needs a global regular expression")
        if "g" in pat.flags:
            return _atom(f"re_sub({_string(_pattern(pat))}, {_string(_replacement(rep.value))}, {target})", STR)
        # only the first match: anchored at the start with the shortest text before it, which
        # re_sub puts back (the pattern's own groups move up by two)
        flags, body = _split_flags(_pattern(pat))
        first = f"{flags}\\A([\\s\\S]*?)({body})"
        return _atom(f"re_sub({_string(first)}, {_string(chr(92) + 'g<1>' + _replacement(rep.value, shift=2))}, {target})", STR)
    p = tr.value(pat)
    if p.kind != STR:
        raise Untranslatable(f".{prop}() of a pattern that may not be text")
    if "$" in rep.value:
        raise Untranslatable(f".{prop}() with $ in the replacement")
    count = ", 1" if prop == "replace" else ""
    if prop == "replace" and isinstance(pat, Str) and pat.value == "":
        return _op(f"{_string(rep.value)} + {target}", STR)
    return _atom(f"{_paren(obj)}.replace({p.text}, {_string(rep.value)}{count})", STR)


def _first_match(obj: Py, regex: Regex) -> Py:
    """`text.match(/re/)` without g: the first match and its groups as a list, or null."""
    from .expressions import _groups

    text = _text_receiver(obj)
    pattern = _pattern(regex)
    if not _groups(regex.pattern):
        return _op(f"re_findall({_string(pattern)}, {text})[:1] or None", ANY)
    if not _groups_always_take_part(regex.pattern):
        raise Untranslatable(".match() with a group that may not take part (JavaScript gives undefined, Python '')")
    flags, body = _split_flags(pattern)
    found = f"re_findall({_string(flags + '(' + body + ')')}, {text})"
    return _atom(f"([list(m) for m in {found}][:1] or [None])[0]", ANY)


def _groups_always_take_part(pattern: str) -> bool:
    """No alternation and no group made optional: every group takes part in a match."""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "|" or (c == ")" and pattern[i + 1 : i + 2] in ("?", "*", "{")):
            return False
        i += 1
    return True


def _text_receiver(obj: Py) -> str:
    if obj.kind not in (STR, ANY):
        raise Untranslatable(f"a text method on a {obj.kind}")
    return obj.text


def _split(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    _text_receiver(obj)
    if not args or (isinstance(args[0], Lit) and args[0].value is None):
        return _atom(f"[{obj.text}]", LIST)
    sep = args[0]
    limit = ""
    if len(args) == 2:
        if not isinstance(args[1], Num) or not isinstance(args[1].value, int) or args[1].value < 0:
            raise Untranslatable(".split() with a limit that is not a whole number")
        limit = f"[:{args[1].value}]"
    elif len(args) > 2:
        raise Untranslatable(".split() takes at most two arguments")
    if isinstance(sep, Regex):
        raise Untranslatable(".split() by a regular expression has no NodeFox equivalent")
    s = tr.value(sep)
    if isinstance(sep, Str) and sep.value == "":
        return _atom(f"list({obj.text}){limit}", LIST)
    if not isinstance(sep, Str):
        raise Untranslatable(".split() by a separator computed at run time (an empty one would differ)")
    return _atom(f"{_paren(obj)}.split({s.text}){limit}", LIST)


def _slice_args(tr: Any, args: tuple, what: str) -> list[str]:
    out = []
    for a in args:
        p = tr.value(a)
        if p.kind not in _NUMERIC and not isinstance(a, Num):
            raise Untranslatable(f"{what}() of positions that may not be numbers")
        if isinstance(a, Num) and not isinstance(a.value, int):
            raise Untranslatable(f"{what}() of a fractional position")
        out.append(p.text)
    return out


def _literal_index(a: Any, what: str) -> int:
    if isinstance(a, Num) and isinstance(a.value, int) and a.value >= 0:
        return a.value
    raise Untranslatable(f"{what}() of a position that is not a literal whole number")


def method(tr: Any, obj: Py, prop: str, args: tuple) -> Py:
    """A method of a value of kind `obj.kind` (text, list, object, or unknown)."""
    kind = obj.kind
    if kind in (NUM, INDEX, BOOL, NULL) and prop not in ("toString", "toFixed"):
        raise Untranslatable(f".{prop}() of a {kind} has no NodeFox equivalent")
    if kind == ITEM:
        raise Untranslatable(f"an item's .{prop}() has no NodeFox equivalent")
    seq = kind in (LIST, ITEMS)
    simple = {
        "toUpperCase": "upper", "toLocaleUpperCase": "upper", "toLowerCase": "lower",
        "toLocaleLowerCase": "lower", "trim": "strip", "trimStart": "lstrip", "trimEnd": "rstrip",
        "trimLeft": "lstrip", "trimRight": "rstrip",
    }  # fmt: skip
    if prop in simple and not seq:
        _no_args(prop, args)
        return _atom(f"{_paren(obj)}.{simple[prop]}()", STR)
    if prop in ("startsWith", "endsWith") and not seq:
        if len(args) != 1:
            raise Untranslatable(f".{prop}() with a position has no NodeFox equivalent")
        return _atom(f"{_paren(obj)}.{prop.lower()}({tr.value(args[0]).text})", BOOL)
    if prop == "includes":
        if len(args) != 1:
            raise Untranslatable(".includes() with a position has no NodeFox equivalent")
        if kind == OBJ:
            raise Untranslatable(".includes() of an object")
        return _op(f"{_paren(tr.value(args[0]))} in {_paren(obj)}", BOOL)
    if prop == "indexOf" and len(args) == 1:
        x = tr.value(args[0])
        in_list = f"{_paren(obj)}.index({x.text}) if {_paren(x)} in {_paren(obj)} else -1"
        if seq:
            return _op(in_list, NUM)
        if kind == STR:
            return _atom(f"{_paren(obj)}.find({x.text})", NUM)
        # text or an array: only text equals its own str()
        return _op(f"{_paren(obj)}.find({x.text}) if {_paren(obj)} == str({_paren(obj)}) else ({in_list})", NUM)
    if prop == "lastIndexOf" and len(args) == 1 and not seq:
        return _atom(f"{_paren(obj)}.rfind({tr.value(args[0]).text})", NUM)
    if prop in ("replace", "replaceAll") and not seq:
        return _replace(tr, obj, prop, args)
    if prop == "split" and not seq:
        return _split(tr, obj, prop, args)
    if prop == "slice" and len(args) <= 2:
        bounds = _slice_args(tr, args, ".slice")
        return _atom(f"{_paren(obj)}[{':'.join(bounds) if len(bounds) == 2 else (bounds[0] + ':' if bounds else ':')}]", kind if kind != OBJ else ANY)
    if prop == "substring" and 1 <= len(args) <= 2 and not seq:
        a = _literal_index(args[0], ".substring")
        if len(args) == 1:
            return _atom(f"{_paren(obj)}[{a}:]", STR)
        b = _literal_index(args[1], ".substring")
        return _atom(f"{_paren(obj)}[{min(a, b)}:{max(a, b)}]", STR)
    if prop == "substr" and 1 <= len(args) <= 2 and not seq:
        a = _literal_index(args[0], ".substr")
        if len(args) == 1:
            return _atom(f"{_paren(obj)}[{a}:]", STR)
        return _atom(f"{_paren(obj)}[{a}:{a + _literal_index(args[1], '.substr')}]", STR)
    if prop == "charAt" and len(args) == 1 and not seq:
        i = _literal_index(args[0], ".charAt")
        return _atom(f"{_paren(obj)}[{i}:{i + 1}]", STR)
    if prop == "at" and len(args) == 1 and isinstance(args[0], Num) and isinstance(args[0].value, int):
        return _atom(f"{_paren(obj)}[{args[0].value}]", ITEM if kind == ITEMS else ANY)
    if prop in ("padStart", "padEnd") and 1 <= len(args) <= 2 and not seq:
        fill = args[1] if len(args) == 2 else Str(" ")
        if not isinstance(fill, Str) or len(fill.value) != 1:
            raise Untranslatable(f".{prop}() with a fill that is not one character")
        width = tr.value(args[0])
        fn = "rjust" if prop == "padStart" else "ljust"
        return _atom(f"{_paren(obj)}.{fn}({width.text}, {_string(fill.value)})", STR)
    if prop == "repeat" and len(args) == 1 and not seq:
        n = tr.value(args[0])
        base = obj.text if kind == STR else f'({_paren(obj)} + "")'
        return _op(f"{_paren(Py(base, STR, kind == STR and obj.atom))} * {_paren(n)}", STR)
    if prop == "toString" and not args:
        return tr.to_text(obj)
    if prop in ("map", "filter", "find", "some", "every") and kind not in (STR, OBJ):
        return _iterate(tr, obj, prop, args)
    if prop == "reduce" and kind not in (STR, OBJ):
        return _reduce(tr, obj, args)
    if prop == "flatMap" and kind not in (STR, OBJ) and len(args) == 1:
        return _flat_map(tr, obj, args[0])
    if prop == "join" and kind not in (STR, OBJ) and len(args) <= 1:
        sep = tr.value(args[0]) if args else _atom('","', STR)
        if sep.kind != STR:
            raise Untranslatable(".join() with a separator that may not be text")
        # each element as JavaScript's join writes it: null as nothing, numbers and booleans
        # as their JSON text; an array or object inside fails (JavaScript joins or writes
        # [object Object])
        e = "joined"
        text = tr.to_text(_atom(e, ANY)).text
        return _atom(f'{_paren(sep)}.join(["" if {e} is None else {text} for {e} in {_paren(obj)}])', STR)
    if prop == "reverse" and not args and kind != STR:
        return _atom(f"{_paren(obj)}[::-1]", kind if seq else LIST)
    if prop == "concat" and kind in (LIST, ITEMS) and args:
        parts = [tr.value(a) for a in args]
        if any(p.kind != LIST for p in parts):
            raise Untranslatable(".concat() of values that may not be arrays")
        return _op(" + ".join(_paren(p) for p in [obj, *parts]), LIST)
    if prop == "concat" and kind == STR and args:
        parts = [tr.to_text(tr.value(a), a) for a in args]
        return _op(" + ".join(_paren(p) for p in [obj, *parts]), STR)
    if prop == "hasOwnProperty" and len(args) == 1 and kind in (OBJ, ANY):
        return _op(f"{_paren(tr.value(args[0]))} in {_paren(obj)}", BOOL)
    if prop in ("isEmpty", "isNotEmpty") and not args:  # n8n's extensions
        test = "==" if prop == "isEmpty" else "!="
        return _op(f"len({obj.text}) {test} 0", BOOL)
    if prop in ("first", "last") and not args and kind != STR:  # n8n's array extensions
        return _atom(f"{_paren(obj)}[{0 if prop == 'first' else -1}]", ITEM if kind == ITEMS else ANY)
    if prop == "match" and len(args) == 1 and isinstance(args[0], Regex) and "g" in args[0].flags and not seq:
        from .expressions import _groups

        if _groups(args[0].pattern):
            raise Untranslatable(".match() with g and groups gives whole matches in JavaScript, groups in Python")
        # every match, or null when there is none
        found = f"re_findall({_string(_pattern(args[0]))}, {_text_receiver(obj)})"
        return _op(f"{found} or None", ANY)
    if prop == "match" and len(args) == 1 and isinstance(args[0], Regex) and not seq:
        return _first_match(obj, args[0])
    if prop in ("keys", "values") and not args and kind in (OBJ, ANY):  # n8n's object extensions
        return _atom(f"list({_paren(obj)}.{prop}())", LIST)
    if prop == "parseJson" and not args:  # n8n's extension
        return _atom(f"json_parse({obj.text})", ANY)
    if prop == "toDateTime" and not args and kind in (STR, ANY):  # n8n's extension, ISO text
        return Py(obj.text, DATE, obj.atom)
    if prop == "toJsonString" and not args:
        return _atom(f"json_stringify({obj.text})", STR)
    if prop == "sum" and not args and kind != STR:
        return _atom(f"sum({obj.text})", NUM)
    if prop == "toFixed":
        raise Untranslatable(".toFixed() formats decimals; NodeFox has no number formatting")
    if prop == "test" and isinstance(obj, Py):
        raise Untranslatable(".test() of a value that is not a regular expression literal")
    raise Untranslatable(f".{prop}() has no NodeFox equivalent")


__all__ = ["CALLS", "FUNCTIONS", "GLOBALS", "PROPS", "method"]
