"""The `nodefox` command line: run, validate, nodes, serve."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__, _json
from .document import load
from .errors import DocumentError, NodeFoxError
from .execute import run
from .nodes import BUILTINS

EXIT_OK, EXIT_ERROR, EXIT_REJECTED = 0, 1, 2


class _Fail(Exception):
    """A message for stderr and exit code 2."""


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_bytes() if path != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        raise _Fail(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return _json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Fail(f"{what} {path} is not valid JSON: {exc}") from None


def _emit(text: str) -> None:
    """Write to stdout as UTF-8, the encoding of JSON, whatever the locale says."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        sys.stdout.flush()
        out.write(text.encode("utf-8"))
        out.flush()
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        raise _Fail(f"cannot write the output: {exc.strerror or exc}") from None


def catalogue() -> dict:
    from .functions import CATALOGUE

    return {"version": __version__, "nodes": BUILTINS.catalogue(), "functions": CATALOGUE}


def _cmd_run(args: argparse.Namespace) -> int:
    doc = _read_json(args.flow, "workflow")
    items = _read_json(args.input, "input") if args.input else None
    if args.input and (type(items) is not list or not all(type(i) is dict for i in items)):
        raise _Fail(f"input {args.input} must be a JSON array of objects")
    # parsed from JSON text, so no NaN can hide in it: skip the cached loader's check
    result = run(load(doc), items, allow_code=args.allow_code)
    text = _json.pretty(result) if args.pretty else _json.dumps(result)
    if args.output:
        try:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise _Fail(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        _emit(text + "\n")
    return EXIT_OK if result["status"] == "ok" else EXIT_ERROR


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

    return serve(args.host, args.port, args.site)


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
    s = sub.add_parser("serve", help="serve the editor (the built site)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--site", help="the built site folder (default: build/site or the packaged one)")
    s.set_defaults(fn=_cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
    except KeyboardInterrupt:
        print("nodefox: interrupted", file=sys.stderr)
        return 130
    return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
