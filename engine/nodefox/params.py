"""Node parameters: schema defaults, validation, and expression resolution.

Raw params are validated against the node type's JSON Schema once; a value
that is an expression template is checked after it is evaluated, by the node.
`ParamPlan` walks the params once and builds a resolver that evaluates only the
templates, per item or once.
"""

from __future__ import annotations

import re
from typing import Any

from . import _json, _schema
from ._guards import INT_FLOOR, INT_LIMIT
from .errors import ExpressionError, NodeError
from .expressions import Context, Expression, is_template, template


def _has_defaults(schema: Any) -> bool:
    if type(schema) is not dict:
        return False
    hit = _DEFAULTS.get(id(schema))
    if hit is None or hit[0] is not schema:
        found = any(
            "default" in sub or _has_defaults(sub)
            for sub in (schema.get("properties") or {}).values()
        ) or _has_defaults(schema.get("items"))
        hit = _DEFAULTS[id(schema)] = (schema, found)
    return hit[1]


_DEFAULTS: dict[int, tuple[dict, bool]] = {}


def with_defaults(schema: dict, value: Any) -> Any:
    """`value` with the schema's defaults filled in where missing (copied only where changed)."""
    if not _has_defaults(schema):
        return value
    if schema.get("type") == "object" and type(value) is dict:
        props = schema.get("properties", {})
        out = dict(value)
        for key, sub in props.items():
            if key not in out and "default" in sub:
                out[key] = sub["default"]  # shared: params are never changed in place
            if key in out:
                out[key] = with_defaults(sub, out[key])
        return out
    if schema.get("type") == "array" and type(value) is list and isinstance(schema.get("items"), dict):
        return [with_defaults(schema["items"], v) for v in value]
    return value


def schema_errors(schema: dict, params: Any) -> list[tuple[str, str]]:
    """Every (JSON pointer, message) the schema finds, ignoring expression values (their
    value is only known after evaluation)."""
    return _schema.problems(schema, params, ignore=_expression_value)


def _expression_value(err: Any) -> bool:
    if is_template(err.instance):
        return True
    return err.validator in ("anyOf", "oneOf") and bool(err.context) and all(is_template(e.instance) for e in err.context)


