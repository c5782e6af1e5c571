"""Files give byte-identical results natively and in Pyodide (under Node, from build/site).

The same CSV, JSON, NDJSON, XLSX and PDF files (written here, then into Pyodide's file
system by tests/pyodide/run_files.mjs) are read and written by the same workflows in
both places; the canonical results must be equal as bytes, hostile files' error
messages included, and so must the CSV/JSON files `write_file` writes. The XLSX
reader (openpyxl) and the PDF reader (pypdf) must not be loaded at start-up: the
runner loads each, as the worker does, only for a workflow that uses it, and reports
what that costs.

Like test_parity.py, these tests build nothing: scripts/test builds the site first.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nodefox
import pytest
from nodefox import formats

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
RUNNER = Path(__file__).with_name("run_files.mjs")
sys.path.insert(0, str(ROOT / "tests"))
import pdfs  # noqa: E402

REPORT = pdfs.make([["Invoice 2026-004", "Total (EUR) 1.234,50"], ["Page two", ["left", "right"]], ["Zürich"]],
                   info={"Title": "Invoice", "Author": "Zoë", "Trapped": b"/True", "Copies": b"2"},
                   xmp='<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                       '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
                       "<rdf:li>Ada</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>",
                   flate=True)  # fmt: skip


def xlsx_book() -> bytes:
    """A workbook with dates, times, numbers, text, booleans, gaps and two sheets."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet.append(["id", "when", "day", "at", "amount", "paid", "note"])
    sheet.append([1, dt.datetime(2026, 3, 4, 5, 6, 7), dt.date(2026, 1, 2), dt.time(13, 45, 30), 19.99, True, "ok"])
    sheet.append([2, dt.datetime(1999, 12, 31, 23, 59, 59), dt.date(1900, 3, 1), None, -0.5, False, None])
    sheet.append([3, None, None, None, 1e-9, None, "Zürich, 東京"])
    book.create_sheet("Rates").append(["currency", "rate"])
    book["Rates"].append(["EUR", 1.0842])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FILES = {
    "orders.csv": b'\xef\xbb\xbfid,name,note,amount\r\n1,"Ann ""A"" Lee","two\nlines",19.99\r\n2,Bo,,7\r\n',
    "data.json": json.dumps({"meta": {"n": 2}, "rows": [{"a": 1, "b": [1.5, None]}, {"a": 2, "b": "x"}]}).encode(),
    "events.ndjson": b'{"e": "open", "t": 1}\n\n{"e": "close", "t": 2.25}\n',
    "book.xlsx": xlsx_book(),
    "exact.xlsx": formats.write_xlsx([{"x": 0.1 + 0.2, "big": 2**60 + 1, "f": "=SUM(A1)"}], {}),
    "notes.txt": b"line one\r\nline two\n",
    "bad.csv": b'a,b\n1,2\n"x"y,3\n',
    # (a JSON syntax error is worded by Python's json module, the same in 3.11 and 3.14
    # for this one; not for all: a trailing comma reads differently since 3.13)
    "bad.ndjson": b'{"a": 1}\n{"a": }\n',
    "bad.json": b'[\n  {"a": 1},\n  {"a": }\n]',
    "latin1.csv": b"a,b\n1,caf\xe9\n",
    "report.pdf": REPORT,
    "locked.pdf": pdfs.encrypt(pdfs.make([["Payslip", "March"]]), "s3cret"),
    "cut.pdf": REPORT[:400],
    "aes.pdf": pdfs.aes256(pdfs.make([["x"]])),
}


def doc(nodes: list[dict], edges: list[dict] | None = None) -> str:
    return json.dumps({"nodefox": 1, "name": "files", "settings": {"now": "2026-01-01T00:00:00Z"},
                       "nodes": nodes, "edges": edges or []})  # fmt: skip


def reader(name: str, **params) -> dict:
    return {"id": "r", "type": "read_file", "name": "Read", "params": {"file": name, **params}}


