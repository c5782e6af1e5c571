"""A workspace: a folder of workflow files (`DIR/*.json`) and their data files (`DIR/files/`).

The editor lists, opens, creates, duplicates, renames, deletes and saves workflows here
through `nodefox serve DIR` (api.py); this module is the files alone, with no HTTP.

A workflow is named by its file name without `.json`. Names are checked before any path is
made from them, and a name must be a plain file directly inside DIR (no links), so nothing
outside DIR is ever read or written. Every file has an ETag (a hash of its bytes): a save or
delete that names a stale one is refused (`Conflict`), so a file changed on disk (by git,
another tab, an editor) is never overwritten silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import NodeFoxError

SUFFIX = ".json"
FILES = "files"  # DIR/files: the workflows' data files
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}")
MAX_FILE = 16 * 1024 * 1024  # bytes: a workflow file larger than this is not read
EMPTY = {"nodefox": 1, "name": "", "nodes": [], "edges": []}

# Key order in saved files: the format's own order first, any other key after in
# alphabetical order, so the same document always gives the same bytes and diffs stay small.
TOP_KEYS = ("nodefox", "name", "description", "settings", "variables", "nodes", "edges")
NODE_KEYS = ("id", "type", "name", "position", "disabled", "onError", "notes", "params", "pinned")
EDGE_KEYS = ("id", "source", "sourcePort", "target", "targetPort")


class WorkspaceError(NodeFoxError):
    """A request the workspace refuses; `status` is the HTTP status that says why."""

    status = 400


class NotFound(WorkspaceError):
    status = 404


class Conflict(WorkspaceError):
    """The file is not the version the caller has (or a name is taken)."""

    status = 409

    def __init__(self, message: str, etag: str | None = None):
        super().__init__(message)
        self.etag = etag


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


NAME_RULE = ("use letters, digits, space, '_', '-' and '.', starting with a letter or digit, "
             "at most 100 characters, without '..' or '.json'")  # fmt: skip


def check_name(name: Any) -> str:
    """The workflow name itself, or WorkspaceError when it could leave DIR or is not plain."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or name.endswith(SUFFIX) or ".." in name:
        raise WorkspaceError(f"workflow name {name!r} is not allowed: {NAME_RULE}")
    return name


def ordered(value: Any, keys: tuple[str, ...] = ()) -> Any:
    """`value` with object keys in the file order: `keys` first, the rest sorted."""
    if isinstance(value, dict):
        first = [k for k in keys if k in value]
        rest = sorted(k for k in value if k not in keys)
        return {k: _ordered_child(k, value[k], keys) for k in first + rest}
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def _ordered_child(key: str, value: Any, parent_keys: tuple[str, ...]) -> Any:
    if parent_keys is TOP_KEYS and key == "nodes" and isinstance(value, list):
        return [ordered(n, NODE_KEYS) for n in value]
    if parent_keys is TOP_KEYS and key == "edges" and isinstance(value, list):
        return [ordered(e, EDGE_KEYS) for e in value]
    return ordered(value)