class ParamPlan:
    """Resolves a node's params for an item, evaluating only the templates."""

    __slots__ = ("params", "resolve", "dynamic", "refs", "uses", "memo", "_parts", "_by_keys")

    def __init__(self, params: dict):
        self.params = params
        self.refs: set[str] = set()
        self.uses: set[str] = set()
        self.dynamic = False
        self._parts: dict[str, Any] = {}
        self._by_keys: dict[tuple, Any] = {}
        self.memo: dict[str, Any] = {}  # what node functions derive from these params
        self.resolve = self._build(params, "") if _may_hold_template(params) else _Const(params)

    def _build(self, value: Any, ptr: str) -> Any:
        """A function (item, index, context) -> value, or a constant."""
        built = self._build_one(value, ptr)
        self._parts[ptr] = built
        return built

    def _build_one(self, value: Any, ptr: str) -> Any:
        if type(value) in (dict, list) and len(value) > 8 and not _may_hold_template(value):
            return _Const(value)
        if is_template(value):
            try:
                tpl = template(value)
            except ExpressionError as exc:
                err = NodeError(exc.message, path=ptr, expression=exc.expression or value)

                def fail(item: dict, index: int, context: Context) -> Any:
                    raise err.located(item=index)

                self.dynamic = True
                return fail
            self.refs |= tpl.refs
            self.uses |= tpl.uses
            if not tpl.parts or all(type(p) is str for p in tpl.parts):
                return _Const("".join(tpl.parts))  # "=plain text"
            self.dynamic = True

            if tpl.typed:
                return _typed(tpl.parts[0], ptr)

            def evaluate(item: dict, index: int, context: Context) -> Any:
                try:
                    return tpl.evaluate(item, index, context)
                except ExpressionError as exc:
                    raise NodeError(
                        exc.message, item=index, path=ptr, expression=exc.expression
                    ) from None

            evaluate.template = tpl  # type: ignore[attr-defined]  # set inlines it (compile_loop)
            return evaluate
        if type(value) is dict:
            built = {k: self._build(v, f"{ptr}/{_escape(k)}") for k, v in value.items()}
            if all(type(b) is _Const for b in built.values()):
                return _Const({k: b.value for k, b in built.items()})
            items = list(built.items())

            def obj(item: dict, index: int, context: Context) -> Any:
                return {
                    k: (b.value if type(b) is _Const else b(item, index, context)) for k, b in items
                }

            return obj
        if type(value) is list:
            built_l = [self._build(v, f"{ptr}/{i}") for i, v in enumerate(value)]
            if all(type(b) is _Const for b in built_l):
                return _Const([b.value for b in built_l])

            def arr(item: dict, index: int, context: Context) -> Any:
                return [b.value if type(b) is _Const else b(item, index, context) for b in built_l]

            return arr
        return _Const(value)

    def part(self, *keys: Any) -> Any:
        """A resolver (item, index, context) -> value for the params at `keys`."""
        hit = self._by_keys.get(keys)
        if hit is None:
            hit = self._by_keys[keys] = self._part(keys)
        return hit

    def _part(self, keys: tuple) -> Any:
        built = self._built(keys)
        if type(built) is _Const:
            constant = built.value
            return lambda item, index, context: constant
        return built

    def _built(self, keys: tuple) -> Any:
        ptr = "".join(f"/{_escape(k)}" for k in keys)
        built = self._parts.get(ptr)
        if built is None:
            value: Any = self.params
            for key in keys:
                value = value.get(key) if type(value) is dict else value[key]
            built = _Const(value)  # inside a literal subtree
        return built

    def fixed(self, *keys: Any) -> tuple[bool, Any]:
        """(True, value) when the params at `keys` hold no expression, else (False, None)."""
        built = self._built(keys)
        return (True, built.value) if type(built) is _Const else (False, None)

    def at(self, item: dict, index: int, context: Context) -> dict:
        r = self.resolve
        return r.value if type(r) is _Const else r(item, index, context)


def _typed(expr: Expression, ptr: str) -> Any:
    """The resolver of a `={{ expr }}` value: the compiled function, called directly."""
    fn = expr.fn

    def finish(value: Any, index: int) -> Any:
        try:
            return expr.finish(value)
        except ExpressionError as err:
            raise NodeError(err.message, item=index, path=ptr, expression=err.expression) from None

    def evaluate(item: dict, index: int, context: Context) -> Any:
        try:
            value = fn(item, index, context)
        except Exception as exc:
            err = expr.failure(exc, item, context)
            raise NodeError(err.message, item=index, path=ptr, expression=err.expression) from None
        t = type(value)
        # value - value == 0 holds for every finite float and fails for NaN and infinities
        if t is str or (t is int and INT_FLOOR < value < INT_LIMIT) or t is bool or value is None or (t is float and value - value == 0):
            return value
        return finish(value, index)

    evaluate.expr = expr  # type: ignore[attr-defined]  # set inlines it in its loop (compile_loop)
    bare = _BARE_FIELD.match(expr.text)
    if bare is None:
        return evaluate
    names = tuple(bare.group(1)[1:].split("."))

    def read(item: dict, index: int, context: Context) -> Any:
        """`$json.a` or `$json.a.b` (which compile to `J.get("a")`...), read without calling
        the expression: objects key by key; anything else on the way (a key of null, of a
        list) takes the compiled expression, errors and all."""
        value: Any = item
        for name in names:
            if type(value) is not dict:
                return evaluate(item, index, context)
            value = value.get(name)
        t = type(value)
        if t is str or (t is int and INT_FLOOR < value < INT_LIMIT) or t is bool or value is None or (t is float and value - value == 0):
            return value
        return finish(value, index)

    read.path = names  # type: ignore[attr-defined]  # conditions read the field themselves
    read.expr = expr  # type: ignore[attr-defined]
    return read


_BARE_FIELD = re.compile(r"\$json((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\Z")


def _may_hold_template(value: Any) -> bool:
    """False when no string inside starts with '=' (a fast check on the JSON text)."""
    return _json.contains_text(value, '"=')


class _Const:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
