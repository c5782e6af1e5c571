// Runs file workflows (read_file / write_file) with the engine inside Pyodide, under Node.
//
//   node tests/pyodide/run_files.mjs [--site build/site] [CASES.json]
//
// CASES (a file, else stdin) is {"files": {NAME: BASE64}, "cases": [{name, document}]}.
// Pyodide loads as the browser worker does (the site's lockfile, packages: ["nodefox"],
// nothing from the network); the files are written into Pyodide's file system under
// /files, the files folder every case runs with (allow_write on).
//
// The XLSX and PDF readers are not loaded at start-up: before a case runs, the packages
// that `nodefox.nodes.files.packages(document)` names are loaded with pyodide.loadPackage,
// as the worker does, one at a time, and the first load of each is timed.
//
// Prints JSON lines: {"ready", "pyodide", "openpyxlAtStart", "pypdfAtStart", "loadMs"},
// then per case {"name", "canonical", "written": {NAME: BASE64}, "ms"} or {"name", "error"},
// and last {"xlsx": COST} and {"pdf": COST} (COST: {"loadPackageMs", "importMs",
// "wheelBytes"}) for the readers a case needed.
import { readFile, stat } from "node:fs/promises";
import { guardNetwork, loadFromSite, out, parseArgs, readCases } from "./common.mjs";

const { casesFile, pyodideDir } = parseArgs();
const input = await readCases(casesFile);
guardNetwork();

const t0 = performance.now();
const pyodide = await loadFromSite(pyodideDir);
let helpers;
try {
  helpers = pyodide.runPython(`
import base64, json, os, sys, time
import nodefox
from nodefox.nodes.files import packages

def _at_start(module):
    return module in sys.modules

def _packages(document):
    return json.dumps(packages(json.loads(document)))

def _import_ms(module):
    start = time.perf_counter()
    __import__(module)
    return (time.perf_counter() - start) * 1000

def _run(document):
    before = {n: os.stat("/files/" + n).st_mtime_ns for n in os.listdir("/files")}
    result = nodefox.run(json.loads(document), files="/files", allow_write=True)
    written = {}
    for n in sorted(os.listdir("/files")):
        if before.get(n) != os.stat("/files/" + n).st_mtime_ns:
            with open("/files/" + n, "rb") as f:
                written[n] = base64.b64encode(f.read()).decode()
    return json.dumps({"canonical": nodefox.canonical(result), "written": written})

{"at_start": _at_start, "packages": _packages, "import_ms": _import_ms, "run": _run}
`).toJs({ dict_converter: Object.fromEntries });
} catch (err) {
  out({ ready: false, error: String(err?.message ?? err) });
  process.exit(1);
}

pyodide.FS.mkdirTree("/files");
for (const [name, b64] of Object.entries(input.files)) {
  pyodide.FS.writeFile("/files/" + name, Buffer.from(b64, "base64"));
}
out({
  ready: true,
  pyodide: pyodide.version,
  openpyxlAtStart: helpers.at_start("openpyxl") || "openpyxl" in pyodide.loadedPackages,
  pypdfAtStart: helpers.at_start("pypdf") || "pypdf" in pyodide.loadedPackages,
  loadMs: Math.round(performance.now() - t0),
});

// each optional package: what its cost is reported as, and the wheels it brings
const READERS = { openpyxl: { key: "xlsx", wheels: ["openpyxl", "et-xmlfile"] }, pypdf: { key: "pdf", wheels: ["pypdf"] } };
const costs = {};
const lock = JSON.parse(await readFile(pyodideDir + "pyodide-lock.json", "utf8"));
for (const c of input.cases) {
  try {
    const needed = JSON.parse(helpers.packages(c.document)).filter((p) => !(p in pyodide.loadedPackages));
    for (const name of needed) {
      const start = performance.now();
      await pyodide.loadPackage([name], { errorCallback: (e) => { throw new Error(e); } });
      const loadPackageMs = performance.now() - start;
      const importMs = helpers.import_ms(name);
      let wheelBytes = 0;
      for (const wheel of READERS[name].wheels) wheelBytes += (await stat(pyodideDir + lock.packages[wheel].file_name)).size;
      costs[READERS[name].key] = { loadPackageMs: Math.round(loadPackageMs), importMs: Math.round(importMs), wheelBytes };
    }
    const t = performance.now();
    const answer = JSON.parse(helpers.run(c.document));
    out({ name: c.name, ...answer, ms: Math.round(performance.now() - t) });
  } catch (err) {
    out({ name: c.name, error: String(err?.message ?? err) });
  }
}
for (const [key, cost] of Object.entries(costs)) out({ [key]: cost });
