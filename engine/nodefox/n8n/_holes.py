"""JSON text with `{{ }}` holes (Set's JSON mode, HTTP Request's JSON body) as a NodeFox value.

n8n renders the holes into the text and parses the result as JSON. Here the
JSON is parsed with each hole marked, and each hole becomes an expression in
the value: a hole standing alone (`"n": {{ $json.n }}`) keeps its value's
type, as JSON parsing of the rendered text would give it; holes inside a JSON
string become a NodeFox text template. Keys made by holes are not supported.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import _js
from .expressions import STR, Untranslatable, split_template
from .nodes import Done

_BARE = re.compile("^\ue000(\\d+)\ue001$")
_INSIDE = re.compile("\ue002(\\d+)\ue003")


def _mark(parts: list) -> tuple[str, list[Any]]:
    """The JSON text with bare holes as marked strings and inner holes as markers."""
    out, holes, in_string, escaped = [], [], False, False
    for part in parts:
        if isinstance(part, str):
            if "\ue000" in part or "\ue002" in part:
                raise Untranslatable("the JSON holds private-use characters")
            for c in part:
                if in_string:
                    if escaped:
                        escaped = False
                    elif c == "\\":
                        escaped = True
                    elif c == '"':
                        in_string = False
                elif c == '"':
                    in_string = True
            out.append(part)
            continue
        holes.append(part[1])
        i = len(holes) - 1
        out.append(f"\ue002{i}\ue003" if in_string else f'"\ue000{i}\ue001"')
    return "".join(out), holes


def value_of(text: str) -> tuple[Any, int]:
    """A JSON-with-holes parameter as a NodeFox value (Done where translated) and its hole count.

    Raises Untranslatable when the JSON or a hole cannot be translated exactly.
    """
    if not text.startswith("="):
        try:
            return json.loads(text), 0
        except ValueError as exc:
            raise Untranslatable(f"the JSON does not parse: {exc}") from None
    body = text[1:]
    parts = split_template(body)
    exprs = [p for p in parts if isinstance(p, tuple)]
    if len(exprs) == 1 and all(isinstance(p, tuple) or not p.strip() for p in parts):
        return _whole(exprs[0][1]), 1
    marked, holes = _mark(parts)
    try:
        data = json.loads(marked)
    except ValueError as exc:
        raise Untranslatable(f"the JSON around the expressions does not parse: {exc}") from None
    pys = [_translate_tree(h) for h in holes]
    return _fill(data, pys), len(holes)


def _translate_tree(tree: Any) -> Any:
    from .expressions import Translator

    return Translator().top(tree)


def _whole(tree: Any) -> Any:
    """`={{ js }}` as the whole JSON: an object literal field by field, else the value."""
    if isinstance(tree, _js.Call) and isinstance(tree.callee, _js.Member) and tree.callee.prop == "stringify" \
            and isinstance(tree.callee.obj, _js.Ident) and tree.callee.obj.name == "JSON" and len(tree.args) == 1:
        tree = tree.args[0]  # n8n parses the text JSON.stringify made
    py = _translate_tree(tree)
    if py.kind == STR:
        return Done("={{ json_parse(" + py.text + ") }}")  # n8n parses JSON text it is given
    return Done("={{ " + py.text + " }}")


def _fill(data: Any, pys: list) -> Any:
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if "\ue000" in k or "\ue002" in k:
                raise Untranslatable("a key computed by an expression")
            out[k] = _fill(v, pys)
        return out
    if isinstance(data, list):
        return [_fill(v, pys) for v in data]
    if isinstance(data, str):
        m = _BARE.match(data)
        if m:
            return Done("={{ " + pys[int(m.group(1))].text + " }}")
        if "\ue002" not in data:
            return Done("={{ " + json.dumps(data, ensure_ascii=False) + " }}") if data.startswith("=") else data
        pieces = _INSIDE.split(data)
        out = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                if "{{" in piece:
                    raise Untranslatable("text containing {{ in the JSON")
                out.append(piece)
            else:
                py = pys[int(piece)]
                if py.kind == "date":
                    raise Untranslatable("a date inside text is written in Luxon's long form by n8n")
                out.append("{{ " + py.text + " }}")
        text = "".join(out)
        if len(pieces) == 3 and not pieces[0].strip() and not pieces[2].strip() and (
            pieces[0] or pieces[2] or pys[int(pieces[1])].kind != STR
        ):
            # NodeFox keeps a lone {{ }} typed (and drops the spaces around it); here it is text
            text += '{{ "" }}'
        return Done("=" + text)
    return data

