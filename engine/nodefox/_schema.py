"""JSON Schema validation: a compiled fast check, `jsonschema` for the messages.

`fastjsonschema` turns a schema into Python code once, so a valid document or
params object costs microseconds; only when it says "invalid" does `jsonschema`
walk the value to list every problem with its JSON pointer. Both libraries run
in Pyodide, and messages come only from `jsonschema`, sorted, so the results
are the same with every `jsonschema` version the project supports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema

_FAST: dict[int, tuple[dict, Callable[[Any], Any]]] = {}
_FULL: dict[int, tuple[dict, Any]] = {}


def _fast(schema: dict) -> Callable[[Any], Any]:
    hit = _FAST.get(id(schema))
    if hit is None or hit[0] is not schema:
        # fastjsonschema reads the draft from $schema; the keywords we use mean the same in draft 7
        body = {k: v for k, v in schema.items() if k != "$schema"}
        hit = _FAST[id(schema)] = (schema, fastjsonschema.compile(body, use_default=False))
    return hit[1]


def full_validator(schema: dict) -> Any:
    hit = _FULL.get(id(schema))
    if hit is None or hit[0] is not schema:
        # imported on the first invalid value: a third of the engine's import time in Pyodide
        import jsonschema

        hit = _FULL[id(schema)] = (schema, jsonschema.Draft202012Validator(schema))
    return hit[1]


def is_valid(schema: dict, value: Any) -> bool:
    try:
        _fast(schema)(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def iter_errors(schema: dict, value: Any) -> list:
    """Every jsonschema error for `value`, or [] at once when the fast check passes."""
    if is_valid(schema, value):
        return []
    return list(full_validator(schema).iter_errors(value))
