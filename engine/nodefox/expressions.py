"""Expression templates: `=...{{ python expression }}...` inside node params.

An expression is scanned (`$` names become reserved identifiers, `_` names are
refused), parsed and checked once against the allowed syntax, then compiled to a
Python function whose every attribute read, subscript, method call and
size-growing operator goes through `_guards`. `evaluate_reference` runs the
same checked tree through `simpleeval`, the reference for what an expression
gives; the tests hold the two equal.
"""

from __future__ import annotations

import ast
import operator as op
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes

from . import _guards as g
from . import _json
from .errors import ExpressionError
from .functions import CONTEXT_FUNCTIONS, FUNCTIONS, date_format_in

# `$name` in the text becomes `_S_name` in Python; `$(` becomes `_S_(`.
_PREFIX = "_S_"
CONTEXT_NAMES = frozenset({"json", "index", "input", "node", "vars", "now", "today", "workflow"})
MAX_EXPRESSION = 10_000  # characters in one template
MAX_DEPTH = 200  # nesting of the parsed expression; both evaluators recurse per level

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.IfExp, ast.Call, ast.keyword, ast.Attribute, ast.Subscript, ast.Slice, ast.Name,
    ast.Load, ast.Store, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.ListComp,
    ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.Starred,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift,
    ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.USub, ast.UAdd, ast.Not, ast.Invert,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
)  # fmt: skip
_WHY_NOT = {
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "the walrus operator := is not allowed",
    ast.Set: "set literals are not allowed (their order is not stable); use a list",
    ast.SetComp: "set comprehensions are not allowed; use a list",
    ast.JoinedStr: "f-strings are not allowed; use + and str()",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
}

# -- scanning ----------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _scan(source: str) -> str:
    """Rewrite `$` names to reserved identifiers; refuse `_` names and imports."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in "\"'":
            j = _string_end(source, i)
            out.append(source[i:j])
            i = j
        elif c == "$":
            m = _IDENT.match(source, i + 1)
            if m:
                name = m.group()
                if name not in CONTEXT_NAMES:
                    raise ExpressionError(f"${name} is not a known name")
                out.append(_PREFIX + name)
                i = m.end()
            else:
                out.append(_PREFIX)
                i += 1
        elif c.isalpha() or c == "_":
            m = _IDENT.match(source, i)
            if m is None:  # a non-ASCII letter: Python decides
                out.append(c)
                i += 1
                continue
            name = m.group()
            if name.startswith("_"):
                raise ExpressionError(f"names beginning with _ are not allowed ({name})")
            if name in ("import", "lambda", "exec", "eval"):
                raise ExpressionError(f"{name} is not allowed in expressions")
            # a string prefix such as b"..", r"..", f"..": keep the letters, scan the string
            out.append(name)
            i = m.end()
        elif c.isdigit():
            m = re.compile(r"[0-9A-Za-z_.]+").match(source, i)
            out.append(m.group())
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _string_end(s: str, i: int) -> int:
    quote = s[i] * 3 if s.startswith(s[i] * 3, i) else s[i]
    j = i + len(quote)
    while j < len(s):
        if s[j] == "\\":
            j += 2
            continue
        if s.startswith(quote, j):
            return j + len(quote)
        j += 1
    return len(s)  # unterminated: Python reports it


def display(python_source: str) -> str:
    """The user's spelling of a scanned piece of source."""
    return python_source.replace(_PREFIX, "$")


# -- checking ------------------------------------------------------------------


@dataclass
class Checked:
    """A parsed expression that passed every rule, with what it depends on."""

    text: str  # what the user wrote
    source: str  # scanned Python source
    tree: ast.Expression
    refs: frozenset[str]  # node names read through $("...") / $node["..."]
    uses: frozenset[str]  # context names read: json, vars, now, ...
    needs_budget: bool  # has a comprehension: counts its steps
    needs_work: bool = False  # can spend from the work budget (`_guards.MAX_WORK`)


