"""The `nodefox` command line: run, validate, nodes, serve, up, executions."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__, _json, limits
from .document import load
from .errors import DocumentError, NodeFoxError
from .execute import run
from .nodes import BUILTINS
from .world import permitted_hosts

EXIT_OK, EXIT_ERROR, EXIT_REJECTED = 0, 1, 2
MAX_FILE = 100 * 2**20  # bytes of a workflow or input file: /dev/zero must not fill the memory


class _Fail(Exception):
    """A message for stderr and exit code 2."""


def _read_json(path: str, what: str) -> Any:
    try:
        if path == "-":
            text = sys.stdin.buffer.read(MAX_FILE + 1)
        else:
            with open(path, "rb") as fh:
                text = fh.read(MAX_FILE + 1)
    except OSError as exc:
        raise _Fail(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(text) > MAX_FILE:
        raise _Fail(f"{what} {path} is larger than {MAX_FILE // 2**20} MB")
    try:
        return _json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Fail(f"{what} {path} is not valid JSON: {exc}") from None


def _emit(text: str | list[str]) -> None:
    """Write to stdout as UTF-8, the encoding of JSON, whatever the locale says."""
    pieces = [text] if type(text) is str else text
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write("".join(pieces))
        return
    try:
        sys.stdout.flush()
        out.writelines(map(_utf8, pieces))
        out.flush()
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        raise _Fail(f"cannot write the output: {exc.strerror or exc}") from None


def _utf8(text: str) -> bytes:
    """JSON text as UTF-8. A lone surrogate (text may hold one: `"\\ud800"` is valid JSON)
    has no UTF-8 form, so it is written as its JSON escape; outside strings JSON is ASCII."""
    return text.encode("utf-8", "backslashreplace")


def _budget(kind: type) -> Any:
    """An argparse type: a number >= 0 (0: no limit)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value >= 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be a number >= 0 (0: no limit)")
        return value

    return parse


def catalogue() -> dict:
    from .functions import CATALOGUE

    return {"version": __version__, "nodes": BUILTINS.catalogue(), "functions": CATALOGUE}


