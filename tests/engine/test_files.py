"""Files in and out: `read_file`, `write_file` (nodes/files.py), their formats
(formats.py, _xlsx.py) and names resolved in the files folder (files.py).

Every test reads and writes real files in a temporary folder; the hostile ones
(broken quoting, invalid UTF-8, a 10,000-column row, a line past the limit, a zip
bomb) must fail with a message that names the file, quickly.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import nodefox
import pytest
from conftest import document, edge, node
from nodefox import _json, formats
from nodefox.cli import main
from nodefox.execute import Run, RunSettings
from nodefox.world import ReadCache, World

# -- helpers ---------------------------------------------------------------------------


def read(folder: Path, name: str, **params) -> dict:
    """The read_file node's entry for `name` in `folder`."""
    doc = document([node("r", "read_file", {"file": name, **params})])
    return nodefox.run(doc, files=str(folder))["nodes"]["r"]


def items_of(folder: Path, name: str, **params) -> list[dict]:
    entry = read(folder, name, **params)
    assert entry["status"] == "ok", entry
    return entry["outputs"]["out"]


def error_of(folder: Path, name: str, **params) -> str:
    entry = read(folder, name, **params)
    assert entry["status"] == "error", entry
    return entry["error"]["message"]


def write(folder: Path, name: str, items: list[dict], allow_write: bool = True, **params) -> dict:
    doc = document(
        [node("d", "data", {"items": items}), node("w", "write_file", {"file": name, **params})],
        [edge("d", "w")],
    )
    return nodefox.run(doc, files=str(folder), allow_write=allow_write)["nodes"]["w"]


def round_trip(folder: Path, name: str, items: list[dict], **read_params) -> list[dict]:
    entry = write(folder, name, items)
    assert entry["status"] == "ok", entry
    out = entry["outputs"]["out"]
    assert out == [{"file": name, "bytes": (folder / name).stat().st_size, "items": len(items)}]
    return items_of(folder, name, **read_params)


# -- round trips -------------------------------------------------------------------------

TEXT_ITEMS = [
    {"id": "1", "name": 'Ann "the" first', "note": "two\nlines, and a comma", "city": "Zürich"},
    {"id": "2", "name": "Bo", "note": "", "city": "東京"},
]
TYPED_ITEMS = [
    {"n": 1, "x": 2.5, "ok": True, "none": None, "s": "text", "big": 2**60, "tiny": 1e-7},
    {"n": -3, "x": 0.1, "ok": False, "none": None, "s": "007", "big": 1, "tiny": 0.0},
]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_round_trip_text(tmp_path, fmt):
    assert round_trip(tmp_path, f"out.{fmt}", TEXT_ITEMS) == TEXT_ITEMS


def test_csv_writes_the_union_of_keys_in_first_seen_order(tmp_path):
    items = [{"a": 1, "b": {"x": [1, 2]}}, {"c": "z", "a": None}, {"b": "é,\"q\""}]
    assert write(tmp_path, "u.csv", items)["status"] == "ok"
    text = (tmp_path / "u.csv").read_text(encoding="utf-8")
    assert text == 'a,b,c\n1,"{""x"":[1,2]}",\n,,z\n,"é,""q""",\n'


def test_csv_round_trip_with_infer_types(tmp_path):
    items = [{k: v for k, v in item.items() if k != "big"} for item in TYPED_ITEMS]
    back = round_trip(tmp_path, "typed.csv", items, inferTypes=True)
    expected = [dict(item, s="007" if item["s"] == "007" else item["s"]) for item in items]
    assert back == expected
    assert [type(v) for v in back[0].values()] == [int, float, bool, type(None), str, float]


def test_infer_types_is_exact():
    cases = {
        "": None, "0": 0, "-0": 0, "12": 12, "-12": -12, "1.50": 1.5, "1e3": 1000.0,
        "-2.5E-3": -0.0025, "true": True, "TRUE": True, "False": False,
        "007": "007", "+1": "+1", "1.": "1.", ".5": ".5", "0x1A": "0x1A", "1e999": "1e999",
        " 1": " 1", "1 ": "1 ", "NaN": "NaN", "null": "null", "yes": "yes", "2026-01-02": "2026-01-02",
        "9007199254740991": 9007199254740991, "9007199254740992": "9007199254740992",
        "-9007199254740992": "-9007199254740992", "١٢": "١٢", "tru": "tru",
    }  # fmt: skip
    for cell, want in cases.items():
        got = formats.infer(cell)
        assert got == want and type(got) is type(want), (cell, got)


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_and_ndjson_round_trip_exactly(tmp_path, fmt):
    items = [*TYPED_ITEMS, {"nested": {"a": [1, {"b": None}]}, "ü": "ß\n"}, {}]
    assert round_trip(tmp_path, f"out.{fmt}", items) == items