def check(text: str) -> Checked:
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"an expression may be at most {MAX_EXPRESSION:,} characters", text)
    try:
        source = _scan(text)
        tree = ast.parse(source.strip(), mode="eval")
    except ExpressionError as exc:
        raise ExpressionError(exc.message, text) from None
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", text) from None
    except (RecursionError, MemoryError):  # the parser's own nesting limits
        raise ExpressionError(_TOO_DEEP, text) from None
    except ValueError as exc:  # e.g. null bytes, on Python versions that do not say SyntaxError
        raise ExpressionError(f"syntax error: {exc}", text) from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(_TOO_DEEP, text)
    refs: set[str] = set()
    uses: set[str] = set()
    bound: set[str] = set()
    needs_budget = False
    needs_work = False
    for node in ast.walk(tree):
        kind = type(node)
        if kind not in _ALLOWED_SET:
            why = _WHY_NOT.get(kind, f"{kind.__name__} is not allowed in expressions")
            raise ExpressionError(why, text)
        if kind in _SPENDING:
            needs_work = True
        if (kind is ast.List and type(node.ctx) is ast.Load) or kind is ast.Dict:
            continue
        for child in ast.iter_child_nodes(node):
            if type(child) is ast.Starred:  # simpleeval spreads only inside list literals
                raise ExpressionError("* can only spread a list inside [...]", text)
        if kind is ast.keyword and node.arg is None:
            raise ExpressionError("** can only spread an object inside {...}", text)
        if kind is ast.Constant and isinstance(node.value, str | bytes):
            if isinstance(node.value, bytes):
                raise ExpressionError("bytes literals are not allowed", text)
            if len(node.value) > g.MAX_LENGTH:
                raise ExpressionError("a text literal is too long", text)
        elif kind is ast.Attribute:
            if node.attr.startswith(g.DENIED_PREFIXES) or node.attr in g.DISALLOW_METHODS:
                raise ExpressionError(f".{node.attr} is not allowed in expressions", text)
        elif kind is ast.comprehension:
            needs_budget = True
            if node.is_async:
                raise ExpressionError("async comprehensions are not allowed", text)
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    bound.add(target.id)
        elif kind is ast.Call:
            _check_call(node, text, refs)
        elif kind is ast.Subscript and _is_name(node.value, _PREFIX + "node"):
            refs.add(_constant_name(node.slice, text, "$node[...]"))
        elif kind is ast.Name and node.id.startswith(_PREFIX) and node.id != _PREFIX:
            uses.add(node.id[len(_PREFIX) :])
        elif kind is ast.Name and node.id in CONTEXT_FUNCTIONS:
            uses.add("timezone")  # date_format reads settings.timezone
    _check_node_names(tree, text)
    known = bound | FUNCTIONS.keys() | CONTEXT_FUNCTIONS
    for node in ast.walk(tree):
        if type(node) is ast.Name and not node.id.startswith(_PREFIX) and node.id not in known:
            raise ExpressionError(f"unknown name {node.id!r}", text)
    return Checked(text, source, tree, frozenset(refs), frozenset(uses), needs_budget, needs_work)


_ALLOWED_SET = frozenset(_ALLOWED)
# nodes whose evaluation can spend from the work budget
_SPENDING = frozenset({ast.Call, ast.BinOp, ast.Compare, ast.Slice, ast.Starred, ast.Dict, ast.comprehension})
_TOO_DEEP = f"the expression nests too deeply (at most {MAX_DEPTH} levels)"


