"""Templates: a param string `=...{{ expression }}...` split into text and compiled expressions."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from .. import _guards as g
from .. import _json
from ..errors import ExpressionError
from .checking import check
from .compiler import compile_checked
from .context import Context
from .friendly import explain, same_words
from .scan import string_end


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
            raise self.failure(exc, item, context) from None
        t = type(value)
        if t is str or (t is int and g.INT_FLOOR < value < g.INT_LIMIT) or t is bool or value is None or (t is float and value - value == 0):
            return value
        return self.finish(value)

    def failure(self, exc: BaseException, item: Any = None, context: Context | None = None) -> ExpressionError:
        """The ExpressionError for an exception raised while evaluating `item` (in plain words,
        naming the field that was empty when there is one: `friendly.explain`)."""
        said = explain(exc, self.checked.tree, self.checked.source, item, context) if item is not None else None
        return ExpressionError(said or plain(exc), self.text)

    def finish(self, value: Any) -> Any:
        """The JSON form of a result that is not a plain scalar."""
        try:
            return g.to_json(value)
        except ExpressionError as exc:
            raise ExpressionError(exc.message, self.text) from None


def plain(exc: BaseException) -> str:
    """An exception raised while evaluating, in plain words."""
    if isinstance(exc, ExpressionError):
        return _ADDRESS.sub("", exc.message)
    if isinstance(exc, RecursionError):
        return "the expression nests too deeply"
    if isinstance(exc, MemoryError):
        return "the expression ran out of memory"
    if isinstance(exc, NameError) or type(exc).__name__ == "NameNotDefined":  # simpleeval's
        return f"{getattr(exc, 'name', '?')!r} is not defined"
    text = _ADDRESS.sub("", str(exc))  # `<zip object at 0x7f...>`: the same text every run
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):  # str() is "(34, 'Numerical result out of range')"
        return "the number is too large"
    if isinstance(exc, ValueError) and "integer string conversion" in text:
        if "value has" in text:  # int() of a long text
            return f"a text of more than {g.MAX_DIGITS:,} digits cannot be read as a number"
        return f"a number with more than {g.MAX_DIGITS:,} digits cannot be turned into text"
    if isinstance(exc, TypeError) and "not supported between instances of" in text:
        text = text.replace("'NoneType'", "null").replace("'str'", "text").replace("'int'", "number")
        text = text.replace("'float'", "number").replace("'list'", "array").replace("'dict'", "object")
    return same_words(text) or type(exc).__name__


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


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


def _split(body: str, text: str, spans: list[tuple[int, int]] | None = None) -> list[str | Expression]:
    """The literal texts and expressions of a template's `body`; `spans` (when given) gets
    where each expression's text lies in `body`."""
    stripped = body.strip()
    parts: list[str | Expression] = []
    pos = 0
    while True:
        start = body.find("{{", pos)
        if start < 0:
            break
        # the shortest text up to a `}}` that is an expression; only `}}` outside strings
        # and brackets can end one, so a param full of `}}` is not parsed once per `}}`
        expr = failure = None
        for attempt, end in enumerate(_closings(body, start + 2), 1):
            inner = body[start + 2 : end]
            try:
                expr = Expression(inner)
                break
            except ExpressionError as exc:
                failure = ExpressionError(exc.message, inner.strip())
                if attempt == MAX_ATTEMPTS:
                    break
        if expr is None:
            raise failure or ExpressionError("a {{ has no matching }}", text)
        if body[pos:start]:
            parts.append(body[pos:start])
        parts.append(expr)
        if spans is not None:
            spans.append((start + 2, end))
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


MAX_ATTEMPTS = 20  # `}}` tried as the end of one expression before it is reported


def _closings(body: str, i: int) -> Iterator[int]:
    """Where an expression starting at `i` may end: each `}}` outside strings, comments
    and open brackets (as Python's tokenizer sees them), in order."""
    depth = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c in "\"'":
            j = string_end(body, i)
            if j >= 0:  # an unterminated quote is left to the parser to report
                i = j
                continue
        elif c == "#":  # a comment runs to the end of the line, braces and quotes included
            while i < n and body[i] != "\n":
                if depth <= 0 and body.startswith("}}", i):
                    yield i
                i += 1
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth <= 0 and body.startswith("}}", i):
                yield i
            depth -= 1
        i += 1


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
    """Rewrite `$("old")` and `$node["old"]` to name `new`, inside a template's `{{ }}`
    only: the text around them is the user's words, even when it reads `$("old")`.

    Each quoted name is read as Python reads it, so a name spelled with escapes
    (`$("Say \\"hi\\"")`) is found too.
    """
    spans: list[tuple[int, int]] = []
    try:
        _split(text[1:], text, spans)
    except ExpressionError:
        return _renamed(text, old, new)  # not a template that parses: every reference in it
    out, pos = [text[0]], 1
    for start, end in spans:
        out += [text[pos : start + 1], _renamed_in_code(text[start + 1 : end + 1], old, new)]
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def _renamed_in_code(code: str, old: str, new: str) -> str:
    """`_renamed` in an expression's code, outside its string literals: `'see $("old")'` is
    text the expression gives, not a reference."""
    out, i, n = [], 0, len(code)
    while i < n:
        c = code[i]
        if c in "\"'":
            j = string_end(code, i)
            j = n if j < 0 else j
        elif c == "$" and (m := _RENAME.match(code, i)) is not None:
            out.append(_renamed(m.group(0), old, new))
            i = m.end()
            continue
        else:
            j = i + 1
        out.append(code[i:j])
        i = j
    return "".join(out)


def _renamed(text: str, old: str, new: str) -> str:
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
