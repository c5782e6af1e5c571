"""An n8n workflow export as a NodeFox document, with a report of what was not translated.

Three passes: each n8n node is mapped by its type (`nodes.MAPPERS`) to a NodeFox
node with n8n's expressions still inside; every expression in a translated
node's params is then rewritten (`expressions.translate_template`), keeping the
original text where that is not exact; finally the connections become edges
on the mapped ports, with edges that would close a cycle dropped (NodeFox runs
a graph without loops) and reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import NodeFoxError
from ..expressions.templates import is_template, template
from ..graph import Edge
from ..graph import Graph as EdgeGraph  # this module's Graph reads n8n's connections
from ..nodes.http import MAX_RETRIES
from .mapping import MAPPERS
from .nodes import Context, Done, Mapped, NotExpressible, Placeholder

MAX_NOTES = 100_000  # characters of a placeholder's kept parameters
_TZ = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*")
_ON_ERROR = {"continueRegularOutput": "continue", "continueErrorOutput": "errorOutput", "stopWorkflow": "stop"}


class NotN8n(ValueError):
    """The input is not an n8n workflow export."""


def unwrap(obj: Any) -> dict:
    """The workflow in an export: the object itself, the first of a list, or a template's `workflow`."""
    if isinstance(obj, list):
        workflows = [w for w in obj if isinstance(w, dict)]
        if not workflows:
            raise NotN8n("a list without n8n workflows in it")
        obj = workflows[0]
    if isinstance(obj, dict) and "nodes" not in obj and isinstance(obj.get("workflow"), dict):
        obj = obj["workflow"]
    if isinstance(obj, dict) and "nodes" not in obj and isinstance(obj.get("data"), dict):
        obj = obj["data"]
    if not isinstance(obj, dict):
        raise NotN8n("an n8n workflow is a JSON object with nodes and connections")
    if obj.get("nodefox") is not None:
        raise NotN8n("this is already a NodeFox document")
    if not isinstance(obj.get("nodes"), list):
        raise NotN8n('an n8n workflow has a "nodes" list')
    if "connections" in obj and not isinstance(obj["connections"], dict):
        raise NotN8n('an n8n workflow\'s "connections" is an object')
    if any(not isinstance(n, dict) or not isinstance(n.get("type"), str) for n in obj["nodes"]):
        raise NotN8n('every n8n node is an object with a "type"')
    return obj


@dataclass
class _Report:
    total: int = 0
    translated: int = 0
    placeholders: list = field(default_factory=list)
    expr_total: int = 0
    expr_translated: int = 0
    untranslated: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    divergences: list = field(default_factory=list)
    parameters: list = field(default_factory=list)

    def as_dict(self) -> dict:
        report = {
            "nodes": {"total": self.total, "translated": self.translated, "placeholders": self.placeholders},
            "expressions": {"total": self.expr_total, "translated": self.expr_translated, "untranslated": self.untranslated},
            "dropped": self.dropped,
        }
        if self.edges:
            report["edges"] = self.edges
        if self.divergences:
            report["divergences"] = self.divergences
        if self.parameters:
            report["parameters"] = self.parameters
        return report


def complete(report: dict) -> bool:
    """True when nothing but sticky notes was left behind."""
    return not (
        report["nodes"]["placeholders"] or report["expressions"]["untranslated"]
        or report.get("edges") or report.get("parameters")
    )  # fmt: skip


def summary(report: dict) -> str:
    """One line for people: what was translated and what was not."""
    nodes, exprs = report["nodes"], report["expressions"]
    parts = [f"{nodes['translated']} of {nodes['total']} nodes translated"]
    if nodes["placeholders"]:
        shown = ", ".join(p["name"] for p in nodes["placeholders"][:5])
        more = f" and {len(nodes['placeholders']) - 5} more" if len(nodes["placeholders"]) > 5 else ""
        parts.append(f"placeholders: {shown}{more}")
    parts.append(f"{exprs['translated']} of {exprs['total']} expressions translated")
    if report["dropped"]:
        parts.append(f"{len(report['dropped'])} sticky note(s) dropped")
    if report.get("edges"):
        parts.append(f"{len(report['edges'])} connection(s) dropped")
    if report.get("parameters"):
        parts.append(f"{len(report['parameters'])} parameter(s) not carried over")
    return "; ".join(parts)


