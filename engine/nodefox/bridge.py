"""The JSON bridge the browser worker calls: strings in, strings out, nothing else."""

from __future__ import annotations

from typing import Any

from . import __version__, _json, _schema
from .document import load_text
from .errors import DocumentError
from .execute import check_items
from .execute import run as run_document
from .live import Session

SESSION = Session()

# The browser restores a memory snapshot taken once this module is imported, so what is
# imported here costs nothing there. `_schema` imports `jsonschema` on the first invalid
# value (to keep the CLI's start-up short); in the browser that import, on the first
# edit that leaves a parameter invalid, held that edit's preview for about 2 s.
_schema.iter_errors({"type": "integer"}, "warm")
_CONFIG = {"allowCode": True}


def handle(message: str) -> str:
    """Apply `{"rev": n, "ops": [...]}` to the session; answer as JSON text."""
    try:
        data = _json.loads(message)
    except (ValueError, TypeError) as exc:
        return _json.dumps({"rev": None, "error": f"the message is not JSON: {exc}"})
    except RecursionError:  # the standard json parser (Pyodide has no orjson) on deep nesting
        return _json.dumps({"rev": None, "error": "the message is not JSON the engine can read: it nests too deeply"})
    if type(data) is not dict or type(data.get("ops")) is not list:
        return _json.dumps({"rev": None, "error": 'a message is {"rev": n, "ops": [...]}'})
    try:
        answer = SESSION.apply(data["ops"])
    except Exception as exc:  # a bug in the engine: the page still gets an answer and goes on
        return _json.dumps({"rev": data.get("rev"), "error": f"{type(exc).__name__}: {exc}"})
    return _json.dumps({"rev": data.get("rev"), **answer})


def run(document: str, input: str | None = None) -> str:
    """A whole run, as `nodefox run` prints it."""
    try:
        doc = load_text(document)
        items = _json.loads(input) if input else None
        if input:
            check_items(items)
        return _json.dumps(run_document(doc, items, allow_code=_CONFIG["allowCode"]))
    except DocumentError as exc:
        problems = [{"pointer": p.pointer, "message": p.message} for p in exc.problems]
        return _json.dumps({"rejected": {"message": str(exc), "problems": problems}})
    except ValueError as exc:
        return _json.dumps({"rejected": {"message": f"not valid JSON: {exc}", "problems": []}})
    except RecursionError:  # the standard json parser (Pyodide has no orjson) on deep nesting
        return _json.dumps({"rejected": {"message": "the JSON nests too deeply", "problems": []}})


def catalogue() -> str:
    from .cli import catalogue as build

    return _json.dumps(build())


def configure(options: str) -> str:
    """Set bridge options, e.g. `{"allowCode": false}`; answers the current options."""
    try:
        data: Any = _json.loads(options)
    except (ValueError, RecursionError):
        data = None  # not options: answer the current ones
    if type(data) is dict and type(data.get("allowCode")) is bool:
        _CONFIG["allowCode"] = data["allowCode"]
        Session.allow_code = data["allowCode"]
        SESSION.settings.allow_code = data["allowCode"]
    return _json.dumps({**_CONFIG, "version": __version__})
