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


def problems(schema: dict, value: Any, ignore: Callable[[Any], bool] | None = None) -> list[tuple[str, str]]:
    """Every (JSON pointer, message) the schema finds in `value`, one per missing field.

    The one place schema failures become the engine's words, for whole documents,
    live ops and node params alike. Sorted by pointer, then message, so the list does
    not depend on the `jsonschema` version. `ignore(err)`: failures to leave out.
    """
    from . import paths

    found: set[tuple] = set()
    for err in iter_errors(schema, value):
        if ignore is not None and ignore(err):
            continue
        path = tuple(err.absolute_path)
        where = (paths.pointer_order(path), paths.pointer(*path))
        if err.validator == "required" and type(err.instance) is dict:
            found.update((*where, f"missing required field {k!r}") for k in err.validator_value if k not in err.instance)
        else:
            found.add((*where, message(err)))
    return [(ptr, text) for _, ptr, text in sorted(found)]


def message(err: Any) -> str:
    """One schema failure in the engine's own words (jsonschema's change between versions)."""
    v, want = err.validator, err.validator_value
    if isinstance(err.schema, dict) and "x-message" in err.schema:
        return err.schema["x-message"]  # the schema's own words for this value
    if v == "additionalProperties":
        extra = sorted(k for k in err.instance if k not in err.schema.get("properties", {}))
        return f"unknown field {extra[0]!r}" if extra else "unknown field"
    if v == "type":
        from ._guards import type_name

        kinds = " or ".join(want) if isinstance(want, list) else want
        return f"must be {_article(kinds)}, not {type_name(err.instance)}"
    if v == "enum":
        return "must be one of " + ", ".join(_text(x) for x in want)
    if v == "const":
        return f"must be {_text(want)}"
    if v == "minimum":
        return f"must be at least {want}"
    if v == "minLength":
        return "must not be empty" if want == 1 else f"must have at least {want} characters"
    if v == "minItems":
        return f"must have at least {want} element{'' if want == 1 else 's'}"
    if v == "maxItems":
        return f"must have at most {want} element{'' if want == 1 else 's'}"
    return f"is not valid ({v})"


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeio" else "a ") + word


def _text(value: Any) -> str:
    from . import _json

    return _json.dumps(value)