def test_xlsx_round_trip(tmp_path):
    items = [
        # (a data node's text starting with = is an expression: this one gives "=1+1")
        {"n": 1, "x": 2.5, "ok": True, "s": "text", "formula": "={{ '=1+1' }}", "nested": {"a": [1]}},
        {"n": -3, "x": 0.1 + 0.2, "ok": False, "s": "", "tiny": 1e-7, "big": 2**60 + 1},
    ]
    back = round_trip(tmp_path, "out.xlsx", items)
    assert back == [
        {"n": 1, "x": 2.5, "ok": True, "s": "text", "formula": "=1+1", "nested": '{"a":[1]}', "tiny": None,
         "big": None},
        # openpyxl writes an empty string as no cell at all
        {"n": -3, "x": 0.30000000000000004, "ok": False, "s": None, "formula": None, "nested": None,
         "tiny": 1e-7, "big": 2**60 + 1},
    ]  # fmt: skip


def test_xlsx_files_are_reproducible(tmp_path):
    items = [{"a": 1, "b": "x"}]
    assert write(tmp_path, "one.xlsx", items)["status"] == "ok"
    first = (tmp_path / "one.xlsx").read_bytes()
    os.utime(tmp_path / "one.xlsx", (0, 0))
    time.sleep(1.1)  # a zip time stamp has two-second steps, core.xml's one-second ones
    assert write(tmp_path, "one.xlsx", items)["status"] == "ok"
    assert (tmp_path / "one.xlsx").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "one.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_xlsx_dates_numbers_and_sheets(tmp_path):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "First"
    sheet.append(["when", "day", "at", "amount", "count", "label"])
    sheet.append([dt.datetime(2026, 3, 4, 5, 6, 7), dt.date(2026, 1, 2), dt.time(13, 45), 2.5e-05, 10, None])
    sheet.append([None, None, None, None, None, None])  # an empty row is skipped
    sheet.append([None, None, None, 1234567.891, -0, "x"])
    other = book.create_sheet("Second")
    other.append(["a", "a", None])
    other.append([1, 2, 3])
    book.save(tmp_path / "book.xlsx")
    assert items_of(tmp_path, "book.xlsx") == [
        {"when": "2026-03-04T05:06:07", "day": "2026-01-02", "at": "13:45:00", "amount": 2.5e-05,
         "count": 10, "label": None},
        {"when": None, "day": None, "at": None, "amount": 1234567.891, "count": 0, "label": "x"},
    ]  # fmt: skip
    assert items_of(tmp_path, "book.xlsx", sheet="Second") == [{"a": 1, "a_2": 2, "column3": 3}]
    assert items_of(tmp_path, "book.xlsx", sheet="Second", header=False) == [
        {"column1": "a", "column2": "a"},  # a row's keys reach its last cell
        {"column1": 1, "column2": 2, "column3": 3},
    ]
    message = error_of(tmp_path, "book.xlsx", sheet="Third")
    assert "book.xlsx" in message and "'First', 'Second'" in message


def test_txt_round_trip_keeps_the_text_exactly(tmp_path):
    items = [{"text": "line one\r\nline two\n\nünïcode\n"}]
    assert round_trip(tmp_path, "notes.txt", items) == items


def test_txt_writes_items_joined_by_newlines(tmp_path):
    assert write(tmp_path, "t.txt", [{"text": "a"}, {"text": "b"}])["status"] == "ok"
    assert (tmp_path / "t.txt").read_bytes() == b"a\nb"
    entry = write(tmp_path, "t.txt", [{"text": "a"}, {"body": "b"}])
    assert entry["status"] == "error" and "text" in entry["error"]["message"]
    assert entry["error"]["item"] == 1


# -- reading CSV -------------------------------------------------------------------------


