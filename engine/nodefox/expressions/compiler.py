"""Compiling: a checked tree becomes a Python function with every risky step guarded.

Every attribute read, subscript, method call and size-growing operator goes
through `_guards`, as the reference evaluator's do, so both enforce the same
rules and give the same values; plain arithmetic on numbers stays plain.
"""

from __future__ import annotations

import ast
from typing import Any

from .. import _guards as g
from ..errors import ExpressionError
from ..functions import CONTEXT_FUNCTIONS, FUNCTIONS
from .checking import Checked
from .scan import PREFIX, display, is_name

LOCAL = "_v_"  # before a comprehension variable's name: users cannot write `_` names


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
        if node.id.startswith(PREFIX):
            name = node.id[len(PREFIX) :]
            if name == "json":
                return ast.Name("J", ast.Load())
            if name == "index":
                return ast.Name("I", ast.Load())
            return ast.Attribute(ast.Name("C", ast.Load()), name or "ref", ast.Load())
        if node.id in self.scope:  # a comprehension's variable, named apart from ours (J, C, F_len...)
            return ast.Name(LOCAL + node.id, node.ctx)
        if node.id in CONTEXT_FUNCTIONS:
            return ast.Attribute(ast.Name("C", ast.Load()), node.id, ast.Load())
        if node.id in FUNCTIONS:
            return ast.Name("F_" + node.id, ast.Load())
        return node

    scope: frozenset[str] = frozenset()  # the names the enclosing comprehensions bind

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        base = node.value
        if is_name(base, PREFIX + "json"):  # $json.a: always an object
            return ast.Call(
                ast.Attribute(ast.Name("J", ast.Load()), "get", ast.Load()),
                [ast.Constant(node.attr)],
                [],
            )
        obj, name, text = self.visit(base), ast.Constant(node.attr), self._text(base)
        if self.in_comprehension:  # no temporaries there (a comprehension's iterable refuses them)
            return self._call("_attr", obj, name, text)
        # an object's key read here (what _attr does first), anything else through _attr
        self.temps += 1
        temp = f"_t{self.temps}"
        bound = ast.NamedExpr(ast.Name(temp, ast.Store()), obj)
        test = ast.Compare(ast.Attribute(bound, "__class__", ast.Load()), [ast.Is()], [ast.Name("_dict", ast.Load())])
        read = ast.Call(ast.Attribute(ast.Name(temp, ast.Load()), "get", ast.Load()), [name], [])
        return ast.IfExp(test, read, self._call("_attr", ast.Name(temp, ast.Load()), name, text))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        if is_name(func, PREFIX):  # $("Name") -> C.ref("Name", I)
            target = ast.Attribute(ast.Name("C", ast.Load()), "ref", ast.Load())
            return ast.Call(target, [args[0], ast.Name("I", ast.Load())], [])
        if type(func) is ast.Attribute:
            bound = self._call(
                "_method", self.visit(func.value), ast.Constant(func.attr), self._text(func.value)
            )
            return ast.Call(bound, args, keywords)
        return ast.Call(self.visit(func), args, keywords)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if is_name(node.value, PREFIX + "node"):
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
        if type(node.op) in (ast.Add, ast.Mult, ast.Mod, ast.Sub) and not self.in_comprehension:
            return self._numeric_fast_path(node.op, guard, left, right)
        return self._call(guard, left, right)

    def _numeric_fast_path(self, op: ast.operator, guard: str, left: ast.AST, right: ast.AST) -> ast.AST:
        """`a + b` as `a + b` when both are numbers, else through the guard.

        Numbers cannot grow past the limits by + or %, so the guard only matters
        for text and lists (and % formatting); the check is two class lookups
        instead of a call. A product also checks that both numbers are small enough.
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

    def _comprehension(self, node: ast.ListComp | ast.DictComp) -> ast.AST:
        """Python's scopes: the first iterable is read outside, all the rest inside."""
        outer, outer_scope = self.in_comprehension, self.scope
        first = node.generators[0]
        self.in_comprehension = True  # no temporaries in any iterable (Python refuses them)
        try:
            first.iter = self._call_method_on_budget(self.visit(first.iter))
            self.scope = outer_scope | {
                t.id for gen in node.generators for t in ast.walk(gen.target) if type(t) is ast.Name
            }
            for i, gen in enumerate(node.generators):
                gen.target = self.visit(gen.target)
                if i:
                    gen.iter = self._call_method_on_budget(self.visit(gen.iter))
                gen.ifs = [self.visit(test) for test in gen.ifs]
            if type(node) is ast.DictComp:
                node.key, node.value = self.visit(node.key), self.visit(node.value)
            else:
                node.elt = self.visit(node.elt)
            return node
        finally:
            self.in_comprehension, self.scope = outer, outer_scope

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        return self._comprehension(node)

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        return self._comprehension(node)

    def _call_method_on_budget(self, iterable: ast.AST) -> ast.AST:
        each = ast.Attribute(ast.Name("B", ast.Load()), "each", ast.Load())
        return ast.Call(each, [iterable], [])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        # simpleeval evaluates a generator expression to a list; so do we
        new = ast.ListComp(node.elt, node.generators)
        return self.visit(new)