def pdf_doc(name: str, **params) -> str:
    return doc([{"id": "d", "type": "data", "name": "One", "params": {"items": [{"n": 1}]}},
                {"id": "l", "type": "load_file", "name": "Load", "params": {"file": name, "field": "binary.data", "keep": True}},
                {"id": "p", "type": "from_file", "name": "PDF", "params": {"field": "binary.data", "format": "pdf", **params}}],
               [{"source": "d", "target": "l"}, {"source": "l", "target": "p"}])  # fmt: skip


ITEMS = [{"id": 1, "name": 'Ann "A"', "tags": ["x", "y"], "amount": 0.1 + 0.2, "ok": True},
         {"id": 2, "note": "two\nlines", "amount": None}]  # fmt: skip
CASES = {
    "csv": doc([reader("orders.csv")]),
    "csv-infer": doc([reader("orders.csv", inferTypes=True)]),
    "csv-no-header": doc([reader("orders.csv", header=False)]),
    "json-split": doc([reader("data.json", split="/rows")]),
    "ndjson": doc([reader("events.ndjson")]),
    "xlsx": doc([reader("book.xlsx")]),
    "xlsx-sheet": doc([reader("book.xlsx", sheet="Rates")]),
    "xlsx-exact": doc([reader("exact.xlsx")]),
    "txt": doc([reader("notes.txt")]),
    "bad-csv": doc([reader("bad.csv")]),
    "bad-ndjson": doc([reader("bad.ndjson")]),
    "bad-json": doc([reader("bad.json")]),
    "not-utf8": doc([reader("latin1.csv")]),
    "out-of-folder": doc([reader("../etc/passwd", format="csv")]),
    # PDFs held in items (from_file's pdf): before "in-items", whose format auto also loads pypdf
    "pdf": pdf_doc("report.pdf"),
    "pdf-pages": pdf_doc("report.pdf", joinPages=False, maxPages=2, keep="fields"),
    "pdf-password": pdf_doc("locked.pdf", password="s3cret"),
    "pdf-wrong-password": pdf_doc("locked.pdf", password="guess"),
    "pdf-cut": pdf_doc("cut.pdf"),
    "pdf-aes": pdf_doc("aes.pdf"),
    "write": doc(
        [{"id": "d", "type": "data", "name": "Data", "params": {"items": ITEMS}},
         {"id": "c", "type": "write_file", "name": "CSV", "params": {"file": "out.csv"}},
         {"id": "j", "type": "write_file", "name": "JSON", "params": {"file": "out.json"}},
         {"id": "n", "type": "write_file", "name": "NDJSON", "params": {"file": "out.ndjson"}},
         {"id": "x", "type": "write_file", "name": "XLSX", "params": {"file": "out.xlsx"}}],
        [{"source": "d", "target": t} for t in "cjnx"],
    ),  # fmt: skip
    # files held in items (docs/files.md): loaded, parsed, made and written in memory
    "in-items": doc(
        [{"id": "d", "type": "data", "name": "Names", "params": {"items": [
            {"n": "orders.csv"}, {"n": "book.xlsx"}, {"n": "data.json"}]}},
         {"id": "l", "type": "load_file", "name": "Load", "params": {
             "file": "={{ $json.n }}", "field": "binary.data", "metadata": True}},
         {"id": "p", "type": "from_file", "name": "Parse", "params": {"field": "binary.data", "split": "/rows"}},
         {"id": "i", "type": "data", "name": "Items", "params": {"items": ITEMS}},
         {"id": "x", "type": "to_file", "name": "XLSX", "params": {"format": "xlsx", "field": "binary.data"}},
         {"id": "xb", "type": "from_file", "name": "XLSX back", "params": {"field": "binary.data"}},
         {"id": "nt", "type": "data", "name": "Notes", "params": {"items": [{"note": "héllo\r\n"}, {"note": {"k": [1]}}]}},
         {"id": "t", "type": "to_file", "name": "Text", "params": {"format": "text", "source": "note", "bom": True}},
         {"id": "tb", "type": "from_file", "name": "Text back", "params": {"format": "base64", "into": "b64",
                                                                           "skipMissing": True}},
         {"id": "n", "type": "data", "name": "Numbers", "params": {"items": [
             {"v": v, "n": {"ok": v > 1}} for v in (0.1 + 0.2, 1000.0, 1e10, 1e-5, 99999.99999, 2**40, 1e21, 123.456e-9)]}},
         {"id": "xc", "type": "to_file", "name": "Excel CSV", "params": {"format": "csv", "csvStyle": "excel"}},
         {"id": "w", "type": "write_file", "name": "Write", "params": {"file": "={{ 'copy-' + $json.fileName }}",
                                                                      "field": "binary.data"}}],
        [{"source": "d", "target": "l"}, {"source": "l", "target": "p"}, {"source": "i", "target": "x"},
         {"source": "x", "target": "xb"}, {"source": "nt", "target": "t"}, {"source": "t", "target": "tb"},
         {"source": "l", "target": "w"}, {"source": "n", "target": "xc"}],
    ),  # fmt: skip
}


