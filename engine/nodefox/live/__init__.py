"""The live session: edit operations in, only what changed out (`docs/protocol.md`).

- `session`: the document, results, marking and re-running (one execution step, shared
  with whole runs: `execute.Step`);
- `ops`: one function per op, each validating fully before it changes anything;
- `answers`: each node's entry, sent again only when it changed;
- `references`: which nodes read which through `$("Name")`;
- `checks`: op field checks and the pure edits ops make.
"""

from __future__ import annotations

from ..execute import run_node  # noqa: F401  (tests count node runs through it)
from .checks import Rejected
from .ops import OPS, UPDATABLE
from .session import EMPTY_WORKFLOW, Session

__all__ = ["EMPTY_WORKFLOW", "OPS", "UPDATABLE", "Rejected", "Session"]
