"""The reference evaluator: `simpleeval` walking the same checked tree.

The spec makes simpleeval the reference for what an expression gives; the tests
hold the compiled functions equal to it. Only tests use it, so the package
imports this module (and simpleeval) on first use, not when the engine starts.
"""

from __future__ import annotations

import ast
import operator as op
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes

from .. import _guards as g
from ..errors import ExpressionError
from ..functions import FUNCTIONS
from .checking import check
from .context import Context
from .friendly import explain
from .scan import PREFIX, display, is_name
from .templates import plain


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
        if is_name(node.value, PREFIX + "node"):
            return self.names[PREFIX].__self__.ref(self._eval(node.slice), self.names[PREFIX + "index"])
        return g.item(self._eval(node.value), self._eval(node.slice), display(ast.unparse(node.value)))

    def _eval_call(self, node: ast.Call) -> Any:
        args = [self._eval(a) for a in node.args]
        kwargs = dict(self._eval(k) for k in node.keywords)
        if type(node.func) is ast.Attribute:
            base = self._eval(node.func.value)
            return g.method(base, node.func.attr, display(ast.unparse(node.func.value)))(*args, **kwargs)
        if is_name(node.func, PREFIX):
            return self.names[PREFIX](args[0], self.names[PREFIX + "index"])
        return self.functions[node.func.id](*args, **kwargs)


_REF_OPERATORS = {
    **DEFAULT_OPERATORS,
    ast.Add: g.add, ast.Mult: g.mul, ast.Pow: g.power, ast.LShift: g.lshift,
    ast.RShift: g.rshift, ast.Mod: g.mod, ast.Div: op.truediv,
}  # fmt: skip


def evaluate_reference(text: str, item: dict, index: int, context: Context) -> Any:
    """Evaluate one `{{ }}` body with simpleeval (slow; the reference for tests)."""
    checked = check(text.strip())
    names = {
        PREFIX + "json": item, PREFIX + "index": index, PREFIX: context.ref,
        **{PREFIX + n: getattr(context, n) for n in ("input", "vars", "now", "today", "workflow")},
        "True": True, "False": False, "None": None,
    }  # fmt: skip
    functions = {**FUNCTIONS, "date_format": context.date_format}
    evaluator = _Reference(operators=_REF_OPERATORS, functions=functions, names=names)
    g.WORK[0] = 0
    try:
        value = evaluator.eval(checked.source.strip(), previously_parsed=checked.tree.body)
    except Exception as exc:
        said = explain(exc, checked.tree, checked.source, item, context)
        raise ExpressionError(said or plain(exc), checked.text) from None
    try:
        return g.to_json(value)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, checked.text) from None