_BIN_GUARDS = {
    ast.Add: "_add", ast.Mult: "_mul", ast.Pow: "_pow", ast.LShift: "_lshift",
    ast.RShift: "_rshift", ast.Mod: "_mod", ast.Sub: "_sub", ast.BitOr: "_or", ast.BitAnd: "_and",
    ast.BitXor: "_xor",
}  # fmt: skip

_GLOBALS: dict[str, Any] = {
    "__builtins__": {},
    "_attr": g.attr, "_method": g.method, "_item": g.item, "_add": g.add, "_mul": g.mul,
    "_pow": g.power, "_lshift": g.lshift, "_rshift": g.rshift, "_mod": g.mod, "Budget": g.Budget,
    "_sub": g.sub, "_or": g.bit_or, "_and": g.bit_and, "_xor": g.bit_xor,
    "_NUM": frozenset({int, float}), "_slice": slice, "_touch": g.touch, "_spread": g.spread,
    "_W": g.WORK, "_SF": g.SMALL_FACTOR, "_dict": dict,
    **{"F_" + name: fn for name, fn in FUNCTIONS.items()},
}  # fmt: skip


def compile_checked(checked: Checked) -> Any:
    compiler = _Compiler(checked.source)
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
    fn = namespace["expression"]
    fn.inline = (body, checked.needs_work or checked.needs_budget, checked.needs_budget)  # for compile_loop
    return fn


def compile_loop(values: list[Any]) -> Any:
    """`loop(items, C, out, n0.., v0.., f0..)`: for each item, a copy with fields n0.. set in
    order to the values of `values`, appended to `out`; each value sees the copy as `$json`
    (later fields see earlier ones). A value is None (the constant argument vK), a compiled
    expression (inlined; a result that is not a plain scalar goes through fK, its finish), or
    a template's parts (text, or compiled expressions inlined: vK and fK are then tuples of
    the texts and of the finishes, by part), joined as text. One function for the whole loop:
    no call per item and field (set's hot path).

    Any exception leaves `out` part-filled: the caller starts again item by item, where
    errors get their words. Built from fixed text and the expressions' compiled trees; the
    workflow's field names and texts are arguments, never source."""
    from .templates import render  # templates imports this module

    k = len(values)
    names, consts, finishes = ([f"{c}{i}" for i in range(k)] for c in "nvf")
    lines = [f"def loop(items, C, out, {', '.join(names + consts + finishes)}):",
             "    append = out.append", "    for I, J in _enumerate(items):", "        J = _dict(J)"]
    bodies: dict[str, Any] = {}

    def evaluate(fn: Any, body: str, target: str, finish: str) -> None:
        _, work, budget = fn.inline
        bodies[body] = fn.inline[0]
        lines.extend(["        _W[0] = 0"] * work + ["        B = Budget()"] * budget)
        lines.extend([f"        {target} = {body}",
                      f"        if not ({target}.__class__ is _str or {target} is None or {target}.__class__ is _bool"
                      f" or ({target}.__class__ is _int and _IF < {target} < _IL) or ({target}.__class__ is _float"
                      f" and {target} - {target} == 0)):", f"            {target} = {finish}({target})"])  # fmt: skip

    for i, value in enumerate(values):
        if value is None:
            lines.append(f"        J[n{i}] = v{i}")
        elif type(value) is list:  # a template: its texts and rendered results, joined
            parts = []
            for j, part in enumerate(value):
                if type(part) is str:
                    parts.append(f"v{i}[{j}]")
                else:
                    evaluate(part, f"_BODY{i}_{j}", f"p{j}", f"f{i}[{j}]")
                    lines.append(f"        p{j} = _render(p{j})")
                    parts.append(f"p{j}")
            lines.append(f"        J[n{i}] = _join(({', '.join(parts)},))")
        else:
            evaluate(value, f"_BODY{i}", "v", f"f{i}")
            lines.append(f"        J[n{i}] = v")
    lines.append("        append(J)")
    module = ast.parse("\n".join(lines))
    for stmt in module.body[0].body[1].body:  # the loop's statements: `v = _BODYi` takes body i
        if type(stmt) is ast.Assign and type(stmt.value) is ast.Name and stmt.value.id in bodies:
            stmt.value = bodies[stmt.value.id]  # compile() reads a tree, never changes it: shared
    namespace: dict[str, Any] = {}
    # `_` names: the user's expressions cannot name them (checking.py)
    scope = {**_GLOBALS, "_enumerate": enumerate, "_str": str, "_bool": bool, "_int": int,
             "_float": float, "_IF": g.INT_FLOOR, "_IL": g.INT_LIMIT, "_render": render, "_join": "".join}  # fmt: skip
    exec(compile(module, "<loop>", "exec"), scope, namespace)  # noqa: S102 - our own guarded translation
    return namespace["loop"]


def _TEMPLATE() -> ast.Module:
    return ast.parse("def expression(J, I, C):\n    return None")


def _TEMPLATE_BUDGET() -> ast.Module:
    return ast.parse("def expression(J, I, C):\n    B = Budget()\n    return None")

