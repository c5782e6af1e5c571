"""Scanning: `$` names become reserved identifiers Python can parse, `_` names are refused.

`$json` is spelled `_S_json` in the scanned source and `$("Name")` is `_S_("Name")`;
user code can never write such a name, as names beginning with `_` are refused.
"""

from __future__ import annotations

import ast
import re

from ..errors import ExpressionError

# `$name` in the text becomes `_S_name` in Python; `$(` becomes `_S_(`.
PREFIX = "_S_"
CONTEXT_NAMES = frozenset({"json", "index", "input", "node", "vars", "now", "today", "workflow"})

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def scan(source: str) -> str:
    """Rewrite `$` names to reserved identifiers; refuse `_` names and imports."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in "\"'":
            j = string_end(source, i)
            if j < 0:  # unterminated: Python reports it
                j = n
            out.append(source[i:j])
            i = j
        elif c == "$":
            m = _IDENT.match(source, i + 1)
            if m:
                name = m.group()
                if name not in CONTEXT_NAMES:
                    raise ExpressionError(f"${name} is not a known name")
                out.append(PREFIX + name)
                i = m.end()
            else:
                out.append(PREFIX)
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
        elif "0" <= c <= "9":  # not `isdigit`: `²` is a digit to it, and Python refuses it
            m = re.compile(r"[0-9A-Za-z_.]+").match(source, i)
            out.append(m.group())
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def string_end(s: str, i: int) -> int:
    """Where the string literal opening at `i` ends (just past its quote), or -1: unterminated."""
    quote = s[i] * 3 if s.startswith(s[i] * 3, i) else s[i]
    j = i + len(quote)
    while j < len(s):
        if s[j] == "\\":
            j += 2
            continue
        if s.startswith(quote, j):
            return j + len(quote)
        j += 1
    return -1


def display(python_source: str) -> str:
    """The user's spelling of a scanned piece of source."""
    return python_source.replace(PREFIX, "$")


def is_name(node: ast.AST, name: str) -> bool:
    return type(node) is ast.Name and node.id == name
