"""Checking: an expression is parsed once and held to the allowed syntax before it runs.

What passes is a `Checked`: the tree both evaluators walk, plus what the
expression depends on (the nodes it names, the context it reads) and whether
it can spend from the work budget.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .. import _guards as g
from ..errors import ExpressionError
from ..functions import CONTEXT_FUNCTIONS, FUNCTIONS
from .friendly import unknown_name
from .scan import CONTEXT_NAMES, PREFIX, display, is_name, scan

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
        source = scan(text)
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
        if kind is ast.keyword and node.arg.startswith("_"):
            raise ExpressionError(f"names beginning with _ are not allowed ({node.arg})", text)
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
                    if target.id.startswith(PREFIX):
                        raise ExpressionError(f"{display(target.id)} cannot be a loop variable", text)
                    bound.add(target.id)
        elif kind is ast.Call:
            _check_call(node, text, refs)
        elif kind is ast.Subscript and is_name(node.value, PREFIX + "node"):
            refs.add(_constant_name(node.slice, text, "$node[...]"))
        elif kind is ast.Name and node.id.startswith("_"):
            # the scanner refuses `_` names, but Python reads `＿＿class＿＿` as `__class__`
            # (NFKC): only the scanner's own `$` names pass
            if not node.id.startswith(PREFIX) or node.id[len(PREFIX) :] not in CONTEXT_NAMES | {""}:
                raise ExpressionError(f"names beginning with _ are not allowed ({node.id})", text)
            if node.id != PREFIX:
                uses.add(node.id[len(PREFIX) :])
        elif kind is ast.Name and node.id in CONTEXT_FUNCTIONS:
            uses.add("timezone")  # date_format reads settings.timezone
    _check_node_names(tree, text)
    known = bound | FUNCTIONS.keys() | CONTEXT_FUNCTIONS
    for node in ast.walk(tree):
        if type(node) is ast.Name and not node.id.startswith(PREFIX) and node.id not in known:
            names = [*known, "True", "False", "None", *("$" + n for n in CONTEXT_NAMES)]
            raise ExpressionError(unknown_name(node.id, names), text)
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
        if type(node) is ast.Call and is_name(node.func, PREFIX):
            allowed.add(id(node.func))
        elif type(node) is ast.Subscript and is_name(node.value, PREFIX + "node"):
            allowed.add(id(node.value))
    for node in ast.walk(tree):
        if type(node) is ast.Name and node.id in _NODE_NAMES and id(node) not in allowed:
            raise ExpressionError(f'{display(node.id)} can only be used as {_NODE_NAMES[node.id]}', text)


_NODE_NAMES = {PREFIX: '$("Name")', PREFIX + "node": '$node["Name"]'}



def _constant_name(node: ast.AST, text: str, what: str) -> str:
    if type(node) is ast.Constant and isinstance(node.value, str):
        return node.value
    raise ExpressionError(f"{what} needs a node name in quotes", text)


def _check_call(node: ast.Call, text: str, refs: set[str]) -> None:
    func = node.func
    if is_name(func, PREFIX):
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError('$() takes one node name, as in $("Orders")', text)
        refs.add(_constant_name(node.args[0], text, "$()"))
    elif type(func) is ast.Name:
        if func.id.startswith(PREFIX):
            raise ExpressionError(f"{display(func.id)} cannot be called", text)
        if func.id not in FUNCTIONS and func.id not in CONTEXT_FUNCTIONS:
            raise ExpressionError(f"unknown function {func.id!r}", text)
    elif type(func) is not ast.Attribute:
        raise ExpressionError("only named functions and methods can be called", text)

