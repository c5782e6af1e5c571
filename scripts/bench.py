"""The benchmark: every figure of performance.md, with medians, p95s and ratios.

Run through `scripts/bench`. Engine figures come from bench_engine.py, run
natively and inside Pyodide under Node; page figures from headless Chromium
(bench_browser.py); n8n and Node-RED from bench_peers.py (`--peers`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_engine  # noqa: E402
import workloads  # noqa: E402

OUT = ROOT / "bench" / "out"
SITE = ROOT / "build" / "site"
WHERE = ("native", "pyodide", "browser")


def median(xs: list[float]) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def p95(xs: list[float]) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def engine_input(quick: bool, only: list[str] | None = None) -> dict:
    docs = {
        "report": workloads.report(1000),
        "chain-1000": workloads.chain(1000, 1),
        "expr": workloads.expression(20_000 if quick else 100_000),
        "fan-100": workloads.fan(100, 100),
        "small": workloads.small(),
        "chain-10": workloads.chain(10, 20),
        "big-1000": workloads.big(1000),
        "pipeline-1000": workloads.pipeline(1000),
        "pipeline-10000": workloads.pipeline(10_000),
    }
    return {
        "docs": docs, "quick": quick, "only": only,
        "report_edit": list(workloads.REPORT_EDIT), "equal_edit": list(workloads.EQUAL_EDIT),
        "big_edit": list(workloads.BIG_EDIT),
        "last_edit": list(workloads.LAST_EDIT), "chain_edit": list(workloads.CHAIN_EDIT),
    }  # fmt: skip


def run_native(spec: dict) -> dict:
    return json.loads(bench_engine.main(json.dumps(spec)))


def run_pyodide(spec: dict) -> dict:
    if not (SITE / "pyodide" / "pyodide-lock.json").is_file():
        raise SystemExit("bench: build/site is missing; run scripts/build-site first")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(spec, fh)
    try:
        proc = subprocess.run(
            ["node", str(ROOT / "scripts" / "pyodide_bench.mjs"), str(ROOT / "scripts" / "bench_engine.py"), fh.name],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        Path(fh.name).unlink()
    if proc.returncode != 0:
        raise SystemExit(f"bench: Pyodide run failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**data["result"], "load_ms": data["loadMs"], "heap_loaded_bytes": data["heapLoadedBytes"],
            "heap_bytes": data["heapBytes"]}  # fmt: skip


def pyodide_memory() -> dict:
    """The wasm heap of a fresh Pyodide holding a big-1000 session (its own process: the heap never shrinks)."""
    spec = {"docs": {"big-1000": workloads.big(1000)}, "only": ["memory"], "big_edit": list(workloads.BIG_EDIT)}
    mem = run_pyodide(spec)
    return {"loaded": mem["heap_loaded_bytes"], "peak": mem["heap_bytes"]}


# wheels the site serves but a page loads only when a workflow needs them (the worker's
# OPTIONAL: xlsx files, an `http` node, a time zone other than UTC, pdf text) and their dependencies
ON_DEMAND = ("openpyxl", "urllib3", "tzdata", "pypdf")


def start_up_wheels() -> tuple[set[str], set[str]]:
    """The wheel files a page loads at start (nodefox and its dependencies in the served
    lockfile) and those it loads on demand (ON_DEMAND and theirs)."""
    try:
        packages = json.loads((SITE / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return set(), set()

    def closure(names: tuple[str, ...]) -> set[str]:
        seen: set[str] = set()
        todo = [n for n in names if n in packages]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(d for d in packages[name].get("depends", []) if d in packages)
        return {packages[n]["file_name"] for n in seen}

    start = closure(("nodefox",))
    return start, closure(ON_DEMAND) - start


def web_at_start() -> set[str]:
    """The web app's files every page loads at start: what index.html names, and the
    engine's module worker. The other chunks (the code editor, expression help) are
    fetched by dynamic import when a page first needs them."""
    index = (SITE / "index.html").read_text() if (SITE / "index.html").is_file() else ""
    named = set(re.findall(r'(?:src|href)="/?(assets/[^"]+)"', index))
    return named | {p.relative_to(SITE).as_posix() for p in (SITE / "assets").glob("worker-*")}


def site_bytes() -> dict:
    """Raw and gzip bytes of the served site, by part."""
    parts: dict[str, list[int]] = {}
    at_start = web_at_start()
    start, on_demand = start_up_wheels()
    for f in sorted(SITE.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(SITE).as_posix()
        if rel.startswith("pyodide/nodefox-"):
            part = "our wheel"
        elif f.name in on_demand:
            part = "on demand"
        elif rel.endswith(".whl") and start and f.name not in start:
            part = "never loaded by the page"  # micropip: the build's lockfile tool
        elif rel.endswith(".whl"):
            part = "its wheels"
        elif rel.startswith("pyodide/snapshot-"):
            part = "memory snapshot (Pyodide with the engine imported; built here, loaded at start)"
        elif rel.startswith("pyodide/"):
            part = "Pyodide core"
        elif rel.startswith("examples/"):
            part = "examples"
        elif rel.startswith("assets/") and rel not in at_start:
            part = "editor, on demand"
        else:
            part = "JS, CSS, HTML"
        data = f.read_bytes()
        sums = parts.setdefault(part, [0, 0])
        sums[0] += len(data)
        sums[1] += len(gzip.compress(data, 6))
    return {k: {"raw": v[0], "gzip": v[1]} for k, v in parts.items()}


# -- the table -------------------------------------------------------------------


class Table:
    """Rows of (figure, where, target, median, p95, vs plain Python, meets)."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, figure: str, where: str, target: str, med: str, tail: str = "", ratio: str = "",
            ok: bool | None = None) -> None:  # fmt: skip
        meets = "—" if ok is None else ("yes" if ok else "**no**")
        self.rows.append({"figure": figure, "where": where, "target": target, "median": med, "p95": tail,
                          "ratio": ratio, "meets": meets})  # fmt: skip

    def markdown(self) -> list[str]:
        lines = ["| figure | where | target | median | p95 | vs plain Python | meets |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {' | '.join(r.values())} |" for r in self.rows]
        return lines