def native(tmp: Path) -> dict:
    """Each case's canonical result and written files, natively."""
    for name, data in FILES.items():
        (tmp / name).write_bytes(data)
    answers = {}
    for name, text in CASES.items():
        before = {p.name: p.stat().st_mtime_ns for p in tmp.iterdir()}
        result = nodefox.run(json.loads(text), files=str(tmp), allow_write=True)
        written = {p.name: p.read_bytes() for p in sorted(tmp.iterdir())
                   if before.get(p.name) != p.stat().st_mtime_ns}  # fmt: skip
        answers[name] = {"canonical": nodefox.canonical(result), "written": written}
    return answers


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[dict, dict]:
    if not (SITE / "pyodide" / "pyodide-lock.json").is_file():
        pytest.fail("build/site is missing: run scripts/build-site first", pytrace=False)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Pyodide tests run Pyodide under Node", pytrace=False)
    mine = native(tmp_path_factory.mktemp("files"))
    payload = {"files": {n: base64.b64encode(d).decode() for n, d in FILES.items()},
               "cases": [{"name": n, "document": t} for n, t in CASES.items()]}  # fmt: skip
    proc = subprocess.run([node, str(RUNNER), "--site", str(SITE)], input=json.dumps(payload),
                          capture_output=True, text=True, encoding="utf-8", timeout=600)  # fmt: skip
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or not lines[0].get("ready"):
        pytest.fail(f"Pyodide did not start:\n{lines[:1]}\n{proc.stderr[-3000:]}", pytrace=False)
    theirs = {"header": lines[0], "cases": {}, "xlsx": None, "pdf": None}
    for line in lines[1:]:
        if "xlsx" in line or "pdf" in line:
            theirs.update(line)
        else:
            theirs["cases"][line["name"]] = line
    return mine, theirs


@pytest.mark.parametrize("case", list(CASES))
def test_same_result_in_pyodide(both, case):
    mine, theirs = both
    answer = theirs["cases"].get(case)
    assert answer is not None and "error" not in answer, answer
    assert answer["canonical"].encode("utf-8") == mine[case]["canonical"].encode("utf-8")