def _depth(tree: ast.AST) -> int:
    """How deeply the tree nests, counted without recursion."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node_names(tree: ast.AST, text: str) -> None:
    """`$` and `$node` only as `$("Name")` and `$node["Name"]`: a node read any other way
    (`[$node][0]["Name"]`) would not be a dependency the engine knows of."""
    allowed = set()
    for node in ast.walk(tree):
        if type(node) is ast.Call and _is_name(node.func, _PREFIX):
            allowed.add(id(node.func))
        elif type(node) is ast.Subscript and _is_name(node.value, _PREFIX + "node"):
            allowed.add(id(node.value))
    for node in ast.walk(tree):
        if type(node) is ast.Name and node.id in _NODE_NAMES and id(node) not in allowed:
            raise ExpressionError(f'{display(node.id)} can only be used as {_NODE_NAMES[node.id]}', text)


_NODE_NAMES = {_PREFIX: '$("Name")', _PREFIX + "node": '$node["Name"]'}


def _is_name(node: ast.AST, name: str) -> bool:
    return type(node) is ast.Name and node.id == name


def _constant_name(node: ast.AST, text: str, what: str) -> str:
    if type(node) is ast.Constant and isinstance(node.value, str):
        return node.value
    raise ExpressionError(f"{what} needs a node name in quotes", text)


def _check_call(node: ast.Call, text: str, refs: set[str]) -> None:
    func = node.func
    if _is_name(func, _PREFIX):
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError('$() takes one node name, as in $("Orders")', text)
        refs.add(_constant_name(node.args[0], text, "$()"))
    elif type(func) is ast.Name:
        if func.id.startswith(_PREFIX):
            raise ExpressionError(f"{display(func.id)} cannot be called", text)
        if func.id not in FUNCTIONS and func.id not in CONTEXT_FUNCTIONS:
            raise ExpressionError(f"unknown function {func.id!r}", text)
    elif type(func) is not ast.Attribute:
        raise ExpressionError("only named functions and methods can be called", text)


# -- compiling -----------------------------------------------------------------


class _Compiler(ast.NodeTransformer):
    """Turns a checked tree into guarded Python. J, I, C and B are the function's arguments."""

    def __init__(self, source: str):
        self.source = source
        self.temps = 0

    def _text(self, node: ast.AST) -> ast.Constant:
        seg = ast.get_source_segment(self.source.strip(), node) or "value"
        return ast.Constant(display(seg))

    def _call(self, fn: str, *args: ast.AST) -> ast.Call:
        return ast.Call(ast.Name(fn, ast.Load()), list(args), [])

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id.startswith(_PREFIX):
            name = node.id[len(_PREFIX) :]
            if name == "json":
                return ast.Name("J", ast.Load())
            if name == "index":
                return ast.Name("I", ast.Load())
            return ast.Attribute(ast.Name("C", ast.Load()), name or "ref", ast.Load())
        if node.id in CONTEXT_FUNCTIONS:
            return ast.Attribute(ast.Name("C", ast.Load()), node.id, ast.Load())
        if node.id in FUNCTIONS and isinstance(node.ctx, ast.Load):
            return ast.Name("F_" + node.id, ast.Load()) if not self._local(node) else node
        return node

    def _local(self, node: ast.Name) -> bool:
        return node.id in self.locals

    locals: frozenset[str] = frozenset()

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        base = node.value
        if _is_name(base, _PREFIX + "json"):  # $json.a: always an object
            return ast.Call(
                ast.Attribute(ast.Name("J", ast.Load()), "get", ast.Load()),
                [ast.Constant(node.attr)],
                [],
            )
        return self._call("_attr", self.visit(base), ast.Constant(node.attr), self._text(base))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        if _is_name(func, _PREFIX):  # $("Name") -> C.ref("Name", I)
            target = ast.Attribute(ast.Name("C", ast.Load()), "ref", ast.Load())
            return ast.Call(target, [args[0], ast.Name("I", ast.Load())], [])
        if type(func) is ast.Attribute:
            bound = self._call(
                "_method", self.visit(func.value), ast.Constant(func.attr), self._text(func.value)
            )
            return ast.Call(bound, args, keywords)
        return ast.Call(self.visit(func), args, keywords)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if _is_name(node.value, _PREFIX + "node"):
            target = ast.Attribute(ast.Name("C", ast.Load()), "ref", ast.Load())
            return ast.Call(target, [node.slice, ast.Name("I", ast.Load())], [])
        key = node.slice
        if type(key) is ast.Slice:  # a[1:2] -> _item(a, _slice(1, 2, None)): a slice is a value here
            parts = [self.visit(p) if p is not None else ast.Constant(None) for p in (key.lower, key.upper, key.step)]
            key = self._call("_slice", *parts)
        else:
            key = self.visit(key)
        return self._call("_item", self.visit(node.value), key, self._text(node.value))

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        # every operand that can be long costs its length (`a in b` walks b)
        node.left = self._touched(self.visit(node.left))
        node.comparators = [self._touched(self.visit(c)) for c in node.comparators]
        return node

    def _touched(self, operand: ast.AST) -> ast.AST:
        if type(operand) is ast.Constant and type(operand.value) is not str:
            return operand  # numbers, booleans and None have no length
        return self._call("_touch", operand)

    def visit_Starred(self, node: ast.Starred) -> ast.AST:  # only inside [...] (checked)
        return ast.Starred(self._call("_spread", self.visit(node.value)), node.ctx)

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        values = [self.visit(v) for v in node.values]
        node.values = [self._call("_spread", v) if k is None else v for k, v in zip(node.keys, values, strict=True)]
        node.keys = [None if k is None else self.visit(k) for k in node.keys]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        left, right = self.visit(node.left), self.visit(node.right)
        guard = _BIN_GUARDS.get(type(node.op))
        if guard is None:
            return ast.BinOp(left, node.op, right)
        if type(node.op) in (ast.Add, ast.Mult) and not self.in_comprehension:
            return self._numeric_fast_path(node.op, guard, left, right)
        return self._call(guard, left, right)

    def _numeric_fast_path(self, op: ast.operator, guard: str, left: ast.AST, right: ast.AST) -> ast.AST:
        """`a + b` as `a + b` when both are numbers, else through the guard.

        Numbers cannot grow past the limits by +, so the guard only matters for
        text and lists; the check is two class lookups instead of a call. A
        product also checks that both numbers are small enough.
        """
        product = type(op) is ast.Mult
        names = []
        for side in (left, right):
            if type(side) is ast.Constant and type(side.value) in (int, float):
                if product and not -g.SMALL_FACTOR < side.value < g.SMALL_FACTOR:
                    return self._call(guard, left, right)
                names.append(None)
            else:
                self.temps += 1
                names.append(f"_t{self.temps}")
        tests = []
        operands = []
        for side, name in zip((left, right), names, strict=True):
            if name is None:
                operands.append(side)
                continue
            bind = ast.NamedExpr(ast.Name(name, ast.Store()), side)
            cls = ast.Attribute(bind, "__class__", ast.Load())
            test: ast.expr = ast.Compare(cls, [ast.In()], [ast.Name("_NUM", ast.Load())])
            if product:  # and small enough that the product stays within the limits
                small = ast.Compare(ast.UnaryOp(ast.USub(), ast.Name("_SF", ast.Load())), [ast.Lt(), ast.Lt()],
                                    [ast.Name(name, ast.Load()), ast.Name("_SF", ast.Load())])
                test = ast.BoolOp(ast.And(), [test, small])
            tests.append(test)
            operands.append(ast.Name(name, ast.Load()))
        if not tests:
            return ast.BinOp(left, op, right)
        test = tests[0] if len(tests) == 1 else ast.BinOp(tests[0], ast.BitAnd(), tests[1])
        fast = ast.BinOp(operands[0], op, operands[1])
        return ast.IfExp(test, fast, self._call(guard, operands[0], operands[1]))

    in_comprehension = False

    def _in_comprehension(self, node: ast.AST) -> ast.AST:
        outer = self.in_comprehension
        self.in_comprehension = True
        try:
            return self.generic_visit(node)
        finally:
            self.in_comprehension = outer

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        return self._in_comprehension(node)

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        return self._in_comprehension(node)

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        node.iter = self._call_method_on_budget(self.visit(node.iter))
        node.ifs = [self.visit(i) for i in node.ifs]
        return node

    def _call_method_on_budget(self, iterable: ast.AST) -> ast.AST:
        each = ast.Attribute(ast.Name("B", ast.Load()), "each", ast.Load())
        return ast.Call(each, [iterable], [])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        # simpleeval evaluates a generator expression to a list; so do we
        new = ast.ListComp(node.elt, node.generators)
        return self.visit(new)


