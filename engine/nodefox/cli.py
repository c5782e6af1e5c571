"""The `nodefox` command line: run, validate, nodes, serve."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import __version__, _json, limits
from .document import load
from .errors import DocumentError, NodeFoxError
from .execute import run
from .nodes import BUILTINS

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
    # parsed from JSON text, so no NaN can hide in it: skip the cached loader's check
    result = run(load(doc), items, allow_code=args.allow_code, timeout=args.timeout or None,
                 max_items=args.max_items or None, max_memory=args.max_memory or None)  # fmt: skip
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


def _cmd_validate(args: argparse.Namespace) -> int:
    doc = load(_read_json(args.flow, "workflow"))
    _emit(f"{args.flow}: valid ({len(doc.nodes)} nodes, {len(doc.edges)} edges)\n")
    return EXIT_OK


def _cmd_nodes(args: argparse.Namespace) -> int:
    _emit(_json.pretty(catalogue()) + "\n")
    return EXIT_OK


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
    r.add_argument("--timeout", type=_budget(float), default=limits.DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop the run after this long (default {limits.DEFAULT_TIMEOUT:g}; 0: no limit)")
    r.add_argument("--max-items", type=_budget(int), default=limits.DEFAULT_MAX_ITEMS, metavar="N",
                   help=f"items all nodes may produce in all (default {limits.DEFAULT_MAX_ITEMS:,}; 0: no limit)")
    r.add_argument("--max-memory", type=_budget(float), default=limits.DEFAULT_MAX_MEMORY, metavar="MB",
                   help=f"megabytes the run may add to memory, and the most its result may take as "
                        f"JSON (default {limits.DEFAULT_MAX_MEMORY:,}; 0: no limit)")
    r.set_defaults(fn=_cmd_run)
    v = sub.add_parser("validate", help="check a workflow without running it")
    v.add_argument("flow")
    v.set_defaults(fn=_cmd_validate)
    n = sub.add_parser("nodes", help="print every node type with its ports and parameter schema")
    n.set_defaults(fn=_cmd_nodes)
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
    except MemoryError:
        print("nodefox: out of memory", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("nodefox: interrupted", file=sys.stderr)
        return 130
    return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
