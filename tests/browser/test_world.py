"""The editor reaching the world, acting as a person would (docs/editor.md): waiting
write nodes and their ▶, reads and their ↻, the permission prompt, the Credentials
dialog, files dropped on the canvas, downloads, zips with files, n8n files.

Against the real built site and a real local HTTP server (tests/httpserver.py)."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if not (ROOT / "build" / "site" / "index.html").is_file():
    pytest.skip("build/site is not built (scripts/build-site)", allow_module_level=True)

sys.path.insert(0, str(ROOT / "tests"))
from conftest import count, load, node, param, status  # noqa: E402
from httpserver import serve  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser
SLOW = 90_000  # the first request after a page load imports the HTTP client in Pyodide (~5 s, ~25 s at 4x CPU)

SECRET = "s3cr3t-t0ken-never-shown"
CSV = (
    b"sku,name,price\n"
    b"a1,Anvil,80\n"
    b'b2,"Bolt, steel",20\n'
    b'c3,"Cable ""long""",55\n'
    b"d4,Drill,5\n"
    b"e5,Emery,70\n"
)


@pytest.fixture
def api():
    with serve() as server:
        yield server


def doc(name: str, nodes: list[dict], edges: list[dict]) -> dict:
    return {"nodefox": 1, "name": name, "settings": {"now": "2026-01-01T09:30:00Z"}, "nodes": nodes, "edges": edges}


def items_node(n: int = 2) -> dict:
    return {"id": "src", "type": "data", "name": "Rows", "position": [0, 0],
            "params": {"items": [{"n": i} for i in range(n)]}}  # fmt: skip


def put(page, document: dict) -> None:
    """Put a document on the canvas without waiting for its results (an http node's first
    request may take longer than `load` waits)."""
    page.evaluate("d => window.nodefox.editor.load(d)", document)


def exported(page) -> dict:
    return page.evaluate("window.nodefox.editor.export()")


def prompt(page):
    return page.locator('[data-testid="permission-prompt"]')


def select(page, node_id: str) -> None:
    node(page, node_id).locator(".fx-node-head").click()
    expect(page.locator('[data-testid="inspector"]')).to_have_attribute("data-node", node_id)


def drag(page, source, target) -> None:
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=10)
    page.mouse.up()


# -- 1 and 2: effects on the canvas, permissions -------------------------------------------


def test_a_read_asks_for_its_host_once_and_refreshes(editor, api):
    url = api.url("/json")
    put(editor, doc("Ask me", [items_node(1), {"id": "get", "type": "http", "name": "Get", "position": [300, 0],
                                                "params": {"url": url, "once": True}}],
                     [{"source": "src", "target": "get"}]))  # fmt: skip
    # refused by the session (no request sent), and the editor asks
    expect(prompt(editor)).to_contain_text("This workflow wants to contact 127.0.0.1", timeout=SLOW)
    assert api.requests("/json") == []
    expect(status(editor, "get")).to_have_attribute("data-status", "error", timeout=SLOW)
    prompt(editor).get_by_role("button", name="Allow").click()
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    expect(count(editor, "get", "out")).to_have_text("1")
    assert len(api.requests("/json")) == 1
    # a read node has ↻, and it reads again; a downstream edit does not
    node(editor, "get").locator('[data-testid="refresh"]').click()
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    editor.wait_for_timeout(300)
    assert len(api.requests("/json")) == 2
    # the answer is this browser's, never the document's
    assert "permission" not in json.dumps(exported(editor)).lower()
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    expect(prompt(editor)).to_have_count(0)


def test_a_file_named_like_an_allowed_workflow_gets_none_of_its_hosts(editor, api):
    flow = doc("Trusted", [items_node(1), {"id": "get", "type": "http", "name": "Get", "position": [300, 0],
                                           "params": {"url": api.url("/json"), "once": True}}],
               [{"source": "src", "target": "get"}])  # fmt: skip
    put(editor, flow)
    prompt(editor).get_by_role("button", name="Allow").click()
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    sent = len(api.requests("/json"))
    put(editor, flow)  # the same name and nodes, opened from elsewhere: asked again, nothing sent
    expect(prompt(editor)).to_contain_text("This workflow wants to contact 127.0.0.1", timeout=SLOW)
    expect(status(editor, "get")).to_have_attribute("data-status", "error", timeout=SLOW)
    assert len(api.requests("/json")) == sent


