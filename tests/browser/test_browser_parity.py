"""Every example through `window.nodefox.run` in headless Chromium gives, byte for byte,
the canonical result of `nodefox.run` in CPython (one page for the whole module)."""

from __future__ import annotations

import json
from pathlib import Path

import nodefox
import pytest
from conftest import ROOT

pytestmark = pytest.mark.browser

SHARED = ROOT.parent / "shared" / "examples"


def workflows() -> list[tuple[str, Path]]:
    found = {p.name: p for p in sorted((ROOT / "examples").glob("*.json")) if p.name.count(".") == 1}
    if SHARED.is_dir():
        found.update({f"shared/{p.name}": p for p in sorted(SHARED.glob("*.json")) if p.name.count(".") == 1})
    return sorted(found.items())


@pytest.fixture(scope="module")
def engine_page(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "/")
    page.wait_for_function("() => window.nodefox && window.nodefox.version", timeout=60_000)
    yield page
    page.close()


def test_there_are_workflows():
    assert len(workflows()) >= 8


@pytest.mark.parametrize(("name", "path"), workflows(), ids=[n for n, _ in workflows()])
def test_same_result_as_cpython(engine_page, name, path):
    document = json.loads(path.read_text())
    extra = path.with_name(path.stem + ".input.json")
    items = extra.read_text() if extra.is_file() else None
    text = engine_page.evaluate("([d, i]) => window.nodefox.run(d, i ?? undefined)", [json.dumps(document), items])
    native = nodefox.run(document, json.loads(items) if items else None, allow_code=True)
    assert nodefox.canonical(json.loads(text)) == nodefox.canonical(native)


def test_a_pdf_is_read_in_the_page_as_natively(engine_page):
    """The worker loads pypdf (served, not loaded at start) before a run that mentions pdf."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    import pdfs
    from nodefox import filedata

    data = pdfs.make([["Invoice 7", "Total 12,50"], ["Page two"]], info={"Title": "Invoice"})
    locked = pdfs.encrypt(data, "s3cret")
    document = {"nodefox": 1, "settings": {"now": "2026-01-01T00:00:00Z"}, "edges": [{"source": "d", "target": "p"}],
                "nodes": [{"id": "d", "type": "data", "params": {"items": [
                              {"binary": {"data": filedata.make(data, "a.pdf")}},
                              {"binary": {"data": filedata.make(locked, "b.pdf")}}]}},
                          {"id": "p", "type": "from_file", "params": {"field": "binary.data", "format": "pdf",
                                                                       "password": "s3cret"}}]}  # fmt: skip
    text = engine_page.evaluate("d => window.nodefox.run(d)", json.dumps(document))
    native = nodefox.run(document)
    assert [i["text"] for i in native["nodes"]["p"]["outputs"]["out"]] == ["Invoice 7\nTotal 12,50\n\nPage two"] * 2
    assert nodefox.canonical(json.loads(text)) == nodefox.canonical(native)
