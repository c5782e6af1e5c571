"""PDF text in `from_file` (`engine/nodefox/_pdf.py`): real PDF files written byte by
byte (tests/pdfs.py), read through whole runs; and n8n's Extract from File pdf mapped
onto them."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import nodefox
import pytest
from conftest import document, edge, node
from hypothesis import given
from hypothesis import strategies as st
from nodefox import _pdf, filedata
from nodefox.errors import NodeError
from nodefox.n8n import translate
from test_n8n_translate import by_name, link, n8n

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pdfs  # noqa: E402

XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
      xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Quarterly report</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>Ada</rdf:li><rdf:li>Grace</rdf:li></rdf:Seq></dc:creator>
   <pdf:Producer>  hand-written  </pdf:Producer>
   <xmp:CreateDate>2026-01-02T03:04:05Z</xmp:CreateDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
REPORT = pdfs.make(
    [["Quarterly report", "Revenue (up) 12%"], ["Second page", ["left", "right"]], ["Third page"]],
    info={"Title": "Quarterly report", "Author": "Zoë Ünal", "Trapped": b"/False", "Pages": b"3", "Draft": b"true"},
    xmp=XMP,
)
PAGES = ["Quarterly report\nRevenue (up) 12%", "Second page\nleft right", "Third page"]


def _run(items: list[dict], params: dict, **world) -> dict:
    doc = document([node("src", "data", {"items": items}), node("x", "from_file", params)], [edge("src", "x")])
    return json.loads(nodefox.canonical(nodefox.run(doc, **world)))["nodes"]["x"]


def _read(data: bytes, name: str = "report.pdf", **params) -> list[dict]:
    entry = _run([{"binary": {"data": filedata.make(data, name)}}], {"field": "binary.data", "format": "pdf", **params})
    assert entry["status"] == "ok", entry
    return entry["outputs"]["out"]


def _error(data: bytes, name: str = "report.pdf", **params) -> str:
    entry = _run([{"binary": {"data": filedata.make(data, name)}}], {"field": "binary.data", "format": "pdf", **params})
    assert entry["status"] == "error", entry
    message = entry["error"]["message"]
    assert "Traceback" not in message and "field binary.data (" in message
    return message


def test_a_pdf_gives_one_item_of_its_text_and_facts_as_n8n_shapes_them() -> None:
    [item] = _read(REPORT)
    assert list(item) == ["numpages", "numrender", "info", "metadata", "text", "version"]
    assert item["numpages"] == item["numrender"] == 3
    assert item["text"] == "\n\n".join(PAGES)  # pages joined by a blank line, lines by a newline
    assert item["info"] == {
        "PDFFormatVersion": "1.4", "Language": None, "EncryptFilterName": None, "IsLinearized": False,
        "IsAcroFormPresent": False, "IsXFAPresent": False, "IsCollectionPresent": False,
        "IsSignaturesPresent": False, "Title": "Quarterly report", "Author": "Zoë Ünal",
        "Trapped": {"name": "False"}, "Custom": {"Pages": 3, "Draft": True},
    }  # fmt: skip
    assert item["metadata"] == {"dc:title": ["Quarterly report"], "dc:creator": ["Ada", "Grace"],
                                "pdf:producer": "hand-written", "xmp:createdate": "2026-01-02T03:04:05Z"}  # fmt: skip
    assert item["version"].startswith("pypdf ")


def test_pages_can_come_as_a_list_and_be_limited() -> None:
    assert _read(REPORT, joinPages=False)[0]["text"] == PAGES
    assert _read(REPORT, maxPages=2)[0]["text"] == "\n\n".join(PAGES[:2])
    assert _read(REPORT, maxPages=9, joinPages=False)[0]["text"] == PAGES
    none = _read(REPORT, maxPages=0)[0]  # n8n's maxPages 0: no page's text, the facts still
    assert none["text"] == "" and none["numpages"] == 3
    plain = _read(pdfs.make([["x"]], version="1.7"))[0]
    assert "metadata" not in plain and plain["info"]["PDFFormatVersion"] == "1.7"  # no XMP: no metadata key


def test_what_the_item_keeps_beside_the_pdf() -> None:
    pdf, other = filedata.make(pdfs.make([["Hi"]]), "a.pdf"), filedata.make(b"x", "o.txt")
    items = [{"n": 1, "text": "old", "binary": {"data": pdf, "other": other}}]

    def read(**params) -> dict:
        entry = _run(items, {"field": "binary.data", "format": "pdf", **params})
        assert entry["status"] == "ok", entry
        return entry["outputs"]["out"][0]

    assert set(read()) == {"numpages", "numrender", "info", "text", "version"}
    assert read(keep="files")["binary"] == {"other": other}
    fields = read(keep="fields")
    assert fields["n"] == 1 and fields["text"] == "Hi" and fields["binary"] == {"other": other}  # the PDF's keys win
    assert read(keep="all")["binary"] == {"data": pdf, "other": other}
    assert read(into="pdf", keep="fields")["pdf"]["text"] == "Hi"


def test_the_format_is_found_by_name_or_type() -> None:
    data = pdfs.make([["by name"]])
    for name in ("scan.pdf", "SCAN.PDF"):
        entry = _run([{"f": filedata.make(data, name)}], {"field": "f"})
        assert entry["outputs"]["out"][0]["text"] == "by name"
    entry = _run([{"f": filedata.make(data, "scan", "application/pdf")}], {"field": "f"})
    assert entry["outputs"]["out"][0]["text"] == "by name"


def test_encrypted_pdfs_open_with_their_password_and_say_when_it_is_missing_or_wrong() -> None:
    locked = pdfs.encrypt(pdfs.make([["Secret page"]]), "s3cret")
    assert _read(locked, password="s3cret")[0]["text"] == "Secret page"
    assert _read(locked, password="s3cret")[0]["info"]["EncryptFilterName"] == "Standard"
    assert _error(locked).endswith("the PDF is encrypted: give its password (password)")
    assert _error(locked, password="guess").endswith("the password is wrong (the PDF is encrypted)")
    # only an owner password (printing or copying restricted): opens without one, as in pdf.js
    restricted = pdfs.encrypt(pdfs.make([["Open to read"]]), "", "owner")
    assert _read(restricted)[0]["text"] == "Open to read"
    assert _read(pdfs.make([["Plain"]]), password="unused")[0]["text"] == "Plain"


@pytest.mark.skipif(importlib.util.find_spec("cryptography") is not None, reason="cryptography decrypts AES")
def test_an_aes_encrypted_pdf_says_what_it_needs() -> None:
    message = _error(pdfs.aes256(pdfs.make([["x"]])), "aes.pdf")
    assert message == ("field binary.data (aes.pdf): the PDF is encrypted with AES: decrypting it needs the "
                       "cryptography package (natively: pip install cryptography; the browser has none)")  # fmt: skip


def test_broken_and_foreign_files_fail_their_item_saying_what_is_wrong() -> None:
    good = pdfs.make([["Fine"]])
    assert _error(b"", "empty.pdf") == "field binary.data (empty.pdf): not a PDF file (no %PDF- header; it is empty)"
    assert _error(b"PK\x03\x04rest", "x.pdf").endswith("not a PDF file (no %PDF- header; it starts with b'PK\\x03\\x04rest')")
    assert "not a PDF file pypdf can read (" in _error(good[:150], "cut.pdf")
    assert "not a PDF file pypdf can read (" in _error(b"%PDF-1.4\nnothing else at all", "junk.pdf")
    garbled = good.replace(b"Tj", b"Tj ] >> (")  # a content stream that is not one
    assert "(g.pdf): page 1: cannot read its text (PdfReadError: " in _error(garbled, "g.pdf")
    # the other items still run when the node goes on past errors
    doc = document([node("src", "data", {"items": [{"f": filedata.make(b"nope", "a.pdf")}, {"f": filedata.make(good, "b.pdf")}]}),
                    node("x", "from_file", {"field": "f"}, onError="continue")], [edge("src", "x")])  # fmt: skip
    result = nodefox.run(doc)["nodes"]["x"]
    assert [i.get("text") for i in result["outputs"]["out"]][-1] == "Fine"


def test_a_decompression_bomb_is_refused_quickly() -> None:
    bomb = pdfs.make([], streams=[b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + b" " * (_pdf.MAX_INFLATE + (1 << 20))], flate=True)
    assert len(bomb) < 100_000
    start = time.monotonic()
    message = _error(bomb, "bomb.pdf")
    assert time.monotonic() - start < 5
    assert "page 1: refused by the PDF reader's limits" in message and "decompression bomb" in message


def test_a_pdf_that_takes_too_long_ends_with_the_runs_time_budget() -> None:
    slow = pdfs.make([], streams=[b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + b" " * (8 << 20)] * 4, flate=True)
    start = time.monotonic()
    entry = _run([{"f": filedata.make(slow, "slow.pdf")}], {"field": "f"}, timeout=0.5)
    assert time.monotonic() - start < 5
    assert entry["status"] == "error" and "time budget" in entry["error"]["message"]


def test_a_missing_pypdf_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # what `import pypdf` meets when it is not installed
    assert _error(pdfs.make([["x"]]), "a.pdf") == "reading field binary.data (a.pdf) needs the pypdf package (pip install pypdf)"


def test_linearized_files_are_recognised_by_their_first_object() -> None:
    head = b"%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Linearized 1 /L %d /N 1 >>\nendobj\n"
    data = head % 0
    data = (head % (len(data) + 2)).ljust(len(data) + 2, b" ")
    assert _pdf._linearized(data) and not _pdf._linearized(data + b" ") and not _pdf._linearized(pdfs.make([["x"]]))


def test_the_pdf_reader_is_among_the_packages_a_document_needs() -> None:
    from nodefox.nodes.files import packages

    assert packages({"nodes": [{"type": "from_file", "params": {"format": "pdf"}}]}) == ["pypdf"]
    assert packages({"nodes": [{"type": "from_file", "params": {}}]}) == ["openpyxl", "pypdf"]
    assert packages({"nodes": [{"type": "from_file", "params": {"format": "csv"}}]}) == []


# -- n8n's Extract from File, operation pdf --------------------------------------------


def _import_run(parameters: dict, pinned: list[dict]) -> tuple[dict, dict, dict]:
    chain = [{"name": "In", "type": "noOp"}, {"name": "E", "type": "extractFromFile", "typeVersion": 1,
                                              "parameters": {"operation": "pdf", **parameters}}]  # fmt: skip
    doc, report = translate(n8n(chain, link(("In", "E"))))
    by_name(doc)["In"]["pinned"] = pinned
    return nodefox.run(doc)["nodes"][by_name(doc)["E"]["id"]], doc, report


def test_n8n_extract_from_pdf_is_translated_and_runs() -> None:
    pdf, other = filedata.make(REPORT, "r.pdf"), filedata.make(b"x", "o.txt")
    pinned = [{"id": 7, "binary": {"attachment_0": pdf, "other": other}}]
    entry, doc, report = _import_run({"binaryPropertyName": "attachment_0"}, pinned)
    assert report["nodes"]["placeholders"] == [] and "pypdf" in report["divergences"][0]["note"]
    assert by_name(doc)["E"]["params"] == {"field": "binary.attachment_0", "format": "pdf", "keep": "files"}
    [item] = entry["outputs"]["out"]  # n8n: the PDF's json, and the item's other files
    assert item["text"] == "\n\n".join(PAGES) and item["binary"] == {"other": other} and "id" not in item
    entry, _, _ = _import_run({"binaryPropertyName": "attachment_0", "options": {"keepSource": "json", "joinPages": False, "maxPages": 2}}, pinned)  # fmt: skip
    [item] = entry["outputs"]["out"]
    assert item["id"] == 7 and item["text"] == PAGES[:2] and item["binary"] == {"other": other}
    entry, _, _ = _import_run({"options": {"keepSource": "both"}}, [{"id": 7, "binary": {"data": pdf}}])
    assert entry["outputs"]["out"][0]["binary"] == {"data": pdf} and entry["outputs"]["out"][0]["id"] == 7


def test_n8n_pdf_passwords_and_options_nodefox_has_not() -> None:
    locked = filedata.make(pdfs.encrypt(pdfs.make([["Payslip"]]), "E22"), "p.pdf")
    entry, doc, _ = _import_run({"options": {"password": "={{ $json.pw }}"}}, [{"pw": "E22", "binary": {"data": locked}}])
    assert by_name(doc)["E"]["params"]["password"] == "={{ $json.pw }}"
    assert entry["outputs"]["out"][0]["text"] == "Payslip"
    entry, _, _ = _import_run({"options": {"password": "YOUR_PASSWORD_HERE"}}, [{"binary": {"data": locked}}])
    assert entry["status"] == "error" and entry["error"]["message"].endswith("the password is wrong (the PDF is encrypted)")
    entry, doc, _ = _import_run({"options": {"maxPages": 0}}, [{"binary": {"data": filedata.make(REPORT, "r.pdf")}}])
    assert by_name(doc)["E"]["params"]["maxPages"] == 0 and entry["outputs"]["out"][0]["text"] == ""
    _, report = translate(n8n([{"name": "E", "type": "extractFromFile", "typeVersion": 1,
                                "parameters": {"operation": "pdf", "options": {"keepSource": "binary"}}}]))  # fmt: skip
    assert "binary" in report["nodes"]["placeholders"][0]["reason"]


def test_pypdf_is_the_same_version_natively_and_in_the_browser() -> None:
    """The item names pypdf's version and the text is pypdf's: both pins must agree."""
    import re
    from importlib.metadata import version

    root = Path(__file__).resolve().parents[2]
    native = re.search(r'"pypdf==([^;"]+)', (root / "pyproject.toml").read_text()).group(1)
    browser = re.search(r"^pypdf==(\S+)", (root / "build/requirements-browser.txt").read_text(), re.M).group(1)
    assert native == browser == version("pypdf")


@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 10**6), st.binary(max_size=12)), min_size=1, max_size=8))
def test_a_damaged_pdf_gives_its_text_or_a_node_error_never_another_exception(edits) -> None:
    data = bytearray(REPORT)
    for where, at, new in edits:  # overwrite, cut or insert bytes at a few places
        at %= len(data)
        if where < 0.4:
            data[at : at + len(new)] = new
        elif where < 0.7:
            del data[at : at + 1 + len(new)]
        else:
            data[at:at] = new
    try:
        _pdf.read(bytes(data), "f", {})
    except NodeError as exc:
        assert str(exc).startswith("f: ")
