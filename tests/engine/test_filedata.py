"""Files held in items (`filedata.py`, `nodes/convert.py`, load_file and write_file's
field mode, http's file bodies and responses) and their import from n8n's file nodes.

The n8n workflows here are written for these tests from n8n's documented behaviour."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import nodefox
import pytest
from conftest import document, edge, node
from nodefox import filedata
from nodefox.errors import NodeError
from nodefox.n8n import translate
from test_n8n_translate import by_name, link, n8n

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- the file value -------------------------------------------------------------------


def test_a_file_value_has_n8ns_shape_and_metadata() -> None:
    value = filedata.make(b"hello", "reports/may.txt")
    assert value == {"mimeType": "text/plain", "fileType": "text", "fileExtension": "txt", "data": "aGVsbG8=",
                     "directory": "reports", "fileName": "may.txt", "fileSize": "5 B", "bytes": 5}  # fmt: skip
    png = filedata.make(b"\x89PNG\r\n\x1a\n....")  # no name, no type: by its first bytes
    assert (png["mimeType"], png["fileExtension"], png["fileType"]) == ("image/png", "png", "image")
    assert filedata.make(b"x", None, "audio/mpeg")["fileExtension"] == "mpga"  # mime-db's first extension
    assert filedata.make(b"?")["mimeType"] == "text/plain"


@pytest.mark.parametrize(("size", "text"), [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (1234, "1.23 kB"),
                                            (999_999, "1000 kB"), (12_400_000, "12.4 MB")])  # fmt: skip
def test_sizes_read_as_n8n_shows_them(size: int, text: str) -> None:
    assert filedata.size_text(size) == text


def test_base64_is_read_strictly_and_data_uris_give_their_type() -> None:
    assert filedata.from_base64_text("data:image/gif;base64,R0lG ODlh", "x") == (b"GIF89a", "image/gif")
    assert filedata.decode64("aGVsbG8", "x") == b"hello"  # padding optional
    with pytest.raises(NodeError, match="not valid base64"):
        filedata.decode64("hello world!", "source text")
    with pytest.raises(NodeError, match="field f: holds string, not a file"):
        filedata.content("abc", "field f")


# -- from_file and to_file ------------------------------------------------------------


def _chain(items: list[dict], *steps: tuple[str, dict], **world) -> list:
    nodes = [node("src", "data", {"items": items})]
    edges = []
    for i, (kind, params) in enumerate(steps):
        nodes.append(node(f"n{i}", kind, params))
        edges.append(edge(nodes[-2]["id"], f"n{i}"))
    result = json.loads(nodefox.canonical(nodefox.run(document(nodes, edges), **world)))
    last = result["nodes"][f"n{len(steps) - 1}"]
    assert last["status"] == "ok", last
    return last["outputs"]["out"]


ROWS = [{"id": "1", "name": "Ada", "note": ""}, {"id": "2", "name": "Bo, Jr.", "note": "x"}]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson", "xlsx"])
def test_items_to_a_file_and_back_are_the_same_items(fmt: str) -> None:
    out = _chain(ROWS, ("to_file", {"format": fmt}), ("from_file", {}))
    # an empty text cell comes back from xlsx as an empty cell (null), as read_file reads it
    assert out == ([{**ROWS[0], "note": None}, ROWS[1]] if fmt == "xlsx" else ROWS)
    made = _chain(ROWS, ("to_file", {"format": fmt, "field": "binary.data", "fileName": f"people.{fmt}"}))
    assert list(made[0]) == ["binary"] and made[0]["binary"]["data"]["fileName"] == f"people.{fmt}"


def test_to_file_csv_bytes_are_what_write_file_writes() -> None:
    out = _chain(ROWS, ("to_file", {"format": "csv"}))
    assert base64.b64decode(out[0]["file"]["data"]) == b'id,name,note\n1,Ada,\n2,"Bo, Jr.",x\n'
    assert {k: v for k, v in out[0]["file"].items() if k != "data"} == {
        "mimeType": "text/csv", "fileType": "text", "fileExtension": "csv", "fileName": "file.csv", "fileSize": "34 B",
        "bytes": 34}


def test_from_file_drops_empty_cells_when_asked() -> None:
    out = _chain(ROWS, ("to_file", {"format": "csv", "field": "f"}), ("from_file", {"field": "f", "emptyCells": "drop"}))
    assert out == [{"id": "1", "name": "Ada"}, ROWS[1]]


def test_json_is_written_as_json_stringify_writes_it() -> None:
    items = [{"a": "é", "b": [1, {"c": None}]}]
    compact = _chain(items, ("to_file", {"format": "json"}))[0]["file"]
    assert base64.b64decode(compact["data"]).decode() == '[{"a":"é","b":[1,{"c":null}]}]'
    pretty = _chain(items, ("to_file", {"format": "json", "pretty": True}))[0]["file"]
    assert base64.b64decode(pretty["data"]).decode() == json.dumps(items, indent=2, ensure_ascii=False)
    each = _chain([{"a": 1}, {"a": 2}], ("to_file", {"format": "json", "each": True}))
    assert [base64.b64decode(i["file"]["data"]) for i in each] == [b'{"a":1}', b'{"a":2}']


def test_text_and_base64_fields_become_files_and_back() -> None:
    items = [{"t": "héllo", "obj": {"k": 1}, "b": b64(b"\x00\x01\xff"), "uri": "data:image/png;base64," + b64(b"\x89PNG")}]
    text = _chain(items, ("to_file", {"format": "text", "source": "t", "bom": True}))[0]["file"]
    assert base64.b64decode(text["data"]) == b"\xef\xbb\xbfh\xc3\xa9llo" and text["fileName"] == "file.txt"
    obj = _chain(items, ("to_file", {"format": "text", "source": "obj"}))[0]["file"]
    assert obj["mimeType"] == "application/json" and base64.b64decode(obj["data"]) == b'{"k":1}'
    raw = _chain(items, ("to_file", {"format": "base64", "source": "b", "fileName": "x.bin"}))[0]["file"]
    assert base64.b64decode(raw["data"]) == b"\x00\x01\xff" and raw["mimeType"] == "application/octet-stream"
    uri = _chain(items, ("to_file", {"format": "base64", "source": "uri"}))[0]["file"]
    assert (uri["mimeType"], uri["fileName"]) == ("image/png", "file.png")
    # and back: the text without its byte order mark, the bytes as base64, a JSON value parsed
    assert _chain(items, ("to_file", {"format": "text", "source": "t", "bom": True}),
                  ("from_file", {"format": "txt", "into": "back"})) == [{"back": "héllo"}]  # fmt: skip
    assert _chain(items, ("to_file", {"format": "base64", "source": "b"}),
                  ("from_file", {"format": "base64", "into": "x.y"})) == [{"x": {"y": b64(b"\x00\x01\xff")}}]  # fmt: skip
    assert _chain(items, ("to_file", {"format": "text", "source": "obj"}),
                  ("from_file", {"format": "json", "into": "v"})) == [{"v": {"k": 1}}]  # fmt: skip


def test_from_file_keeps_what_it_is_told_and_skips_or_fails_on_a_missing_file() -> None:
    file = filedata.make(b"hi", "a.txt")
    items = [{"n": 1, "binary": {"data": file}}, {"n": 2}]
    assert _chain(items, ("from_file", {"field": "binary.data", "format": "txt", "into": "t", "keep": "fields",
                                        "skipMissing": True})) == [{"n": 1, "t": "hi"}]  # fmt: skip
    other = filedata.make(b"second", "b.txt")
    files = _chain([{"n": 1, "binary": {"data": file, "other": other}}],
                   ("from_file", {"field": "binary.data", "format": "txt", "into": "t", "keep": "files"}))  # fmt: skip
    assert files == [{"binary": {"other": other}, "t": "hi"}]
    assert _chain(items[:1], ("from_file", {"field": "binary.data", "format": "txt", "into": "t",
                                            "keep": "files"})) == [{"t": "hi"}]  # fmt: skip
    both = _chain(items[:1], ("from_file", {"field": "binary.data", "format": "txt", "into": "t", "keep": "all"}))
    assert both == [{"n": 1, "binary": {"data": file}, "t": "hi"}]
    doc = document([node("src", "data", {"items": items}), node("x", "from_file", {"field": "binary.data"})], [edge("src", "x")])
    result = nodefox.run(doc)
    assert result["nodes"]["x"]["status"] == "error"
    assert "field binary.data: holds nothing, not a file" in result["nodes"]["x"]["error"]["message"]


def test_conversions_have_no_effect_and_the_xlsx_reader_is_asked_for() -> None:
    for kind in ("from_file", "to_file"):
        assert nodefox.BUILTINS.get(kind).effect_of({}) == "none"
    assert nodefox.BUILTINS.get("load_file").effect_of({}) == "read"
    from nodefox.nodes.files import packages

    assert packages({"nodes": [{"type": "to_file", "params": {"format": "xlsx"}}]}) == ["openpyxl"]
    assert packages({"nodes": [{"type": "to_file", "params": {"format": "csv"}}]}) == []


# -- load_file and write_file with field ----------------------------------------------


def test_load_file_reads_names_from_items_and_write_file_writes_each_items_file(tmp_path) -> None:
    (tmp_path / "a.csv").write_bytes(b"x,y\n1,2\n")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    items = [{"name": "a.csv"}, {"name": "b.png"}]
    loaded = _chain(items, ("load_file", {"file": "={{ $json.name }}", "field": "binary.data", "metadata": True}),
                    files=str(tmp_path))  # fmt: skip
    assert [i["fileName"] for i in loaded] == ["a.csv", "b.png"] and loaded[1]["mimeType"] == "image/png"
    assert loaded[0]["binary"]["data"]["data"] == b64(b"x,y\n1,2\n") and loaded[0]["fileSize"] == "8 B"
    written = _chain(items, ("load_file", {"file": "={{ $json.name }}", "keep": True}),
                     ("write_file", {"file": "={{ 'copy-' + $json.name }}", "field": "file"}),
                     files=str(tmp_path), allow_write=True)  # fmt: skip
    assert [i["fileName"] for i in written] == ["copy-a.csv", "copy-b.png"] and written[0]["name"] == "a.csv"
    assert (tmp_path / "copy-b.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    _chain([{}], ("load_file", {"file": "a.csv"}), ("write_file", {"file": "a.csv", "field": "file", "append": True}),
           files=str(tmp_path), allow_write=True)  # fmt: skip
    assert (tmp_path / "a.csv").read_bytes() == b"x,y\n1,2\nx,y\n1,2\n"


def test_write_file_with_field_needs_permission(tmp_path) -> None:
    doc = document([node("src", "data", {"items": [{"f": filedata.make(b"x")}]}),
                    node("w", "write_file", {"file": "o.txt", "field": "f"})], [edge("src", "w")])  # fmt: skip
    result = nodefox.run(doc, files=str(tmp_path))
    assert result["nodes"]["w"]["status"] == "error" and "--allow-write" in result["nodes"]["w"]["error"]["message"]
    assert not (tmp_path / "o.txt").exists()


# -- http -----------------------------------------------------------------------------


def test_http_sends_a_file_body_and_a_multipart_form(http_server) -> None:  # noqa: F811  (the fixture)
    file = filedata.make(b"col\n1\n", "data.csv")
    out = _chain([{"binary": {"data": file}}], ("http", {
        "method": "POST", "url": http_server.url("/echo"), "body": "={{ $json.binary.data }}", "bodyType": "file"}),
        allow_net=True)  # fmt: skip
    assert out[0]["body"] == "col\n1\n" and out[0]["headers"]["content-type"] == "text/csv"
    out = _chain([{"binary": {"data": file}}], ("http", {
        "method": "POST", "url": http_server.url("/echo"), "bodyType": "multipart",
        "body": {"model": "m-1", "file": "={{ $json.binary.data }}"}}), allow_net=True)  # fmt: skip
    ctype = out[0]["headers"]["content-type"]
    boundary = ctype.split("boundary=")[1]
    assert ctype.startswith("multipart/form-data; boundary=nodefox-")
    assert out[0]["body"] == (f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nm-1\r\n'
                              f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="data.csv"\r\n'
                              f"Content-Type: text/csv\r\n\r\ncol\n1\n\r\n--{boundary}--\r\n")  # fmt: skip


def test_http_keeps_a_response_as_a_file(http_server) -> None:  # noqa: F811  (the fixture)
    # the item that asked keeps its fields and files, and gains the response's file
    other = filedata.make(b"x", "x.txt")
    out = _chain([{"id": 7, "binary": {"other": other}}], ("http", {
        "url": http_server.url("/html"), "response": "file", "fileField": "binary.data"}), allow_net=True)  # fmt: skip
    assert out == [{"id": 7, "binary": {"other": other, "data": {
        "mimeType": "text/html", "fileType": "html", "fileExtension": "html", "data": b64(b"<p>hi</p>"),
        "directory": http_server.url("/html"), "fileName": "html", "fileSize": "9 B", "bytes": 9}}}]  # fmt: skip
    full = _chain([{"id": 7}], ("http", {"url": http_server.url("/text"), "response": "file", "full": True}), allow_net=True)
    assert full[0]["status"] == 200 and "id" not in full[0] and full[0]["file"]["mimeType"] == "text/plain"


# -- importing n8n's file nodes -------------------------------------------------------


def _import_run(nodes: list[dict], pinned: list[dict], **world) -> tuple[list, dict, dict]:
    """n8n nodes in a chain after a pinned source: the last one's output, the document, the report."""
    chain = [{"name": "In", "type": "noOp"}, *nodes]
    doc, report = translate(n8n(chain, link(*[(a["name"], b["name"]) for a, b in zip(chain, chain[1:], strict=False)])))
    by_name(doc)["In"]["pinned"] = pinned
    result = nodefox.run(doc, **world)
    entry = result["nodes"][by_name(doc)[nodes[-1]["name"]]["id"]]
    assert entry["status"] == "ok", entry
    return entry["outputs"]["out"], doc, report