def test_a_denied_host_is_not_asked_again(editor, api):
    put(editor, doc("Deny me", [items_node(1), {"id": "get", "type": "http", "name": "Get", "position": [300, 0],
                                                 "params": {"url": api.url("/json"), "once": True}}],
                     [{"source": "src", "target": "get"}]))  # fmt: skip
    expect(prompt(editor)).to_be_visible(timeout=SLOW)
    prompt(editor).get_by_role("button", name="Deny").click()
    expect(prompt(editor)).to_have_count(0)
    expect(node(editor, "get").locator('[data-testid="node-error"]')).to_contain_text("not allowed to contact 127.0.0.1")
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(status(editor, "get")).to_have_attribute("data-status", "error", timeout=SLOW)
    editor.wait_for_timeout(500)
    expect(prompt(editor)).to_have_count(0)
    assert api.requests("/json") == []


def test_a_write_waits_with_its_counts_until_its_play_button(editor, api):
    url = api.url("/echo?pick=method,body")
    load(editor, doc("Poster", [items_node(3), {"id": "post", "type": "http", "name": "Post", "position": [300, 0],
                                               "params": {"url": url, "method": "POST", "body": "={{ $json }}"}},
                                {"id": "after", "type": "noop", "name": "After", "position": [600, 0]}],
                     [{"source": "src", "target": "post"}, {"source": "post", "target": "after"}]))  # fmt: skip
    marker = status(editor, "post")
    expect(marker).to_have_attribute("data-status", "waiting")
    expect(marker).to_contain_text("waiting")
    expect(marker.locator('[aria-hidden="true"]').first).not_to_have_text("?")  # a symbol, not colour alone
    expect(node(editor, "post").locator('[data-testid="node-waiting"]')).to_have_text("would send 3 on in")
    expect(status(editor, "after")).to_have_attribute("data-status", "waiting")
    expect(node(editor, "post").locator('[data-testid="refresh"]')).to_have_count(0)
    editor.wait_for_timeout(300)
    assert api.requests("/echo") == []
    # ▶: the host was never allowed, so the editor asks; Allow sends once and pins, no second ▶
    node(editor, "post").locator('[data-testid="execute"]').click()
    expect(prompt(editor)).to_contain_text("127.0.0.1", timeout=SLOW)
    assert api.requests("/echo") == []
    expect(editor.locator('[data-testid="notice"]')).to_have_count(0)  # the prompt says it; no "did not run"
    prompt(editor).get_by_role("button", name="Allow").click()
    expect(status(editor, "post")).to_have_attribute("data-status", "pinned", timeout=SLOW)
    expect(count(editor, "after", "out")).to_have_text("3")
    assert [m for m, _, _ in api.requests("/echo") if m != "OPTIONS"] == ["POST"] * 3  # OPTIONS: CORS
    assert len(exported(editor)["nodes"][1]["pinned"]) == 3
    # an edit downstream sends nothing more
    select(editor, "after")
    editor.wait_for_timeout(300)
    assert len([m for m, _, _ in api.requests("/echo") if m == "POST"]) == 3


def test_a_play_held_for_a_denied_host_sends_nothing(editor, api):
    url = api.url("/echo?pick=method")
    load(editor, doc("Poster", [items_node(2), {"id": "post", "type": "http", "name": "Post", "position": [300, 0],
                                               "params": {"url": url, "method": "POST", "body": "={{ $json }}"}}],
                     [{"source": "src", "target": "post"}]))  # fmt: skip
    node(editor, "post").locator('[data-testid="execute"]').click()
    expect(prompt(editor)).to_contain_text("127.0.0.1", timeout=SLOW)
    prompt(editor).get_by_role("button", name="Deny").click()
    expect(prompt(editor)).to_have_count(0)
    editor.wait_for_timeout(500)
    assert [m for m, _, _ in api.requests("/echo") if m != "OPTIONS"] == []
    expect(status(editor, "post")).not_to_have_attribute("data-status", "pinned")
    # ▶ again: the host is denied, so it is said at once and still nothing is sent
    node(editor, "post").locator('[data-testid="execute"]').click()
    expect(editor.locator('[data-testid="notice"]')).to_contain_text("Post did not run", timeout=SLOW)
    assert [m for m, _, _ in api.requests("/echo") if m != "OPTIONS"] == []