def test_the_runs_did_what_they_should(both):
    """Parity of wrong answers would prove nothing: check a few natively."""
    mine, _ = both
    result = {k: json.loads(v["canonical"])["nodes"] for k, v in mine.items()}
    assert result["csv"]["r"]["outputs"]["out"][0] == {"id": "1", "name": 'Ann "A" Lee', "note": "two\nlines", "amount": "19.99"}
    assert result["xlsx"]["r"]["outputs"]["out"][0] == {
        "id": 1, "when": "2026-03-04T05:06:07", "day": "2026-01-02", "at": "13:45:30",
        "amount": 19.99, "paid": True, "note": "ok"}  # fmt: skip
    assert result["xlsx-exact"]["r"]["outputs"]["out"] == [{"x": 0.30000000000000004, "big": 2**60 + 1, "f": "=SUM(A1)"}]
    assert result["bad-csv"]["r"]["error"]["message"].startswith("bad.csv line 3: broken CSV")
    assert result["not-utf8"]["r"]["error"]["message"].startswith("latin1.csv line 2: not valid UTF-8")
    assert all(result["write"][n]["status"] == "ok" for n in "cjnx")
    items = result["in-items"]
    assert all(entry["status"] == "ok" for entry in items.values()), items
    assert items["p"]["outputs"]["out"][0] == {"id": "1", "name": 'Ann "A" Lee', "note": "two\nlines", "amount": "19.99"}
    assert items["xb"]["outputs"]["out"][0]["amount"] == 0.1 + 0.2
    excel = base64.b64decode(items["xc"]["outputs"]["out"][0]["file"]["data"]).decode("utf-8")
    assert excel.splitlines()[:3] == ["\ufeffv,n.ok", "0.3,FALSE", "1000,TRUE"]
    assert [i["b64"] for i in items["tb"]["outputs"]["out"]] == ["77u/aMOpbGxvDQo=", "77u/eyJrIjpbMV19"]
    assert [i["fileName"] for i in items["w"]["outputs"]["out"]] == ["copy-orders.csv", "copy-book.xlsx", "copy-data.json"]
    pdf = result["pdf"]["p"]["outputs"]["out"][0]
    assert pdf["text"] == "Invoice 2026-004\nTotal (EUR) 1.234,50\n\nPage two\nleft right\n\nZürich"
    assert pdf["info"]["Custom"] == {"Copies": 2} and pdf["metadata"] == {"dc:creator": ["Ada"]}
    assert result["pdf-pages"]["p"]["outputs"]["out"][0]["text"] == ["Invoice 2026-004\nTotal (EUR) 1.234,50", "Page two\nleft right"]
    assert result["pdf-password"]["p"]["outputs"]["out"][0]["text"] == "Payslip\nMarch"
    for case, error in (("pdf-wrong-password", "the password is wrong"), ("pdf-cut", "not a PDF file pypdf can read"),
                        ("pdf-aes", "encrypted with AES")):  # fmt: skip
        assert error in result[case]["p"]["error"]["message"], case


def test_written_files_are_the_same(both):
    """Byte for byte, XLSX too: its zip and document times are fixed, not the clock's."""
    mine, theirs = both
    native_files = mine["write"]["written"]
    pyodide_files = {n: base64.b64decode(b) for n, b in theirs["cases"]["write"]["written"].items()}
    assert sorted(native_files) == sorted(pyodide_files) == ["out.csv", "out.json", "out.ndjson", "out.xlsx"]
    for name in native_files:
        assert pyodide_files[name] == native_files[name], name
    copies = {n: base64.b64decode(b) for n, b in theirs["cases"]["in-items"]["written"].items()}
    assert copies == mine["in-items"]["written"] and copies["copy-book.xlsx"] == FILES["book.xlsx"]


@pytest.mark.parametrize(("reader", "module"), [("xlsx", "openpyxl"), ("pdf", "pypdf")])
def test_readers_load_only_when_used(both, reader, module):
    _, theirs = both
    assert theirs["header"][f"{module}AtStart"] is False
    cost = theirs[reader]
    assert cost is not None, f"no case loaded {module}"
    print(f"\n{module} in Pyodide: loadPackage {cost['loadPackageMs']} ms, import {cost['importMs']} ms, "
          f"wheels {cost['wheelBytes']:,} bytes")  # fmt: skip