def test_n8n_read_extract_convert_write_runs_end_to_end(tmp_path) -> None:
    (tmp_path / "orders.csv").write_text("id,total\n1,9.5\n2,\n", encoding="utf-8")
    out, doc, report = _import_run([
        {"name": "Read", "type": "readWriteFile", "typeVersion": 1, "parameters": {"fileSelector": "/data/orders.csv"}},
        {"name": "Extract", "type": "extractFromFile", "typeVersion": 1, "parameters": {}},
        {"name": "Convert", "type": "convertToFile", "typeVersion": 1.1, "parameters": {"operation": "toJson"}},
        {"name": "Write", "type": "readWriteFile", "typeVersion": 1,
         "parameters": {"operation": "write", "fileName": "=out-{{ $json.binary.data.fileName }}"}},
    ], [{}], files=str(tmp_path), allow_write=True)  # fmt: skip
    assert report["nodes"]["placeholders"] == [] and report["expressions"]["untranslated"] == []
    types = {n: by_name(doc)[n]["type"] for n in ("Read", "Extract", "Convert", "Write")}
    assert types == {"Read": "load_file", "Extract": "from_file", "Convert": "to_file", "Write": "write_file"}
    # n8n: empty cells are left out; JSON.stringify of the items; the write passes the item on with fileName
    assert (tmp_path / "out-file.json").read_text(encoding="utf-8") == '[{"id":"1","total":"9.5"},{"id":"2"}]'
    assert out[0]["fileName"] == "out-file.json" and out[0]["binary"]["data"]["fileName"] == "file.json"


