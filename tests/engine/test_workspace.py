"""The workspace (`workspace.py`) and its API under `nodefox serve DIR` (`api.py`), over real HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from nodefox.workspace import Conflict, NotFound, Workspace, WorkspaceError, check_name, file_text
from server_helpers import Server

DOC = {"nodefox": 1, "name": "orders", "nodes": [{"id": "a", "type": "trigger"}], "edges": []}


# -- the files ---------------------------------------------------------------------------------


def test_saved_files_are_pretty_with_a_stable_key_order():
    shuffled = {"edges": [{"target": "b", "source": "a"}], "nodes": [
        {"params": {"z": 1, "a": 2}, "type": "set", "id": "b", "position": [0, 0]}], "name": "x", "nodefox": 1}
    text = file_text(shuffled).decode()
    assert text.endswith("}\n") and "\n  " in text
    assert list(json.loads(text)) == ["nodefox", "name", "nodes", "edges"]
    node = json.loads(text)["nodes"][0]
    assert list(node) == ["id", "type", "position", "params"] and list(node["params"]) == ["a", "z"]
    assert list(json.loads(text)["edges"][0]) == ["source", "target"]
    assert file_text(json.loads(text)) == file_text(shuffled), "the same document, the same bytes"


@pytest.mark.parametrize("name", ["../x", "a/b", "/etc/passwd", "..", ".hidden", "x.json", "a\\b", "a\0b",
                                  "", "a" * 101, "..x", "x/../y", 5, None])  # fmt: skip
def test_names_that_could_leave_the_folder_are_refused(name):
    with pytest.raises(WorkspaceError):
        check_name(name)


def test_create_save_conflict_rename_duplicate_delete(tmp_path):
    ws = Workspace(tmp_path)
    etag = ws.create("orders", DOC)
    assert ws.read("orders") == (DOC, etag)
    with pytest.raises(Conflict):
        ws.create("orders", DOC)
    new = ws.save("orders", {**DOC, "name": "changed"}, etag)
    assert new != etag
    with pytest.raises(Conflict) as stale:
        ws.save("orders", DOC, etag)  # the version read before: refused
    assert stale.value.etag == new
    with pytest.raises(Conflict):
        ws.save("orders", DOC, None)  # no version named over an existing file
    (tmp_path / "orders.json").write_text('{"nodefox": 1, "nodes": [], "edges": []}')  # git checkout
    with pytest.raises(Conflict):
        ws.save("orders", DOC, new)
    ws.duplicate("orders", "copy")
    ws.rename("copy", "renamed")
    assert ws.names() == ["orders", "renamed"]
    with pytest.raises(Conflict):
        ws.rename("renamed", "orders")
    ws.delete("renamed")
    with pytest.raises(NotFound):
        ws.read("renamed")
    assert [p.name for p in tmp_path.iterdir()] == ["orders.json"], "no temporary files left"


def test_a_document_nested_too_deeply_is_refused_with_a_message(tmp_path):
    value: dict = {"x": 1}
    for _ in range(5000):
        value = {"a": value}
    with pytest.raises(WorkspaceError, match="nests too deeply"):
        Workspace(tmp_path).create("deep", {**DOC, "variables": value})


def test_links_and_odd_files_are_not_workflows(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(DOC))
    root = tmp_path / "ws"
    root.mkdir()
    (root / "link.json").symlink_to(outside)
    (root / "folder.json").mkdir()
    (root / "broken.json").write_text("{not json")
    ws = Workspace(root)
    assert ws.names() == ["broken"]
    with pytest.raises(WorkspaceError):
        ws.read("link")
    with pytest.raises(WorkspaceError):
        ws.save("link", DOC, "*")
    assert json.loads(outside.read_text()) == DOC, "the link's target is untouched"
    (entry,) = ws.entries()
    assert entry.nodes is None and "not valid JSON" in entry.problem


# -- the API -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("workspace")
    (folder / "first.json").write_text(json.dumps(DOC))
    (folder.parent / "secret.json").write_text(json.dumps({"secret": True}))
    server = Server(folder)
    yield server
    assert "Traceback" not in server.stop()


def test_token_required(served):
    for method, path in (("GET", "/api/workflows"), ("GET", "/api/workflows/first"), ("DELETE", "/api/workflows/first"),
                         ("GET", "/api/executions")):  # fmt: skip
        status, _, body = served.call(method, path, token=False)
        assert status == 401 and "token" in body["error"], path
        status, _, _ = served.call(method, path, token=False, headers={"X-NodeFox-Token": "wrong"})
        assert status == 401
    assert (served.folder / "first.json").exists()


def test_session_gives_the_token_to_same_origin_only(served):
    status, headers, body = served.call("GET", "/api/session", token=False)
    assert status == 200 and len(body["token"]) >= 32 and body["workspace"]["name"] == served.folder.name
    assert headers["cache-control"] == "no-store" and "access-control-allow-origin" not in headers
    status, _, body = served.call("GET", "/api/session", token=False, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403 and "token" not in body
    status, _, _ = served.call("GET", "/api/session", token=False, headers={"Host": "evil.example"})
    assert status == 400


def test_list_read_and_save(served):
    status, _, body = served.call("GET", "/api/workflows")
    (entry,) = [w for w in body["workflows"] if w["name"] == "first"]
    assert entry["nodes"] == 1 and entry["file"] == "first.json" and entry["modified"].endswith("Z")
    status, headers, doc = served.call("GET", "/api/workflows/first")
    assert status == 200 and doc == DOC and headers["etag"] == entry["etag"]
    changed = {**DOC, "name": "First"}
    status, headers, body = served.call("PUT", "/api/workflows/first", changed, {"If-Match": entry["etag"]})
    assert status == 200 and body["etag"] == headers["etag"] != entry["etag"]
    assert json.loads((served.folder / "first.json").read_text()) == changed
    assert (served.folder / "first.json").read_text().startswith('{\n  "nodefox": 1,\n  "name": "First"')


def test_a_file_changed_on_disk_is_not_overwritten(served):
    served.call("POST", "/api/workflows", {"name": "conflict", "document": DOC})
    _, headers, _ = served.call("GET", "/api/workflows/conflict")
    on_disk = '{"nodefox": 1, "name": "edited in vim", "nodes": [], "edges": []}\n'
    (served.folder / "conflict.json").write_text(on_disk)
    status, _, body = served.call("PUT", "/api/workflows/conflict", DOC, {"If-Match": headers["etag"]})
    assert status == 409 and "changed on disk" in body["error"] and body["etag"] != headers["etag"]
    assert (served.folder / "conflict.json").read_text() == on_disk
    status, _, _ = served.call("PUT", "/api/workflows/conflict", DOC)  # no version named
    assert status == 409 and (served.folder / "conflict.json").read_text() == on_disk
    status, _, _ = served.call("DELETE", "/api/workflows/conflict", headers={"If-Match": headers["etag"]})
    assert status == 409 and (served.folder / "conflict.json").exists()
    # keeping the editor's version: save over the version now on disk
    status, _, _ = served.call("PUT", "/api/workflows/conflict", DOC, {"If-Match": body["etag"]})
    assert status == 200 and json.loads((served.folder / "conflict.json").read_text()) == DOC


def test_create_duplicate_rename_delete(served):
    status, _, body = served.call("POST", "/api/workflows", {"name": "made"})
    assert status == 201 and json.loads((served.folder / "made.json").read_text())["nodes"] == []
    assert served.call("POST", "/api/workflows", {"name": "made"})[0] == 409
    status, _, body = served.call("POST", "/api/workflows/made/duplicate", {"name": "made copy"})
    assert status == 201 and (served.folder / "made copy.json").exists()
    status, _, body = served.call("POST", "/api/workflows/made%20copy/rename", {"name": "moved"})
    assert status == 200 and (served.folder / "moved.json").exists() and not (served.folder / "made copy.json").exists()
    assert served.call("DELETE", "/api/workflows/moved")[0] == 204
    assert not (served.folder / "moved.json").exists()
    assert served.call("GET", "/api/workflows/moved")[0] == 404


@pytest.mark.parametrize("path", [
    "/api/workflows/..%2Fsecret", "/api/workflows/%2E%2E", "/api/workflows/..", "/api/workflows/.hidden",
    "/api/workflows/..%5Csecret", "/api/workflows/secret.json", "/api/workflows/%00",
])  # fmt: skip
def test_path_tricks_are_refused(served, path):
    status, _, body = served.call("GET", path)
    assert status in (400, 404) and isinstance(body, dict) and body.get("secret") is None
    status, _, _ = served.call("PUT", path, DOC, {"If-Match": "*"})
    assert status in (400, 404, 405)
    assert not any(p.name.startswith(".") and p.suffix == ".json" for p in served.folder.iterdir())
    assert json.loads((served.folder.parent / "secret.json").read_text()) == {"secret": True}


def test_names_in_bodies_are_checked_too(served):
    for body in ({"name": "../escaped"}, {"name": "/tmp/escaped"}, {"name": "a/b"}):
        assert served.call("POST", "/api/workflows", body)[0] == 400
        assert served.call("POST", "/api/workflows/first/duplicate", body)[0] == 400
        assert served.call("POST", "/api/workflows/first/rename", body)[0] == 400
    assert not (served.folder.parent / "escaped.json").exists()


def test_bad_bodies_are_messages(served):
    status, _, body = served.call("PUT", "/api/workflows/first", raw=b"{nope", headers={"If-Match": "*"})
    assert status == 400 and "not valid JSON" in body["error"]
    status, _, body = served.call("PUT", "/api/workflows/first", [1, 2], headers={"If-Match": "*"})
    assert status in (400, 409)


def test_without_a_folder_there_is_no_workspace(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<title>NodeFox</title>")
    server = Server(None, "--site", str(site))
    try:
        status, _, body = server.call("GET", "/api/session", token=False)
        assert status == 200 and body["workspace"] is None
        assert server.call("GET", "/api/workflows")[0] == 404
    finally:
        assert "Traceback" not in server.stop()


def test_the_api_is_refused_when_not_bound_to_loopback(tmp_path):
    """Bound to every address, the API does not answer, not even a loopback caller."""
    (tmp_path / "first.json").write_text(json.dumps(DOC))
    server = Server(tmp_path, host="0.0.0.0")
    try:
        status, _, body = server.call("GET", "/api/session", token=False)
        assert status == 403 and "loopback" in body["error"]
        status, _, _ = server.call("GET", "/api/workflows", token=False, headers={"X-NodeFox-Token": "x"})
        assert status == 403
    finally:
        assert "Traceback" not in server.stop()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_a_message(served):
    path: Path = served.folder / "locked.json"
    path.write_text(json.dumps(DOC))
    path.chmod(0)
    status, _, body = served.call("GET", "/api/workflows/locked")
    assert status == 500 and "error" in body


def test_if_match_star_saves_over_whatever_is_there(tmp_path):
    # docs/protocol.md: `If-Match: *` saves whatever is there (HTTP's "any version")
    ws = Workspace(tmp_path)
    ws.create("orders", DOC)
    (tmp_path / "orders.json").write_text('{"nodefox": 1, "nodes": [], "edges": []}')  # changed on disk
    etag = ws.save("orders", {**DOC, "name": "mine"}, "*")
    assert ws.read("orders") == ({**DOC, "name": "mine"}, etag)
    ws.save("new", DOC, "*")  # and creates a file that is not there
    ws.rename("new", "newer", "*")
    ws.delete("newer", "*")
    assert ws.names() == ["orders"]