def translate(obj: Any) -> tuple[dict, dict]:
    """An n8n workflow export as (NodeFox document, report); raises NotN8n."""
    wf = unwrap(obj)
    report = _Report()
    nodes: list[dict] = []
    mapped: dict[str, tuple[dict, Any]] = {}  # n8n name -> (NodeFox node, port map)
    ids: set[str] = set()
    names: set[str] = set()
    pins = wf.get("pinData") if isinstance(wf.get("pinData"), dict) else {}
    inner: list[dict] = []  # edges inside one n8n node that became several NodeFox nodes
    translated: set[str] = set()  # ids of the nodes translated (not placeholders)

    graph = Graph(wf)
    for index, raw in enumerate(wf["nodes"]):
        n8n_type = raw["type"]
        name = raw.get("name") if isinstance(raw.get("name"), str) and raw.get("name") else f"Node {index + 1}"
        if n8n_type.endswith(".stickyNote"):
            text = (raw.get("parameters") or {}).get("content", "") if isinstance(raw.get("parameters"), dict) else ""
            report.dropped.append({"name": name, "text": text if isinstance(text, str) else ""})
            continue
        report.total += 1
        original_name = name
        name = _unique(name, names)
        node_id = _unique(raw["id"] if isinstance(raw.get("id"), str) and raw["id"].strip() else f"n{index + 1}", ids)
        node = {"id": node_id, "type": "noop", "name": name}
        position = raw.get("position")
        if (
            isinstance(position, list) and len(position) == 2
            and all(type(v) in (int, float) and abs(v) < 1e15 and v == v for v in position)
        ):  # fmt: skip
            node["position"] = list(position)
        ctx = Context(raw, name)
        ctx.graph = graph
        result = _map(raw, ctx)
        if isinstance(result, Placeholder):
            node.update(_placeholder(raw, result.reason))
            entry = {"name": name, "type": n8n_type}
            if result.reason and result.mapped:
                entry["reason"] = result.reason
            # code nodes are untranslated too: listed with the placeholders, so the editor can jump to them
            report.placeholders.append(entry)
            if result.code:
                node.update({"type": "code", "params": result.params, "notes": _code_notes(raw, result)})
            ports = result.ports
        else:
            report.translated += 1
            translated.add(node_id)
            node["type"] = result.type
            _settings(raw, result, ctx)
            params = _expressions(result.params, ctx)
            result.parts = [(kind, _expressions(p, ctx)) for kind, p in result.parts]
            if params:
                node["params"] = params
            ports = result.ports
            report.expr_total += ctx.total
            report.expr_translated += ctx.translated
            report.untranslated.extend(ctx.untranslated)
            notes = [result.divergence] if result.divergence else []
            notes += [n for n in ctx.notes if n not in notes]
            if notes:
                report.divergences.append({"name": name, "type": n8n_type, "note": "; ".join(notes)})
            report.parameters.extend({**d, "type": n8n_type} for d in ctx.dropped)
        if raw.get("disabled") is True:
            node["disabled"] = True
        on_error = _on_error(raw)
        if on_error and node["type"] not in ("noop", "trigger") and not node.get("disabled"):
            node["onError"] = on_error
        notes = node.get("notes", "")
        if isinstance(raw.get("notes"), str) and raw["notes"]:
            node["notes"] = raw["notes"] + ("\n\n" + notes if notes else "")
        pinned = _pinned(pins.get(original_name))
        if pinned is not None:
            node["pinned"] = pinned
        nodes.append(node)
        mapped[original_name] = (node, ports)
        if isinstance(result, Mapped) and result.parts:
            _parts(node, result, ids, names, nodes, inner, mapped, original_name)

    # connections name nodes; some exports name them by id, so ids are read too (names win)
    by_id = {raw["id"]: name for raw in wf["nodes"] if isinstance(raw.get("id"), str)
             for name in [raw.get("name")] if name in mapped}  # fmt: skip
    edges = _edges(wf.get("connections") or {}, {**{k: mapped[v] for k, v in by_id.items()}, **mapped}, report, nodes, inner)
    _reads_of_later_nodes(nodes, edges, translated, report)
    doc: dict[str, Any] = {"nodefox": 1}
    if isinstance(wf.get("name"), str) and wf["name"]:
        doc["name"] = wf["name"]
    settings = wf.get("settings") if isinstance(wf.get("settings"), dict) else {}
    tz = settings.get("timezone")
    if isinstance(tz, str) and tz != "DEFAULT" and _TZ.fullmatch(tz) and len(tz) < 64:
        doc["settings"] = {"timezone": tz}
    doc["nodes"] = nodes
    doc["edges"] = edges
    return doc, report.as_dict()


