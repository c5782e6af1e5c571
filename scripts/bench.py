"""The benchmark: every figure of performance.md, with medians, p95s and ratios.

Run through `scripts/bench`. Engine figures come from bench_engine.py, run
natively and inside Pyodide under Node; page figures from headless Chromium.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import statistics
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


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


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
        "lane": workloads.lane(),
        "big-1000": workloads.big(1000),
    }
    return {"docs": docs, "quick": quick, "only": only, "report_edit": list(workloads.REPORT_EDIT),
            "big_edit": list(workloads.BIG_EDIT)}  # fmt: skip


def run_native(spec: dict) -> dict:
    return json.loads(bench_engine.main(json.dumps(spec)))


def run_pyodide(spec: dict) -> dict:
    if not (SITE / "pyodide" / "pyodide-lock.json").is_file():
        raise SystemExit("bench: build/site is missing; run scripts/build-site first")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(spec, fh)
    proc = subprocess.run(
        ["node", str(ROOT / "scripts" / "pyodide_bench.mjs"), str(ROOT / "scripts" / "bench_engine.py"), fh.name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    Path(fh.name).unlink()
    if proc.returncode != 0:
        raise SystemExit(f"bench: Pyodide run failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**data["result"], "load_ms": data["loadMs"], "heap_bytes": data["heapBytes"]}


def site_bytes() -> dict:
    """Raw and gzip bytes of the served site, by part."""
    parts: dict[str, list[int]] = {}
    for f in sorted(SITE.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(SITE).as_posix()
        if rel.startswith("pyodide/nodefox-"):
            part = "our wheel"
        elif rel.endswith(".whl"):
            part = "other wheels"
        elif rel.startswith("pyodide/"):
            part = "Pyodide core"
        elif rel.startswith("examples/"):
            part = "examples"
        else:
            part = "JS, CSS, HTML"
        data = f.read_bytes()
        raw, gz = parts.setdefault(part, [0, 0]), len(gzip.compress(data, 6))
        raw[0] += len(data)
        raw[1] += gz
    return {k: {"raw": v[0], "gzip": v[1]} for k, v in parts.items()}


def browser_figures(quick: bool) -> dict:
    """Page load (cold, warm) and keystroke -> count latency, in headless Chromium."""
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    try:
        import measure  # the browser tests' own measuring helpers
    except ImportError as exc:
        return {"error": f"browser measurements unavailable: {exc}"}
    try:
        return measure.bench(repeat=3 if quick else 5, edits=20 if quick else 60)
    except Exception as exc:  # report, do not hide, what went wrong
        return {"error": f"{type(exc).__name__}: {exc}"}


def rows(native: dict, pyo: dict, browser: dict, sizes: dict) -> list[tuple]:
    """(figure, where, target, measured, meets) rows in the spec's table order."""
    out = []

    def add(figure: str, where: str, target: str, measured: str, ok: bool | None) -> None:
        out.append((figure, where, target, measured, "yes" if ok else ("—" if ok is None else "**no**")))

    if pyo.get("edit_ms"):
        m, p = median(pyo["edit_ms"]), p95(pyo["edit_ms"])
        add("edit → preview, `patch_params` mid-`report`, p50 / p95", "Pyodide (Node)", "≤ 3 / ≤ 8 ms",
            f"{m:.2f} / {p:.2f} ms (native {median(native['edit_ms']):.2f} / {p95(native['edit_ms']):.2f})",
            m <= 3 and p <= 8)  # fmt: skip
    if browser.get("edit_to_dom_ms"):
        xs = browser["edit_to_dom_ms"]
        add("edit → counts drawn, p50 / p95", "Chromium", "≤ 8 / ≤ 16 ms",
            f"{median(xs):.1f} / {p95(xs):.1f} ms", median(xs) <= 8 and p95(xs) <= 16)
    else:
        add("edit → counts drawn, p50 / p95", "Chromium", "≤ 8 / ≤ 16 ms", browser.get("error", "not measured"), None)
    rn = median(native["report_run_ms"])
    rp = median(pyo["report_run_ms"]) if pyo.get("report_run_ms") else math.nan
    add("full run of `report`", "native / Pyodide", "≤ 20 / ≤ 50 ms", f"{rn:.1f} / {rp:.1f} ms", rn <= 20 and rp <= 50)
    c = median(native["chain1000_ms"])
    ratio = c / median(native["chain1000_plain_ms"])
    add("node throughput, `chain-1000`, 1 item", "native", "≥ 50,000 nodes/s",
        f"{1000 / c * 1000:,.0f} nodes/s ({ratio:.0f}× a plain dict loop)", 1000 / c * 1000 >= 50_000)
    for label, data, target in (("native", native, 1_000_000), ("Pyodide", pyo, 400_000)):
        if not data.get("expr_node_ms"):
            continue
        node_ms = median(data["expr_node_ms"])
        rate = data["expr_items"] / node_ms * 1000
        ratio = node_ms / median(data["expr_plain_ms"])
        whole = data["expr_items"] / median(data["expr_run_ms"]) * 1000
        add(f"expression throughput, `$json.a * 2 + 1` × {data['expr_items']:,}", label,
            f"≥ {target:,} items/s", f"{rate:,.0f} items/s ({ratio:.2f}× a plain loop; whole run {whole:,.0f}/s)",
            rate >= target)  # fmt: skip
    if pyo.get("move_ms"):
        mv, eq = median(pyo["move_ms"]), median(pyo["equal_ms"])
        ran = max(pyo["equal_ran"])
        add("move / edit with equal outputs", "Pyodide (Node)", "≤ 1 ms, nothing downstream runs",
            f"{mv:.2f} / {eq:.2f} ms; ran {ran} node(s)", mv <= 1 and eq <= 1 and ran <= 1)
        spread = p95(pyo["edit_ms"]) / median(pyo["edit_ms"])
        add("run-to-run spread of one preview, p95 / p50", "Pyodide (Node)", "≤ 1.5", f"{spread:.2f}", spread <= 1.5)
    if browser.get("load_cold_ms"):
        cold, warm = median(browser["load_cold_ms"]), median(browser["load_warm_ms"])
        add("page load to first preview, cold / warm", "Chromium", "≤ 3 / ≤ 1.5 s",
            f"{cold / 1000:.2f} / {warm / 1000:.2f} s", cold <= 3000 and warm <= 1500)
    ours = sum(v["gzip"] for k, v in sizes.items() if k in ("our wheel", "other wheels", "JS, CSS, HTML"))
    add("bytes we add (our wheel, its wheels, JS, CSS), gzip", "served site", "≤ 1 MB",
        f"{ours / 1e6:.2f} MB", ours <= 1_000_000)
    if pyo.get("memory_heap_bytes"):
        mb = pyo["memory_heap_bytes"] / 2**20
        add("peak memory, `big-1000` live session", "Pyodide wasm heap", "≤ 150 MB", f"{mb:.0f} MB", mb <= 150)
    lane, big = median(native["lane_edit_ms"]), median(native["big_edit_ms"])
    add("local edit, 40-node vs 1,000-node graph", "native", "about equal (≤ 2×)",
        f"{lane:.2f} vs {big:.2f} ms ({big / lane:.2f}×)", big / lane <= 2)
    if pyo.get("lane_edit_ms"):
        lane_p, big_p = median(pyo["lane_edit_ms"]), median(pyo["big_edit_ms"])
        add("local edit, 40-node vs 1,000-node graph", "Pyodide (Node)", "about equal (≤ 2×)",
            f"{lane_p:.2f} vs {big_p:.2f} ms ({big_p / lane_p:.2f}×)", big_p / lane_p <= 2)
    return out