def _ms(x: float) -> str:
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms"


def _rate(count: float, ms: float, unit: str) -> str:
    return f"{count / ms * 1000:,.0f} {unit}/s"


def engine_rows(t: Table, native: dict, pyo: dict) -> None:
    """The engine's figures, in the spec's table order; Pyodide rows only when it ran."""
    both = [(label, data) for label, data in (("native", native), ("Pyodide", pyo)) if data]
    if pyo.get("edit_ms"):
        xs = pyo["edit_ms"]
        t.add("edit → preview, one `patch_params` mid-`report`", "Pyodide", "≤ 3 / ≤ 8 ms",
              _ms(median(xs)), _ms(p95(xs)), ok=median(xs) <= 3 and p95(xs) <= 8)  # fmt: skip
    if native.get("edit_ms"):
        xs = native["edit_ms"]
        t.add("edit → preview, one `patch_params` mid-`report`", "native", "", _ms(median(xs)), _ms(p95(xs)))
    for label, data in both:
        if not data.get("report_run_ms"):
            continue
        xs, target = data["report_run_ms"], 20 if label == "native" else 50
        t.add(f"full run of `report` ({data['report_nodes']} nodes, 1,000 items)", label, f"≤ {target} ms",
              _ms(median(xs)), _ms(p95(xs)), f"{median(xs) / median(data['report_plain_ms']):.1f}× ¹",
              median(xs) <= target)  # fmt: skip
    for label, data in both:
        if not data.get("chain1000_ms"):
            continue
        xs = data["chain1000_ms"]
        t.add("node throughput, `chain-1000`, 1 item", label, "≥ 50,000 nodes/s" if label == "native" else "",
              _rate(1000, median(xs), "nodes"), _rate(1000, p95(xs), "nodes"),
              f"{median(xs) / median(data['chain1000_plain_ms']):.1f}×",
              1000 / median(xs) * 1000 >= 50_000 if label == "native" else None)  # fmt: skip
    for label, data in both:
        if not data.get("expr_node_ms"):
            continue
        xs, count = data["expr_node_ms"], data["expr_items"]
        target = 1_000_000 if label == "native" else 400_000
        ratio = median(xs) / median(data["expr_plain_ms"])
        rate_ok = count / median(xs) * 1000 >= target
        t.add(f"expression throughput, `set` `$json.a * 2 + 1` × {count:,} items", label,
              f"≥ {target:,} items/s" + (", ≤ 3× plain" if label == "native" else ""),
              _rate(count, median(xs), "items"), _rate(count, p95(xs), "items"), f"{ratio:.2f}×",
              rate_ok and (ratio <= 3 if label == "native" else True))  # fmt: skip
        whole = data["expr_run_ms"]
        t.add(f"  the same, whole run (source and result included) × {count:,}", label, "",
              _rate(count, median(whole), "items"), _rate(count, p95(whole), "items"),
              f"{median(whole) / median(data['expr_plain_ms']):.2f}×")  # fmt: skip
    if pyo.get("move_ms"):
        mv, eq = pyo["move_ms"], pyo["equal_ms"]
        t.add("moving a node", "Pyodide", "≤ 1 ms, nothing runs", _ms(median(mv)), _ms(p95(mv)),
              f"ran {max(pyo['move_ran'])} node(s)", median(mv) <= 1 and max(pyo["move_ran"]) == 0)  # fmt: skip
        t.add("an edit whose re-run gives equal outputs", "Pyodide", "≤ 1 ms, nothing downstream runs",
              _ms(median(eq)), _ms(p95(eq)), f"ran {max(pyo['equal_ran'])} node(s)",
              median(eq) <= 1 and max(pyo["equal_ran"]) <= 1)  # fmt: skip
    if pyo.get("edit_ms"):
        xs = pyo["edit_ms"]
        spread = p95(xs) / median(xs)
        t.add("run-to-run spread of the same preview (p95 / p50)", "Pyodide", "≤ 1.5", f"{spread:.2f}",
              f"over {len(xs)} edits", ok=spread <= 1.5)  # fmt: skip
    for label, data in both:
        if not data.get("big_edit_ms"):
            continue
        for key in ("edit", "last"):
            small, big, ran = data[f"small_{key}_ms"], data[f"big_{key}_ms"], max(data[f"big_{key}_ran"])
            t.add(f"one local `patch_params` ({ran} node(s) re-run): {data['small_nodes']}-node graph → "
                  f"`big-{data['big_nodes']}`", label, "≤ 2×", f"{_ms(median(small))} → {_ms(median(big))}",
                  f"{_ms(p95(small))} → {_ms(p95(big))}", f"{median(big) / median(small):.2f}× growth",
                  median(big) / median(small) <= 2)  # fmt: skip
        if data.get("chain10_ms"):
            small, big = data["chain10_ms"], data["big_last_ms"]
            t.add(f"the same, `chain-10` ({max(data['chain10_ran'])} re-run) → `big-{data['big_nodes']}` "
                  f"({max(data['big_last_ran'])} re-run)", label, "≤ 2×", f"{_ms(median(small))} → {_ms(median(big))}",
                  f"{_ms(p95(small))} → {_ms(p95(big))}", f"{median(big) / median(small):.2f}× growth",
                  median(big) / median(small) <= 2)  # fmt: skip
    for label, data in both:
        if not data.get("fan_run_ms"):
            continue
        xs = data["fan_run_ms"]
        t.add(f"full run of `fan-100` ({data['fan_nodes']} nodes, {data['fan_items']} items)", label, "",
              _ms(median(xs)), _ms(p95(xs)), f"{median(xs) / median(data['fan_plain_ms']):.1f}×")  # fmt: skip