def test_n8n_text_json_and_base64_extraction_and_binary_expressions() -> None:
    file = filedata.make(b'{"a": [1, 2]}', "x.json")
    for op, dest, value in (("text", "content", '{"a": [1, 2]}'), ("fromJson", "data", {"a": [1, 2]}),
                            ("binaryToPropery", "b", file["data"])):  # fmt: skip
        out, _, report = _import_run([{"name": "E", "type": "extractFromFile", "typeVersion": 1,
                                       "parameters": {"operation": op, "destinationKey": dest}}],
                                     [{"keep": 1, "binary": {"data": file}}, {"no": "file"}])  # fmt: skip
        assert out == [{dest: value}] and report["nodes"]["placeholders"] == []
    out, _, report = _import_run([{"name": "S", "type": "set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [
        {"name": "n", "type": "string", "value": "={{ $binary.data.fileName }}"},
        {"name": "m", "type": "string", "value": "={{ $input.item.binary.data.mimeType }}"}]}}}], [{"binary": {"data": file}}])  # fmt: skip
    assert report["expressions"]["untranslated"] == [] and out[0]["n"] == "x.json" and out[0]["m"] == "application/json"


def test_n8n_convert_to_text_and_base64_files() -> None:
    out, doc, _ = _import_run([{"name": "C", "type": "convertToFile", "typeVersion": 1.1, "parameters": {
        "operation": "toBinary", "sourceProperty": "data[0].b64", "binaryPropertyName": "img",
        "options": {"fileName": "a.png", "mimeType": "image/png"}}}], [{"data": [{"b64": b64(b"\x89PNG")}]}])  # fmt: skip
    assert by_name(doc)["C"]["params"]["source"] == "data.0.b64"
    assert out[0]["binary"]["img"]["fileName"] == "a.png" and out[0]["binary"]["img"]["data"] == b64(b"\x89PNG")
    out, _, _ = _import_run([{"name": "C", "type": "convertToFile", "typeVersion": 1.1, "parameters": {
        "operation": "toText", "sourceProperty": "output"}}], [{"output": "hi"}])  # fmt: skip
    assert out[0]["binary"]["data"]["fileName"] == "file.txt" and out[0]["binary"]["data"]["data"] == b64(b"hi")