# -- 3: credentials --------------------------------------------------------------------------


def test_credentials_are_sent_to_their_host_and_never_shown(editor, api):
    editor.get_by_test_id("credentials-button").click()
    dialog = editor.get_by_test_id("credentials-dialog")
    dialog.get_by_test_id("credential-name").fill("api")
    dialog.get_by_test_id("credential-type").select_option("bearer")
    dialog.get_by_test_id("credential-token").fill(SECRET)
    dialog.get_by_test_id("credential-hosts").fill("127.0.0.1")
    dialog.get_by_role("button", name="Save credential").click()
    expect(dialog.locator('[data-credential="api"]')).to_contain_text("bearer")
    expect(dialog.get_by_test_id("credential-token")).to_have_value("")
    url = api.url("/echo?pick=h:authorization")
    put(editor, doc("Secret", [items_node(1), {"id": "get", "type": "http", "name": "Get", "position": [300, 0],
                                                "params": {"url": url, "once": True, "credential": "api", "full": True}}],
                     [{"source": "src", "target": "get"}]))  # fmt: skip
    expect(prompt(editor)).to_be_visible(timeout=SLOW)
    prompt(editor).get_by_role("button", name="Allow").click()
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    # the server got the token: the credential was attached
    sent = [h.get("Authorization") for m, _, h in api.requests("/echo") if m == "GET"]
    assert sent == [f"Bearer {SECRET}"]
    select(editor, "get")
    expect(editor.get_by_test_id("data-items")).to_contain_text("***")
    answers = [
        editor.evaluate("m => window.nodefox.apply(m)", json.dumps({"rev": None, "ops": [op]}))
        for op in ({"op": "export"}, {"op": "inspect", "id": "get", "offset": 0, "limit": 10})
    ]
    editor.get_by_role("button", name="JSON", exact=True).click()
    texts = [editor.locator("body").inner_text(), json.dumps(exported(editor)), *answers]
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    editor.get_by_test_id("credentials-button").click()
    expect(editor.locator('[data-credential="api"]')).to_be_visible()
    texts.append(editor.locator("body").inner_text())
    texts.append(editor.content())
    for text in texts:
        assert SECRET not in text
    # removing it: requests go without it
    editor.get_by_role("button", name="Remove credential api").click()
    expect(editor.locator('[data-credential="api"]')).to_have_count(0)


def test_a_credential_the_engine_would_refuse_is_named(editor):
    editor.get_by_test_id("credentials-button").click()
    dialog = editor.get_by_test_id("credentials-dialog")
    dialog.get_by_test_id("credential-name").fill("api")
    dialog.get_by_test_id("credential-type").select_option("header")
    dialog.get_by_test_id("credential-name-field").fill("X Api Key")  # a space: no HTTP header name
    dialog.get_by_test_id("credential-value").fill(SECRET)
    dialog.get_by_test_id("credential-hosts").fill("127.0.0.1")
    dialog.get_by_role("button", name="Save credential").click()
    expect(dialog.get_by_role("alert")).to_contain_text("header name")
    expect(dialog.locator('[data-credential="api"]')).to_have_count(0)
    # one kept in this browser before (the engine refuses the set): said at start, by name
    editor.evaluate("""() => localStorage.setItem("nodefox.credentials", JSON.stringify(
        {old: {type: "header", name: "X Old", value: "v", hosts: ["127.0.0.1"]}}))""")
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    notice = editor.locator('[data-testid="notice"]')
    expect(notice).to_contain_text("The credentials were not sent to the engine", timeout=SLOW)
    expect(notice).to_contain_text("credential 'old'")


# -- 4: files ----------------------------------------------------------------------------------


def drop_file(page, name: str, data: bytes, at: tuple[float, float]) -> None:
    """Drop a real file on the canvas, as the browser does for a file from the desktop."""
    transfer = page.evaluate_handle(
        "([name, bytes]) => { const t = new DataTransfer();"
        " t.items.add(new File([new Uint8Array(bytes)], name, {type: 'text/csv'})); return t; }",
        [name, list(data)],
    )
    pane = page.locator(".react-flow__pane")
    where = {"dataTransfer": transfer, "clientX": at[0], "clientY": at[1]}
    pane.dispatch_event("dragenter", where)
    pane.dispatch_event("dragover", where)
    pane.dispatch_event("drop", where)