_BIN_GUARDS = {
    ast.Add: "_add", ast.Mult: "_mul", ast.Pow: "_pow", ast.LShift: "_lshift",
    ast.RShift: "_rshift", ast.Mod: "_mod",
}  # fmt: skip


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        raise ExpressionError("text % formatting is not allowed; use + and str()")
    return a % b


_GLOBALS: dict[str, Any] = {
    "__builtins__": {},
    "_attr": g.attr, "_method": g.method, "_item": g.item, "_add": g.add, "_mul": g.mul,
    "_pow": g.power, "_lshift": g.lshift, "_rshift": g.rshift, "_mod": _mod, "Budget": g.Budget,
    "_NUM": frozenset({int, float}), "_slice": slice, "_touch": g.touch, "_spread": g.spread,
    "_W": g.WORK, "_SF": g.SMALL_FACTOR,
    **{"F_" + name: fn for name, fn in FUNCTIONS.items()},
}  # fmt: skip


def _compile(checked: Checked) -> Any:
    bound = {
        t.id
        for comp in ast.walk(checked.tree)
        if type(comp) is ast.comprehension
        for t in ast.walk(comp.target)
        if type(t) is ast.Name
    }
    compiler = _Compiler(checked.source)
    compiler.locals = frozenset(bound)
    try:
        # a fresh tree to rewrite (the checked one stays as it is), compiled as a tree:
        # text would meet the parser's nesting limit that the tree does not
        body = compiler.visit(ast.parse(checked.source.strip(), mode="eval").body)
        module = _TEMPLATE_BUDGET() if checked.needs_budget else _TEMPLATE()
        module.body[0].body[-1].value = body
        if checked.needs_work or checked.needs_budget:
            module.body[0].body.insert(0, ast.parse("_W[0] = 0").body[0])
        for node in ast.walk(body):  # positions of the user's text mean nothing in the function
            if "lineno" in node._attributes:
                node.lineno = node.end_lineno = 2
                node.col_offset = node.end_col_offset = 0
        code = compile(module, "<expression>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:  # a construct we translate wrongly
        raise ExpressionError(f"this expression cannot be compiled: {exc}", checked.text) from None
    namespace: dict[str, Any] = {}
    exec(code, dict(_GLOBALS), namespace)  # noqa: S102 - our own guarded translation
    return namespace["expression"]


def _TEMPLATE() -> ast.Module:
    return ast.parse("def expression(J, I, C):\n    return None")


def _TEMPLATE_BUDGET() -> ast.Module:
    return ast.parse("def expression(J, I, C):\n    B = Budget()\n    return None")


# -- the context an expression sees ---------------------------------------------


class NodeRef(g.Exposed):
    """`$("Name")`: the outputs of another node."""

    __slots__ = ("_name", "_outputs", "_first", "_index")
    _exposed = frozenset({"all", "first", "last", "item", "json"})

    def __init__(self, name: str, outputs: dict[str, list], first: str | None, index: int):
        self._name, self._outputs, self._first, self._index = name, outputs, first, index

    def all(self, port: Any = None) -> list:
        if port is None:
            port = self._first
        port = str(port)
        if port not in self._outputs and self._first is not None and port != self._first:
            raise ExpressionError(f'$("{self._name}") has no output port {port!r}')
        return self._outputs.get(port, [])

    def first(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[0] if items else None

    def last(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[-1] if items else None

    @property
    def item(self) -> Any:
        items = self.all()
        return items[self._index] if 0 <= self._index < len(items) else None

    @property
    def json(self) -> Any:
        return self.first()


class InputRef(g.Exposed):
    """`$input`: the node's own input items."""

    __slots__ = ("_inputs", "_first")
    _exposed = frozenset({"all", "first", "last"})

    def __init__(self, inputs: dict[str, list], first: str | None):
        self._inputs, self._first = inputs, first

    def all(self, port: Any = None) -> list:
        if port is None and self._first is None:
            return []  # a node without input ports: a source
        port = self._first if port is None else str(port)
        if port not in self._inputs:
            raise ExpressionError(f"this node has no input port {port!r}")
        return self._inputs[port]

    def first(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[0] if items else None

    def last(self, port: Any = None) -> Any:
        items = self.all(port)
        return items[-1] if items else None


def _no_nodes(name: str) -> None:
    return None


class Context:
    """Everything an expression can read besides `$json` and `$index`.

    `lookup(name)` gives the outputs and first output port of an ancestor of
    this node, or None when the named node is not an ancestor; `names` holds
    every node name so a non-ancestor is told apart from a missing node.
    One is made per node run, so the rarely used parts are made on first use.
    """

    __slots__ = ("vars", "now", "timezone", "workflow", "inputs", "first_input", "lookup", "names")

    def __init__(
        self,
        vars: dict | None = None,
        now: str = "1970-01-01T00:00:00Z",
        timezone: str = "UTC",
        workflow: dict | None = None,
        inputs: dict[str, list] | None = None,
        first_input: str | None = None,
        lookup: Any = _no_nodes,
        names: Any = frozenset(),
    ):
        self.vars = {} if vars is None else vars
        self.now = now
        self.timezone = timezone
        self.workflow = {} if workflow is None else workflow
        self.inputs = {} if inputs is None else inputs
        self.first_input = first_input
        self.lookup = lookup
        self.names = names

    @property
    def today(self) -> str:
        return self.now[:10]

    @property
    def input(self) -> InputRef:
        return InputRef(self.inputs, self.first_input)

    @property
    def date_format(self) -> Any:
        return date_format_in(self.timezone)

    def ref(self, name: Any, index: int) -> NodeRef:
        found = self.lookup(name) if type(name) is str else None
        if found is None:
            if name in self.names:
                raise ExpressionError(
                    f'$("{name}") is not an ancestor of this node; connect it upstream first'
                )
            raise ExpressionError(f"there is no node named {_json.dumps(name)}")
        outputs, first = found
        return NodeRef(name, outputs, first, index)


# -- templates -------------------------------------------------------------------


class Expression:
    """One `{{ }}` expression, checked and compiled once."""

    __slots__ = ("text", "checked", "fn")

    def __init__(self, text: str):
        self.text = text.strip()
        self.checked = check(self.text)
        self.fn = _compile(self.checked)

    def evaluate(self, item: dict, index: int, context: Context) -> Any:
        try:
            value = self.fn(item, index, context)
        except Exception as exc:
            raise self.failure(exc) from None
        t = type(value)
        if t is str or (t is int and g.INT_FLOOR < value < g.INT_LIMIT) or t is bool or value is None or (t is float and value - value == 0):
            return value
        return self.finish(value)

    def failure(self, exc: BaseException) -> ExpressionError:
        """The ExpressionError for an exception raised while evaluating."""
        if isinstance(exc, ExpressionError):
            return ExpressionError(exc.message, self.text)
        if isinstance(exc, RecursionError):
            return ExpressionError("the expression nests too deeply", self.text)
        return ExpressionError(_plain(exc), self.text)

    def finish(self, value: Any) -> Any:
        """The JSON form of a result that is not a plain scalar."""
        try:
            return g.to_json(value)
        except ExpressionError as exc:
            raise ExpressionError(exc.message, self.text) from None


def _plain(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):  # str() is "(34, 'Numerical result out of range')"
        return "the number is too large"
    if isinstance(exc, ValueError) and "integer string conversion" in text:
        return f"a number with more than {g.MAX_DIGITS:,} digits cannot be turned into text"
    if isinstance(exc, TypeError) and "not supported between instances of" in text:
        text = text.replace("'NoneType'", "null").replace("'str'", "text").replace("'int'", "number")
        text = text.replace("'float'", "number").replace("'list'", "array").replace("'dict'", "object")
    return text or type(exc).__name__


class Template:
    """A param string: literal, `=text`, `={{ expr }}` (typed) or mixed text."""

    __slots__ = ("text", "parts", "typed", "refs", "uses")

    def __init__(self, text: str):
        self.text = text
        body = text[1:]
        self.parts: list[str | Expression] = _split(body, text)
        self.typed = len(self.parts) == 1 and isinstance(self.parts[0], Expression)
        exprs = [p for p in self.parts if isinstance(p, Expression)]
        self.refs = frozenset().union(*(e.checked.refs for e in exprs))
        self.uses = frozenset().union(*(e.checked.uses for e in exprs))

    def evaluate(self, item: dict, index: int, context: Context) -> Any:
        if self.typed:
            return self.parts[0].evaluate(item, index, context)
        out = []
        for part in self.parts:
            out.append(part if type(part) is str else render(part.evaluate(item, index, context)))
        return "".join(out)


def _split(body: str, text: str) -> list[str | Expression]:
    stripped = body.strip()
    parts: list[str | Expression] = []
    pos = 0
    while True:
        start = body.find("{{", pos)
        if start < 0:
            break
        end = body.find("}}", start + 2)
        expr = None
        while end >= 0:
            inner = body[start + 2 : end]
            try:
                expr = Expression(inner)
                break
            except ExpressionError as exc:
                nxt = body.find("}}", end + 1)
                if nxt < 0:
                    raise ExpressionError(exc.message, inner.strip()) from None
                end = nxt
        if end < 0:
            raise ExpressionError("a {{ has no matching }}", text)
        if body[pos:start]:
            parts.append(body[pos:start])
        parts.append(expr)
        pos = end + 2
    if body[pos:]:
        parts.append(body[pos:])
    if len(parts) > 1 and stripped.startswith("{{") and stripped.endswith("}}"):
        # whitespace around a single {{ }} does not make it text
        exprs = [p for p in parts if isinstance(p, Expression)]
        if len(exprs) == 1 and all(isinstance(p, Expression) or not p.strip() for p in parts):
            return exprs
    if not parts:
        parts.append("")
    return parts


def render(value: Any) -> str:
    """A value as it appears inside text."""
    t = type(value)
    if t is str:
        return value
    if value is None:
        return ""
    if t is int:
        return str(value)  # the JSON text of an int
    if t is float:
        return repr(value)  # the JSON text of a finite float (results are checked finite)
    return _json.dumps(value)


@lru_cache(maxsize=8192)
def template(text: str) -> Template:
    """The compiled template for a param string starting with `=` (cached)."""
    return Template(text)


def is_template(value: Any) -> bool:
    return type(value) is str and value.startswith("=")


_RENAME = re.compile(r"""(\$\(\s*|\$node\[\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')(\s*[\)\]])""", re.S)


def rename_reference(text: str, old: str, new: str) -> str:
    """Rewrite `$("old")` and `$node["old"]` to name `new`.

    Each quoted name is read as Python reads it, so a name spelled with escapes
    (`$("Say \\"hi\\"")`) is found too.
    """
    quoted = _json.dumps(new)[1:-1]

    def rewrite(m: re.Match) -> str:
        try:
            name = ast.literal_eval(m.group(2))
        except (SyntaxError, ValueError):
            return m.group(0)
        if name != old:
            return m.group(0)
        quote = m.group(2)[0]
        return f"{m.group(1)}{quote}{_requote(quoted, quote)}{quote}{m.group(3)}"

    return _RENAME.sub(rewrite, text)


def _requote(text: str, quote: str) -> str:
    return text.replace("'", "\\'") if quote == "'" else text


# -- the reference evaluator -------------------------------------------------------


class _Reference(EvalWithCompoundTypes):
    """simpleeval, told our rules: the guards decide every access and count the work."""

    def _eval_compare(self, node: ast.Compare) -> Any:
        right = g.touch(self._eval(node.left))
        result = True
        for operation, comparator in zip(node.ops, node.comparators, strict=True):
            if not result:
                break
            left, right = right, g.touch(self._eval(comparator))
            result = self.operators[type(operation)](left, right)
        return result

    def _eval_list(self, node: ast.List) -> Any:
        out: list = []
        for element in node.elts:
            if type(element) is ast.Starred:
                out.extend(g.spread(self._eval(element.value)))
            else:
                out.append(self._eval(element))
        return out

    def _eval_dict(self, node: ast.Dict) -> Any:
        out: dict = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                spread = self._eval(value)
                if type(spread) is not dict:  # as Python's {**x}: pairs are not enough
                    raise TypeError(f"'{type(spread).__name__}' object is not a mapping")
                out.update(g.spread(spread))
            else:
                out[self._eval(key)] = self._eval(value)
        return out

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        return g.attr(self._eval(node.value), node.attr, display(ast.unparse(node.value)))

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        if _is_name(node.value, _PREFIX + "node"):
            return self.names[_PREFIX].__self__.ref(self._eval(node.slice), self.names[_PREFIX + "index"])
        return g.item(self._eval(node.value), self._eval(node.slice), display(ast.unparse(node.value)))

    def _eval_call(self, node: ast.Call) -> Any:
        args = [self._eval(a) for a in node.args]
        kwargs = dict(self._eval(k) for k in node.keywords)
        if type(node.func) is ast.Attribute:
            base = self._eval(node.func.value)
            return g.method(base, node.func.attr, display(ast.unparse(node.func.value)))(*args, **kwargs)
        if _is_name(node.func, _PREFIX):
            return self.names[_PREFIX](args[0], self.names[_PREFIX + "index"])
        return self.functions[node.func.id](*args, **kwargs)


_REF_OPERATORS = {
    **DEFAULT_OPERATORS,
    ast.Add: g.add, ast.Mult: g.mul, ast.Pow: g.power, ast.LShift: g.lshift,
    ast.RShift: g.rshift, ast.Mod: _mod, ast.Div: op.truediv,
}  # fmt: skip


def evaluate_reference(text: str, item: dict, index: int, context: Context) -> Any:
    """Evaluate one `{{ }}` body with simpleeval (slow; the reference for tests)."""
    checked = check(text.strip())
    names = {
        _PREFIX + "json": item, _PREFIX + "index": index, _PREFIX: context.ref,
        **{_PREFIX + n: getattr(context, n) for n in ("input", "vars", "now", "today", "workflow")},
        "True": True, "False": False, "None": None,
    }  # fmt: skip
    functions = {**FUNCTIONS, "date_format": context.date_format}
    evaluator = _Reference(operators=_REF_OPERATORS, functions=functions, names=names)
    g.WORK[0] = 0
    try:
        value = evaluator.eval(checked.source.strip(), previously_parsed=checked.tree.body)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, checked.text) from None
    except Exception as exc:
        raise ExpressionError(_plain(exc), checked.text) from None
    try:
        return g.to_json(value)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, checked.text) from None
