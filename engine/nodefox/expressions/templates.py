"""Templates: a param string `=...{{ expression }}...` split into text and compiled expressions."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Any

from .. import _guards as g
from .. import _json
from ..errors import ExpressionError
from .checking import check
from .compiler import compile_checked
from .context import Context


class Expression:
    """One `{{ }}` expression, checked and compiled once."""

    __slots__ = ("text", "checked", "fn")

    def __init__(self, text: str):
        self.text = text.strip()
        self.checked = check(self.text)
        self.fn = compile_checked(self.checked)

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
        return ExpressionError(plain(exc), self.text)

    def finish(self, value: Any) -> Any:
        """The JSON form of a result that is not a plain scalar."""
        try:
            return g.to_json(value)
        except ExpressionError as exc:
            raise ExpressionError(exc.message, self.text) from None


def plain(exc: Exception) -> str:
    """An exception raised while evaluating, in plain words."""
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
