"""PDF text through pypdf, imported on first use (in the browser its wheel is fetched
only when a workflow mentions pdf; docs/files.md).

`read` gives what n8n's Extract from File gives for a PDF (pdf.js there): the page
count, the document information as pdf.js words it, the XMP metadata as pdf.js
flattens it, the pages' text (joined by a blank line, or a list), and the reader's
version. The text is pypdf's: its lines and spaces can differ from pdf.js's
(docs/n8n.md, "Files").

A PDF comes from a stranger. pypdf bounds what one stream may inflate to and how
much work parsing one may take (`pypdf.Configuration`); the limits here are tighter
than its defaults, and the text one file gives is capped. The run's time and memory
budgets interrupt pypdf like any node (`limits`): they are BaseExceptions, so the
`except Exception` that turns a broken file into a message lets them through.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from .errors import NodeError
from .formats import FileProblem, optional

MAX_PAGES = 10_000  # pages one file gives the text of (maxPages reads fewer)
MAX_TEXT = 64 << 20  # characters of text one file gives, all pages together
MAX_INFLATE = 32 << 20  # bytes one stream of the file may inflate to (pypdf's default: 75 MB)
MAX_XMP = 1 << 20  # bytes of XMP metadata read (more: no metadata)
HEADER_WINDOW = 1024  # `%PDF-` must start within the first this many bytes (as pdf.js looks for it)
_VERSION = re.compile(r"^[1-9]\.\d$")  # pdf.js's test of a header version
_ARRAYS = ("dc:title", "dc:creator", "dc:subject")  # XMP entries pdf.js reads as lists
_INFO_TEXT = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate", "/ModDate")


def _pypdf(name: str) -> Any:
    pypdf = optional("pypdf", f"reading {name}", "PDF reader")
    # pypdf reports through logging, as warnings and errors, what it repairs or cannot
    # decode in a damaged file; with no handler set, Python's last resort would print
    # each to stderr (the console). The item's result, or its error, says what matters.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)
    return pypdf


def _limits(pypdf: Any) -> Any:
    return pypdf.apply_configuration(
        zlib_maximum_output_length=MAX_INFLATE, lzw_maximum_output_length=MAX_INFLATE,
        run_length_maximum_output_length=MAX_INFLATE, jbig2_maximum_output_length=MAX_INFLATE,
        brotli_maximum_output_length=MAX_INFLATE, array_based_stream_maximum_output_length=MAX_INFLATE,
        maximum_declared_stream_length=MAX_INFLATE, xmp_maximum_input_length=MAX_XMP,
        jbig2dec_binary=None,  # never run a program on a stranger's image
    )  # fmt: skip


def read(data: bytes, name: str, options: dict) -> dict:
    """The PDF's facts and text: {numpages, numrender, info, metadata?, text, version}.

    Options: `password` (an encrypted file's; without it the empty password is
    tried, as pdf.js does), `maxPages` (the text of at most this many pages, 0: none;
    all when absent), `joinPages` (False: `text` is a list of the pages' texts)."""
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        start = data[:8]
        raise FileProblem(name, "not a PDF file (no %PDF- header; "
                          + (f"it starts with {start!r})" if start else "it is empty)"))  # fmt: skip
    pypdf = _pypdf(name)
    with _limits(pypdf):
        reader = _open(pypdf, data, name, options.get("password"))
        try:
            count = len(reader.pages)
        except Exception as exc:
            raise _broken(name, exc) from None
        wanted = options.get("maxPages")
        wanted = count if wanted is None else min(wanted, count)
        if wanted > MAX_PAGES:
            raise FileProblem(name, f"{count:,} pages; the text of at most {MAX_PAGES:,} is read "
                              "(set maxPages)")  # fmt: skip
        pages = _texts(reader, wanted, name)
        try:
            info, metadata = _info(reader, data), _metadata(reader)
        except Exception as exc:  # each part reads what it can; this is for what none foresaw
            raise _broken(name, exc) from None
        result: dict[str, Any] = {"numpages": count, "numrender": count, "info": info}
        if metadata is not None:  # n8n's metadata is undefined then: the key is left out
            result["metadata"] = metadata
        result["text"] = "\n\n".join(pages) if options.get("joinPages", True) else pages
        result["version"] = f"pypdf {pypdf.__version__}"
        return result


def _open(pypdf: Any, data: bytes, name: str, password: str | None) -> Any:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if not reader.is_encrypted:
            return reader
        opened = reader.decrypt(password or "")  # the empty password again when none is given
    except Exception as exc:
        raise _broken(name, exc) from None
    if opened == pypdf.PasswordType.NOT_DECRYPTED:
        if password:
            raise FileProblem(name, "the password is wrong (the PDF is encrypted)")
        raise FileProblem(name, "the PDF is encrypted: give its password (password)")
    return reader


def _aes(name: str) -> NodeError:
    # worded alike natively and in the browser, so both give the same result
    return FileProblem(name, "the PDF is encrypted with AES: decrypting it needs the cryptography package "
                       "(natively: pip install cryptography; the browser has none)")  # fmt: skip


def _broken(name: str, exc: Exception, where: str = "") -> NodeError:
    """A file pypdf failed on, as a message (`where`: the page, when it was one)."""
    from pypdf.errors import DependencyError, LimitReachedError

    if isinstance(exc, DependencyError):
        return _aes(name)
    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, LimitReachedError):
        return FileProblem(name, f"{where}refused by the PDF reader's limits ({detail}): a decompression "
                           "bomb, or a PDF too big for it")  # fmt: skip
    what = "cannot read its text" if where else "not a PDF file pypdf can read"
    return FileProblem(name, f"{where}{what} ({type(exc).__name__}: {detail})")