class Graph:
    """Who feeds whom on the main connections, by n8n name, for mappers that translate a pair of nodes."""

    def __init__(self, wf: dict):
        raws = [n for n in wf["nodes"] if isinstance(n.get("name"), str)]
        self.nodes = {n["name"]: n for n in raws}
        names = {n["id"]: n["name"] for n in raws if isinstance(n.get("id"), str)}
        self.succs: dict[str, list[str]] = {}
        self.preds: dict[str, list[str]] = {}
        connections = wf.get("connections") if isinstance(wf.get("connections"), dict) else {}
        for source, outputs in connections.items():
            source = source if source in self.nodes else names.get(source, source)
            main = outputs.get("main") if isinstance(outputs, dict) else None
            for targets in main if isinstance(main, list) else []:
                for conn in targets if isinstance(targets, list) else []:
                    target = conn.get("node") if isinstance(conn, dict) else None
                    if not isinstance(target, str):
                        continue
                    target = target if target in self.nodes else names.get(target, target)
                    if source in self.nodes and target in self.nodes:
                        self.succs.setdefault(source, []).append(target)
                        self.preds.setdefault(target, []).append(source)

    def sole_next(self, name: Any) -> dict | None:
        """The one node `name` feeds, when it feeds one node on one connection and is that node's only input."""
        succs = self.succs.get(name, [])
        if len(succs) == 1 and self.preds.get(succs[0]) == [name]:
            return self.nodes[succs[0]]
        return None

    def sole_previous(self, name: Any) -> dict | None:
        """The one node feeding `name`, when it feeds only `name`."""
        preds = self.preds.get(name, [])
        if len(preds) == 1 and self.succs.get(preds[0]) == [name]:
            return self.nodes[preds[0]]
        return None


class _PartPorts:
    """The port map of an n8n node that became several NodeFox nodes: (part, port) resolved to nodes."""

    def __init__(self, ports: Any, nodes: list[dict]):
        self.ports, self.nodes = ports, nodes

    def _resolve(self, ref: Any) -> tuple[dict, str]:
        return (self.nodes[ref[0]], ref[1]) if isinstance(ref, tuple) else (self.nodes[0], ref)

    def output(self, index: int, node: dict) -> list:
        return [self._resolve(ref) for ref in self.ports.output(index, node)]

    def input(self, index: int, node: dict) -> Any:
        ref = self.ports.input(index, node)
        return None if ref is None else self._resolve(ref)


def _parts(first: dict, result: Mapped, ids: set, names: set, nodes: list, inner: list, mapped: dict, original: str) -> None:
    """The further nodes of a node that became several, linked to the first.

    The last part gives what n8n's node outputs, so it takes the n8n node's name
    and id (expressions such as `$('Name')` read it) and its pinned data; the
    others are named `Name (step k)`.
    """
    made = [first]
    x, y = first.get("position", [0, 0])
    for k, (kind, params) in enumerate(result.parts, start=2):
        part = {"id": _unique(f"{first['id']}-{k}", ids), "type": kind, "name": ""}
        if "position" in first:
            part["position"] = [x + 60 * (k - 1), y + 60 * (k - 1)]
        if params:  # already translated with the first node's
            part["params"] = params
        if "disabled" in first:
            part["disabled"] = True
        if first.get("onError") == "continue":  # an error output stays the first node's
            part["onError"] = "continue"
        nodes.append(part)
        made.append(part)
    last = made[-1]
    for key in ("id", "name", "pinned"):
        if key in first:
            first[key], last[key] = last.get(key), first[key]
            if first[key] is None:
                del first[key]
    for k, part in enumerate(made[:-1], start=1):
        part["name"] = _unique(f"{last['name']} (step {k})", names)
    for a, aport, b, bport in result.links:
        inner.append({"source": made[a]["id"], "sourcePort": aport, "target": made[b]["id"], "targetPort": bport})
    mapped[original] = (first, _PartPorts(result.ports, made))


def _unique(name: str, seen: set[str]) -> str:
    candidate, n = name, 2
    while candidate in seen:
        candidate = f"{name} ({n})"
        n += 1
    seen.add(candidate)
    return candidate


def _map(raw: dict, ctx: Context) -> Mapped | Placeholder:
    short = raw["type"].split(".", 1)[1] if raw["type"].startswith("n8n-nodes-base.") else None
    mapper = MAPPERS.get(short) if short else None
    if mapper is None:
        return Placeholder(f"{raw['type']} has no NodeFox equivalent", mapped=False)
    if ctx.malformed:
        return Placeholder("its parameters are not an object", mapped=True)
    try:
        return mapper(ctx)
    except NotExpressible as exc:
        return Placeholder(str(exc), mapped=True)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # malformed parameters (a string where n8n has a list, ...): keep the node as it was
        return Placeholder(f"its parameters are not in a form NodeFox reads ({type(exc).__name__})", mapped=True)


