"""The `http` node inside Pyodide (under Node, loaded from build/site) gives the same
canonical results as CPython, byte for byte, against the same local server.

Pyodide sends through urllib3's Emscripten support, which awaits the JavaScript
`fetch` with JSPI: tests/pyodide/run_http.mjs runs under
`node --experimental-wasm-stack-switching` and enters Python with `runPythonAsync`.
No stand-in: the requests reach the server for real (its log is checked).

Like test_parity.py, these tests build nothing (scripts/test builds the site first);
a missing site is a failure, not a skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nodefox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from httpserver import http_server  # noqa: E402,F401  (a fixture)

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
RUNNER = Path(__file__).with_name("run_http.mjs")
NOW = "2026-01-01T09:30:00Z"
SECRET = "pyodide-secret-7c1e"
# a file held in an item: bytes that are not UTF-8, named and typed
FILE = {"mimeType": "image/png", "fileType": "image", "fileExtension": "png", "data": "iVBORw0KGgoAAAAN/w==",
        "fileName": "dot.png", "fileSize": "14 B"}  # fmt: skip


def flow(params: dict, items: list | None = None, **extra) -> dict:
    return {
        "nodefox": 1, "settings": {"now": NOW},
        "nodes": [{"id": "src", "type": "data", "params": {"items": items or [{}]}},
                  {"id": "h", "type": "http", "params": params, **extra},
                  {"id": "after", "type": "set", "params": {"fields": [{"name": "seen", "value": True}]}}],
        "edges": [{"source": "src", "target": "h"}, {"source": "h", "target": "after"}],
    }  # fmt: skip


def cases(base: str) -> dict[str, tuple[dict, dict]]:
    net = {"allow_net": ["127.0.0.1"]}
    bearer = {"credentials": {"api": {"type": "bearer", "token": SECRET, "hosts": ["127.0.0.1"]}}}
    return {
        "json-object": (flow({"url": f"{base}/json"}), net),
        "json-array": (flow({"url": f"{base}/list"}), net),
        "text": (flow({"url": f"{base}/text"}), net),
        "latin1": (flow({"url": f"{base}/latin1"}), net),
        "empty-204": (flow({"url": f"{base}/empty"}), net),
        "split": (flow({"url": f"{base}/nested", "split": "/data/items"}), net),
        "full": (flow({"url": f"{base}/json", "full": True}), net),
        "full-text-nocors": (flow({"url": f"{base}/nocors", "full": True, "response": "text"}), net),
        "per-item-query": (flow({"url": f"{base}/echo", "query": {"pick": "method,query", "id": "={{ $json.id }}"}},
                                [{"id": 1}, {"id": "a b"}, {"id": True}]), net),  # fmt: skip
        "once": (flow({"url": f"{base}/echo?pick=query", "query": {"id": "={{ $json.id }}"}, "once": True},
                      [{"id": 1}, {"id": 2}]), net),  # fmt: skip
        "post-json": (flow({"url": f"{base}/echo?pick=method,body,h:content-type", "method": "POST",
                            "body": {"a": [1, 2.5, "é"], "b": None}}), net),  # fmt: skip
        "put-form": (flow({"url": f"{base}/echo?pick=method,body,h:content-type", "method": "PUT",
                           "bodyType": "form", "body": {"x": "1 2", "y": [3, 4]}}), net),  # fmt: skip
        "delete-text": (flow({"url": f"{base}/echo?pick=method,body", "method": "DELETE",
                              "bodyType": "text", "body": "bye"}), net),  # fmt: skip
        "headers": (flow({"url": f"{base}/echo?pick=h:x-trace", "headers": {"X-Trace": "t-1"}}), net),
        "bearer": (flow({"url": f"{base}/echo?pick=h:authorization", "credential": "api"}), {**net, **bearer}),
        "404-stop": (flow({"url": f"{base}/status/404"}), net),
        "500-continue": (flow({"url": f"={base}/status/{{{{ $json.code }}}}"}, [{"code": 200}, {"code": 500}],
                              onError="continue"), net),  # fmt: skip
        "500-error-output": (flow({"url": f"={base}/status/{{{{ $json.code }}}}"}, [{"code": 500}, {"code": 201}],
                                  onError="errorOutput"), net),  # fmt: skip
        "paginate-pointer": (flow({"url": f"{base}/pages?last=3", "split": "/items", "paginate": {"next": "/next"}}), net),
        "paginate-link": (flow({"url": f"{base}/linked?last=5", "paginate": {"next": "link", "maxPages": 3}}), net),
        "redirect": (flow({"url": f"{base}/redirect?to=/json"}), net),
        "retry-after-0": (flow({"url": f"{base}/limited?key=K&fail=1&after=0", "retries": 1}), net),
        "timeout": (flow({"url": f"{base}/slow?ms=1500", "timeoutMs": 200}), net),
        "not-allowed": (flow({"url": f"{base}/json"}), {"allow_net": ["example.com"]}),
        "bad-json": (flow({"url": f"{base}/badjson"}), net),
        # files held in items (docs/files.md): sent as the body, as multipart parts, kept from a response
        "post-file": (flow({"url": f"{base}/echo?pick=method,body,h:content-type", "method": "POST",
                            "bodyType": "file", "body": "={{ $json.binary.data }}"}, [{"binary": {"data": FILE}}]), net),  # fmt: skip
        "post-multipart": (flow({"url": f"{base}/echo?pick=body,h:content-type", "method": "POST",
                                 "bodyType": "multipart", "body": {"note": "é", "n": 2, "file": "={{ $json.binary.data }}"}},
                                [{"binary": {"data": FILE}}]), net),  # fmt: skip
        "response-file": (flow({"url": f"{base}/html", "response": "file", "fileField": "binary.page"}, [{"id": 1}]), net),
    }


@pytest.fixture(scope="module")
def compared(http_server):  # noqa: F811  (the fixture imported above)
    """Each case run natively and in Pyodide against the same server: name -> (native, pyodide)."""
    if not (SITE / "pyodide" / "pyodide-lock.json").is_file():
        pytest.fail("build/site is missing: build it first with scripts/build-site", pytrace=False)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Pyodide tests run Pyodide under Node", pytrace=False)
    table = cases(http_server.base)
    # the retry case counts requests per key: each side gets its own
    keyed = lambda side: {n: (json.loads(json.dumps(d).replace("key=K", f"key={side}")), o)  # noqa: E731
                          for n, (d, o) in table.items()}  # fmt: skip
    native = {n: nodefox.canonical(nodefox.run(d, **o)) for n, (d, o) in keyed("native").items()}
    http_server.log.clear()
    payload = [{"name": n, "document": json.dumps(d), "options": o} for n, (d, o) in keyed("pyodide").items()]
    proc = subprocess.run(
        [node, "--experimental-wasm-stack-switching", str(RUNNER), "--site", str(SITE)],
        input=json.dumps(payload), capture_output=True, text=True, encoding="utf-8", timeout=600,
    )  # fmt: skip
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or not lines[0].get("ready"):
        pytest.fail(f"Pyodide did not start (exit {proc.returncode}):\n{lines[:1]}\n{proc.stderr[-3000:]}",
                    pytrace=False)  # fmt: skip
    assert lines[0]["jspi"], "urllib3 needs JSPI under Node: runPythonAsync and the stack-switching flag"
    answers = {a["name"]: a for a in lines[1:]}
    return {n: (native[n], answers.get(n, {})) for n in table}, list(http_server.log)


@pytest.mark.parametrize("name", list(cases("http://x")))
def test_same_canonical_result_as_cpython(compared, name):
    results, _ = compared
    native, answer = results[name]
    assert "error" not in answer, f"Python raised inside Pyodide: {answer.get('error')}"
    assert answer["canonical"].encode("utf-8") == native.encode("utf-8")


def test_pyodide_really_sent_the_requests(compared):
    _, log = compared
    paths = [p for _, p, _ in log]
    assert "/json" in paths and "/pages?last=3" in paths
    assert any(m == "POST" for m, _, _ in log) and any(m == "DELETE" for m, _, _ in log)
    bearer = [h for _, p, h in log if p.startswith("/echo?pick=h:authorization")]
    assert bearer and bearer[0].get("Authorization") == f"Bearer {SECRET}"


def test_the_secret_stays_out_of_the_results(compared):
    results, _ = compared
    for native, answer in results.values():
        assert SECRET not in native and SECRET not in answer.get("canonical", "")