def other_rows(t: Table, browser: dict, sizes: dict, memory: dict) -> None:
    if browser.get("edit_to_dom_ms"):
        xs = browser["edit_to_dom_ms"]
        t.add("edit → counts drawn on the canvas, same edit", "Chromium", "≤ 8 / ≤ 16 ms", _ms(median(xs)),
              _ms(p95(xs)), ok=median(xs) <= 8 and p95(xs) <= 16)  # fmt: skip
        if browser.get("edit_worker_ms"):
            keys = ("edit_to_worker_ms", "edit_worker_ms", "edit_engine_ms", "edit_answer_to_dom_ms")
            parts = [median(browser.get(k) or []) for k in keys]
            split, edits = len(browser["edit_worker_ms"]), len(xs)
            counted = f" ({split} of {edits} edits)" if split < edits else ""
            t.add(f"  of which{counted}: input → posted / worker round trip (of it, `handle()` in the worker) / "
                  "answer → DOM", "Chromium", "", f"{_ms(parts[0])} / {_ms(parts[1])} ({_ms(parts[2])}) / {_ms(parts[3])}")  # fmt: skip
    else:
        t.add("edit → counts drawn on the canvas, same edit", "Chromium", "≤ 8 / ≤ 16 ms",
              browser.get("skipped", "not measured"))
    if browser.get("small_edit_to_dom_ms"):
        xs = browser["small_edit_to_dom_ms"]
        t.add("  the same on a small workflow (10 nodes, 20 items): keystroke → count drawn", "Chromium",
              "≤ 8 / ≤ 16 ms", _ms(median(xs)), _ms(p95(xs)), ok=median(xs) <= 8 and p95(xs) <= 16)  # fmt: skip
    if browser.get("load_cold_ms") and browser.get("load_warm_ms"):
        cold, warm = browser["load_cold_ms"], browser["load_warm_ms"]
        t.add("page load to first preview, cold / warm cache", "Chromium", "≤ 3 / ≤ 1.5 s",
              f"{median(cold) / 1000:.2f} / {median(warm) / 1000:.2f} s",
              f"{p95(cold) / 1000:.2f} / {p95(warm) / 1000:.2f} s", browser.get("load_failed", ""),
              median(cold) <= 3000 and median(warm) <= 1500)  # fmt: skip
        if browser.get("load_runtime_ms"):
            parts = [median(browser.get(f"load_{k}_ms") or []) / 1000 for k in ("runtime", "packages", "engine")]
            t.add("  of which, cold, in the worker: Pyodide runtime / packages / engine import", "Chromium", "",
                  " / ".join(f"{x:.2f} s" for x in parts))  # fmt: skip
    else:
        t.add("page load to first preview, cold / warm cache", "Chromium", "≤ 3 / ≤ 1.5 s",
              browser.get("skipped", "not measured"))
    if sizes:
        ours = sum(v["gzip"] for k, v in sizes.items() if k in ("our wheel", "its wheels", "JS, CSS, HTML"))
        t.add("bytes we add (our wheel, its wheels, JS, CSS), gzip", "served site", "≤ 1 MB",
              f"{ours / 1e6:.2f} MB", ok=ours <= 1_000_000)  # fmt: skip
        if "on demand" in sizes:
            t.add("  and, only when a workflow needs them (xlsx: openpyxl, et_xmlfile; http: urllib3; "
                  "a time zone: tzdata; pdf: pypdf), gzip", "served site", "",
                  f"{sizes['on demand']['gzip'] / 1e6:.2f} MB")  # fmt: skip
        if "editor, on demand" in sizes:
            t.add("  and, once a code field or expression help is first used (the code editor), gzip", "served site", "",
                  f"{sizes['editor, on demand']['gzip'] / 1e6:.2f} MB")  # fmt: skip
    if memory:
        mb, base = memory["peak"] / 2**20, memory["loaded"] / 2**20
        t.add("peak memory of a `big-1000` live session", "Pyodide (wasm heap)", "≤ 150 MB", f"{mb:.0f} MB",
              ratio=f"{base:.0f} MB before the session", ok=mb <= 150)  # fmt: skip


