"""The JSON bridge the browser worker calls: strings in, strings out, nothing else."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from . import __version__, _json, _schema, limits
from .document import load_text
from .errors import DocumentError
from .execute import check_items
from .execute import run as run_document
from .live import Session, answers

SESSION = Session()  # code runs only once allowed (configure, or op set_permissions)
SESSION.world.code_seconds = limits.DEFAULT_CODE_SECONDS  # a preview's code stops in time
_CONFIG: dict[str, Any] = {"files": None, "pageTicks": None}

# The browser restores a memory snapshot taken once this module is imported, so what is
# imported here costs nothing there. `_schema` imports `jsonschema` on the first invalid
# value (to keep the CLI's start-up short); in the browser that import, on the first
# edit that leaves a parameter invalid, held that edit's preview for about 2 s.
_schema.iter_errors({"type": "integer"}, "warm")


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
        answer = SESSION.apply(data["ops"], owned=True)  # parsed here, for this call alone
        return answers.encode({"rev": data.get("rev"), **answer})
    except Exception as exc:  # a bug in the engine: the page still gets an answer and goes on
        return _json.dumps({"rev": data.get("rev"), "error": f"{type(exc).__name__}: {exc}"})
    finally:
        limits.drop_stop()


def run(document: str, input: str | None = None) -> str:
    """A whole run, as `nodefox run` prints it."""
    try:
        doc = load_text(document)
        items = _json.loads(input) if input else None
        if input:
            check_items(items)
        # code runs as the session allows it (configure, or op set_permissions in handle)
        return _json.dumps(run_document(doc, items, allow_code=SESSION.allow_code, files=_CONFIG["files"]))
    except DocumentError as exc:
        problems = [{"pointer": p.pointer, "message": p.message} for p in exc.problems]
        return _json.dumps({"rejected": {"message": str(exc), "problems": problems}})
    except ValueError as exc:
        return _json.dumps({"rejected": {"message": f"not valid JSON: {exc}", "problems": []}})
    except RecursionError:  # the standard json parser (Pyodide has no orjson) on deep nesting
        return _json.dumps({"rejected": {"message": "the JSON nests too deeply", "problems": []}})
    finally:
        limits.drop_stop()  # a Stop no node of this run took stops nothing later


_WARM_DOC = {
    "nodefox": 1, "settings": {"now": "2026-01-01T00:00:00Z"},
    "nodes": [
        {"id": "d", "type": "data", "params": {"items": [{"i": i, "t": f"x{i}"} for i in range(20)]}},
        {"id": "l", "type": "limit", "params": {"max": 10}},
        {"id": "s", "type": "set", "params": {"fields": [{"name": "j", "value": "={{ $json.i * 2 }}"}]}},
        {"id": "f", "type": "filter", "params": {"conditions": [{"left": "={{ $json.j }}", "op": "gt", "right": 4}]}},
    ],
    "edges": [{"source": "d", "target": "l"}, {"source": "l", "target": "s"}, {"source": "s", "target": "f"}],
}  # fmt: skip
_WARM: dict[str, Any] = {"session": None, "edits": 0}


def warm_up(edits: int = 1) -> None:
    """Answer `edits` edits of a small workflow in a session of its own (never the page's).
    In the browser the first edits after the page opens ran 5-14 ms in handle() against
    0.8 ms later: the WebAssembly engine runs code in its baseline tier until it is used
    enough. The worker calls this while it has nothing else to do, so that the person's
    first keystrokes find the edit path warm."""
    if _WARM["session"] is None:
        _WARM["session"] = Session(_WARM_DOC)
    session = _WARM["session"]
    for _ in range(edits):
        _WARM["edits"] += 1
        value = _WARM["edits"] % 9 + 1
        answers.encode({"rev": 0, **session.apply([{"op": "patch_params", "id": "l", "path": "/max", "value": value}])})


def catalogue() -> str:
    from .cli import catalogue as build

    return _json.dumps(build())


def configure(options: str) -> str:
    """Set bridge options; answers the current ones. `allowCode`: whole runs and the session
    may run code nodes; `files`: the folder (in Pyodide's file system) where the page writes
    the user's files and where file names in workflows resolve; `relay`: `{"url", "token"}` of
    the serving `nodefox serve`'s `/relay`, which HTTP requests then go through (null: directly);
    `codeSeconds`: a code node's time limit in a preview (seconds, or null: the session's
    budget only); `pageTicks: true`: the page writes the answered `pageTicks` signal into
    Pyodide's interrupt buffer while busy (limits.page_ticks); `stuck`: a note `watch` was
    given, from a worker restarted because that code ran out of time (it is not run again)."""
    try:
        data: Any = _json.loads(options)
    except (ValueError, RecursionError):
        data = None  # not options: answer the current ones
    if type(data) is dict and type(data.get("allowCode")) is bool:
        SESSION.apply([{"op": "set_permissions", "code": data["allowCode"]}])
    if type(data) is dict and type(data.get("files")) is str and data["files"]:
        _CONFIG["files"] = data["files"]
        SESSION.world.files = data["files"]
        SESSION.apply([{"op": "refresh"}])  # reads of files resolve anew
    if type(data) is dict and "codeSeconds" in data:
        seconds = data["codeSeconds"]
        if seconds is None or (type(seconds) in (int, float) and seconds > 0):
            SESSION.world.code_seconds = None if seconds is None else float(seconds)
            # a batch may take as long as the code it runs is allowed to (else a longer code
            # limit would end as the batch's time budget instead)
            timeout = limits.DEFAULT_TIMEOUT if seconds is None else max(limits.DEFAULT_TIMEOUT, float(seconds) + 1)
            SESSION.budgets = (timeout, *SESSION.budgets[1:])
    if type(data) is dict and data.get("pageTicks") is True and _CONFIG["pageTicks"] is None:
        limits.page_ticks()
        _CONFIG["pageTicks"] = int(limits.TICK_SIGNAL)
    if type(data) is dict and type(data.get("stuck")) is str and SESSION.world.cache is not None:
        from .nodes.code import remember_stuck

        with suppress(ValueError, KeyError, TypeError):  # not a note of ours: nothing to remember
            remember_stuck(SESSION.world.cache, data["stuck"])
    relay = data.get("relay", False) if type(data) is dict else False
    if relay is None or (type(relay) is dict and all(type(relay.get(k)) is str and relay[k] for k in ("url", "token"))):
        SESSION.world.relay = None if relay is None else {"url": relay["url"], "token": relay["token"]}
        SESSION.mark_reading("network")  # a request that failed (CORS) is tried again through it
    return _json.dumps({**_CONFIG, "allowCode": SESSION.allow_code, "relay": _relay_shown(),
                        "codeSeconds": SESSION.world.code_seconds, "version": __version__})


def watch(callback: Any) -> None:
    """`callback(seconds, note)` as each preview's code starts (`(0, None)` as it ends): the
    worker without an interrupt buffer tells the page, which restarts it once the code runs
    past its limit and hands the note back (configure `stuck`)."""
    limits.watch(callback)


def _relay_shown() -> str | None:
    """The relay's URL (never its token: answers may be logged)."""
    relay = SESSION.world.relay
    return None if relay is None else relay["url"]


def n8n_import(text: str) -> str:
    """An n8n workflow (JSON text) as `{"workflow": document, "report": report}`, or `{"error"}`."""
    from .n8n import NotN8n, translate

    try:
        obj = _json.loads(text)
    except (ValueError, TypeError) as exc:
        return _json.dumps({"error": f"the file is not JSON: {exc}"})
    except RecursionError:
        return _json.dumps({"error": "the file nests too deeply"})
    try:
        doc, report = translate(obj)
    except NotN8n as exc:
        return _json.dumps({"error": f"not an n8n workflow: {exc}"})
    except RecursionError:
        return _json.dumps({"error": "the workflow nests too deeply to import"})
    except Exception as exc:  # a bug in the importer: the page still gets an answer
        return _json.dumps({"error": f"cannot import: {type(exc).__name__}: {exc}"})
    return _json.dumps({"workflow": doc, "report": report})