def _texts(reader: Any, count: int, name: str) -> list[str]:
    pages: list[str] = []
    total = 0
    for index in range(count):
        try:
            text = reader.pages[index].extract_text()
        except Exception as exc:
            raise _broken(name, exc, f"page {index + 1}: ") from None
        total += len(text)
        if total > MAX_TEXT:
            raise FileProblem(name, f"more than {MAX_TEXT:,} characters of text in its first {index + 1:,} "
                              "pages; read fewer with maxPages")  # fmt: skip
        pages.append(text)
    return pages


# -- document information, as pdf.js's getMetadata words it -------------------------


def _value(value: Any) -> Any:
    """A PDF value as pdf.js hands it over: text decoded, a name as {name}, numbers and
    booleans as they are; None for anything else (left out)."""
    from pypdf.generic import BooleanObject, FloatObject, NameObject, NumberObject, TextStringObject

    if isinstance(value, NameObject):
        return {"name": str(value)[1:]}
    if isinstance(value, BooleanObject):
        return bool(value)
    if isinstance(value, NumberObject):
        return int(value)
    if isinstance(value, FloatObject):
        return float(value)
    if isinstance(value, (TextStringObject, str)):
        return str(value)
    if isinstance(value, bytes):  # a ByteStringObject: PDFDocEncoding's first 128 are ASCII's
        return value.decode("latin-1")
    return None


def _get(holder: Any, key: str) -> Any:
    try:
        value = holder.get(key) if holder is not None else None
        return value.get_object() if value is not None else None
    except Exception:  # a dangling or broken reference reads as absent, as in pdf.js
        return None


def _info(reader: Any, data: bytes) -> dict:
    root = _root(reader)
    acro = _get(root, "/AcroForm")
    fields = _get(acro, "/Fields")
    sig_flags = _get(acro, "/SigFlags")
    signatures = isinstance(sig_flags, int) and bool(sig_flags & 1)
    has_fields = isinstance(fields, list) and len(fields) > 0
    only_signatures = signatures and has_fields and all(_get(_deref(f), "/FT") == "/Sig" for f in fields)
    xfa = _get(acro, "/XFA")
    encrypt = _get(reader.trailer, "/Encrypt")
    lang = _value(_get(root, "/Lang"))
    filter_name = _get(encrypt, "/Filter")
    info: dict[str, Any] = {
        "PDFFormatVersion": _format_version(reader, root),
        "Language": lang if type(lang) is str else None,
        "EncryptFilterName": str(filter_name)[1:] if filter_name is not None else None,
        "IsLinearized": _linearized(data),
        "IsAcroFormPresent": has_fields and not only_signatures,
        "IsXFAPresent": (isinstance(xfa, list) and len(xfa) > 0) or (hasattr(xfa, "get_data") and _nonempty(xfa)),
        "IsCollectionPresent": _get(root, "/Collection") is not None,
        "IsSignaturesPresent": signatures,
    }
    entries = _get(reader.trailer, "/Info")
    if not hasattr(entries, "items"):
        return info
    custom: dict[str, Any] = {}
    for key in list(entries.keys()):
        value = _value(_get(entries, key))
        if key in _INFO_TEXT:
            if type(value) is str:
                info[key[1:]] = value
        elif key == "/Trapped":
            if type(value) is dict:
                info["Trapped"] = value
        elif value is not None:
            custom[str(key)[1:]] = value
    if custom:
        info["Custom"] = custom
    return info