def _settings(raw: dict, result: Mapped, ctx: Context) -> None:
    """n8n's node settings that change what a node gives: retries become the http node's
    own; the others have no NodeFox equivalent and are reported, never dropped unsaid."""
    if raw.get("executeOnce") is True:
        ctx.drop("executeOnce", "n8n runs this node once, on the first item; NodeFox runs it on every item")
    if raw.get("alwaysOutputData") is True:
        ctx.drop("alwaysOutputData", "n8n gives one empty item when this node gives none; NodeFox gives none")
    if raw.get("retryOnFail") is True:
        tries = raw.get("maxTries", 3)
        if result.type == "http" and type(tries) is int and tries > 1:
            result.params.setdefault("retries", min(tries - 1, MAX_RETRIES))
            ctx.differ("retries after network errors, 429 and 5xx only, waiting 0.5 s doubling "
                       "(n8n retries after any failure, waiting waitBetweenTries)")  # fmt: skip
        else:
            ctx.drop("retryOnFail", "NodeFox retries only http requests; this node fails at once")


def _placeholder(raw: dict, reason: str) -> dict:
    kept: dict[str, Any] = {"type": raw["type"]}
    if "typeVersion" in raw:
        kept["typeVersion"] = raw["typeVersion"]
    kept["parameters"] = raw.get("parameters", {})
    creds = raw.get("credentials")
    if isinstance(creds, dict):
        kept["credentials"] = {k: v.get("name") for k, v in creds.items() if isinstance(v, dict)}
    try:
        text = json.dumps(kept, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json.dumps({"type": raw["type"]})
    if len(text) > MAX_NOTES:
        text = text[:MAX_NOTES] + "\n... (cut)"
    return {
        "type": "noop",
        "disabled": True,
        "notes": f"n8n node not translated: {reason}.\n{text}",
    }


def _code_notes(raw: dict, result: Placeholder) -> str:
    text = getattr(result, "code_text", "")
    return f"n8n {raw['type']} node, not translated: {result.reason}. Its code:\n\n{text[:MAX_NOTES]}"


def _on_error(raw: dict) -> str | None:
    on_error = raw.get("onError")
    if isinstance(on_error, str) and on_error in _ON_ERROR:
        return None if _ON_ERROR[on_error] == "stop" else _ON_ERROR[on_error]
    if raw.get("continueOnFail") is True:
        return "continue"
    return None


def _pinned(data: Any) -> list | None:
    if not isinstance(data, list):
        return None
    items = []
    for entry in data:
        item = entry.get("json", entry) if isinstance(entry, dict) and isinstance(entry.get("json"), dict) else entry
        if not isinstance(item, dict):
            return None
        if item is not entry and isinstance(entry.get("binary"), dict) and entry["binary"]:
            item = {**item, "binary": entry["binary"]}  # an item's files are its field binary (docs/n8n.md, "Files")
        items.append(item)
    return items


def _expressions(params: Any, ctx: Context, pointer: str = "") -> Any:
    """Params with every n8n expression string rewritten (or kept and reported)."""
    if isinstance(params, Done):
        return params.value
    if isinstance(params, dict):
        return {k: _expressions(v, ctx, f"{pointer}/{_escape(k)}") for k, v in params.items()}
    if isinstance(params, list):
        return [_expressions(v, ctx, f"{pointer}/{i}") for i, v in enumerate(params)]
    if isinstance(params, str) and params.startswith("="):
        return ctx.translate(params, pointer)
    return params


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _edges(connections: dict, mapped: dict, report: _Report, nodes: list, inner: list) -> list[dict]:
    wanted: list[tuple[str, str, str, str]] = []
    for source_name, outputs in connections.items():
        if not isinstance(outputs, dict):
            continue
        if source_name not in mapped:
            for conn in _targets(outputs):
                report.edges.append({"source": source_name, "target": conn["node"],
                                     "reason": f"the file has no node named {source_name!r}"})  # fmt: skip
            continue
        source, ports = mapped[source_name]
        for kind, other in outputs.items():
            if kind != "main":  # n8n's AI connections (a model, a tool, a memory for an agent)
                for conn in _targets({kind: other}):
                    report.edges.append({"source": source["name"], "target": conn["node"],
                                         "reason": f"an n8n {kind} connection has no NodeFox counterpart"})  # fmt: skip
        main = outputs.get("main")
        if not isinstance(main, list):
            continue
        for index, targets in enumerate(main):
            if not isinstance(targets, list):
                continue
            for conn in targets:
                if not isinstance(conn, dict) or not isinstance(conn.get("node"), str):
                    continue
                if conn["node"] not in mapped:
                    report.edges.append({"source": source["name"], "target": conn["node"],
                                         "reason": f"the file has no node named {conn['node']!r}"})  # fmt: skip
                    continue
                target, target_ports = mapped[conn["node"]]
                in_index = conn.get("index", 0) if type(conn.get("index", 0)) is int else 0
                out_ports = ports.output(index, source) if ports else (["out"] if index == 0 else [])
                in_port = target_ports.input(in_index, target) if target_ports else "in"
                if isinstance(in_port, tuple):
                    target, in_port = in_port
                if not out_ports or in_port is None:
                    report.edges.append({
                        "source": source["name"], "target": target["name"],
                        "reason": f"output {index} or input {in_index} has no NodeFox port",
                    })  # fmt: skip
                    continue
                for port in out_ports:
                    origin, port = port if isinstance(port, tuple) else (source, port)
                    wanted.append((origin["id"], port, target["id"], in_port))
    return _acyclic(wanted, nodes, inner, report)


def _targets(outputs: dict) -> list[dict]:
    """The connections of one node's outputs of every kind that name a target node."""
    return [conn for lists in outputs.values() if isinstance(lists, list) for targets in lists
            if isinstance(targets, list) for conn in targets
            if isinstance(conn, dict) and isinstance(conn.get("node"), str)]  # fmt: skip


def _acyclic(wanted: list, nodes: list, inner: list, report: _Report) -> list[dict]:
    """The edges, without duplicates and without those that close a cycle (`inner` edges come first, always kept)."""
    by_id = {node["id"]: node for node in nodes}
    out: list[dict] = []
    seen: set[tuple] = set()
    reach: dict[str, set[str]] = {i: set() for i in by_id}  # node -> its descendants
    wanted = [(e["source"], e["sourcePort"], e["target"], e["targetPort"]) for e in inner] + wanted

    def reaches(a: str, b: str) -> bool:
        return a == b or b in reach[a]

    for source, sport, target, tport in wanted:
        key = (source, sport, target, tport)
        if key in seen:
            continue
        seen.add(key)
        if reaches(target, source):
            report.edges.append({
                "source": by_id[source]["name"], "target": by_id[target]["name"],
                "reason": "it closes a loop; NodeFox workflows run without loops",
            })  # fmt: skip
            continue
        out.append({"source": source, "sourcePort": sport, "target": target, "targetPort": tport})
        new = {target} | reach[target]
        for node_id, desc in reach.items():
            if node_id == source or source in desc:
                desc |= new
    return out


__all__ = ["NotN8n", "complete", "translate", "unwrap"]


def _reads_of_later_nodes(nodes: list[dict], edges: list[dict], translated: set[str], report: _Report) -> None:
    """Report the translated expressions that read a node not before theirs in the graph.

    n8n's `$('A')` reads any node that has run, a parallel branch's too; NodeFox's reads
    an ancestor only (expressions.md), so such an expression fails when it runs. It stays
    as translated (its error then says which node), but the report does not count it.
    An export without connections (some published collections strip them) is a set of
    nodes whose order is unknown: nothing is judged there."""
    if not edges:
        return
    ids = {n["name"]: n["id"] for n in nodes}
    # the engine's own graph and its rule for `$("Name")`: the same answer the run will give
    graph = EdgeGraph([n["id"] for n in nodes], [Edge("", e["source"], "", e["target"], "") for e in edges])
    reported = {(u["node"], u["path"]) for u in report.untranslated}
    for node in nodes:
        if node["id"] not in translated:
            continue
        for pointer, value in _strings(node.get("params"), ""):
            if not is_template(value) or (node["name"], pointer) in reported:
                continue
            try:
                refs = template(value).refs
            except NodeFoxError:
                continue
            later = sorted(r for r in refs if r not in ids or not graph.is_ancestor(ids[r], node["id"]))
            if later:
                report.expr_translated -= 1
                report.untranslated.append({
                    "node": node["name"], "path": pointer or "/", "expression": value[1:],
                    "reason": f"reads {', '.join(map(repr, later))}, which does not run before this node: "
                              "NodeFox reads the nodes above one only",
                })  # fmt: skip


def _strings(value: Any, pointer: str) -> Any:
    """(JSON pointer, text) of every string in a params value."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{pointer}/{_escape(k)}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{pointer}/{i}")
