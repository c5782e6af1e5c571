"""n8n and Node-RED, installed from npm into bench/peers/, on our `pipeline` shape.

The same items (workloads.rows) go through set -> if -> sort -> limit in each:

- n8n 2.8.4: the workflow is imported (`n8n import:workflow`) and run
  (`n8n execute --id --rawOutput`); each node's `executionTime` is its cost.
- Node-RED 4.1.15: headless (no editor, no HTTP), one message per item, the
  Node-RED way (change, switch, sort, and a function node as the limit, which
  core Node-RED lacks). It reports no per-node times, so the flow is run with
  0, 1, ... 4 of the stages and a stage's cost is the difference.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads  # noqa: E402

N8N = "2.8.4"
NODE_RED = "4.1.15"
STAGES = ("set", "if", "sort", "limit")
SIZES = (1000, 10_000)
PACKAGES = {
    "n8n": {"dependencies": {"n8n": N8N}, "overrides": {"xlsx": "0.18.5"}},  # n8n pins xlsx to a non-registry URL
    "node-red": {"dependencies": {"node-red": NODE_RED}},
}


def run(peers: Path, quick: bool, ours: dict) -> dict:
    rounds = 1 if quick else 3
    out: dict = {}
    for name, measure in (("n8n", _n8n), ("Node-RED", _node_red)):
        folder = peers / name.lower()
        try:
            _install(folder, name.lower())
            started = time.perf_counter()
            # Node-RED rounds are cheap (one process for all); n8n starts a process per run
            out[name] = measure(folder, rounds if name == "n8n" else 5 * rounds)
            out[name]["seconds"] = round(time.perf_counter() - started, 1)
        except Exception as exc:  # a peer that cannot run is reported, not fatal
            out[name] = {"error": f"{type(exc).__name__}: {str(exc)[-800:]}"}
        print(f"bench: {name}: {out[name].get('error') or 'done'}", file=sys.stderr, flush=True)
    out["markdown"] = markdown(out, ours)
    return out


def _install(folder: Path, key: str) -> None:
    pkg = {"name": f"nodefox-bench-{key}", "private": True, **PACKAGES[key]}
    folder.mkdir(parents=True, exist_ok=True)
    pkg_file = folder / "package.json"
    if pkg_file.is_file() and json.loads(pkg_file.read_text()) == pkg and (folder / "node_modules" / ".bin").is_dir():
        return
    pkg_file.write_text(json.dumps(pkg, indent=1))
    print(f"bench: npm install {key} (n8n: ~2.3 GB, a few minutes) ...", file=sys.stderr, flush=True)
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"npm install failed: {proc.stderr[-800:]}")


# -- n8n ---------------------------------------------------------------------------


def _n8n_workflow(wid: str, items: int) -> dict:
    rows = workloads.pipeline(items)["nodes"][0]["params"]["items"]
    code = f"const rows = {json.dumps(rows)};\nreturn rows.map(json => ({{ json }}));"

    def node(name: str, type_: str, version: float, params: dict, x: int) -> dict:
        return {"id": f"{wid}-{name}", "name": name, "type": f"n8n-nodes-base.{type_}", "typeVersion": version,
                "position": [x, 0], "parameters": params}  # fmt: skip

    nodes = [
        node("Trigger", "manualTrigger", 1, {}, 0),
        node("Source", "code", 2, {"jsCode": code}, 200),
        node("set", "set", 3.4, {"includeOtherFields": True, "options": {}, "assignments": {"assignments": [
            {"id": "a1", "name": "total", "value": "={{ $json.price * $json.qty }}", "type": "number"}]}}, 400),
        node("if", "if", 2.2, {"options": {}, "conditions": {
            "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2},
            "combinator": "and", "conditions": [{"id": "c1", "leftValue": "={{ $json.total }}", "rightValue": 100,
                                                 "operator": {"type": "number", "operation": "gt"}}]}}, 600),
        node("sort", "sort", 1, {"options": {}, "sortFieldsUi": {"sortField": [
            {"fieldName": "total", "order": "descending"}]}}, 800),
        node("limit", "limit", 1, {"maxItems": 10}, 1000),
    ]  # fmt: skip

    def to(target: str) -> list:
        return [{"node": target, "type": "main", "index": 0}]

    connections = {"Trigger": {"main": [to("Source")]}, "Source": {"main": [to("set")]}, "set": {"main": [to("if")]},
                   "if": {"main": [to("sort"), []]}, "sort": {"main": [to("limit")]}}  # fmt: skip
    return {"id": wid, "name": f"nodefox bench {items}", "active": False, "nodes": nodes,
            "connections": connections, "settings": {"executionOrder": "v1"}}  # fmt: skip


def _n8n(folder: Path, rounds: int) -> dict:
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    env = {**os.environ, "N8N_USER_FOLDER": str(home), "N8N_DIAGNOSTICS_ENABLED": "false",
           "N8N_RUNNERS_ENABLED": "false", "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
           "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false", "DB_SQLITE_POOL_SIZE": "1",
           "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false", "NODE_OPTIONS": "--max-old-space-size=4096"}  # fmt: skip
    bin_ = str(folder / "node_modules" / ".bin" / "n8n")
    out: dict = {"version": N8N, "sizes": {}}
    for items in SIZES:
        wid = f"nodefoxBench{items}"
        wf = home / f"{wid}.json"
        wf.write_text(json.dumps(_n8n_workflow(wid, items)))
        _check(subprocess.run([bin_, "import:workflow", f"--input={wf}"], env=env, capture_output=True, text=True,
                              timeout=300, check=False), "n8n import:workflow")  # fmt: skip
        per_node: dict[str, list] = {}
        walls: list[float] = []
        failures = []
        for _ in range(rounds + 2):  # up to two runs whose output does not parse are retried
            if len(walls) == rounds:
                break
            started = time.perf_counter()
            proc = subprocess.run([bin_, "execute", f"--id={wid}", "--rawOutput"], env=env, capture_output=True,
                                  text=True, timeout=600, check=False)  # fmt: skip
            _check(proc, "n8n execute")
            try:
                run_data = _n8n_run_data(proc.stdout)
            except ValueError as exc:  # seen once: a log line inside the 24 MB of JSON
                failures.append(str(exc)[:200])
                continue
            walls.append((time.perf_counter() - started) * 1000)
            for node, runs in run_data.items():
                per_node.setdefault(node, []).append(runs[0]["executionTime"])
        if not walls:
            raise RuntimeError(f"n8n's output never parsed: {failures}")
        out["sizes"][items] = {"node_ms": per_node, "process_ms": walls}
    return out


def _n8n_run_data(stdout: str) -> dict:
    """The runData of `n8n execute --rawOutput`: the JSON object in its output."""
    start = stdout.find("\n{")  # the pretty-printed result starts a line; log lines may come first
    start = 0 if stdout.startswith("{") else start + 1
    if start < 0 or "{" not in stdout:
        raise ValueError(f"n8n printed no result: {stdout[-300:]}")
    data, _ = json.JSONDecoder().raw_decode(stdout[start:])
    result = data.get("data", data)
    return result["resultData"]["runData"]


def _check(proc: subprocess.CompletedProcess, what: str) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{what} exited {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}")


# -- Node-RED ----------------------------------------------------------------------

_SETTINGS = """// headless: no editor, no HTTP nodes; the flow reports through functionGlobalContext
const fs = require("fs");
module.exports = {
  uiHost: "127.0.0.1", uiPort: 0, httpAdminRoot: false, httpNodeRoot: false,
  flowFile: "flows.json", userDir: __dirname, credentialSecret: false,
  logging: {console: {level: "warn"}},
  functionGlobalContext: {
    rows: JSON.parse(fs.readFileSync(__dirname + "/rows.json", "utf8")),
    now: () => performance.now(),
    report: (result) => { process.stdout.write("BENCH " + JSON.stringify(result) + "\\n"); process.exit(0); },
  },
};
"""

# the driver: a queue of (stages, items) jobs, one at a time; each job's end node answers on input 1
_DRIVER = """
let q = context.get("q");
if (!q) {
  q = [];
  for (const items of SIZES) for (let r = 0; r <= ROUNDS; r++) for (let k = 0; k <= 4; k++) q.push({k, items, r});
  context.set("q", q); context.set("results", []);
}
if (msg.result) { if (msg.result.r > 0) context.get("results").push(msg.result); }
const job = q.shift();
if (!job) { global.get("report")(context.get("results")); return null; }
const outs = [null, null, null, null, null];
outs[job.k] = {job};
return outs;
"""

_GEN = """
const rows = global.get("rows").slice(0, msg.job.items);
const id = RED.util.generateId(), count = rows.length;
flow.set("job", msg.job);
flow.set("start", global.get("now")());
for (let i = 0; i < count; i++) node.send({payload: {...rows[i]}, parts: {id, index: i, count}}, false);
return null;
"""

_LIMIT = """
if (msg.parts.index < 10) node.send(msg);
if (msg.parts.index === msg.parts.count - 1) node.send({last: true, parts: msg.parts});
return null;
"""

_END = """
const last = msg.last || (msg.parts && msg.parts.index === msg.parts.count - 1);
if (!last) return null;
const ms = global.get("now")() - flow.get("start");
const job = flow.get("job");
return {result: {...job, ms}};
"""


def _node_red_flows(rounds: int) -> list:
    flows: list = [{"id": "driver-tab", "type": "tab", "label": "driver"}]
    driver_wires: list = []
    ends = []
    for k in range(5):
        tab = f"tab{k}"
        flows.append({"id": tab, "type": "tab", "label": f"{k} stages"})
        chain = [{"id": f"gen{k}", "type": "function", "z": tab, "name": "source", "func": _GEN, "outputs": 1}]
        stages = [
            {"id": f"set{k}", "type": "change", "z": tab, "name": "set", "rules": [
                {"t": "set", "p": "payload.total", "pt": "msg", "to": "payload.price * payload.qty", "tot": "jsonata"}]},
            {"id": f"if{k}", "type": "switch", "z": tab, "name": "if", "property": "payload.total",
             "propertyType": "msg", "rules": [{"t": "gt", "v": "100", "vt": "num"}], "checkall": "true",
             "repair": True, "outputs": 1},
            {"id": f"sort{k}", "type": "sort", "z": tab, "name": "sort", "order": "descending", "as_num": True,
             "target": "", "targetType": "seq", "msgKey": "payload", "msgKeyType": "elem",
             "seqKey": "payload.total", "seqKeyType": "msg"},
            {"id": f"limit{k}", "type": "function", "z": tab, "name": "limit", "func": _LIMIT, "outputs": 1},
        ]  # fmt: skip
        chain += stages[:k]
        chain.append({"id": f"end{k}", "type": "function", "z": tab, "name": "end", "func": _END, "outputs": 1})
        for a, b in zip(chain, chain[1:], strict=False):
            a["wires"] = [[b["id"]]]
        chain[-1]["wires"] = [["driver"]]
        flows += chain
        driver_wires.append([f"gen{k}"])
        ends.append(f"end{k}")
    driver = _DRIVER.replace("SIZES", json.dumps(list(SIZES))).replace("ROUNDS", str(rounds))
    flows += [
        {"id": "start", "type": "inject", "z": "driver-tab", "once": True, "onceDelay": 0.5, "repeat": "",
         "props": [{"p": "payload"}], "payload": "", "payloadType": "date", "wires": [["driver"]]},
        {"id": "driver", "type": "function", "z": "driver-tab", "name": "driver", "func": driver, "outputs": 5,
         "wires": driver_wires},
    ]  # fmt: skip
    for i, node in enumerate(flows):  # Node-RED takes a node without a position for a config node
        if node["type"] != "tab":
            node.update(x=100 + 10 * i, y=100)
    return flows


def _node_red(folder: Path, rounds: int) -> dict:
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    (home / "settings.js").write_text(_SETTINGS)
    (home / "flows.json").write_text(json.dumps(_node_red_flows(rounds)))
    (home / "rows.json").write_text(json.dumps(workloads.rows(max(SIZES))))
    bin_ = folder / "node_modules" / ".bin" / "node-red"
    proc = subprocess.run([str(bin_), "--settings", str(home / "settings.js"), "--userDir", str(home)],
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    found = re.search(r"^BENCH (.*)$", proc.stdout, re.M)
    if not found:
        raise RuntimeError(f"Node-RED gave no result (exit {proc.returncode}): {(proc.stderr + proc.stdout)[-800:]}")
    results = json.loads(found.group(1))
    out: dict = {"version": NODE_RED, "sizes": {}}
    for items in SIZES:
        cumulative = [[r["ms"] for r in results if r["items"] == items and r["k"] == k] for k in range(5)]
        med = [statistics.median(xs) for xs in cumulative]
        node_ms = {stage: [med[i + 1] - med[i]] for i, stage in enumerate(STAGES)}  # noisy: may be < 0
        out["sizes"][items] = {"node_ms": node_ms, "total_ms": med[-1] - med[0], "cumulative_ms": cumulative}
    return out


# -- the table ---------------------------------------------------------------------


def markdown(peers: dict, ours: dict) -> str:
    """Per-node and per-item cost of each stage, ours beside the peers'."""
    lines = [
        "Peers, the same items through set → if → sort → limit (ms per node; µs per input item in brackets):",
        "",
        "| engine | items | " + " | ".join(STAGES) + " | the four |",
        "|---|---|" + "---|" * (len(STAGES) + 1),
    ]
    for label, data in ours.items():
        for items in SIZES:
            pipe = (data.get("pipeline") or {}).get(f"pipeline-{items}")
            if pipe:
                per = {stage: pipe["node_ms"][stage] for stage in STAGES}
                inputs = _inputs(items)
                lines.append(_row(f"NodeFox, {label}", items, per, inputs))
    for name in ("n8n", "Node-RED"):
        data = peers.get(name) or {}
        if data.get("error"):
            lines.append(f"| {name} | – | {data['error'][:200]} |" + " |" * len(STAGES))
            continue
        for items, size in (data.get("sizes") or {}).items():
            lines.append(_row(f"{name} {data['version']}", int(items), size["node_ms"], _inputs(int(items)),
                              size.get("total_ms")))  # fmt: skip
    lines.append("")
    lines.append("n8n: each node's own `executionTime` (whole milliseconds), in `n8n execute` runs. Node-RED: one "
                 "message per item; a stage's cost is the difference of medians between runs of the flow with and "
                 "without it (message passing included; noisy, ~0 when below the noise), the four is the whole "
                 "flow less the bare source.")  # fmt: skip
    return "\n".join(lines) + "\n"


def _inputs(items: int) -> dict:
    """Items entering each stage (the `if` keeps what passes, `sort` and `limit` see that)."""
    import nodefox

    res = nodefox.run(workloads.pipeline(items))
    kept = len(res["nodes"]["if"]["outputs"]["true"])
    return {"set": items, "if": items, "sort": kept, "limit": kept}


def _row(label: str, items: int, node_ms: dict, inputs: dict, total: float | None = None) -> str:
    cells, summed = [], 0.0
    for stage in STAGES:
        xs = node_ms.get(stage)
        if not xs:
            cells.append("–")
            continue
        ms = statistics.median(xs)
        summed += ms
        cells.append(f"{ms:.2f} ({ms * 1000 / max(1, inputs[stage]):.2f})" if ms >= 0.005 else "~0")
    total = summed if total is None else total
    return f"| {label} | {items:,} | " + " | ".join(cells) + f" | {total:.1f} ms ({total * 1000 / items:.1f}) |"