def markdown(table: Table, sizes: dict, peers: dict, meta: dict) -> str:
    lines = table.markdown()
    lines += ["", "¹ a plain loop copying each item once per node. Other ratios: the same dict work in a plain "
              "Python loop, timed in the same process (so Pyodide's ratios are against Pyodide's own loop)."]
    if sizes:
        lines += ["", "| site part | raw | gzip |", "|---|---|---|"]
        for part, v in sizes.items():
            lines.append(f"| {part} | {v['raw'] / 1e6:.2f} MB | {v['gzip'] / 1e6:.2f} MB |")
    if peers.get("markdown"):
        lines += ["", peers["markdown"].rstrip()]
    lines += ["", f"Measured {meta['when']} on {meta['machine']} by `{meta['command']}` at {meta['commit']} "
              f"(Pyodide's wheel built {meta['wheel']}); medians and p95s of {meta['repeats']}, on a shared "
              "machine: compare the ratios more than the times."]  # fmt: skip
    return "\n".join(lines) + "\n"


def update_readme(text: str) -> None:
    """Rewrite only the README's region between the bench markers."""
    readme = ROOT / "README.md"
    body = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in body or end not in body:
        raise SystemExit(f"bench: README.md has no {start} ... {end} region")
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}{end}{tail}")


def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench")
    ap.add_argument("--quick", action="store_true", help="fewer repeats and items: under a minute")
    ap.add_argument("--only", default=",".join(WHERE), help="which of native,pyodide,browser (comma-separated)")
    ap.add_argument("--peers", action="store_true", help="also run n8n and Node-RED (installs them in bench/peers)")
    ap.add_argument("--readme", action="store_true", help="write the table into README.md's bench region")
    args = ap.parse_args()
    where = {w.strip() for w in args.only.split(",") if w.strip()}
    if where - set(WHERE):
        ap.error(f"--only takes {','.join(WHERE)}, not {','.join(sorted(where - set(WHERE)))}")
    started = time.perf_counter()
    spec = engine_input(args.quick)
    native, pyo, memory, browser = {}, {}, {}, {}
    if "native" in where:
        print("bench: native ...", file=sys.stderr, flush=True)
        native = run_native(spec)
    if "pyodide" in where:
        print("bench: Pyodide under Node ...", file=sys.stderr, flush=True)
        pyo = run_pyodide(spec)
        memory = pyodide_memory()
    if "browser" in where:
        print("bench: headless Chromium ...", file=sys.stderr, flush=True)
        import bench_browser

        browser = bench_browser.run(SITE, workloads.report(1000), workloads.REPORT_EDIT, quick=args.quick,
                                    small=(workloads.small(), workloads.SMALL_EDIT))  # fmt: skip
    sizes = site_bytes() if SITE.is_dir() else {}
    peers: dict = {}
    if args.peers:
        import bench_peers

        print("bench: peers (n8n, Node-RED) ...", file=sys.stderr, flush=True)
        peers = bench_peers.run(ROOT / "bench" / "peers", quick=args.quick, ours={"native": native, "Pyodide": pyo})
    command = "scripts/bench" + "".join(f" {a}" for a in sys.argv[1:] if a != "--readme")
    meta = {
        "when": time.strftime("%Y-%m-%d"), "command": command, "quick": args.quick,
        "machine": f"{platform.machine()}, CPython {sys.version.split()[0]}, Pyodide's CPython "
                   f"{pyo.get('python', '?')} under Node {_node_version()}",
        "repeats": "5 whole runs and 40 edits" if args.quick else "25 whole runs and 200 edits",
        "commit": _git("rev-parse", "--short", "HEAD") + (" + uncommitted engine changes"
                                                          if _git("status", "--porcelain", "engine") else ""),
        "wheel": _mtime(next(SITE.glob("pyodide/nodefox-*.whl"), None)),
    }  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    raw = {"meta": meta, "native": native, "pyodide": pyo, "memory": memory, "browser": browser, "sizes": sizes,
           "peers": {k: v for k, v in peers.items() if k != "markdown"}}  # fmt: skip
    (OUT / "report.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))  # kept if the table fails
    table = Table()
    engine_rows(table, native, pyo)
    other_rows(table, browser, sizes, memory)
    md = markdown(table, sizes, peers, meta)
    report = {**raw, "table": table.rows, "seconds": round(time.perf_counter() - started, 1)}
    (OUT / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (OUT / "report.md").write_text(md)
    print(md)
    print(f"bench: {report['seconds']} s; wrote {OUT / 'report.json'} and report.md", file=sys.stderr)
    if args.readme:
        update_readme(md)
        print("bench: README.md's bench region updated", file=sys.stderr)
    return 0


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def _mtime(path: Path | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime)) if path else "?"


def _node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
