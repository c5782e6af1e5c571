"""A file held in an item (docs/files.md, "Files in items").

Items are JSON objects, so a file travels in a field as an object: its bytes as
base64 text in `data`, beside what describes them.

    {"data": "aGVsbG8=", "mimeType": "text/plain", "fileType": "text",
     "fileName": "hello.txt", "fileExtension": "txt", "fileSize": "5 B", "bytes": 5}

This is n8n's shape for a binary property, so a workflow imported from n8n keeps
its files under `binary.<property>` and its expressions (`$binary.data.fileName`)
read the same values. `data` and `mimeType` are required; everything else is
description. The same functions run natively and in Pyodide, so a file made here
has the same bytes and the same metadata on both.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from .errors import NodeError

MAX_FILE = 64 << 20  # bytes of one file held in an item (its base64 text is a third more)

# Media types by extension, as the mime-types package (mime-db) gives them for the
# extensions workflows meet; an extension not listed here has no known type.
MIME_TYPES = {
    "txt": "text/plain", "text": "text/plain", "log": "text/plain", "md": "text/markdown",
    "markdown": "text/markdown", "csv": "text/csv", "tsv": "text/tab-separated-values",
    "html": "text/html", "htm": "text/html", "css": "text/css", "xml": "application/xml",
    "js": "application/javascript", "mjs": "application/javascript", "json": "application/json",
    "ndjson": "application/x-ndjson", "yaml": "text/yaml", "yml": "text/yaml", "ics": "text/calendar",
    "srt": "application/x-subrip", "vtt": "text/vtt", "rtf": "application/rtf",
    "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip",
    "tar": "application/x-tar", "7z": "application/x-7z-compressed",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword", "odt": "application/vnd.oasis.opendocument.text",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ppt": "application/vnd.ms-powerpoint", "epub": "application/epub+zip",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "svg": "image/svg+xml", "ico": "image/vnd.microsoft.icon",
    "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff", "heic": "image/heic",
    "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "oga": "audio/ogg",
    "m4a": "audio/mp4", "flac": "audio/x-flac", "aac": "audio/x-aac", "weba": "audio/webm",
    "mp4": "video/mp4", "m4v": "video/x-m4v", "webm": "video/webm", "mov": "video/quicktime",
    "avi": "video/x-msvideo", "mkv": "video/x-matroska", "mpeg": "video/mpeg",
    "bin": "application/octet-stream", "exe": "application/octet-stream",
    "sqlite": "application/vnd.sqlite3", "wasm": "application/wasm",
}  # fmt: skip
# The first extension mime-db lists for a media type (what n8n names a file's extension
# when only its type is known): not always the common one (audio/mpeg is "mpga").
EXTENSIONS = {
    "text/plain": "txt", "text/markdown": "md", "text/csv": "csv", "text/tab-separated-values": "tsv",
    "text/html": "html", "text/css": "css", "application/xml": "xml", "text/xml": "xml",
    "application/javascript": "js", "application/json": "json", "text/yaml": "yaml",
    "text/calendar": "ics", "text/vtt": "vtt", "application/rtf": "rtf", "application/pdf": "pdf",
    "application/zip": "zip", "application/gzip": "gz", "application/x-tar": "tar",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls", "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc", "image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif",
    "image/webp": "webp", "image/svg+xml": "svg", "image/bmp": "bmp", "image/tiff": "tif",
    "audio/mpeg": "mpga", "audio/wav": "wav", "audio/ogg": "oga", "audio/mp4": "m4a",
    "video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "qt", "application/octet-stream": "bin",
}  # fmt: skip
# What the first bytes of a file say it is, for bytes made without a name or a type
# (n8n asks the file-type package; these are the kinds workflows pass around).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"), (b"GIF89a", "image/gif", "gif"), (b"%PDF", "application/pdf", "pdf"),
    (b"PK\x03\x04", "application/zip", "zip"), (b"\x1f\x8b", "application/gzip", "gz"),
    (b"ID3", "audio/mpeg", "mp3"), (b"OggS", "audio/ogg", "ogg"), (b"fLaC", "audio/x-flac", "flac"),
)  # fmt: skip
_BASE64 = re.compile(r"^[A-Za-z0-9+/=_-]*$")
_DATA_URI = re.compile(r"^data:(.*?);base64,(.*)$", re.S)


def is_file(value: Any) -> bool:
    """Whether a value is a file held in an item: an object with text `data` and `mimeType`."""
    return (
        type(value) is dict
        and type(value.get("data")) is str
        and type(value.get("mimeType")) is str
    )


def mime_of(name: str) -> str | None:
    """The media type of a file name by its extension, or None when it is not known."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.lstrip("."):
        return None
    return MIME_TYPES.get(base.rsplit(".", 1)[1].lower())


def file_type(mime: str) -> str | None:
    """The kind of file a media type names (n8n's `fileType`), or None."""
    for prefix, kind in (("application/json", "json"), ("text/html", "html"), ("image/", "image"),
                         ("audio/", "audio"), ("video/", "video"), ("text/", "text"),
                         ("application/javascript", "text"), ("application/pdf", "pdf")):  # fmt: skip
        if mime.startswith(prefix):
            return kind
    return None


