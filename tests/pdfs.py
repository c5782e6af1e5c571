"""Small PDF files for tests, written byte by byte (not by the library that reads them).

`make` writes a PDF whose pages show lines of text in Helvetica, with an optional
document information dictionary and XMP metadata; `encrypt` gives the same file
encrypted (pypdf's writer, RC4: the one cipher pypdf has without the cryptography
package); `aes256` gives a file whose encryption dictionary asks for AES-256.
"""

from __future__ import annotations

import io
import zlib


def _escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def _content(lines: list[str]) -> bytes:
    """A content stream: each line 16 points below the one before; a line made of parts
    in a list puts them on one baseline, 100 points apart."""
    ops = [b"BT /F1 12 Tf 72 720 Td"]
    for i, line in enumerate(lines):
        if i:
            ops.append(b"0 -16 Td")
        parts = line if isinstance(line, list) else [line]
        for j, part in enumerate(parts):
            if j:
                ops.append(b"100 0 Td")
            ops.append(b"(" + _escape(part) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def _string(text: str) -> bytes:
    if all(ord(c) < 128 for c in text):
        return b"(" + _escape(text) + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def make(pages: list[list], info: dict | None = None, xmp: str | None = None, *, version: str = "1.4",
         streams: list[bytes] | None = None, extra_root: bytes = b"", flate: bool = False) -> bytes:  # fmt: skip
    """A PDF of `pages` (each a list of lines), or of raw content `streams`."""
    contents = streams if streams is not None else [_content(lines) for lines in pages]
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for data in contents:
        if flate:
            data = zlib.compress(data)
        head = b"<< /Length %d%s >>" % (len(data), b" /Filter /FlateDecode" if flate else b"")
        stream = add(head + b"\nstream\n" + data + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> "
                        b"/Contents %d 0 R >>" % (tree, font, stream)))  # fmt: skip
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    root = b"<< /Type /Catalog /Pages %d 0 R" % tree + extra_root
    if xmp is not None:
        packet = xmp.encode("utf-8")
        root += b" /Metadata %d 0 R" % add(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(packet)
                                            + packet + b"\nendstream")  # fmt: skip
    objects[catalog - 1] = root + b" >>"
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info is not None:
        entries = b" ".join(b"/" + k.encode() + b" " + (v if isinstance(v, bytes) else _string(v)) for k, v in info.items())
        trailer += b" /Info %d 0 R" % add(b"<< " + entries + b" >>")
        trailer = trailer.replace(b"/Size %d" % len(objects), b"/Size %d" % (len(objects) + 1))
    out = io.BytesIO()
    out.write(b"%PDF-" + version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def encrypt(data: bytes, password: str, owner: str | None = None) -> bytes:
    """The file encrypted with RC4-128 (a user password, or an owner password only)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(password, owner, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def aes256(data: bytes) -> bytes:
    """The file with an encryption dictionary for AES-256 (revision 6): checking any
    password needs AES, so without the cryptography package pypdf cannot."""
    marker = b"trailer\n<<"
    encrypt = (b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /O <" + b"00" * 48 + b"> /U <" + b"11" * 48
               + b"> /OE <" + b"22" * 32 + b"> /UE <" + b"33" * 32 + b"> >>")  # fmt: skip
    return data.replace(marker, marker + b" /Encrypt " + encrypt + b" /ID [<00112233445566778899aabbccddeeff> "
                        b"<00112233445566778899aabbccddeeff>]")  # fmt: skip
