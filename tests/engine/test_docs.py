"""The docs stand alone and stay true.

A user clones only this repo, so the README and docs/ must not point outside it,
and every relative link in them must reach a file here. The node catalogue and the
function list in docs/ are generated from the engine (scripts/gen_nodes_doc.py):
when a node type or function changes, the docs must be regenerated.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nodefox
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def generator():
    spec = importlib.util.spec_from_file_location("gen_nodes_doc", ROOT / "scripts" / "gen_nodes_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_docs_do_not_reach_outside_the_repo(path: Path):
    text = path.read_text("utf-8")
    assert "../shared" not in text, f"{path.name} refers to ../shared, which users do not have"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the same page
        file = (path.parent / target.split("#")[0]).resolve()
        assert file.is_relative_to(ROOT), f"{path.name}: the link {target} leaves the repo"
        assert file.exists(), f"{path.name}: the link {target} leads nowhere"


def test_the_readme_links_the_docs():
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in ("workflow-format.md", "expressions.md", "nodes.md", "protocol.md", "decisions.md"):
        assert f"(docs/{name}" in readme, f"README.md does not link docs/{name}"


def test_generated_docs_are_up_to_date():
    gen = generator()
    assert gen.stale() == [], "a node type or function changed: run scripts/gen_nodes_doc.py"


def test_the_catalogue_lists_every_node_type_and_function():
    from nodefox.functions import CATALOGUE
    from nodefox.nodes import BUILTINS

    nodes = (ROOT / "docs" / "nodes.md").read_text("utf-8")
    for t in BUILTINS:
        assert f"| `{t.type}` | {t.title} |" in nodes and f"### `{t.type}` ({t.title})" in nodes
    functions = (ROOT / "docs" / "expressions.md").read_text("utf-8")
    for f in CATALOGUE:
        assert f"`{f['signature']}`" in functions


def test_the_generator_refuses_a_doc_without_its_markers():
    gen = generator()
    with pytest.raises(SystemExit, match="gen:params"):
        gen.render("no markers here", ("params",))
    with pytest.raises(SystemExit, match="gen:bogus"):
        gen.render("<!-- gen:bogus -->\n<!-- /gen:bogus -->", ())


def json_blocks(path: Path) -> list:
    out = []
    for block in re.findall(r"```json\n(.*?)```", path.read_text("utf-8"), re.S):
        try:
            out.append(json.loads(block))
        except ValueError:
            continue  # several objects, or an excerpt
    return out


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_the_workflows_shown_in_the_docs_run(path: Path):
    for doc in json_blocks(path):
        if isinstance(doc, dict) and "nodefox" in doc:
            assert nodefox.run(doc)["status"] == "ok", doc.get("name")


def test_the_run_result_shown_is_what_the_example_gives():
    blocks = json_blocks(ROOT / "docs" / "workflow-format.md")
    workflow = next(b for b in blocks if "nodefox" in b)
    shown = next(b for b in blocks if "order" in b and "stats" in b)
    result = nodefox.run(workflow)
    assert nodefox.canonical(result) == nodefox.canonical(shown)