def size_text(size: int) -> str:
    """A size as people read it, `5 B`, `1.23 kB`, `12.4 MB` (the pretty-bytes package's
    wording that n8n shows): three significant digits, units of 1000."""
    if size < 1000:
        return f"{size} B"
    units = ("B", "kB", "MB", "GB", "TB")
    exponent = 0
    value = float(size)
    while value >= 1000 and exponent < len(units) - 1:  # floor(log10(size) / 3)
        value /= 1000
        exponent += 1
    shown = repr(float(f"{value:.3g}"))  # String(Number(x.toPrecision(3)))
    return f"{shown.removesuffix('.0')} {units[exponent]}"


def _split_name(name: str) -> tuple[str, str, str]:
    """A path's folder, base name and extension (without the dot), as Node's path.parse gives them."""
    name = name.replace("\\", "/") if "/" not in name else name
    folder, _, base = name.rpartition("/")
    stem = base.lstrip(".")
    ext = stem.rsplit(".", 1)[1] if "." in stem else ""
    return folder, base, ext


def make(data: bytes, name: str | None = None, mime: str | None = None, where: str = "") -> dict:
    """A file value from bytes: its type from `mime`, else the name's extension, else its
    first bytes, else text/plain; its name's folder, base name and extension kept apart."""
    if len(data) > MAX_FILE:
        raise NodeError(f"{where or 'the file'}: {len(data):,} bytes; a file held in an item may have "
                        f"at most {MAX_FILE:,}")  # fmt: skip
    extension = None
    if not mime and name:
        mime = mime_of(name)
    if not mime:
        for magic, kind, ext in _MAGIC:
            if data.startswith(magic):
                mime, extension = kind, ext
                break
    if not extension and mime:
        extension = EXTENSIONS.get(mime.split(";", 1)[0].strip().lower())
    mime = mime or "text/plain"
    value: dict[str, Any] = {"mimeType": mime}
    kind = file_type(mime)
    if kind:
        value["fileType"] = kind
    if extension:
        value["fileExtension"] = extension
    value["data"] = encode64(data)
    if name:
        folder, base, ext = _split_name(name)
        if folder:
            value["directory"] = folder
        value["fileName"] = base
        if ext:
            value["fileExtension"] = ext
    value["fileSize"] = size_text(len(data))
    value["bytes"] = len(data)
    return value


def encode64(data: bytes) -> str:
    """Bytes as standard base64 text, with padding (what `data` holds)."""
    return base64.b64encode(data).decode("ascii")


def content(value: Any, where: str) -> bytes:
    """The bytes of a file held in an item; an error that names `where` when it is none."""
    if not is_file(value):
        from ._guards import type_name

        what = "nothing" if value is None else f"{type_name(value)}"
        raise NodeError(
            f"{where}: holds {what}, not a file (an object with data in base64 and a mimeType)"
        )
    return decode64(value["data"], where)


def decode64(text: str, where: str) -> bytes:
    """Base64 text (standard or URL-safe, padding optional, whitespace ignored) as bytes."""
    cleaned = "".join(text.split())
    if not _BASE64.match(cleaned):
        raise NodeError(
            f"{where}: not valid base64 data (for plain text, convert it as text instead)"
        )
    if len(cleaned) * 3 // 4 > MAX_FILE + 3:
        raise NodeError(f"{where}: a file held in an item may have at most {MAX_FILE:,} bytes")
    cleaned = cleaned.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise NodeError(f"{where}: not valid base64 data") from None


def from_base64_text(text: str, where: str) -> tuple[bytes, str | None]:
    """Base64 text, or a `data:` URI, as bytes and the URI's media type (if any)."""
    trimmed = text.strip()
    found = _DATA_URI.match(trimmed)
    mime = None
    if found:
        mime = found.group(1).split(";", 1)[0].strip() or None
        trimmed = found.group(2)
    return decode64(trimmed, where), mime


def summary(value: dict) -> str:
    """How a file reads in a list or a message: `report.pdf (application/pdf, 12.3 kB)`."""
    name = value.get("fileName") or "file"
    size = value.get("fileSize") or ""
    return f"{name} ({value['mimeType']}{', ' + size if size else ''})"


PREVIEW_DATA = 1024  # characters of a file's base64 a live preview carries; the rest is left out
_PREVIEW_DEPTH = 3  # how deep in an item files are looked for (binary.<name> is at depth 2)


def abridged(items: list, unchanged: Callable[[Any], bool] | None = None) -> list:
    """Items for a live preview: a file's `data` longer than PREVIEW_DATA is cut to that
    many characters and `dataOmitted` says how many characters were left out, so a
    50 MB file is not sent to the page on every edit. Items without files are returned
    as they are (the same objects); so are items `unchanged(item)` says need no look."""
    out = None
    for i, item in enumerate(items):
        if unchanged is not None and unchanged(item):
            continue
        short = _abridged(item, _PREVIEW_DEPTH)
        if short is not item:
            if out is None:
                out = list(items)
            out[i] = short
    return items if out is None else out


def _abridged(value: Any, depth: int) -> Any:
    if type(value) is not dict:
        return value
    if is_file(value) and len(value["data"]) > PREVIEW_DATA:
        return {
            **value,
            "data": value["data"][:PREVIEW_DATA],
            "dataOmitted": len(value["data"]) - PREVIEW_DATA,
        }
    if depth <= 1:
        return value
    changed = None
    for key, child in value.items():
        if type(child) is dict:
            short = _abridged(child, depth - 1)
            if short is not child:
                if changed is None:
                    changed = dict(value)
                changed[key] = short
    return value if changed is None else changed