def test_n8n_spreadsheet_file_reads_and_writes() -> None:
    out, doc, report = _import_run([
        {"name": "To", "type": "spreadsheetFile", "typeVersion": 2, "parameters": {"operation": "toFile", "fileFormat": "csv"}},
        {"name": "From", "type": "spreadsheetFile", "typeVersion": 2, "parameters": {}},
    ], [{"a": "1", "b": ""}])  # fmt: skip
    # n8n writes a byte order mark and reads it back into the first column's name: so does the import
    assert out == [{"\ufeffa": "1"}] and by_name(doc)["To"]["params"]["fileName"] == "spreadsheet.csv"
    assert by_name(doc)["To"]["params"]["csvStyle"] == "excel"
    assert [d["name"] for d in report["divergences"]] == ["From"]  # autodetect may meet xlsx dates


def test_n8n_http_binary_bodies_and_file_responses_are_translated() -> None:
    doc, report = translate(n8n([
        {"name": "Up", "type": "httpRequest", "typeVersion": 4.2, "parameters": {
            "method": "POST", "url": "https://api.example.com/up", "sendBody": True, "contentType": "multipart-form-data",
            "sendHeaders": True, "headerParameters": {"parameters": [{"name": "Content-Type", "value": "multipart/form-data"}]},
            "bodyParameters": {"parameters": [{"name": "model", "value": "whisper-1"},
                                              {"name": "file", "parameterType": "formBinaryData", "inputDataFieldName": "audio"}]}}},
        {"name": "Raw", "type": "httpRequest", "typeVersion": 4.2, "parameters": {
            "method": "PUT", "url": "https://x.org/f", "sendBody": True, "contentType": "binaryData", "inputDataFieldName": "data"}},
        {"name": "Get", "type": "httpRequest", "typeVersion": 4.2, "parameters": {
            "url": "https://example.com/a.pdf", "options": {"response": {"response": {"responseFormat": "file"}}}}},
    ]))  # fmt: skip
    assert report["nodes"]["placeholders"] == []
    up, raw, get = (by_name(doc)[n]["params"] for n in ("Up", "Raw", "Get"))
    assert up["bodyType"] == "multipart" and up["headers"] == {}
    assert up["body"] == {"model": "whisper-1", "file": "={{ $json.binary.audio }}"}
    assert raw["bodyType"] == "file" and raw["body"] == "={{ $json.binary.data }}"
    assert get["response"] == "file" and get["fileField"] == "binary.data"