def test_csv_bom_quotes_newlines_and_headers(tmp_path):
    (tmp_path / "a.csv").write_bytes(
        b'\xef\xbb\xbfid,name,,id\r\n1,"Ann ""A"" Lee","x\r\ny",3\r\n\r\n2,Bo,,4\r\n'
    )
    assert items_of(tmp_path, "a.csv") == [
        {"id": "1", "name": 'Ann "A" Lee', "column3": "x\r\ny", "id_2": "3"},
        {"id": "2", "name": "Bo", "column3": "", "id_2": "4"},
    ]
    assert items_of(tmp_path, "a.csv", header=False)[0] == {
        "column1": "id", "column2": "name", "column3": "", "column4": "id"}  # fmt: skip


def test_delimiter_and_tsv(tmp_path):
    (tmp_path / "semi.csv").write_text("a;b\n1;2,5\n", encoding="utf-8")
    assert items_of(tmp_path, "semi.csv", delimiter=";") == [{"a": "1", "b": "2,5"}]
    (tmp_path / "t.tsv").write_text("a\tb\n1\t2,5\n", encoding="utf-8")
    assert items_of(tmp_path, "t.tsv") == [{"a": "1", "b": "2,5"}]
    (tmp_path / "t.data").write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert items_of(tmp_path, "t.data", format="tsv") == [{"a": "1", "b": "2"}]
    assert "cannot tell the format" in error_of(tmp_path, "t.data")
    assert error_of(tmp_path, "semi.csv", delimiter='"').startswith("delimiter: '\"' cannot separate cells")


def test_ragged_rows_are_reported_by_their_line(tmp_path):
    (tmp_path / "r.csv").write_text('a,b\n1,2\n3,"x\ny",4\n', encoding="utf-8")
    message = error_of(tmp_path, "r.csv")
    assert message == "r.csv line 3: 3 cells where the header has 2"


def test_json_shapes_and_split(tmp_path):
    (tmp_path / "arr.json").write_text('[{"a": 1}, 2, "x"]', encoding="utf-8")
    assert items_of(tmp_path, "arr.json") == [{"a": 1}, {"value": 2}, {"value": "x"}]
    (tmp_path / "obj.json").write_bytes(b'\xef\xbb\xbf{"data": {"rows": [{"a": 1}, {"a": 2}]}}')
    assert items_of(tmp_path, "obj.json") == [{"data": {"rows": [{"a": 1}, {"a": 2}]}}]
    assert items_of(tmp_path, "obj.json", split="/data/rows") == [{"a": 1}, {"a": 2}]
    assert error_of(tmp_path, "obj.json", split="/data") == "obj.json: split /data is an object, not an array"
    assert error_of(tmp_path, "obj.json", split="/nope") == "obj.json: nothing at split /nope"


def test_json_and_ndjson_errors_name_the_place(tmp_path):
    (tmp_path / "bad.json").write_text('[\n  {"a": 1},\n  {"a": }\n]', encoding="utf-8")
    assert error_of(tmp_path, "bad.json") == "bad.json: not valid JSON: Expecting value at line 3 column 9"
    (tmp_path / "nan.json").write_text("[NaN]", encoding="utf-8")
    assert "not valid JSON" in error_of(tmp_path, "nan.json")
    (tmp_path / "inf.json").write_text('[{"a": 1e999}]', encoding="utf-8")  # JSON, but it reads as infinity
    assert error_of(tmp_path, "inf.json") == f"inf.json: not valid JSON: {_json.TOO_LARGE}"
    (tmp_path / "inf.ndjson").write_text('{"a": 1}\n{"a": -1e999}\n', encoding="utf-8")
    assert error_of(tmp_path, "inf.ndjson") == f"inf.ndjson line 2: not valid JSON: {_json.TOO_LARGE}"
    (tmp_path / "e.ndjson").write_text('{"a": 1}\n\n[1]\n{"a": 2\n', encoding="utf-8")
    assert error_of(tmp_path, "e.ndjson").startswith("e.ndjson line 4: not valid JSON")
    (tmp_path / "ok.ndjson").write_text('{"a": 1}\r\n\n[1]\n"s"', encoding="utf-8")
    assert items_of(tmp_path, "ok.ndjson") == [{"a": 1}, {"value": [1]}, {"value": "s"}]


# -- hostile files -------------------------------------------------------------------------