def native_csv(document: dict, node_id: str, folder: Path) -> bytes:
    """What the engine's write_file writes for a node's output, run natively."""
    import nodefox
    from nodefox import formats

    result = nodefox.run(document, files=str(folder))
    items = result["nodes"][node_id]["outputs"]["out"]
    return formats.write_csv(items, {})


def test_drop_a_csv_edit_downstream_and_download_its_output(editor, tmp_path):
    load(editor, doc("Files", [{"id": "few", "type": "limit", "name": "Few", "position": [400, 0], "params": {"max": 10}}], []))
    box = editor.locator(".react-flow__pane").bounding_box()
    drop_file(editor, "orders.csv", CSV, (box["x"] + 150, box["y"] + 150))
    offer = editor.get_by_test_id("file-offer")
    expect(offer).to_contain_text("orders.csv")
    offer.get_by_role("button", name="Add node").click()
    expect(editor.locator(".react-flow__node")).to_have_count(2)
    rid = next(n["id"] for n in exported(editor)["nodes"] if n["type"] == "read_file")
    assert next(n for n in exported(editor)["nodes"] if n["id"] == rid)["params"]["file"] == "orders.csv"
    expect(count(editor, rid, "out")).to_have_text("5")
    # connect it to the limit node and edit the limit
    drag(editor, node(editor, rid).locator('.react-flow__handle.source[data-handleid="out"]'),
         node(editor, "few").locator('.react-flow__handle.target[data-handleid="in"]'))  # fmt: skip
    expect(count(editor, "few", "out")).to_have_text("5")
    select(editor, "few")
    field = param(editor, "/max")
    field.fill("3")
    expect(count(editor, "few", "out")).to_have_text("3")
    with editor.expect_download() as got:
        editor.get_by_test_id("download-csv").click()
    downloaded = Path(got.value.path()).read_bytes()
    (tmp_path / "orders.csv").write_bytes(CSV)
    assert downloaded == native_csv(exported(editor), "few", tmp_path)
    assert downloaded == b'sku,name,price\na1,Anvil,80\nb2,"Bolt, steel",20\nc3,"Cable ""long""",55\n'
    with editor.expect_download() as got:
        editor.get_by_test_id("download-json").click()
    assert json.loads(Path(got.value.path()).read_text())[2]["name"] == 'Cable "long"'
    # the Files panel lists it; it survives a reload, and the node reads it again
    editor.get_by_test_id("files-button").click()
    listed = editor.locator('[data-testid="files-panel"] [data-file="orders.csv"]')
    expect(listed).to_contain_text(f"{len(CSV)} B")
    editor.reload()
    editor.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    expect(count(editor, "few", "out")).to_have_text("3")
    expect(status(editor, rid)).to_have_attribute("data-status", "ok")
    editor.get_by_test_id("files-button").click()
    with editor.expect_download() as got:
        listed.get_by_role("button", name="Download orders.csv").click()
    assert Path(got.value.path()).read_bytes() == CSV


