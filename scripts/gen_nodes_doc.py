"""Write the generated parts of the docs from the engine itself, so they stay true.

    .venv/bin/python scripts/gen_nodes_doc.py            rewrite them
    .venv/bin/python scripts/gen_nodes_doc.py --check    exit 1 if a doc is out of date

The parts sit between `<!-- gen:NAME -->` and `<!-- /gen:NAME -->` markers; the prose
around them is written by hand and left alone:

- docs/nodes.md `catalogue`: one row per node type of `BUILTINS` (ports, title, what it does);
- docs/nodes.md `params`: every node type's parameters, from its JSON Schema;
- docs/expressions.md `functions`: the functions expressions may call (`functions.CATALOGUE`);
- README.md `categories`: the node types by category.

tests/engine/test_docs.py fails when a node type or function changes and this was not run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "engine"))

from nodefox.functions import CATALOGUE  # noqa: E402
from nodefox.nodes import BUILTINS, NodeType  # noqa: E402
from nodefox.nodes.base import PATH  # noqa: E402

DOCS = {
    ROOT / "README.md": ("categories",),
    ROOT / "docs" / "nodes.md": ("catalogue", "params"),
    ROOT / "docs" / "expressions.md": ("functions",),
}
MARKERS = re.compile(r"(<!-- gen:(?P<name>[a-z]+) -->\n)(?P<body>.*?)(<!-- /gen:(?P=name) -->)", re.S)


def cell(text: str) -> str:
    """Text for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def code(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"`{text}`"


# -- node types ----------------------------------------------------------------------------


def ports(node_type: NodeType) -> str:
    ins = ", ".join(code(p) for p in node_type.inputs) or "–"
    outs = [code(p) for p in node_type.outputs]
    if node_type.dynamic_outputs == "rules":
        outs.insert(0, "`0`, `1`, … (one per rule)")
    return f"{ins} → {', '.join(outs)}"


def catalogue_table() -> str:
    rows = ["| type | title | category | ports in → out | what it does |", "|---|---|---|---|---|"]
    for t in BUILTINS:
        notes = [t.description]
        if t.runs_on_empty:
            notes.append("Runs even when its inputs are empty.")
        effect = t.effect if isinstance(t.effect, str) else "depends on its params"
        if effect != "none":
            notes.append(f"Effect: {effect}.")
        rows.append(f"| {code(t.type)} | {cell(t.title)} | {t.category} | {ports(t)} | {cell(' '.join(notes))} |")
    return "\n".join(rows) + "\n"


def categories_table() -> str:
    by_category: dict[str, list[str]] = {}
    for t in BUILTINS:
        by_category.setdefault(t.category, []).append(code(t.type))
    rows = ["| category | node types |", "|---|---|"]
    rows += [f"| {category} | {', '.join(types)} |" for category, types in by_category.items()]
    return "\n".join(rows) + "\n"


def kind(schema: dict) -> str:
    """What a value of this schema is, in words."""
    if "enum" in schema:
        return "one of " + ", ".join(code(v) for v in schema["enum"])
    if schema == PATH or (schema.get("type") == "string" and "path" in schema.get("description", "")):
        return "path"
    t = schema.get("type")
    if t == "array":
        inner = schema.get("items", {})
        if inner == PATH:
            return "list of paths"
        if inner.get("type") == "object":
            return "list of objects"
        if not inner:
            return "list"
        each = kind(inner)
        return f"list of {each}s" if " " not in each else f"list, each {each}"
    if t == "integer" and "minimum" in schema:
        return f"integer ≥ {schema['minimum']}"
    if t == "string":
        return "Python code" if schema.get("format") == "python" else "text"
    return {"object": "object", "boolean": "true or false", "integer": "integer", "number": "number"}.get(t, "any value")


def param_rows(schema: dict, prefix: str = "") -> list[str]:
    rows = []
    required = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        key = prefix + name
        default = f"`{json.dumps(sub['default'], ensure_ascii=False)}`" if "default" in sub else ""
        need = "yes" if name in required else ""
        meaning = "" if sub == PATH else sub.get("description", "")  # "path" in the kind says it
        rows.append(f"| {code(key)} | {cell(kind(sub))} | {need} | {cell(default)} | {cell(meaning)} |")
        inner = sub.get("items", {}) if sub.get("type") == "array" else sub
        if inner.get("type") == "object" and inner.get("properties"):
            rows += param_rows(inner, key + "[]." if sub.get("type") == "array" else key + ".")
    return rows


def params_reference() -> str:
    out = []
    for t in BUILTINS:
        out.append(f"### `{t.type}` ({t.title})\n")
        rows = param_rows(t.schema)
        if rows:
            out.append("| param | kind | required | default | meaning |\n|---|---|---|---|---|")
            out.append("\n".join(rows) + "\n")
        else:
            out.append("No parameters.\n")
    return "\n".join(out)


# -- functions -------------------------------------------------------------------------------


def functions_table() -> str:
    rows = ["| function | gives |", "|---|---|"]
    rows += [f"| {code(f['signature'])} | {cell(f['description'])} |" for f in CATALOGUE]
    return "\n".join(rows) + "\n"


PARTS = {
    "categories": categories_table,
    "catalogue": catalogue_table,
    "params": params_reference,
    "functions": functions_table,
}


def render(text: str, names: tuple[str, ...]) -> str:
    """`text` with each named part regenerated; a missing marker is an error."""
    found = {m.group("name") for m in MARKERS.finditer(text)}
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit(f"markers <!-- gen:{missing[0]} --> ... <!-- /gen:{missing[0]} --> are missing")
    unknown = sorted(found - set(PARTS))
    if unknown:
        raise SystemExit(f"<!-- gen:{unknown[0]} --> names no generated part (known: {', '.join(PARTS)})")
    return MARKERS.sub(lambda m: m.group(1) + PARTS[m.group("name")]() + m.group(4), text)


def stale() -> list[Path]:
    """The docs whose generated parts differ from what the engine says now."""
    return [path for path, names in DOCS.items() if render(path.read_text("utf-8"), names) != path.read_text("utf-8")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report docs that are out of date")
    args = parser.parse_args()
    if args.check:
        for path in stale():
            print(f"{path.relative_to(ROOT)} is out of date: run scripts/gen_nodes_doc.py", file=sys.stderr)
        return 1 if stale() else 0
    for path, names in DOCS.items():
        text = path.read_text("utf-8")
        new = render(text, names)
        if new != text:
            path.write_text(new, "utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