def test_broken_quoting_fails_naming_file_and_line(tmp_path):
    (tmp_path / "q.csv").write_text('a,b\n1,2\n"x"y,3\n', encoding="utf-8")
    message = error_of(tmp_path, "q.csv")
    assert message.startswith("q.csv line 3: broken CSV")
    (tmp_path / "open.csv").write_text('a,b\n1,2\n3,"never closed\n4,5\n', encoding="utf-8")
    message = error_of(tmp_path, "open.csv")
    assert message.startswith("open.csv line 3: broken CSV") and "never closed" in message


def test_invalid_utf8_names_the_line(tmp_path):
    (tmp_path / "u.csv").write_bytes(b"a,b\n1,2\n3,caf\xe9\n")
    assert error_of(tmp_path, "u.csv").startswith("u.csv line 3: not valid UTF-8")
    (tmp_path / "u.ndjson").write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    assert error_of(tmp_path, "u.ndjson").startswith("u.ndjson line 2: not valid UTF-8")
    (tmp_path / "u.txt").write_bytes(b"ok\nok\n\xc3(\n")
    assert error_of(tmp_path, "u.txt").startswith("u.txt line 3: not valid UTF-8")
    (tmp_path / "u.json").write_bytes(b'["ok",\n"\xe9"]')
    assert error_of(tmp_path, "u.json").startswith("u.json line 2: not valid UTF-8")


def test_ten_thousand_columns_are_refused(tmp_path):
    wide = ",".join(f"c{i}" for i in range(10_000))
    (tmp_path / "wide.csv").write_text(wide + "\n" + wide + "\n", encoding="utf-8")
    assert error_of(tmp_path, "wide.csv") == "wide.csv line 1: 10,000 columns; at most 4,096 are read"
    (tmp_path / "row.csv").write_text("a,b\n1,2\n" + wide + "\n", encoding="utf-8")
    assert error_of(tmp_path, "row.csv") == "row.csv line 3: 10,000 cells where the header has 2"


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_line_past_the_limit_fails_fast(tmp_path, fmt):
    path = tmp_path / f"long.{fmt}"
    with open(path, "wb") as f:
        f.write(b"a\n" if fmt == "csv" else b'{"a": 1}\n')
        f.write(b"x" * (64 << 20))  # 64 MB in one line, no newline anywhere
    start = time.perf_counter()
    message = error_of(tmp_path, path.name)
    assert time.perf_counter() - start < 5
    assert message == f"long.{fmt} line 2: the line is longer than {formats.MAX_LINE:,} characters"


def test_a_long_quoted_cell_is_refused(tmp_path):
    line = "y" * 1000 + "\n"  # short lines, but one cell of them all
    (tmp_path / "big.csv").write_text('a\n"' + line * (formats.MAX_FIELD // 1000 + 5) + '"\n', encoding="utf-8")
    message = error_of(tmp_path, "big.csv")
    assert message.startswith("big.csv line 2: broken CSV: field larger than field limit")


def test_xlsx_zip_bomb_is_refused_before_inflating(tmp_path):
    """A real bomb: 300 MB of one byte in the sheet, about 300 KB on disk."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"<" * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    assert path.stat().st_size < 2_000_000
    start = time.perf_counter()
    message = error_of(tmp_path, "bomb.xlsx")
    assert time.perf_counter() - start < 2
    assert message.startswith("bomb.xlsx: would unpack to 314,572,8")
    assert "zip bomb" in message


def test_xlsx_entity_expansion_is_refused(tmp_path):
    """A "billion laughs" sheet: nine levels of entities, ten times each, in a few KB."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.active.append(["x"])
    book.save(tmp_path / "plain.xlsx")
    entities = '<!ENTITY lol0 "lololololololololol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, zipfile.ZipFile(tmp_path / "laughs.xlsx", "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().split("?>", 1)[-1]
                assert "<t>x</t>" in text
                data = (f"<!DOCTYPE lolz [{entities}]>" + text.replace("<t>x</t>", "<t>&lol9;</t>")).encode()
            z.writestr(info, data)
    start = time.perf_counter()
    message = error_of(tmp_path, "laughs.xlsx")
    assert time.perf_counter() - start < 2
    assert message.startswith("laughs.xlsx sheet 'Sheet' row 2: cannot be read (ParseError")


def test_damaged_xlsx_fails_cleanly(tmp_path):
    (tmp_path / "fake.xlsx").write_text("a,b\n1,2\n", encoding="utf-8")
    assert error_of(tmp_path, "fake.xlsx").startswith("fake.xlsx: not an XLSX file")
    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    assert error_of(tmp_path, "empty.xlsx").startswith("empty.xlsx: not an XLSX file openpyxl can read")


def test_whole_files_past_the_limit_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text("[" + "1," * 100 + "1]", encoding="utf-8")
    monkeypatch.setattr(formats, "MAX_WHOLE", 100)
    assert "at most 100" in error_of(tmp_path, "big.json")


# -- names and the files folder -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../secret.csv", '".." is refused'),
        ("sub/../../secret.csv", '".." is refused'),
        ("..\\secret.csv", '".." is refused'),
        ("/etc/passwd", "absolute names are refused"),
        ("C:\\data.csv", "absolute names are refused"),
        (".", "names the files folder itself"),
    ],
)
def test_names_out_of_the_folder_are_refused(tmp_path, name, why):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    folder = tmp_path / "files"
    (folder / "sub").mkdir(parents=True)
    entry = read(folder, name, format="csv")
    assert entry["status"] == "error"
    assert entry["error"]["message"] == f'file "{name}": ' + entry["error"]["message"].split(": ", 1)[1]
    assert why in entry["error"]["message"]
    assert entry["error"]["path"] == "/file"


