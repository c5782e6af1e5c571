"""n8n expressions (JavaScript in `{{ }}`) rewritten as NodeFox expressions (Python).

The JavaScript is parsed (`_js.parse`) and each tree node is rewritten by a
handler from a dispatch table. Every rewrite carries the *kind* of value it
produces when that is known (text, number, boolean, list, ...), because
JavaScript and Python differ exactly where the kind matters: `+` of text and a
number, `||` on an empty list, `/` of integers, `%` of negatives. Where the
kind is known the plain Python operator is used; where it is not, a form that
gives JavaScript's value for every kind (or fails where JavaScript would not,
never computing something else) is written out. What has no exact NodeFox
spelling raises `Untranslatable` with the reason; the caller keeps the
original text and reports it.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass, field
from typing import Any

from . import _js
from ._js import (
    Arr,
    Arrow,
    Binary,
    Call,
    Cond,
    Ident,
    Index,
    JSSyntaxError,
    Lit,
    Member,
    New,
    Num,
    Obj,
    Regex,
    Spread,
    Str,
    Template,
    Unary,
)  # fmt: skip

MAX_TEXT = 20_000  # longest translated expression; longer ones are reported, not written

# kinds of value
ANY, NUM, INDEX, STR, BOOL, NULL, LIST, OBJ = "any", "num", "index", "str", "bool", "null", "list", "obj"
DATE = "date"  # a Luxon DateTime / JS Date: NodeFox text in the $now form
ITEM = "item"  # an n8n item {json, binary}: NodeFox's item is its json
ITEMS = "items"  # a list of n8n items
NODE = "node"  # $("Name") / $node["Name"]
INPUT = "input"  # $input
NAMESPACE = "namespace"  # Math, JSON, Object, DateTime, ...
_SCALAR = frozenset({NUM, INDEX, STR, BOOL, NULL})  # Python truthiness equals JavaScript's
_NUMERIC = frozenset({NUM, INDEX})
_FALSY = '(None, False, 0, "")'  # JavaScript's falsy values that can occur in JSON data
_DICT_METHODS = frozenset({"get", "keys", "values", "items", "copy"})


class Untranslatable(Exception):
    """An expression with no exact NodeFox spelling; the message says why."""


@dataclass(frozen=True)
class Py:
    """A piece of Python source and what it is known to produce."""

    text: str
    kind: str = ANY
    atom: bool = True  # needs no parentheses as an operand
    extra: Any = None  # a namespace's name, a node's Python reference


def _atom(text: str, kind: str = ANY, extra: Any = None) -> Py:
    return Py(text, kind, True, extra)


def _op(text: str, kind: str = ANY) -> Py:
    return Py(text, kind, False)


def _paren(p: Py) -> str:
    return p.text if p.atom else f"({p.text})"


def _string(value: str) -> str:
    """A Python string literal (JSON's escapes are Python's)."""
    return json.dumps(value, ensure_ascii=False)


def _number(value: int | float) -> str:
    if isinstance(value, float) and not (value == value and abs(value) != float("inf")):
        raise Untranslatable("NaN and Infinity are not JSON values")
    return repr(value)


def _join_kind(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} <= _NUMERIC:
        return NUM
    return ANY


@dataclass
class _Scope:
    """Arrow-function parameters in scope: JavaScript name -> (Python name, kind)."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


_PY_RESERVED = frozenset(keyword.kwlist) | frozenset(
    ["len", "str", "int", "float", "bool", "round", "abs", "min", "max", "sum", "sorted", "reversed", "any", "all", "list", "dict", "enumerate", "zip", "range", "if_empty", "json_parse", "json_stringify", "re_match", "re_findall", "re_sub", "date_add", "date_format", "date_diff", "lookup"]
)