def _cmd_run(args: argparse.Namespace) -> int:
    doc = _read_json(args.flow, "workflow")
    items = _read_json(args.input, "input") if args.input else None
    if args.input and (type(items) is not list or not all(type(i) is dict for i in items)):
        raise _Fail(f"input {args.input} must be a JSON array of objects")
    # names in the workflow resolve in its own folder unless --files says otherwise
    files = args.files or (os.path.dirname(os.path.abspath(args.flow)) if args.flow != "-" else os.getcwd())
    if not os.path.isdir(files):
        raise _Fail(f"--files {files}: no such folder")
    creds = _credentials(args.credentials) if args.credentials or _names_credential(doc) else {}
    # parsed from JSON text, so no NaN can hide in it: skip the cached loader's check

    def execute() -> dict:
        return run(load(doc), items, allow_code=args.allow_code, allow_net=_hosts(args.allow_net),
                   credentials=creds, timeout=args.timeout or None, max_items=args.max_items or None,
                   max_memory=args.max_memory or None, files=files, allow_write=args.allow_write)  # fmt: skip

    result = _record(args, items, execute) if args.record else execute()
    # items that share one array are small in memory but not as text: the text counts
    # against the memory budget as it is made, and nothing is written unless all fits
    limit = args.max_memory * 2**20 if args.max_memory else None
    pieces, size = [], 0
    for piece in _json.chunks(result, indent=args.pretty):
        size += len(piece)
        if limit is not None and size > limit:
            print(f"nodefox: the result is more than {args.max_memory:,g} MB of JSON, its memory "
                  "budget (--max-memory); nothing was written", file=sys.stderr)  # fmt: skip
            return EXIT_ERROR
        pieces.append(piece)
    pieces.append("\n")
    if args.output:
        try:
            with open(args.output, "wb") as fh:
                fh.writelines(map(_utf8, pieces))
        except OSError as exc:
            raise _Fail(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        _emit(pieces)
    return EXIT_OK if result["status"] == "ok" else EXIT_ERROR


def _hosts(flag: str | None) -> bool | list[str] | None:
    """--allow-net (any host: True) or --allow-net=HOST,... (those hosts), else None."""
    if flag is None:
        return None
    if flag == ANY_HOST:
        return True
    hosts = [h for h in flag.split(",") if h.strip()]
    if not hosts:
        raise _Fail("--allow-net= names no host: give --allow-net for any host or --allow-net=HOST,...")
    try:
        return permitted_hosts(hosts)
    except ValueError as exc:
        raise _Fail(f"--allow-net takes {exc}") from None


def _names_credential(doc: Any) -> bool:
    """Whether some node names a credential: only then are the default file and the
    environment read, so a run that needs none never fails on them."""
    nodes = doc.get("nodes") if type(doc) is dict else None
    return any(type(n) is dict and type(n.get("params")) is dict and "credential" in n["params"]
               for n in nodes or [])  # fmt: skip


def _credentials(path: str | None) -> dict:
    from .credentials import CredentialError, load

    try:
        return load(path)
    except CredentialError as exc:  # its message never quotes a secret
        raise _Fail(str(exc)) from None


def _cmd_validate(args: argparse.Namespace) -> int:
    doc = load(_read_json(args.flow, "workflow"))
    _emit(f"{args.flow}: valid ({len(doc.nodes)} nodes, {len(doc.edges)} edges)\n")
    return EXIT_OK


def _cmd_nodes(args: argparse.Namespace) -> int:
    _emit(_json.pretty(catalogue()) + "\n")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .n8n import NotN8n, translate
    from .n8n.translate import complete, summary

    obj = _read_json(args.file, "n8n workflow")
    try:
        doc, report = translate(obj)
    except NotN8n as exc:
        raise _Fail(f"{args.file} is not an n8n workflow: {exc}") from None
    except RecursionError:
        raise _Fail(f"{args.file} nests too deeply to import") from None
    except Exception as exc:  # a bug in the importer: a message, not a traceback
        raise _Fail(f"cannot import {args.file}: {type(exc).__name__}: {exc}") from None
    _write(args.output, _json.pretty(doc) + "\n")
    if args.report:
        _write(args.report, _json.pretty(report) + "\n")
    print(f"nodefox: {summary(report)}", file=sys.stderr)
    return EXIT_OK if complete(report) else EXIT_ERROR


def _write(path: str | None, text: str) -> None:
    if not path or path == "-":
        _emit(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Fail(f"cannot write {path}: {exc.strerror or exc}") from None


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    if args.triggers and args.dir is None:
        raise _Fail("--triggers needs a workspace folder: nodefox serve DIR --triggers")
    return serve(args.host, args.port, args.site, args.dir, args.triggers, args.workers, args.idle_timeout)


def _cmd_up(args: argparse.Namespace) -> int:
    args.triggers = True
    return _cmd_serve(args)


def _cmd_executions(args: argparse.Namespace) -> int:
    from .executions import STATUSES, Store, db_path, table

    if args.status is not None and args.status not in STATUSES:
        raise _Fail(f"--status must be one of {', '.join(STATUSES)}")
    if not Store.exists(args.dir):
        raise _Fail(f"no executions recorded in {args.dir} (no {db_path(args.dir)})")
    store = Store.of(args.dir)
    try:
        workflow = args.workflow[:-5] if args.workflow and args.workflow.endswith(".json") else args.workflow
        rows = store.list(workflow, args.status, args.limit)
    finally:
        store.close()
    _emit(_json.pretty(rows) + "\n" if args.json else table(rows))
    return EXIT_OK


def _record(args: argparse.Namespace, items: list | None, execute: Any) -> dict:
    """`run --record DIR`: queue the execution in DIR's store, run it here, record its end."""
    import hashlib
    from pathlib import Path

    from .execute import canonical
    from .executions import Store

    flow = Path(args.flow)
    if args.flow == "-":
        raise _Fail("--record needs a workflow file, not stdin")
    root = Path(args.record).resolve()
    if not root.is_dir():
        raise _Fail(f"--record {args.record}: not a folder")
    resolved = flow.resolve()
    name = resolved.stem if resolved.parent == root else str(resolved)
    store = Store.of(root)
    try:
        text = flow.read_bytes()
        execution = store.queue(name, hashlib.sha256(text).hexdigest(), "manual", items, started=True)
        try:
            result = execute()
        except BaseException as exc:
            store.finish(execution, "failed", None, str(exc) or type(exc).__name__)
            raise
        store.finish(execution, result["status"], canonical(result))
        _prune(store, root)
    finally:
        store.close()
    return result


def _prune(store: Any, root: Path) -> None:
    """Keep the folder's nodefox.toml limits on recorded executions, as the server does."""
    from .triggers import ConfigError, load_config

    try:
        limits = load_config(root).limits
    except ConfigError as exc:
        print(f"nodefox: {exc}; old executions were not pruned", file=sys.stderr)
        return
    if limits.max_age_days is not None or limits.max_count is not None:
        store.prune(limits)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nodefox", description="Run and serve NodeFox workflows.")
    p.add_argument("--version", action="version", version=f"nodefox {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a workflow and print its result as JSON")
    r.add_argument("flow", help="the workflow file (- for stdin)")
    r.add_argument("--input", help="a JSON array of items for trigger nodes")
    r.add_argument("--output", help="write the result here instead of stdout")
    r.add_argument("--pretty", action="store_true", help="indent the JSON")
    r.add_argument("--allow-code", action="store_true", help="let code nodes run Python")
    r.add_argument("--timeout", type=_budget(float), default=limits.DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop the run after this long (default {limits.DEFAULT_TIMEOUT:g}; 0: no limit)")
    r.add_argument("--max-items", type=_budget(int), default=limits.DEFAULT_MAX_ITEMS, metavar="N",
                   help=f"items all nodes may produce in all (default {limits.DEFAULT_MAX_ITEMS:,}; 0: no limit)")
    r.add_argument("--max-memory", type=_budget(float), default=limits.DEFAULT_MAX_MEMORY, metavar="MB",
                   help=f"megabytes the run may add to memory, and the most its result may take as "
                        f"JSON (default {limits.DEFAULT_MAX_MEMORY:,}; 0: no limit)")
    r.add_argument("--allow-net", metavar="HOST,...", help=(
        "let http nodes contact any host (--allow-net) or only these (--allow-net=HOST,...; "
        "*.example.com matches subdomains)"))  # fmt: skip
    r.add_argument("--credentials", metavar="FILE", help=(
        "a JSON file of credentials by name, readable only by you (default "
        "~/.config/nodefox/credentials.json if it exists); NODEFOX_CREDENTIAL_<NAME> adds one"))  # fmt: skip
    r.add_argument("--files", metavar="DIR",
                   help="the folder file names resolve in (default: the workflow file's folder)")
    r.add_argument("--allow-write", action="store_true",
                   help="let write nodes (write_file) write files in the files folder")
    r.add_argument("--record", metavar="DIR", help="record the execution in DIR/.nodefox/executions.db")
    r.set_defaults(fn=_cmd_run)
    v = sub.add_parser("validate", help="check a workflow without running it")
    v.add_argument("flow")
    v.set_defaults(fn=_cmd_validate)
    n = sub.add_parser("nodes", help="print every node type with its ports and parameter schema")
    n.set_defaults(fn=_cmd_nodes)
    m = sub.add_parser("import", help="translate an n8n workflow into a NodeFox document")
    m.add_argument("file", help="the n8n workflow export (- for stdin)")
    m.add_argument("-o", "--output", help="write the document here instead of stdout")
    m.add_argument("--report", help="write the translation report (JSON) here")
    m.set_defaults(fn=_cmd_import)
    for name, helptext in (("serve", "serve the editor (the built site), and a workspace folder's API"),
                           ("up", "serve a workspace folder and run its triggers (serve DIR --triggers)")):
        s = sub.add_parser(name, help=helptext)
        if name == "serve":
            s.add_argument("dir", nargs="?", help="a workspace: workflows as DIR/*.json, data in DIR/files")
            s.add_argument("--triggers", action="store_true",
                           help="run the workspace's webhooks (/hook/<path>) and schedules")
        else:
            s.add_argument("dir", help="the workspace folder")
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--port", type=int, default=8000)
        s.add_argument("--site", help="the built site folder (default: build/site or the packaged one)")
        s.add_argument("--workers", type=int, help="worker processes for executions (default: one per core)")
        s.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                       help="close a connection that sends no whole request for this long (default 10)")
        s.set_defaults(fn=_cmd_serve if name == "serve" else _cmd_up)
    e = sub.add_parser("executions", help="list a workspace's recorded executions, newest first")
    e.add_argument("dir", help="the workspace folder")
    e.add_argument("--workflow", help="only this workflow (its file name, with or without .json)")
    e.add_argument("--status", help="only this status: queued, running, ok, error or failed")
    e.add_argument("--limit", type=int, default=50)
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.set_defaults(fn=_cmd_executions)
    return p


ANY_HOST = "*"


def _bare_flags(argv: list[str]) -> list[str]:
    """A bare `--allow-net` means any host; spelled out, so argparse never takes the
    workflow file that follows it for the flag's value."""
    return [f"--allow-net={ANY_HOST}" if a == "--allow-net" else a for a in argv]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(_bare_flags(sys.argv[1:] if argv is None else argv))
    try:
        return args.fn(args)
    except _Fail as exc:
        print(f"nodefox: {exc}", file=sys.stderr)
    except DocumentError as exc:
        print(f"nodefox: {args.flow if hasattr(args, 'flow') else ''}: {exc}", file=sys.stderr)
    except NodeFoxError as exc:
        print(f"nodefox: {exc}", file=sys.stderr)
    except RecursionError:
        print("nodefox: the document nests too deeply", file=sys.stderr)
    except MemoryError:
        print("nodefox: out of memory", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("nodefox: interrupted", file=sys.stderr)
        return 130
    return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
