"""Expression templates: `=...{{ python expression }}...` inside node params.

An expression is scanned (`$` names become reserved identifiers, `_` names are
refused, `scan.py`), parsed and checked once against the allowed syntax
(`checking.py`), then compiled to a Python function whose every attribute read,
subscript, method call and size-growing operator goes through `_guards`
(`compiler.py`). It reads the node's context (`context.py`); param strings are
split into text and expressions (`templates.py`). `evaluate_reference` runs the
same checked tree through `simpleeval` (`reference.py`), the reference for what
an expression gives; the tests hold the two equal.
"""

from __future__ import annotations

from typing import Any

from .checking import MAX_DEPTH, MAX_EXPRESSION, Checked, check
from .context import Context, InputRef, NodeRef
from .scan import CONTEXT_NAMES, display
from .templates import Expression, Template, is_template, rename_reference, render, template

__all__ = [
    "CONTEXT_NAMES", "MAX_DEPTH", "MAX_EXPRESSION", "Checked", "Context", "Expression",
    "InputRef", "NodeRef", "Template", "check", "display", "evaluate_reference", "is_template",
    "render", "rename_reference", "template",
]  # fmt: skip


def evaluate_reference(text: str, item: dict, index: int, context: Context) -> Any:
    """Evaluate one `{{ }}` body with simpleeval (slow; the reference for tests).

    Imported on first use: the engine never needs simpleeval to run.
    """
    from .reference import evaluate_reference as evaluate

    return evaluate(text, item, index, context)
