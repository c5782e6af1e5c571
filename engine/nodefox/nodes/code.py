"""The `code` node: the user's own Python.

The browser is the user's own sandbox; natively the code runs only when the
caller opts in (`allow_code`). In a preview (the editor's session) each run of a
code node has a time limit (`World.code_seconds`, the editor's setting): a
`while True: pass` fails its node instead of holding the page. Code that ran out
of time, or that the user stopped, is remembered by its text: the re-runs queued
behind it answer the same error at once, and it runs again once its code changes
(or on a `refresh` of the node).
"""

from __future__ import annotations

import ast
import random
import textwrap
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import _json, limits
from .._guards import to_json, type_name
from ..errors import ExpressionError, NodeError
from ..expressions.friendly import code_names, python_error
from ..functions import number_sum
from .base import NodeCall, NodeType, Outputs, obj_schema

_FILENAME = "<code node>"


def _compile(source: str, mode: str) -> Any:
    """The code as the body of `user_code(...)`, its lines one below the user's (the `def`
    is line 1). Parsed as a module and moved into the function as a tree, so that text in
    a multi-line string keeps its own lines (indenting the text would change them)."""
    args = "items, vars, now, random" if mode == "all" else "item, index, vars, now, random"
    if source.lstrip("\r\n")[:1] in (" ", "\t"):  # pasted indented as a whole
        source = textwrap.dedent(source)
    try:
        body = ast.parse(source, _FILENAME).body
    except SyntaxError as exc:
        raise NodeError(f"syntax error on line {exc.lineno or 1}: {exc.msg}", path="/code") from None
    module = ast.parse(f"def user_code({args}):\n    pass")
    if body:
        for statement in body:
            ast.increment_lineno(statement, 1)
        module.body[0].body = body
    try:
        namespace: dict = {"sum": _sum}
        exec(compile(module, _FILENAME, "exec"), namespace)  # noqa: S102 - the user's own code, opted in
    except SyntaxError as exc:  # what only the compiler sees (`nonlocal x` with no x)
        raise NodeError(f"syntax error on line {max((exc.lineno or 2) - 1, 1)}: {exc.msg}", path="/code") from None
    return namespace["user_code"]


def _sum(iterable: Any, /, start: Any = 0) -> Any:
    """The user's `sum()`: Python's, with floats added as on every CPython (CPython 3.12
    changed how `sum()` adds them, and the browser runs a newer CPython than 3.11)."""
    return number_sum(list(iterable), start)


def _line(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _FILENAME]
    return f" on line {frames[-1].lineno - 1}" if frames else ""


def _failed(exc: BaseException, items: list) -> str:
    """`KeyError on line 2: there is no key 'pricse'; did you mean 'price'?`: the error's
    kind and line, in plain words (`expressions.friendly`), the same natively and in Pyodide."""
    names: list[list[str]] = []
    tb = exc.__traceback__
    while tb is not None:  # the names the user's code could see where it failed
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            names = code_names(tb.tb_frame.f_locals, tb.tb_frame.f_globals)
        tb = tb.tb_next
    keys = {k: None for item in items[:20] if type(item) is dict for k in item}
    return f"{type(exc).__name__}{_line(exc)}: {python_error(exc, names, keys)}"


def _objects(value: Any, index: int | None = None) -> list:
    """The code's result as items, checked; errors name the item in mode 'each' (`index`)."""
    t = type(value)
    if t is not dict and (t is not list or not set(map(type, value)) <= {dict}):
        # mode 'each' may also return one object or None (None never reaches here)
        wanted = "a list of objects" if index is None else "an object, a list of objects or None"
        if t is list:
            at = next(i for i, v in enumerate(value) if type(v) is not dict)
            raise NodeError(f"{_who(index)} must return {wanted}; element {at} is {type_name(value[at])}")
        raise NodeError(f"{_who(index)} must return {wanted}, not {'a tuple' if t is tuple else type_name(value)}")
    try:
        return [to_json(value)] if t is dict else to_json(value)
    except ExpressionError as exc:
        raise NodeError(f"{_who(index)} returned something that is not JSON: {exc.message}") from None


def _who(index: int | None) -> str:
    return "the code" if index is None else f"the code (item {index})"


def _stuck(node_id: str) -> str:
    """The session's cache key of a node's code that ran out of time or was stopped (its own:
    the reads of the world are keyed by what they read)."""
    return f"stuck:{node_id}"


@contextmanager
def _previewed(call: NodeCall, source: str, mode: str) -> Iterator[None]:
    """The user's code within the preview's time limit; code that hung before fails at once."""
    world = call.world
    cache = world.cache
    text = f"{mode}\n{source}"
    if cache is not None:
        stuck = cache.get(call.node_id, _stuck(call.node_id))
        if stuck is not None and stuck["code"] == text:
            raise NodeError(stuck["message"], path="/code")
    seconds = world.code_seconds if world.preview else None
    message = (f"the code took longer than {seconds:g} s, the editor's time limit for a code preview; "
               "it runs again when the code changes") if seconds else ""  # fmt: skip
    start = time.monotonic()
    try:
        if seconds:
            note = _json.dumps({"node": call.node_id, "code": text, "message": message})
            with limits.time_limit(seconds, message, note):
                yield
        else:
            yield
    except NodeError as exc:
        if not message or exc.message != message:
            raise
        if cache is not None:
            cache.put(call.node_id, _stuck(call.node_id), {"code": text, "message": message})
        raise exc.located(path="/code") from None
    except KeyboardInterrupt:  # the user's Stop: the queued re-runs of this code are not run
        if cache is not None:
            stopped = (f"the preview was stopped while this code ran ({time.monotonic() - start:.1f} s); "
                       "it runs again when the code changes")  # fmt: skip
            cache.put(call.node_id, _stuck(call.node_id), {"code": text, "message": stopped})
        raise


def remember_stuck(cache: Any, note: str) -> None:
    """Take a time-limit `note` (as `limits.watch` was told it) as code that hung: a worker
    restarted because of it (no interrupt buffer) does not run that code again."""
    data = _json.loads(note)
    cache.put(data["node"], _stuck(data["node"]), {"code": data["code"], "message": data["message"]})


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
        with _previewed(call, source, mode):
            try:
                result = fn(_json.copy(call.first), vars_, now, rng)
            except (Exception, SystemExit) as exc:  # exit() must not end the run
                raise NodeError(_failed(exc, call.first)) from None
        return {"out": _objects(result)}
    out: list = []
    copies = _json.copy(call.first)  # all at once: natively one round trip in C

    def each(item: dict, index: int) -> None:
        try:
            result = fn(copies[index], index, vars_, now, rng)
        except (Exception, SystemExit) as exc:  # exit() must not end the run
            raise NodeError(_failed(exc, [item]), item=index) from None
        if result is not None:
            out.extend(_objects(result, index))

    with _previewed(call, source, mode):
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
            "mode": {"type": "string", "enum": ["all", "each"], "default": "all",
                     "description": "all: the code runs once with items; each: once per item with item and index"},
        }, ["code"]),
        run_code,
        reads=frozenset({"vars", "now", "seed"}),
        runs_code=True,
    ),
]  # fmt: skip