def test_n8n_file_nodes_nodefox_cannot_do_exactly_stay_placeholders_with_reasons() -> None:
    doc, report = translate(n8n([
        {"name": "Html", "type": "extractFromFile", "typeVersion": 1, "parameters": {"operation": "html"}},
        {"name": "Xls", "type": "spreadsheetFile", "typeVersion": 2, "parameters": {"fileFormat": "xls"}},
        {"name": "Glob", "type": "readWriteFile", "typeVersion": 1, "parameters": {"fileSelector": "/data/*.csv"}},
        {"name": "Latin", "type": "extractFromFile", "typeVersion": 1, "parameters": {"operation": "text", "options": {"encoding": "latin1"}}},
    ]))  # fmt: skip
    reasons = {p["name"]: p["reason"] for p in report["nodes"]["placeholders"]}
    assert "HTML" in reasons["Html"] and "xls" in reasons["Xls"] and "pattern" in reasons["Glob"] and "latin1" in reasons["Latin"]


def test_a_live_preview_cuts_files_short_and_inspect_gives_them_whole() -> None:
    from nodefox.live import Session

    big = filedata.make(bytes(range(256)) * 40, "big.bin")
    items = [{"n": 1, "binary": {"data": big}}, {"n": 2}]
    assert filedata.abridged(items[1:]) == items[1:] and filedata.abridged(items[1:])[0] is items[1]
    short = filedata.abridged(items)[0]["binary"]["data"]
    assert len(short["data"]) == filedata.PREVIEW_DATA and short["dataOmitted"] == len(big["data"]) - filedata.PREVIEW_DATA
    assert items[0]["binary"]["data"] is big  # the items themselves are not changed
    session = Session(document([node("src", "data", {"items": items})]))
    preview = session.apply([])["nodes"]["src"]["preview"]["out"]
    assert preview[0]["binary"]["data"]["dataOmitted"] > 0 and preview[1] == {"n": 2}
    page = session.apply([{"op": "inspect", "id": "src"}])["page"]["items"]
    assert page[0]["binary"]["data"] == big