def markdown(table: list[tuple], sizes: dict, meta: dict) -> str:
    lines = ["| figure | where | target | measured | meets |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in table]
    lines += ["", "| site part | raw | gzip |", "|---|---|---|"]
    for part, v in sizes.items():
        lines.append(f"| {part} | {v['raw'] / 1e6:.2f} MB | {v['gzip'] / 1e6:.2f} MB |")
    lines += ["", f"Measured {meta['when']} on {meta['machine']}; medians of repeated runs "
              f"(`scripts/bench{' --quick' if meta['quick'] else ''}`)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    body = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}{end}{tail}")


def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench")
    ap.add_argument("--quick", action="store_true", help="fewer repeats and items: under a minute")
    ap.add_argument("--only", default="native,pyodide,browser", help="which of native,pyodide,browser")
    ap.add_argument("--peers", action="store_true", help="also run n8n and Node-RED (installs them)")
    ap.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = ap.parse_args()
    where = set(args.only.split(","))
    started = time.perf_counter()
    spec = engine_input(args.quick)
    native = run_native(spec) if "native" in where else {}
    pyo: dict = {}
    if "pyodide" in where:
        pyo = run_pyodide(spec)
        mem = run_pyodide({**spec, "only": ["memory"]})
        pyo["memory_heap_bytes"] = mem["heap_bytes"]
    browser = browser_figures(args.quick) if "browser" in where else {}
    sizes = site_bytes() if SITE.is_dir() else {}
    peers = {}
    if args.peers:
        import bench_peers

        peers = bench_peers.run(quick=args.quick)
    meta = {"when": time.strftime("%Y-%m-%d"), "machine": "2 cores, CPython "
            f"{sys.version.split()[0]} / Pyodide {pyo.get('python', '?')}", "quick": args.quick}  # fmt: skip
    table = rows(native, pyo, browser, sizes) if native else []
    md = markdown(table, sizes, meta)
    if peers:
        md += "\n" + peers.pop("markdown", "")
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "native": native, "pyodide": pyo, "browser": browser, "sizes": sizes, "peers": peers,
              "table": table, "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    (OUT / "report.json").write_text(json.dumps(report, indent=1))
    (OUT / "report.md").write_text(md)
    print(md)
    print(f"bench: {report['seconds']} s; wrote {OUT / 'report.json'} and report.md")
    if args.readme:
        update_readme(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