def _root(reader: Any) -> Any:
    try:
        return reader.root_object
    except Exception:
        return None


def _deref(value: Any) -> Any:
    try:
        return value.get_object()
    except Exception:
        return None


def _nonempty(stream: Any) -> bool:
    try:
        return len(stream.get_data()) > 0
    except Exception:
        return False


def _format_version(reader: Any, root: Any) -> str | None:
    """The catalog's /Version when later than the header's (the PDF spec, 7.7.2), else
    the header's; null when it is not `d.d`."""
    header = reader.pdf_header[5:].strip() if isinstance(reader.pdf_header, str) else ""
    catalog = _get(root, "/Version")
    version = header
    if catalog is not None and str(catalog)[1:] > header:
        version = str(catalog)[1:]
    return version if _VERSION.match(version) else None


_FIRST_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\s*<<(.*?)>>", re.S)
_LENGTH = re.compile(rb"/L\s+(\d+)")


def _linearized(data: bytes) -> bool:
    """Whether the file's first object is a linearization dictionary whose /L is the
    file's length (pdf.js's test)."""
    start = data.find(b"%PDF-")
    found = _FIRST_OBJECT.search(data, start, start + HEADER_WINDOW)
    if found is None or b"/Linearized" not in found.group(1):
        return False
    length = _LENGTH.search(found.group(1))
    return length is not None and int(length.group(1)) == len(data)


# -- XMP metadata, flattened as pdf.js's MetadataParser does -------------------------


def _metadata(reader: Any) -> dict | None:
    """Each element in an rdf:Description by its lower-cased name, its text trimmed
    (dc:title, dc:creator and dc:subject as lists of their items); None without XMP."""
    stream = _get(_root(reader), "/Metadata")
    if stream is None or not hasattr(stream, "get_data"):
        return None
    try:
        raw = stream.get_data()
    except Exception:
        return None
    if len(raw) > MAX_XMP or b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        return None  # no entity may expand inside a stranger's XML
    from xml.dom import minidom
    from xml.parsers.expat import ExpatError

    try:
        document = minidom.parseString(raw)
    except (ExpatError, ValueError):
        return None
    rdf = document.documentElement
    if rdf.nodeName.lower() != "rdf:rdf":
        rdf = next((n for n in rdf.childNodes if n.nodeName.lower() == "rdf:rdf"), None)
    if rdf is None:
        return None
    found: dict[str, Any] = {}
    for description in rdf.childNodes:
        if description.nodeName.lower() != "rdf:description":
            continue
        for entry in description.childNodes:
            if entry.nodeType != entry.ELEMENT_NODE:
                continue
            key = entry.nodeName.lower()
            elements = [n for n in entry.childNodes if n.nodeType == n.ELEMENT_NODE]
            if key in _ARRAYS and elements:
                found[key] = [_text_of(n).strip() for n in elements[0].childNodes if n.nodeType == n.ELEMENT_NODE]
            else:
                found[key] = _text_of(entry).strip()
    return found


def _text_of(node: Any) -> str:
    """An element's text content (every text below it; whitespace-only text between
    elements is left out, as pdf.js's XML parser leaves it out)."""
    if node.nodeType in (node.TEXT_NODE, node.CDATA_SECTION_NODE):
        return node.data
    parts = []
    for child in node.childNodes:
        if child.nodeType in (child.TEXT_NODE, child.CDATA_SECTION_NODE) and not child.data.strip():
            continue
        parts.append(_text_of(child))
    return "".join(parts)