def test_links_out_of_the_folder_are_refused(tmp_path):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "link.csv").symlink_to(tmp_path / "secret.csv")
    (folder / "dir").symlink_to(tmp_path)
    (folder / "inside.csv").symlink_to(folder / "real.csv")
    (folder / "real.csv").write_text("a\n2\n", encoding="utf-8")
    assert "a link leads out of the files folder" in read(folder, "link.csv")["error"]["message"]
    assert "a link leads out of the files folder" in read(folder, "dir/secret.csv")["error"]["message"]
    assert items_of(folder, "inside.csv") == [{"a": "2"}]  # a link inside is fine
    entry = write(folder, "link.csv", [{"a": 1}])
    assert "a link leads out" in entry["error"]["message"]
    assert (tmp_path / "secret.csv").read_text() == "a\n1\n"


def test_missing_files_folders_and_fifos(tmp_path):
    assert error_of(tmp_path, "nope.csv") == f'file "nope.csv": not found in the files folder {os.path.realpath(tmp_path)}'
    (tmp_path / "d.csv").mkdir()
    assert error_of(tmp_path, "d.csv") == 'file "d.csv": is a folder, not a file'
    os.mkfifo(tmp_path / "pipe.csv")  # opening it would wait forever for a writer
    assert "not a regular file" in error_of(tmp_path, "pipe.csv")
    entry = write(tmp_path, "no/such/dir.csv", [{"a": 1}])
    assert entry["error"]["message"] == 'file "no/such/dir.csv": its folder no/such does not exist'


def test_writing_needs_permission_and_stays_inside(tmp_path):
    entry = write(tmp_path, "out.csv", [{"a": 1}], allow_write=False)
    assert entry["status"] == "error"
    assert "--allow-write" in entry["error"]["message"] and "out.csv" in entry["error"]["message"]
    assert not (tmp_path / "out.csv").exists()
    (tmp_path / "sub").mkdir()
    entry = write(tmp_path, "sub/out.ndjson", [{"a": 1}, {"b": 2}])
    assert entry["outputs"]["out"] == [{"file": "sub/out.ndjson", "bytes": 16, "items": 2}]
    assert (tmp_path / "sub" / "out.ndjson").read_text() == '{"a":1}\n{"b":2}\n'
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["out.ndjson"]  # no temporary left


def test_nodes_declare_their_effects():
    from nodefox.nodes import BUILTINS

    reader, writer = BUILTINS.get("read_file"), BUILTINS.get("write_file")
    assert (reader.effect, writer.effect) == ("read", "write")
    assert reader.reads == writer.reads == frozenset({"files"})
    assert reader.inputs == () and writer.inputs == ("in",)


# -- the live session's cache ------------------------------------------------------------


