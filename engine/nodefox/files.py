"""File names in documents, resolved inside the files folder (`world.md`, "Files").

A workflow file may come from a stranger, so a name it gives can reach only what
lies inside the folder the run was given: natively `--files DIR` (default the
workflow file's folder), in the browser the folder the worker writes the editor's
file store into. Names with `..`, absolute names, and names that a symbolic link
leads out of the folder are refused, and so is anything that is not a regular file
(a FIFO would block the read forever). The same code runs in Pyodide, against its
in-memory file system.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat

from .errors import NodeError

MAX_NAME = 1024  # characters in a file name as a document gives it
_DRIVE = re.compile(r"^[A-Za-z]:")  # C:\ or C:foo, refused on every platform


def folder_of(files: str | None) -> str:
    """The files folder as a real path: the one given, else the current directory."""
    return os.path.realpath(files if files else os.getcwd())


def refused(name: str, why: str) -> NodeError:
    return NodeError(f'file "{name}": {why}', path="/file")


def name_parts(name: object) -> list[str]:
    """The parts of a file name, or an error saying why the name is refused."""
    if not isinstance(name, str) or not name.strip():
        raise NodeError("file: give a file name such as orders.csv", path="/file")
    if len(name) > MAX_NAME:
        raise refused(name[:40] + "...", f"a file name may be at most {MAX_NAME} characters")
    if "\0" in name:
        raise refused(name.replace("\0", "\\0"), "a file name may not contain a NUL character")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise refused(name, "absolute names are refused: name a file inside the files folder")
    parts = [p for p in re.split(r"[/\\]", name) if p not in ("", ".")]
    if ".." in parts:
        raise refused(name, '".." is refused: a name may not leave the files folder')
    if not parts:
        raise refused(name, "this names the files folder itself, not a file in it")
    return parts


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def resolve(name: object, files: str | None) -> str:
    """The real path of `name` inside the files folder; refuses any way out of it."""
    parts = name_parts(name)
    folder = folder_of(files)
    real = os.path.realpath(os.path.join(folder, *parts))
    if not _inside(real, folder):
        raise refused(str(name), "a link leads out of the files folder; that is refused")
    return real


def for_reading(name: object, files: str | None) -> tuple[str, os.stat_result]:
    """The path of an existing regular file to read, and its status."""
    path = resolve(name, files)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise refused(str(name), f"not found in the files folder {folder_of(files)}") from None
    except OSError as exc:
        raise refused(str(name), f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise refused(str(name), "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise refused(str(name), "is not a regular file (a device, pipe or socket); refused")
    return path, info


def missing(name: object, files: str | None) -> bool:
    """Whether an allowed name names nothing in the files folder (a refused name is not
    missing: reading it fails with the reason)."""
    try:
        return not os.path.lexists(resolve(name, files))
    except NodeError:
        return False


def for_writing(name: object, files: str | None) -> str:
    """The path to write `name` to: inside the files folder, in a folder that exists."""
    path = resolve(name, files)
    if os.path.isdir(path):
        raise refused(str(name), "is a folder; name a file")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise refused(str(name), "exists and is not a regular file; refused")
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise refused(str(name), f"its folder {os.path.relpath(parent, folder_of(files))} does not exist")
    return path


def write_bytes(path: str, data: bytes) -> None:
    """Write a whole file at once: a temporary file beside it, then renamed over it,
    so a reader never sees half a file and a failed write leaves the old one."""
    folder, base = os.path.split(path)
    temp = os.path.join(folder, f".{base}.nodefox-{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def version_key(info: os.stat_result) -> str:
    """What says a file changed without reading it: its size, modification and change times
    and inode (the change time moves on every write, even one that puts the old
    modification time back, as `cp -p` does)."""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def content_key(path: str) -> str:
    """The file's content hash (SHA-256), read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
