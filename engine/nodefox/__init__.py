"""NodeFox: a visual workflow engine in pure Python.

The public API: `run` a workflow document, `load` (validate) one, keep a live
`Session`, and the node `Registry`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .document import Document, load
from .errors import DocumentError, ExpressionError, NodeError, NodeFoxError, Problem
from .execute import canonical, run
from .nodes import BUILTINS, NodeType, Registry

__all__ = [
    "BUILTINS", "Document", "DocumentError", "ExpressionError", "NodeError", "NodeFoxError",
    "NodeType", "Problem", "Registry", "__version__", "canonical", "load", "run",
]  # fmt: skip

from .live import Session  # noqa: E402  (after the names it builds on)

__all__ += ["Session"]
