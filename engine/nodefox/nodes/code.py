"""The `code` node: the user's own Python.

The browser is the user's own sandbox; natively the code runs only when the
caller opts in (`allow_code`).
"""

from __future__ import annotations

import random
import textwrap
import traceback
from typing import Any

from .. import _json
from .._guards import to_json
from ..errors import ExpressionError, NodeError
from .base import NodeCall, NodeType, Outputs, obj_schema

_FILENAME = "<code node>"


def _compile(source: str, mode: str) -> Any:
    args = "items, vars, now, random" if mode == "all" else "item, index, vars, now, random"
    text = f"def user_code({args}):\n" + (textwrap.indent(source, "    ") if source.strip() else "    pass")
    try:
        namespace: dict = {}
        exec(compile(text, _FILENAME, "exec"), namespace)  # noqa: S102 - the user's own code, opted in
    except SyntaxError as exc:
        line = (exc.lineno or 2) - 1
        raise NodeError(f"syntax error on line {line}: {exc.msg}", path="/code") from None
    return namespace["user_code"]


def _line(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _FILENAME]
    return f" on line {frames[-1].lineno - 1}" if frames else ""


def _objects(value: Any, where: str) -> list:
    t = type(value)
    if t is not dict and (t is not list or not set(map(type, value)) <= {dict}):
        raise NodeError(f"{where} must return a list of objects")
    try:
        return [to_json(value)] if t is dict else to_json(value)
    except ExpressionError as exc:
        raise NodeError(f"{where} returned something that is not JSON: {exc.message}") from None


def run_code(call: NodeCall) -> Outputs:
    if not call.allow_code:
        raise NodeError(
            "code nodes run natively only when allowed: pass --allow-code to "
            "`nodefox run` or allow_code=True to nodefox.run()"
        )
    params = call.params()
    source = params.get("code")
    if not isinstance(source, str):
        raise NodeError("code must be Python source text", path="/code")
    mode = params.get("mode", "all")
    fn = _compile(source, mode)
    rng = random.Random(f"{call.seed}:{call.node_id}")
    vars_ = _json.copy(call.context.vars)
    now = call.context.now
    if mode == "all":
        try:
            result = fn(_json.copy(call.first), vars_, now, rng)
        except (Exception, SystemExit) as exc:  # exit() must not end the run
            raise NodeError(f"{type(exc).__name__}{_line(exc)}: {exc}") from None
        return {"out": _objects(result, "the code")}
    out: list = []

    def each(item: dict, index: int) -> None:
        try:
            result = fn(_json.copy(item), index, vars_, now, rng)
        except (Exception, SystemExit) as exc:  # exit() must not end the run
            raise NodeError(f"{type(exc).__name__}{_line(exc)}: {exc}", item=index) from None
        if result is not None:
            out.extend(_objects(result, f"the code (item {index})"))

    call.each(each, out)
    return {"out": out}


NODES = [
    NodeType(
        "code", "Code", "Transform",
        "Runs your Python: mode 'all' gets `items` and returns a list; mode 'each' gets `item` "
        "and `index` and returns an object, a list or None. Also sees vars, now and a seeded random.",
        ("in",), ("out",),
        obj_schema({
            "code": {"type": "string", "default": "return items", "description": "Python function body",
                     "format": "python"},
            "mode": {"type": "string", "enum": ["all", "each"], "default": "all"},
        }, ["code"]),
        run_code,
        reads=frozenset({"vars", "now", "seed"}),
        runs_code=True,
    ),
]  # fmt: skip