def test_export_with_files_and_open_the_zip(editor, tmp_path):
    editor.get_by_test_id("files-button").click()
    (tmp_path / "orders.csv").write_bytes(CSV)
    editor.get_by_test_id("add-files").set_input_files(str(tmp_path / "orders.csv"))
    panel = editor.get_by_test_id("files-panel")
    expect(panel.locator('[data-file="orders.csv"]')).to_be_visible()
    load(editor, doc("Zipped", [{"id": "r", "type": "read_file", "name": "Read", "position": [0, 0],
                                 "params": {"file": "orders.csv"}}], []))  # fmt: skip
    expect(count(editor, "r", "out")).to_have_text("5")
    assert "sku" not in json.dumps(exported(editor))  # the document names the file, never holds it
    with editor.expect_download() as got:
        editor.get_by_test_id("export-with-files").click()
    data = Path(got.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["files/orders.csv", "workflow.json"]
        assert z.read("files/orders.csv") == CSV
        assert json.loads(z.read("workflow.json"))["name"] == "Zipped"
    # gone from this browser: the node says so; opening the zip brings both back
    panel.get_by_role("button", name="Remove orders.csv").click()
    expect(panel.locator('[data-file="orders.csv"]')).to_have_count(0)
    expect(status(editor, "r")).to_have_attribute("data-status", "error")
    editor.evaluate("d => window.nodefox.editor.load(d)", doc("Other", [], []))
    expect(editor.locator(".react-flow__node")).to_have_count(0)
    (tmp_path / "zipped.zip").write_bytes(data)
    editor.get_by_test_id("open-file").set_input_files(str(tmp_path / "zipped.zip"))
    expect(count(editor, "r", "out")).to_have_text("5")
    expect(panel.locator('[data-file="orders.csv"]')).to_be_visible()


def test_a_written_file_appears_in_the_files_panel(editor):
    load(editor, doc("Writer", [items_node(4), {"id": "w", "type": "write_file", "name": "Save", "position": [300, 0],
                                               "params": {"file": "out.csv", "format": "csv"}}],
                     [{"source": "src", "target": "w"}]))  # fmt: skip
    expect(status(editor, "w")).to_have_attribute("data-status", "waiting")
    node(editor, "w").locator('[data-testid="execute"]').click()
    expect(status(editor, "w")).to_have_attribute("data-status", "pinned")
    editor.get_by_test_id("files-button").click()
    written = editor.locator('[data-testid="files-panel"] [data-file="out.csv"]')
    expect(written).to_be_visible()
    with editor.expect_download() as got:
        written.get_by_role("button", name="Download out.csv").click()
    assert Path(got.value.path()).read_bytes() == b"n\n0\n1\n2\n3\n"


def test_play_below_a_waiting_write_says_to_run_that_first(editor):
    load(editor, doc("Two writes", [items_node(2),
                                    {"id": "w1", "type": "write_file", "name": "First", "position": [300, 0], "params": {"file": "a.csv"}},
                                    {"id": "w2", "type": "write_file", "name": "Second", "position": [600, 0], "params": {"file": "b.csv"}}],
                     [{"source": "src", "target": "w1"}, {"source": "w1", "target": "w2"}]))  # fmt: skip
    node(editor, "w2").locator('[data-testid="execute"]').click()
    notice = editor.locator('[data-testid="notice"]')
    expect(notice).to_contain_text("Second did not run")
    expect(notice).to_contain_text("press its ▶ first")
    expect(status(editor, "w2")).to_have_attribute("data-status", "waiting")


# -- 5: n8n --------------------------------------------------------------------------------------


N8N = {
    "name": "From n8n",
    "nodes": [
        {"id": "1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}},
        {"id": "2", "name": "Slack", "type": "n8n-nodes-base.slack", "typeVersion": 2, "position": [1600, 900],
         "parameters": {"text": "hi"}},
        {"id": "3", "name": "Limit", "type": "n8n-nodes-base.limit", "typeVersion": 1, "position": [300, 0],
         "parameters": {"maxItems": 2}},
    ],
    "connections": {"Start": {"main": [[{"node": "Limit", "type": "main", "index": 0}]]},
                    "Limit": {"main": [[{"node": "Slack", "type": "main", "index": 0}]]}},
}  # fmt: skip


def test_open_an_n8n_file_shows_the_report_and_jumps_to_untranslated_nodes(editor, tmp_path):
    from nodefox import bridge

    if not hasattr(bridge, "n8n_import"):
        pytest.skip("this engine has no bridge.n8n_import yet")
    (tmp_path / "n8n.json").write_text(json.dumps(N8N))
    editor.get_by_test_id("open-file").set_input_files(str(tmp_path / "n8n.json"))
    report = editor.get_by_test_id("n8n-report")
    # the first import loads the importer into the engine: seconds on a busy machine
    expect(report).to_contain_text("2 of 3 nodes translated", timeout=30_000)
    slack = report.locator('[data-untranslated="Slack"]')
    expect(slack).to_contain_text("n8n-nodes-base.slack")
    slack.get_by_role("button", name="Show Slack").click()
    placeholder = next(n for n in exported(editor)["nodes"] if n["name"] == "Slack")
    expect(editor.locator('[data-testid="inspector"]')).to_have_attribute("data-node", placeholder["id"])
    box, pane = node(editor, placeholder["id"]).bounding_box(), editor.locator(".react-flow__pane").bounding_box()
    assert pane["x"] <= box["x"] and box["x"] + box["width"] <= pane["x"] + pane["width"]
    assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]


def test_pasting_n8n_json_adds_its_nodes_and_reports(editor):
    from nodefox import bridge

    if not hasattr(bridge, "n8n_import"):
        pytest.skip("this engine has no bridge.n8n_import yet")
    load(editor, doc("Mine", [items_node(1)], []))
    editor.context.grant_permissions(["clipboard-read", "clipboard-write"])
    editor.evaluate("t => navigator.clipboard.writeText(t)", json.dumps(N8N))
    editor.locator(".react-flow__pane").click()
    editor.keyboard.press("Control+v")
    expect(editor.get_by_test_id("n8n-report")).to_contain_text("2 of 3 nodes translated", timeout=30_000)
    expect(editor.locator(".react-flow__node")).to_have_count(4)
    names = {n.get("name") for n in exported(editor)["nodes"]}
    assert {"Rows", "Start", "Limit", "Slack"} <= names


# -- the prompt waits while a URL is typed ------------------------------------------------------

WATCH_PROMPTS = """() => {
  window.__asked = [];
  const note = () => {
    const p = document.querySelector('[data-testid="permission-prompt"]');
    const host = p && p.dataset.host;
    if (host && window.__asked[window.__asked.length - 1] !== host) window.__asked.push(host);
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-host"]});
}"""


def http_doc() -> dict:
    return doc("Typed", [items_node(1), {"id": "get", "type": "http", "name": "Get", "position": [300, 0],
                                         "params": {"url": "", "once": True}}],
               [{"source": "src", "target": "get"}])  # fmt: skip


def url_field(editor):
    """The empty URL field of an http node, focused, with the prompts asked recorded."""
    load(editor, http_doc())
    select(editor, "get")
    editor.evaluate(WATCH_PROMPTS)
    field = param(editor, "/url")
    field.click()
    return field


def test_typing_a_url_key_by_key_asks_once_for_its_host_and_loses_no_key(editor, api):
    field = url_field(editor)
    url = api.url("/json")
    editor.keyboard.type(url, delay=40)  # "http://1", "http://12", … are hosts too: never asked
    expect(prompt(editor)).to_contain_text("This workflow wants to contact 127.0.0.1", timeout=SLOW)
    expect(field).to_have_value(url)
    expect(field).to_be_focused()  # the prompt came without taking the keys typed
    # keys typed while it shows still land in the field
    editor.keyboard.type("?a=1", delay=40)
    expect(field).to_have_value(url + "?a=1")
    editor.wait_for_timeout(1500)
    assert exported(editor)["nodes"][1]["params"]["url"] == url + "?a=1"
    assert editor.evaluate("window.__asked") == ["127.0.0.1"]
    assert api.requests("/json") == []
    prompt(editor).get_by_role("button", name="Allow").click()
    expect(prompt(editor)).to_have_count(0)
    expect(status(editor, "get")).to_have_attribute("data-status", "ok", timeout=SLOW)
    assert len(api.requests("/json")) == 1
    assert editor.evaluate("window.__asked") == ["127.0.0.1"]


def test_a_pasted_url_asks_once_and_leaving_the_field_asks_at_once(editor, api):
    field = url_field(editor)
    editor.keyboard.insert_text(api.url("/json"))  # as a paste: one edit
    expect(prompt(editor)).to_contain_text("127.0.0.1", timeout=SLOW)
    expect(field).to_be_focused()
    prompt(editor).get_by_role("button", name="Deny").click()
    expect(prompt(editor)).to_have_count(0)
    assert editor.evaluate("window.__asked") == ["127.0.0.1"]
    # another host typed, then the field left (a click on the canvas): asked without the wait
    field.fill("")
    field.click()
    editor.keyboard.type("http://localhost:1/x", delay=20)
    editor.locator(".react-flow__pane").click(position={"x": 50, "y": 400})
    expect(prompt(editor)).to_contain_text("localhost", timeout=SLOW)
    expect(prompt(editor).get_by_role("button", name="Allow")).to_be_focused()
    assert editor.evaluate("window.__asked") == ["127.0.0.1", "localhost"]
    assert api.requests("/json") == []