def file_text(document: dict) -> bytes:
    """A workflow as its file holds it: pretty JSON, keys in a stable order, one final newline."""
    text = json.dumps(ordered(document, TOP_KEYS), indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


@dataclass(frozen=True)
class Entry:
    """One workflow file as the list shows it."""

    name: str
    modified: str  # ISO 8601 UTC
    nodes: int | None  # None: the file is not a readable workflow
    etag: str
    size: int
    problem: str | None = None

    def as_dict(self) -> dict:
        out = {"name": self.name, "file": self.name + SUFFIX, "modified": self.modified,
               "nodes": self.nodes, "etag": self.etag, "size": self.size}  # fmt: skip
        if self.problem:
            out["problem"] = self.problem
        return out


class Workspace:
    """The workflow files of one folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.files = self.root / FILES
        self._lock = threading.Lock()  # check-then-write is one step for this process
        self.skipped: list[str] = []  # `*.json` files the last scan left out for their name

    # -- reading -------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.root / (check_name(name) + SUFFIX)

    def _read(self, name: str) -> tuple[bytes, os.stat_result]:
        path = self.path(name)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise NotFound(f"no workflow {name!r} in the workspace") from None
        if not stat.S_ISREG(info.st_mode):  # a link or a folder: never followed
            raise WorkspaceError(f"{name}{SUFFIX} is not a plain file in the workspace")
        if info.st_size > MAX_FILE:
            raise WorkspaceError(f"{name}{SUFFIX} is larger than {MAX_FILE} bytes")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            return fh.read(MAX_FILE + 1), info

    def read(self, name: str) -> tuple[Any, str]:
        """(the document, its ETag)."""
        data, _ = self._read(name)
        try:
            return json.loads(data), etag_of(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"{name}{SUFFIX} is not valid JSON: {exc}") from None

    def read_bytes(self, name: str) -> tuple[bytes, str]:
        data, _ = self._read(name)
        return data, etag_of(data)

    def scan(self) -> list[tuple[str, os.stat_result]]:
        """(name, lstat) of the workflow files, sorted: plain `*.json` files directly in DIR
        with allowed names (one directory read, no file opened)."""
        found, skipped = [], []
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return []
        for entry in entries:
            name = entry.name
            if not name.endswith(SUFFIX):
                continue
            stem = name[: -len(SUFFIX)]
            if not NAME.fullmatch(stem) or ".." in stem:
                skipped.append(name)
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((stem, info))
        found.sort(key=lambda pair: pair[0])
        self.skipped = sorted(skipped)
        return found

    def skipped_problems(self) -> list[str]:
        """What the last scan says of the files it left out, for the server to print."""
        return [f"{name}: not listed as a workflow, its name is not one (rename it: {NAME_RULE})" for name in self.skipped]

    def names(self) -> list[str]:
        return [name for name, _ in self.scan()]

    def entries(self) -> list[Entry]:
        out = []
        for name in self.names():
            try:
                data, info = self._read(name)
            except (WorkspaceError, OSError):
                continue  # gone or replaced since the listing
            modified = dt.datetime.fromtimestamp(info.st_mtime, dt.UTC).isoformat().replace("+00:00", "Z")
            nodes, problem = None, None
            try:
                doc = json.loads(data)
                nodes = len(doc["nodes"]) if isinstance(doc, dict) and isinstance(doc.get("nodes"), list) else None
                if nodes is None:
                    problem = "not a workflow: no nodes list"
            except (ValueError, UnicodeDecodeError) as exc:
                problem = f"not valid JSON: {exc}"
            out.append(Entry(name, modified, nodes, etag_of(data), info.st_size, problem))
        return out

    # -- writing -------------------------------------------------------------------------

    def _write(self, name: str, data: bytes) -> str:
        """Write atomically (a temporary file, then rename) and return the new ETag."""
        path = self.path(name)
        temp = self.root / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(temp, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, path)
        finally:
            if temp.exists():
                temp.unlink()
        return etag_of(data)

    def _current_etag(self, name: str) -> str | None:
        try:
            return self.read_bytes(name)[1]
        except NotFound:
            return None

    def _existing(self, name: str, if_match: str | None) -> str:
        """The ETag of `name`, which must exist and, when `if_match` is given, be that version."""
        current = self._current_etag(name)
        if current is None:
            raise NotFound(f"no workflow {name!r} in the workspace")
        if if_match not in (None, "*", current):
            raise Conflict(f"{name}{SUFFIX} was changed on disk since it was read", current)
        return current

    def save(self, name: str, document: Any, if_match: str | None) -> str:
        """Save over the version `if_match` names (None: only when the file does not exist;
        `*`: whatever is there, as HTTP's `If-Match: *` means)."""
        data = _document_bytes(document)
        with self._lock:
            current = self._current_etag(name)
            if current is not None and if_match not in ("*", current):
                why = "was changed on disk since it was read" if if_match else "already exists"
                raise Conflict(f"{name}{SUFFIX} {why}: reload it, or save with its current ETag", current)
            if current is None and if_match not in (None, "*"):
                raise Conflict(f"{name}{SUFFIX} was deleted on disk since it was read", None)
            return self._write(name, data)

    def create(self, name: str, document: Any = None) -> str:
        data = _document_bytes(document if document is not None else {**EMPTY, "name": name})
        with self._lock:
            current = self._current_etag(name)
            if current is not None:
                raise Conflict(f"{name}{SUFFIX} already exists", current)
            return self._write(name, data)

    def duplicate(self, name: str, new: str) -> str:
        document, _ = self.read(name)
        if isinstance(document, dict) and document.get("name") == name:
            document = {**document, "name": new}
        return self.create(new, document)

    def rename(self, name: str, new: str, if_match: str | None = None) -> str:
        source, target = self.path(name), self.path(new)
        with self._lock:
            current = self._existing(name, if_match)
            if self._current_etag(new) is not None:
                raise Conflict(f"{new}{SUFFIX} already exists", None)
            os.rename(source, target)
            return current

    def delete(self, name: str, if_match: str | None = None) -> None:
        with self._lock:
            self._existing(name, if_match)
            os.unlink(self.path(name))


def _document_bytes(document: Any) -> bytes:
    if not isinstance(document, dict):
        raise WorkspaceError("a workflow must be a JSON object")
    try:
        return file_text(document)
    except ValueError as exc:
        raise WorkspaceError(f"the workflow cannot be written as JSON: {exc}") from None
    except RecursionError:
        raise WorkspaceError("the workflow nests too deeply to be written") from None