def test_reads_are_cached_by_content_hash(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    doc = nodefox.load(document([node("r", "read_file", {"file": "c.csv"})]))
    world = World(files=str(tmp_path), cache=ReadCache())

    def once() -> list:
        settings = RunSettings.of(doc.raw, None, False, world=world)
        return Run(doc, settings).execute()["nodes"]["r"]["outputs"]["out"]

    assert once() == [{"a": "1"}]
    before = path.stat()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # touched, same content
    assert once() == [{"a": "1"}] and len(world.cache) == 1
    path.write_text("a\n2\n", encoding="utf-8")  # same size...
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ...and time, as cp -p leaves it
    assert once() == [{"a": "2"}]
    assert len(world.cache) == 2
    # a whole run has no cache and always reads
    assert items_of(tmp_path, "c.csv") == [{"a": "2"}]


# -- the command line ---------------------------------------------------------------------


def cli(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, (json.loads(out) if out.strip() else None), err


def flow(folder: Path, nodes: list[dict], edges: list[dict] | None = None) -> str:
    path = folder / "flow.json"
    path.write_text(json.dumps(document(nodes, edges)), encoding="utf-8")
    return str(path)


def test_cli_reads_csv_beside_the_workflow(tmp_path, capsys):
    (tmp_path / "orders.csv").write_bytes(b'\xef\xbb\xbfid,name,note\n1,"Ann ""A""","a\nb"\n2,Bo,3.5\n')
    path = flow(tmp_path, [node("r", "read_file", {"file": "orders.csv"})])
    code, result, _ = cli(capsys, "run", path)
    assert code == 0
    assert result["nodes"]["r"]["outputs"]["out"] == [
        {"id": "1", "name": 'Ann "A"', "note": "a\nb"}, {"id": "2", "name": "Bo", "note": "3.5"}]  # fmt: skip
    path = flow(tmp_path, [node("r", "read_file", {"file": "orders.csv", "inferTypes": True})])
    code, result, _ = cli(capsys, "run", path)
    assert result["nodes"]["r"]["outputs"]["out"][1] == {"id": 2, "name": "Bo", "note": 3.5}


def test_cli_files_flag_and_stdin(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "e.ndjson").write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    path = flow(tmp_path, [node("r", "read_file", {"file": "e.ndjson"})])
    code, result, _ = cli(capsys, "run", path)
    assert code == 1 and "not found" in result["nodes"]["r"]["error"]["message"]
    code, result, _ = cli(capsys, "run", path, "--files", str(data))
    assert code == 0 and result["nodes"]["r"]["outputs"]["out"] == [{"a": 1}, {"a": 2}]
    code, _, err = cli(capsys, "run", path, "--files", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err
    # a workflow on stdin reads from the current directory
    import io

    monkeypatch.chdir(data)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(Path(path).read_bytes())))
    code, result, _ = cli(capsys, "run", "-")
    assert code == 0 and len(result["nodes"]["r"]["outputs"]["out"]) == 2


def test_cli_write_needs_allow_write(tmp_path, capsys):
    nodes = [node("d", "data", {"items": [{"a": 1, "b": "x"}, {"a": 2}]}), node("w", "write_file", {"file": "out.csv"})]
    path = flow(tmp_path, nodes, [edge("d", "w")])
    code, result, _ = cli(capsys, "run", path)
    assert code == 1 and "--allow-write" in result["nodes"]["w"]["error"]["message"]
    assert not (tmp_path / "out.csv").exists()
    code, result, _ = cli(capsys, "run", path, "--allow-write")
    assert code == 0
    assert result["nodes"]["w"]["outputs"]["out"] == [{"file": "out.csv", "bytes": 11, "items": 2}]
    assert (tmp_path / "out.csv").read_bytes() == b"a,b\n1,x\n2,\n"


def test_cli_refuses_names_out_of_the_folder(tmp_path, capsys):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    path = flow(sub, [node("r", "read_file", {"file": "../secret.csv"})])
    code, result, _ = cli(capsys, "run", path)
    assert code == 1
    assert result["nodes"]["r"]["error"]["message"] == (
        'file "../secret.csv": ".." is refused: a name may not leave the files folder')
    nodes = [node("d", "data", {"items": [{"a": 1}]}), node("w", "write_file", {"file": "../x.csv"})]
    code, result, _ = cli(capsys, "run", flow(sub, nodes, [edge("d", "w")]), "--allow-write")
    assert code == 1 and '".." is refused' in result["nodes"]["w"]["error"]["message"]
    assert not (tmp_path / "x.csv").exists()