class Translator:
    """Translates one JavaScript expression tree; `refs` collects the node names it reads."""

    def __init__(self) -> None:
        self.scope = _Scope()
        self.refs: set[str] = set()

    # -- entry --

    def top(self, node: Any) -> Py:
        p = self.expr(node)
        if p.kind in (NODE, INPUT, NAMESPACE):
            raise Untranslatable(f"{_describe(node)} is not a value")
        # an n8n item ({json, binary, pairedItem}) stands for its json, as NodeFox items do
        if p.kind == ITEMS:
            return Py(p.text, LIST, p.atom)
        if p.kind == ITEM:
            return Py(p.text, OBJ, p.atom)
        return p

    def expr(self, node: Any) -> Py:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise Untranslatable(f"{type(node).__name__} is not supported")
        return handler(self, node)

    def value(self, node: Any) -> Py:
        """An operand that must be a plain value (not $input, Math, ...)."""
        p = self.expr(node)
        if p.kind in (NODE, INPUT, NAMESPACE):
            raise Untranslatable(f"{_describe(node)} is used as a value")
        if p.kind in (ITEM, ITEMS):
            return Py(p.text, OBJ if p.kind == ITEM else LIST, p.atom)
        return p

    # -- literals --

    def num(self, node: Num) -> Py:
        kind = INDEX if isinstance(node.value, int) and node.value >= 0 else NUM
        return _atom(_number(node.value), kind) if node.value >= 0 else _op(_number(node.value), NUM)

    def str_(self, node: Str) -> Py:
        return _atom(_string(node.value), STR)

    def lit(self, node: Lit) -> Py:
        return _atom({True: "True", False: "False", None: "None"}[node.value], BOOL if node.value is not None else NULL)

    def template(self, node: Template) -> Py:
        parts: list[str] = []
        for i, quasi in enumerate(node.quasis):
            if quasi:
                parts.append(_string(quasi))
            if i < len(node.exprs):
                parts.append(_paren(self.to_text(self.value(node.exprs[i]), node.exprs[i])))
        if not parts:
            return _atom('""', STR)
        return _op(" + ".join(parts), STR) if len(parts) > 1 else _atom(parts[0], STR)

    def regex(self, node: Regex) -> Py:
        raise Untranslatable("a regular expression is only supported as the pattern of replace, match or test")

    def array(self, node: Arr) -> Py:
        out = []
        for e in node.elems:
            if isinstance(e, Spread):
                inner = self.value(e.arg)
                if inner.kind not in (LIST, ANY):
                    raise Untranslatable("spreading something that is not an array")
                out.append("*" + _paren(inner))
            else:
                out.append(self.value(e).text)
        return _atom("[" + ", ".join(out) + "]", LIST)

    def object(self, node: Obj) -> Py:
        out = []
        for key, val in node.props:
            if key is None:
                inner = self.value(val.arg)
                if inner.kind not in (OBJ, ANY):
                    raise Untranslatable("spreading something that is not an object")
                out.append("**" + _paren(inner))
                continue
            k = _string(key) if isinstance(key, str) else self.to_text(self.value(key), key).text
            out.append(f"{k}: {self.value(val).text}")
        # `} }` rather than `}}`: a NodeFox template ends at `}}`
        return _atom("{" + ", ".join(out) + (" }" if out and out[-1].endswith("}") else "}"), OBJ)

    # -- names --

    def ident(self, node: Ident) -> Py:
        name = node.name
        if name in self.scope.names:
            py, kind = self.scope.names[name]
            return _atom(py, kind)
        handler = _GLOBALS.get(name)
        if handler is not None:
            return handler(self)
        if name.startswith("$"):
            raise Untranslatable(f"{name} has no NodeFox equivalent")
        raise Untranslatable(f"{name} is not defined in an n8n expression")

    # -- operators --

    def truthy(self, p: Py) -> str:
        """Python that is true exactly when JavaScript finds the value truthy."""
        if p.kind in _SCALAR:
            # in parentheses: a conditional (`%` of numbers) cannot stand bare as a test
            return _paren(p)
        if p.kind in (LIST, OBJ, DATE):
            return "True"
        return f"{_paren(p)} not in {_FALSY}"

    def falsy(self, p: Py) -> str:
        if p.kind in _SCALAR:
            return f"not {_paren(p)}"
        if p.kind in (LIST, OBJ, DATE):
            return "False"
        return f"{_paren(p)} in {_FALSY}"

    def unary(self, node: Unary) -> Py:
        if node.op == "!":
            return _op(self.falsy(self.value(node.arg)), BOOL)
        if node.op in ("-", "+"):
            arg = self.value(node.arg)
            if arg.kind in (STR, LIST, OBJ, NULL, DATE):
                raise Untranslatable(f"unary {node.op} of a {arg.kind} converts it to a number")
            if node.op == "+" and arg.kind in _NUMERIC:
                return arg
            # Python's unary + and - fail on text and lists, where JavaScript would convert
            return _op(f"{node.op}{_paren(arg)}", NUM)
        if node.op == "typeof":
            raise Untranslatable("typeof has no NodeFox equivalent")
        raise Untranslatable(f"the {node.op} operator is not supported")

    def binary(self, node: Binary) -> Py:
        op = node.op
        handler = _BINARY.get(op)
        if handler is None:
            raise Untranslatable(f"the {op} operator is not supported")
        return handler(self, node)

    def _logical(self, node: Binary) -> Py:
        left, right = self.value(node.left), self.value(node.right)
        kind = _join_kind(left.kind, right.kind)
        if node.op == "??":
            if left.kind not in (ANY, NULL):
                return left
            return _op(f"{_paren(left)} if {_paren(left)} is not None else {_paren(right)}", kind)
        if left.kind in _SCALAR:
            word = "or" if node.op == "||" else "and"
            return _op(f"{_paren(left)} {word} {_paren(right)}", kind)
        if node.op == "||":
            return _op(f"{_paren(left)} if {self.truthy(left)} else {_paren(right)}", kind)
        return _op(f"{_paren(right)} if {self.truthy(left)} else {_paren(left)}", kind)

    def _plus(self, node: Binary) -> Py:
        left, right = self.value(node.left), self.value(node.right)
        kinds = {left.kind, right.kind}
        if DATE in kinds:
            raise Untranslatable("+ of a date adds its milliseconds or text; use .plus()")
        if kinds <= _NUMERIC:
            return _op(f"{_paren(left)} + {_paren(right)}", NUM)
        if left.kind == STR or right.kind == STR:
            a, b = self.to_text(left, node.left, exact=True), self.to_text(right, node.right, exact=True)
            return _op(f"{_paren(a)} + {_paren(b)}", STR)
        if LIST in kinds or OBJ in kinds:
            raise Untranslatable("+ of an array or object joins their text in JavaScript")
        if NULL in kinds or BOOL in kinds:
            raise Untranslatable("+ of null or a boolean converts it to a number")
        # two values of unknown kind: numbers add, texts join, a mix fails (JavaScript would join)
        return _op(f"{_paren(left)} + {_paren(right)}", ANY)

    def _numeric_operand(self, p: Py, op: str) -> str:
        if p.kind in _NUMERIC or p.kind == BOOL:
            return _paren(p)
        if p.kind in (STR, LIST, OBJ, NULL, DATE):
            raise Untranslatable(f"{op} of a {p.kind} converts it to a number")
        # unary + is the identity on numbers and fails on text and lists ("3" * 2 would repeat)
        return f"(+{_paren(p)})" if op == "*" else _paren(p)

    def _arith(self, node: Binary) -> Py:
        left, right = self.value(node.left), self.value(node.right)
        a, b = self._numeric_operand(left, node.op), self._numeric_operand(right, node.op)
        if node.op == "/":
            # JavaScript has one number type: 6 / 3 is 2, not 2.0
            return _op(f"{a} // {b} if {a} % {b} == 0 else {a} / {b}", NUM)
        if node.op == "%":
            if left.kind == INDEX and isinstance(node.right, Num) and node.right.value > 0:
                return _op(f"{a} % {b}", INDEX)
            # JavaScript's remainder takes the sign of the dividend
            return _op(f"abs({a}) % abs({b}) if {a} >= 0 else -(abs({a}) % abs({b}))", NUM)
        kind = INDEX if node.op in ("*", "**") and left.kind == right.kind == INDEX else NUM
        return _op(f"{a} {node.op} {b}", kind)

    def _compare(self, node: Binary) -> Py:
        left, right = self.value(node.left), self.value(node.right)
        if DATE in (left.kind, right.kind):
            raise Untranslatable("comparing dates compares their milliseconds; use date_diff")
        return _op(f"{_paren(left)} {node.op} {_paren(right)}", BOOL)

    def _equal(self, node: Binary) -> Py:
        negate = node.op in ("!=", "!==")
        loose = node.op in ("==", "!=")
        left, right = self.value(node.left), self.value(node.right)
        for a, b, a_node in ((left, right, node.left), (right, left, node.right)):
            if isinstance(a_node, Lit):
                if a_node.value is None:
                    if not loose and a_node.name == "undefined":
                        # NodeFox has no undefined: a missing field reads as null
                        return _op(f"{_paren(b)} is {'not ' if negate else ''}None", BOOL)
                    return _op(f"{_paren(b)} is {'not ' if negate else ''}None", BOOL)
                if not loose:
                    return _op(f"{_paren(b)} is {'not ' if negate else ''}{a.text}", BOOL)
        kinds = {left.kind, right.kind}
        if DATE in kinds:
            raise Untranslatable("comparing dates with == compares objects, not instants")
        if LIST in kinds or OBJ in kinds:
            raise Untranslatable("== of arrays or objects compares their identity in JavaScript")
        if loose and not self._loose_safe(left, right, node):
            test = self._loose_literal(left, right, node)
            if test is None:
                raise Untranslatable("loose == between values of different kinds converts them; use ===")
            return _op(f"not ({test})" if negate else test, BOOL)
        if not loose and kinds & _NUMERIC and ANY in kinds:
            # 1 === true is false in JavaScript, 1 == True in Python
            other = left if left.kind == ANY else right
            num = right if other is left else left
            test = f"{_paren(other)} == {_paren(num)} and {_paren(other)} is not True and {_paren(other)} is not False"
            return _op(f"not ({test})" if negate else test, BOOL)
        return _op(f"{_paren(left)} {'!=' if negate else '=='} {_paren(right)}", BOOL)

    @staticmethod
    def _loose_safe(left: Py, right: Py, node: Binary) -> bool:
        """`==` equals `===` when one side is text that no number, boolean or null equals."""
        for p, n in ((left, node.left), (right, node.right)):
            if isinstance(n, Str) and n.value.strip() != "" and not _numeric_text(n.value):
                return True
            if p.kind == STR and isinstance(n, Template):
                return False
        kinds = {left.kind, right.kind}
        return kinds <= _NUMERIC or (len(kinds) == 1 and ANY not in kinds)

    @staticmethod
    def _loose_literal(left: Py, right: Py, node: Binary) -> str | None:
        """JavaScript's `x == 7`, `x == "7"` and `x == y` for values of unknown kind: text
        that reads as a number equals it (blank text is 0); other values compare as numbers;
        an array or object fails (`not in {}`). None for anything else."""
        for x, lit in ((left, node.right), (right, node.left)):
            if x.kind != ANY:
                continue
            v = _paren(x)
            if isinstance(lit, Num) and not isinstance(lit.value, bool):
                n = _number(lit.value)
                as_number = f"re_match({_NUMBER_TEXT}, {v}) and float({v}) == {n}"
                blank = f" or {v}.strip() == ''" if lit.value == 0 else ""
                # an array or object fails (`not in {}`): JavaScript compares its text
                return f"{v} not in {{}} and ({v} == {n} if {v} != str({v}) else ({as_number}{blank}))"
            if isinstance(lit, Str) and (lit.value.strip() == "" or _numeric_text(lit.value)):
                try:
                    n = _number(float(lit.value) if lit.value.strip() else 0)
                except ValueError:  # 0x1A, Infinity: JavaScript's own number spellings
                    return None
                return f"{v} not in {{}} and ({v} == {_string(lit.value)} if {v} == str({v}) else {v} == {n})"
        if ANY in (left.kind, right.kind) and {left.kind, right.kind} <= {ANY, NUM, INDEX, STR, BOOL}:
            # one of unknown kind: each read once (a comprehension's names); text against
            # anything else compares as a number (null equals nothing but null)
            t_is_l = "jsl == str(jsl)"
            mixed = (f"[o is not None and (float(t) == o if re_match({_NUMBER_TEXT}, t) else t.strip() == '' and o == 0) "
                     f"for t, o in [[jsl, jsr] if {t_is_l} else [jsr, jsl]]][0]")  # fmt: skip
            test = f"jsl not in {{}} and jsr not in {{}} and (jsl == jsr if ({t_is_l}) == (jsr == str(jsr)) else {mixed})"
            return f"[{test} for jsl, jsr in [[{left.text}, {right.text}]]][0]"
        return None

    def cond(self, node: Cond) -> Py:
        test, then, other = self.value(node.test), self.value(node.then), self.value(node.other)
        return _op(f"{_paren(then)} if {self.truthy(test)} else {_paren(other)}", _join_kind(then.kind, other.kind))

    # -- text --

    def to_text(self, p: Py, node: Any = None, exact: bool = True) -> Py:
        """JavaScript's String(value), where NodeFox can say it exactly.

        With `exact`, a value of unknown kind is spelled out: itself when it is text
        (only text equals its own str()), else its JSON text, which is JavaScript's
        for numbers, booleans and null; `not in {}` fails on arrays and objects,
        whose JavaScript text (1,2 and [object Object]) NodeFox does not write.
        """
        if p.kind == ANY and exact:
            v = _paren(p)
            return _op(f'{v} if {v} == str({v}) else json_stringify({v}) if {v} not in {{}} else ""', STR)
        if p.kind == STR:
            return p
        if p.kind == INDEX:
            return _atom(f"str({p.text})", STR)
        if p.kind == BOOL:
            return _op(f'"true" if {p.text} else "false"', STR)
        if p.kind == NULL:
            return _atom('"null"', STR)
        if p.kind == DATE:
            raise Untranslatable("the text of a date differs (JavaScript's long date form)")
        if p.kind == NUM:
            # exact for integers; floats print as Python does (2.5, but 2.0 for a whole float)
            return _atom(f"str({p.text})", STR)
        raise Untranslatable(
            f"converting {_describe(node) if node is not None else 'a value'} to text needs its kind"
            " (JavaScript writes true, null, 1,2 where Python writes True, None, [1, 2])"
        )

    # -- member access --

    def member(self, node: Member) -> Py:
        obj = self.expr(node.obj)
        return self._get(obj, node.prop, node.optional, node)

    def index(self, node: Index) -> Py:
        match = _regex_match(node.obj)
        if match is not None and isinstance(node.key, Num) and type(node.key.value) is int:
            from ._context import _pattern

            receiver, regex = match
            groups = _groups(regex.pattern)
            # .match(re)[0] with no group, [1] with one: the first match (JavaScript fails on null[i]);
            # other indexes read the list .match() gives
            if "g" not in regex.flags and node.key.value == min(groups, 1) and groups <= 1:
                text = self.value(receiver)
                return _atom(f"re_findall({_string(_pattern(regex))}, {text.text})[0]", ANY)
        obj = self.expr(node.obj)
        if isinstance(node.key, Str):
            return self._get(obj, node.key.value, node.optional, node)
        if obj.kind == NODE and obj.extra == "$node":
            raise Untranslatable("$node[...] needs a node name as a literal")
        if obj.kind in (NODE, INPUT, NAMESPACE, ITEM):
            raise Untranslatable(f"{_describe(node)} is not supported")
        key = self.value(node.key)
        if isinstance(node.key, Num) and (not isinstance(node.key.value, int) or node.key.value < 0):
            raise Untranslatable("a negative or fractional index reads undefined in JavaScript")
        if key.kind not in (INDEX, STR, ANY, NUM):
            raise Untranslatable("an index that is not a number or text")
        kind = ITEM if obj.kind == ITEMS else ANY
        # arr[arr.length - 1] is the last element, as arr[-1] is in Python
        if (
            isinstance(node.key, Binary) and node.key.op == "-" and isinstance(node.key.right, Num)
            and node.key.right.value == 1 and isinstance(node.key.left, Member)
            and node.key.left.prop == "length" and node.key.left.obj == node.obj
        ):  # fmt: skip
            return self._optional(obj, node.optional, f"{_paren(obj)}[-1]", kind)
        if key.kind not in (INDEX, STR) and obj.kind != OBJ:
            # an index known only at run time may be negative: undefined in JavaScript,
            # counted from the end in Python
            raise Untranslatable("an index computed at run time may be negative (JavaScript reads undefined, Python counts from the end)")
        return self._optional(obj, node.optional, f"{_paren(obj)}[{key.text}]", kind)

    def _optional(self, obj: Py, optional: bool, text: str, kind: str) -> Py:
        if optional and obj.kind not in (OBJ, LIST, STR, ITEM, ITEMS):
            return _op(f"None if {_paren(obj)} is None else {text}", kind)
        return _atom(text, kind)

    def _get(self, obj: Py, prop: str, optional: bool, node: Any) -> Py:
        handler = _PROPS.get(obj.kind)
        if handler is not None:
            return handler(self, obj, prop, node)
        if obj.kind == DATE:
            return self._date_prop(obj, prop)
        if prop == "length":
            if obj.kind in (OBJ, NUM, INDEX, BOOL, NULL):
                raise Untranslatable(f".length of a {obj.kind} is not a length")
            return self._optional(obj, optional, f"len({obj.text})", INDEX)
        if obj.kind in (STR, LIST, NUM, INDEX, BOOL):
            raise Untranslatable(f".{prop} of a {obj.kind} has no NodeFox equivalent")
        if obj.kind == NULL:
            raise Untranslatable(f"reading .{prop} of null fails")
        return self._optional(obj, optional, _key(obj, prop), ANY)

    def _date_prop(self, obj: Py, prop: str) -> Py:
        fmt = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M",
               "second": "%S", "weekday": "%u"}.get(prop)  # fmt: skip
        if fmt is None:
            raise Untranslatable(f"the date property .{prop} has no NodeFox equivalent")
        return _atom(f"int(date_format({obj.text}, {_string(fmt)}))", INDEX)

    # -- calls --

    def call(self, node: Call) -> Py:
        if isinstance(node.callee, Ident):
            fn = _FUNCTIONS.get(node.callee.name)
            if fn is None:
                if node.callee.name in self.scope.names:
                    raise Untranslatable(f"calling {node.callee.name} is not supported")
                raise Untranslatable(f"the function {node.callee.name}() has no NodeFox equivalent")
            return fn(self, node.args)
        if isinstance(node.callee, Member) and isinstance(node.callee.obj, Regex) and node.callee.prop == "test":
            from ._context import _pattern

            if len(node.args) != 1:
                raise Untranslatable(".test() takes one argument")
            text = self.value(node.args[0])
            return _atom(f"re_match({_string(_pattern(node.callee.obj))}, {text.text})", BOOL)
        if isinstance(node.callee, (Member, Index)):
            prop = node.callee.prop if isinstance(node.callee, Member) else (
                node.callee.key.value if isinstance(node.callee.key, Str) else None
            )
            if prop is None:
                raise Untranslatable("calling a computed method is not supported")
            obj = self.expr(node.callee.obj)
            handler = _CALLS.get(obj.kind)
            if handler is not None:
                return handler(self, obj, prop, node.args)
            if obj.kind == DATE:
                from .luxon import date_method

                return date_method(self, obj, prop, node.args)
            if node.callee.optional or node.optional:
                raise Untranslatable("optional calls ?.() are not supported")
            return _method(self, obj, prop, node.args)
        raise Untranslatable("calling an expression is not supported")

    def new(self, node: New) -> Py:
        if isinstance(node.callee, Ident) and node.callee.name == "Date" and not node.args:
            return _atom("$now", DATE)
        if isinstance(node.callee, Ident) and node.callee.name == "Date" and len(node.args) == 1:
            x = self.value(node.args[0])
            if x.kind in (STR, ANY):
                # dates as text: NodeFox's date functions read ISO 8601 and fail on anything else
                return Py(x.text, DATE, x.atom)
        raise Untranslatable(f"new {_describe(node.callee)}() has no NodeFox equivalent")

    def arrow(self, node: Arrow) -> Py:
        raise Untranslatable("an arrow function is only supported as the argument of map, filter, find, some or every")

    def bind(self, params: tuple[str, ...], kinds: tuple[str, ...]) -> list[str]:
        names = []
        for p, kind in zip(params, kinds, strict=False):
            py = p if (p.isidentifier() and p.isascii() and not p.startswith("_") and p not in _PY_RESERVED) else f"v{len(self.scope.used)}"
            while py in self.scope.used:
                py = f"{py}_{len(self.scope.used)}" if not py.startswith("v") else f"v{len(self.scope.used) + 1}"
                if py.startswith("_"):
                    py = "v" + py
            self.scope.used.add(py)
            self.scope.names[p] = (py, kind)
            names.append(py)
        return names