def test_n8n_binary_fields_named_oddly_or_by_expressions() -> None:
    file = filedata.make(b"hi", "a.txt")
    out, doc, report = _import_run([{"name": "E", "type": "extractFromFile", "typeVersion": 1, "parameters": {
        "operation": "text", "binaryPropertyName": "={{ $json.which }}"}}],
        [{"which": "my file", "binary": {"my file": file}}])  # fmt: skip
    assert out == [{"data": "hi"}] and report["expressions"]["untranslated"] == []
    assert by_name(doc)["E"]["params"]["field"] == "=binary.{{ $json.which }}"
    doc, report = translate(n8n([{"name": "H", "type": "httpRequest", "typeVersion": 4.2, "parameters": {
        "url": "https://x.org", "method": "POST", "sendBody": True, "contentType": "binaryData",
        "inputDataFieldName": "my file"}}]))  # fmt: skip
    assert by_name(doc)["H"]["params"]["body"] == '={{ $json.binary["my file"] }}'
    _, report = translate(n8n([{"name": "C", "type": "convertToFile", "typeVersion": 1.1, "parameters": {
        "operation": "toText", "binaryPropertyName": "a.b"}}]))  # fmt: skip
    assert "has a dot" in report["nodes"]["placeholders"][0]["reason"]


def test_n8n_convert_to_text_without_a_source_writes_the_whole_item_as_json() -> None:
    out, _, _ = _import_run([{"name": "C", "type": "convertToFile", "typeVersion": 1.1, "parameters": {
        "operation": "toText"}}], [{"a": 1}])  # fmt: skip
    file = out[0]["binary"]["data"]
    assert base64.b64decode(file["data"]) == b'{"a":1}' and (file["mimeType"], file["fileName"]) == ("application/json", "file.txt")


def test_excel_style_csv_is_what_spreadsheet_programs_write() -> None:
    from nodefox import _sheetcsv

    items = [{"a": 1, "n": {"k": True, "l": [0.1 + 0.2]}}, {"a": 2**40, "ID": "x, \"y\"", "b": None}, {}]
    out = _chain(items, ("to_file", {"format": "csv", "csvStyle": "excel"}))
    assert base64.b64decode(out[0]["file"]["data"]).decode("utf-8") == (
        '\ufeffa,n.k,n.l.0,"ID",b\n1,TRUE,0.3,,\n1.09951E+12,,,"x, ""y""",\n,,,,')
    # JavaScript's key order (array indexes first) and number formatting, as SheetJS has them
    assert list(_sheetcsv.flatten({"b": 1, "10": 2, "2": 3, "01": 4})) == ["2", "10", "b", "01"]
    assert [_sheetcsv.general(v) for v in (0.5, 2.5e-7, 12345678901.5, -1e21, 2**31 - 1, 1.5e-11)] == [
        "0.5", "0.00000025", "12345678901", "-1E+21", "2147483647", "1.5E-11"]  # as SheetJS's SSF gives them
    assert (_sheetcsv.to_fixed(2.5, 0), _sheetcsv.to_fixed(-0.0001, 2)) == ("3", "-0.00")
    assert _sheetcsv.js_number(1e21) == "1e+21" and _sheetcsv.js_number(1.5e-7) == "1.5e-7"
    headless = _chain([{"a": "x"}], ("to_file", {"format": "csv", "csvStyle": "excel", "header": False}))
    assert base64.b64decode(headless[0]["file"]["data"]) == b"\xef\xbb\xbfx"


def test_load_file_may_skip_a_missing_file_but_never_a_refused_name(tmp_path) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    out = _chain([{"n": "a.txt"}, {"n": "gone.txt"}], ("load_file", {"file": "={{ $json.n }}", "skipMissing": True}),
                 files=str(tmp_path))  # fmt: skip
    assert [i["file"]["fileName"] for i in out] == ["a.txt"]
    doc = document([node("src", "data", {"items": [{}]}),
                    node("l", "load_file", {"file": "../etc/passwd", "skipMissing": True})], [edge("src", "l")])  # fmt: skip
    result = nodefox.run(doc, files=str(tmp_path))
    assert result["nodes"]["l"]["status"] == "error" and '".." is refused' in result["nodes"]["l"]["error"]["message"]
