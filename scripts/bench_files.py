"""Reading a big CSV natively: `read_file` against a plain `csv.DictReader` loop.

    PYTHONPATH=engine .venv/bin/python scripts/bench_files.py [--mb 100] [--repeat 3] [--keep FILE]

Makes a CSV of about `--mb` megabytes (8 columns: ids, names, amounts, dates, a
quoted text with commas, once per run in a temporary folder unless `--keep` names
where to keep it), then times each way of reading it in a fresh process, so every
figure's peak memory (`ru_maxrss`) is its own:

- `dictreader`: `for row in csv.DictReader(f): pass`, the floor for any reader
  that makes a dict per row (rows thrown away: the smallest possible memory);
- `dictreader_list`: the same rows kept in a list, as any run result keeps them;
- `read_csv`: `nodefox.formats.read_csv`, what `read_file` calls;
- `read_file`: a whole `nodefox.run` of a workflow with one `read_file` node;
- `read_file_infer`: the same with `inferTypes`.

Prints one JSON object: rows, bytes, and per figure the best seconds, rows/s,
the peak RSS in MB and its ratio to the file's size; and `speed_vs_dictreader`
(read_file's rows/s over DictReader's; the goal is at least 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("dictreader", "dictreader_list", "read_csv", "read_file", "read_file_infer")


def make_csv(path: Path, megabytes: float) -> int:
    """Write a CSV of about `megabytes` MB; returns its rows (without the header)."""
    rng = random.Random(1)
    names = ["Ann", "Bo", "Cy", "Dee", "Émile", "Fay", "Gus", "Hal"]
    target = int(megabytes * 1_000_000)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id,name,email,amount,quantity,date,active,note\n")
        size = 0
        chunk = []
        while size < target:
            name = rng.choice(names)
            line = (
                f"{rows + 1},{name},{name.lower()}{rows}@example.com,{rng.randint(0, 99999) / 100},"
                f"{rng.randint(1, 50)},2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)},"
                f"{rng.choice(['true', 'false'])},\"{name} ordered, then paid\"\n"
            )
            chunk.append(line)
            size += len(line.encode("utf-8"))
            rows += 1
            if len(chunk) >= 10_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return rows


def measure(figure: str, path: str) -> dict:
    """Runs in a child process: one figure, timed, with its peak RSS."""
    import csv
    import resource

    sys.path.insert(0, str(ROOT / "engine"))
    start = time.perf_counter()
    if figure == "dictreader":
        rows = 0
        with open(path, encoding="utf-8", newline="") as f:
            for _row in csv.DictReader(f):
                rows += 1
    elif figure == "dictreader_list":
        with open(path, encoding="utf-8", newline="") as f:
            rows = len(list(csv.DictReader(f)))
    elif figure == "read_csv":
        from nodefox.formats import read_csv

        rows = len(read_csv(path, os.path.basename(path), {"format": "csv"}))
    else:
        import nodefox

        params = {"file": os.path.basename(path), "inferTypes": figure == "read_file_infer"}
        doc = {"nodefox": 1, "name": "bench", "nodes": [
            {"id": "r", "type": "read_file", "name": "Read", "params": params}], "edges": []}  # fmt: skip
        # no run budgets: 1.2 million items take about 1 GB, past the default memory budget
        result = nodefox.run(doc, files=os.path.dirname(path), timeout=None, max_memory=None)
        node = result["nodes"]["r"]
        if node["status"] != "ok":
            raise SystemExit(f"read_file failed: {node}")
        rows = len(node["outputs"]["out"])
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024}


def child(figure: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", figure, path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{figure} failed:\n{out.stdout}{out.stderr}")
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the CSV (default 100 MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--keep", help="make (or reuse) the CSV at this path")
    parser.add_argument("--only", help="comma-separated figures: " + ",".join(FIGURES))
    parser.add_argument("--child", nargs=2, metavar=("FIGURE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.csv"
        if not path.exists():
            make_csv(path, args.mb)
        size = path.stat().st_size
        figures = args.only.split(",") if args.only else list(FIGURES)
        report: dict = {"bytes": size, "python": sys.version.split()[0], "figures": {}}
        for figure in figures:
            runs = [child(figure, str(path)) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["seconds"])
            report["rows"] = best["rows"]
            report["figures"][figure] = {
                "seconds": round(best["seconds"], 3),
                "rows_per_s": round(best["rows"] / best["seconds"]),
                "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
                "peak_over_file": round(max(r["peak_mb"] for r in runs) * 2**20 / size, 2),
            }
            print(f"{figure}: {report['figures'][figure]}", file=sys.stderr)
        f = report["figures"]
        if "dictreader" in f and "read_file" in f:
            report["speed_vs_dictreader"] = round(f["read_file"]["rows_per_s"] / f["dictreader"]["rows_per_s"], 2)
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