def _regex_match(node: Any) -> tuple[Any, Regex] | None:
    if (
        isinstance(node, Call) and isinstance(node.callee, Member) and node.callee.prop == "match"
        and len(node.args) == 1 and isinstance(node.args[0], Regex)
    ):  # fmt: skip
        return node.callee.obj, node.args[0]
    return None


def _groups(pattern: str) -> int:
    """Capturing groups in a regular expression (escapes and classes skipped)."""
    count, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "(" and not in_class and not pattern.startswith("(?", i) or c == "(" and not in_class and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            count += 1
        i += 1
    return count


def _is_text_key(node: Any) -> bool:
    return isinstance(node, (Str, Template))


_NUMBER_TEXT = _string(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")  # what Number() reads


def _numeric_text(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return text.strip().lower().startswith(("0x", "0o", "0b", "infinity", "+infinity", "-infinity"))
    return True


def _key(obj: Py, prop: str) -> str:
    if prop.isidentifier() and prop.isascii() and not prop.startswith("_") and not keyword.iskeyword(prop) and prop not in _DICT_METHODS:
        return f"{_paren(obj)}.{prop}"
    return f"{_paren(obj)}[{_string(prop)}]"


def _describe(node: Any) -> str:
    if isinstance(node, Ident):
        return node.name
    if isinstance(node, Member):
        return f"{_describe(node.obj)}.{node.prop}"
    if isinstance(node, Call):
        return f"{_describe(node.callee)}()"
    if isinstance(node, Index):
        return f"{_describe(node.obj)}[...]"
    return "the value"


from ._context import CALLS as _CALLS, FUNCTIONS as _FUNCTIONS, GLOBALS as _GLOBALS, PROPS as _PROPS, method as _method  # noqa: E402,I001

_HANDLERS = {
    Num: Translator.num, Str: Translator.str_, Lit: Translator.lit, Template: Translator.template,
    Regex: Translator.regex, Arr: Translator.array, Obj: Translator.object, Ident: Translator.ident,
    Unary: Translator.unary, Binary: Translator.binary, Cond: Translator.cond,
    Member: Translator.member, Index: Translator.index, Call: Translator.call, New: Translator.new,
    Arrow: Translator.arrow,
}  # fmt: skip
_BINARY = {
    "||": Translator._logical, "&&": Translator._logical, "??": Translator._logical,
    "+": Translator._plus, "-": Translator._arith, "*": Translator._arith, "/": Translator._arith,
    "%": Translator._arith, "**": Translator._arith,
    "<": Translator._compare, ">": Translator._compare, "<=": Translator._compare, ">=": Translator._compare,
    "==": Translator._equal, "!=": Translator._equal, "===": Translator._equal, "!==": Translator._equal,
}  # fmt: skip


# -- whole parameter values ------------------------------------------------------


@dataclass
class Outcome:
    """A translated parameter string, or the reason it stays as it was."""

    text: str
    ok: bool
    reason: str = ""
    refs: frozenset[str] = frozenset()


def split_template(body: str) -> list[str | tuple[str, Any]] | None:
    """n8n's `text {{ js }} text` as text parts and (source, tree) parts.

    A `}}` may occur inside the JavaScript (an object literal, a string), so each
    `{{` is closed by the first `}}` after which the JavaScript parses.
    None when some `{{` has no such `}}`.
    """
    parts: list[str | tuple[str, Any]] = []
    pos = 0
    while True:
        start = body.find("{{", pos)
        if start < 0:
            break
        end = body.find("}}", start + 2)
        tree, error = None, None
        while end >= 0:
            source = body[start + 2 : end]
            try:
                tree = _js.parse(source)
                break
            except JSSyntaxError as exc:
                error = exc
                end = body.find("}}", end + 1)
        if tree is None:
            raise Untranslatable(f"cannot read the JavaScript: {error}" if error else "a {{ has no matching }}")
        if body[pos:start]:
            parts.append(body[pos:start])
        parts.append((source, tree))
        pos = end + 2
    if body[pos:]:
        parts.append(body[pos:])
    return parts


def translate_template(text: str) -> Outcome:
    """One n8n parameter string that starts with `=`, as a NodeFox template."""
    body = text[1:]
    try:
        parts = split_template(body)
        exprs = [p for p in parts if isinstance(p, tuple)]
        typed = len(exprs) == 1 and all(isinstance(p, tuple) or not p.strip() for p in parts)
        out: list[str] = []
        refs: set[str] = set()
        for part in parts:
            if isinstance(part, str):
                if "{{" in part:
                    raise Untranslatable("text containing {{ that is not an expression")
                out.append(part)
                continue
            tr = Translator()
            tree = part[1]
            if not typed and isinstance(tree, Template):
                # inside text, a template literal's pieces render as n8n renders them
                out.append(_inline_template(tr, tree))
            elif not typed:
                p = tr.top(tree)
                _check_rendering(p, tree)
                out.append("{{ " + p.text + " }}")
            elif (chain := _concat_chain(tree)) is not None:
                out.append(_inline_chain(tr, chain))
            elif isinstance(tree, Template) and any(q.strip() for q in tree.quasis):
                # `{{ `Hi ${name}` }}`: the same text as a NodeFox template
                out.append(_inline_template(tr, tree))
            else:
                out.append("{{ " + tr.top(tree).text + " }}")
            refs |= tr.refs
    except Untranslatable as exc:
        return Outcome(text, False, str(exc))
    except RecursionError:
        return Outcome(text, False, "the expression nests too deeply")
    result = "=" + "".join(out)
    as_text = not typed or any(isinstance(p, str) for p in parts) or _inlined(parts)
    if as_text and _typed_in_nodefox(result):
        # n8n renders `{{ x }}` with spaces or a line break around it as text; NodeFox would
        # keep the value typed and drop them, so a second (empty) expression makes it text
        result += '{{ "" }}'

    if len(result) > MAX_TEXT:
        return Outcome(text, False, "the translation is too long")
    problem = _check(result)
    if problem:
        return Outcome(text, False, f"the translation is not a valid NodeFox expression: {problem}")
    return Outcome(result, True, refs=frozenset(refs))


def _inlined(parts: list) -> bool:
    """True when the one expression was written out as text (a template literal or a + chain)."""
    trees = [p[1] for p in parts if isinstance(p, tuple)]
    return len(trees) == 1 and (
        (isinstance(trees[0], Template) and any(q.strip() for q in trees[0].quasis))
        or _concat_chain(trees[0]) is not None
    )


def _typed_in_nodefox(text: str) -> bool:
    from ..errors import ExpressionError
    from ..expressions import template

    try:
        return bool(template(text).typed)
    except (ExpressionError, RecursionError, ValueError, SyntaxError):
        return False


def _inline_template(tr: Translator, tree: Template) -> str:
    out = []
    for i, quasi in enumerate(tree.quasis):
        if "{{" in quasi:
            raise Untranslatable("text containing {{ inside a template literal")
        out.append(quasi)
        if i < len(tree.exprs):
            out.append("{{ " + _js_text(tr, tree.exprs[i]) + " }}")
    return "".join(out)


def _concat_chain(tree: Any) -> list | None:
    """`'a' + x + 'b'` (text first or second, so every + joins text) as its operands."""
    operands = []
    while isinstance(tree, Binary) and tree.op == "+":
        operands.append(tree.right)
        tree = tree.left
    operands.append(tree)
    operands.reverse()
    if len(operands) < 2:
        return None
    texts = [isinstance(o, Str) or (isinstance(o, Template) and any(q for q in o.quasis)) for o in operands]
    if not (texts[0] or texts[1]):
        return None
    return operands


def _inline_chain(tr: Translator, operands: list) -> str:
    out = []
    for o in operands:
        if isinstance(o, Str):
            if "{{" in o.value:
                raise Untranslatable("text containing {{ inside a string")
            out.append(o.value)
        elif isinstance(o, Template):
            out.append(_inline_template(tr, o))
        else:
            out.append("{{ " + _js_text(tr, o) + " }}")
    return "".join(out)


def _js_text(tr: Translator, tree: Any) -> str:
    """A value inside JavaScript text (a template literal, a + of text).

    NodeFox renders text, numbers and booleans as JavaScript writes them; a value
    of unknown kind is spelled out by `to_text`, so null reads `null` (where
    NodeFox's rendering would write nothing) and arrays and objects fail.
    """
    p = tr.top(tree)
    _check_rendering(p, tree, literal=True)
    if p.kind == ANY:
        p = tr.to_text(p, tree, exact=True)
    return p.text


def _check_rendering(p: Py, tree: Any, literal: bool = False) -> None:
    """Inside text NodeFox renders a value as n8n does, except where checked here."""
    if p.kind == DATE:
        raise Untranslatable("a date inside text is written in Luxon's long form by n8n; use .toISO() or .toFormat()")
    if literal and p.kind in (NULL, LIST, OBJ):
        raise Untranslatable("a template literal writes null, arrays and objects as JavaScript's String() does")


def _check(template_text: str) -> str:
    from ..errors import ExpressionError
    from ..expressions import template

    try:
        template(template_text)
    except ExpressionError as exc:
        return exc.message
    except (RecursionError, MemoryError, ValueError, SyntaxError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def translate_js(source: str) -> Py:
    """One JavaScript expression (the inside of `{{ }}`) as Python; raises Untranslatable."""
    try:
        tree = _js.parse(source)
    except JSSyntaxError as exc:
        raise Untranslatable(f"cannot read the JavaScript: {exc}") from None
    return Translator().top(tree)


__all__ = ["Outcome", "Py", "Translator", "Untranslatable", "translate_js", "translate_template"]
