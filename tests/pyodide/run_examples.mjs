// Runs workflows with the engine inside Pyodide, loaded from the built site, under Node.
//
//   node tests/pyodide/run_examples.mjs [--site build/site] [CASES.json]
//
// CASES is a JSON array of {name, document, input?} (document and input as JSON text),
// read from the file given or else from stdin. One Pyodide instance runs them all.
// Pyodide loads exactly as the worker does: indexURL and lockFileURL in the site's
// pyodide/ folder, packages: ["nodefox"], nothing from the network; a case whose document
// needs a package the page loads on demand (tzdata, urllib3, openpyxl) gets it first, as
// the worker does (common.mjs `onDemand`).
//
// Prints JSON lines: first {"ready": true, "pyodide", "abiVersion", "nodefox", "loadMs",
// "atStart": the packages loaded at start-up},
// then per case {"name", "result", "canonical", "ms"} where `result` is the text
// bridge.run() returned and `canonical` its canonical form (no `stats`, compact JSON)
// computed inside Pyodide; or {"name", "error"} when Python raised.
import { readFile } from "node:fs/promises";
import { guardNetwork, loadFromSite, onDemand, out, parseArgs, readCases } from "./common.mjs";

const { casesFile, pyodideDir } = parseArgs();
const cases = await readCases(casesFile);
guardNetwork(); // no network: anything fetched from outside the site fails loudly

// Pyodide reports a package that fails to install on stderr and goes on; collect those.
const loadErrors = [];
const watch = (s) => {
  if (/error occurred while loading|Failed to load|Unable to load/i.test(s)) loadErrors.push(s.trim());
  process.stderr.write(s + "\n");
};
const consoleError = console.error;
console.error = (...a) => watch(a.map(String).join(" "));

const t0 = performance.now();
const pyodide = await loadFromSite(pyodideDir, ["nodefox"], watch);
console.error = consoleError;
// loadPyodide only logs a package that fails to install; make that fatal here.
const lock = JSON.parse(await readFile(pyodideDir + "pyodide-lock.json", "utf8"));
const needed = new Set();
const visit = (name) => {
  if (needed.has(name)) return;
  needed.add(name);
  for (const dep of lock.packages[name]?.depends ?? []) visit(dep);
};
visit("nodefox");
const notLoaded = [...needed].filter((name) => !(name in pyodide.loadedPackages));
if (notLoaded.length || loadErrors.length) {
  const error = `packages that did not load: ${notLoaded.join(", ")} ${loadErrors.join("; ")}`;
  out({ ready: false, error });
  process.exit(1);
}
for (const name of needed) {
  for (const mod of lock.packages[name].imports) pyodide.pyimport(mod);
}
const bridge = pyodide.pyimport("nodefox.bridge");
const nodefox = pyodide.pyimport("nodefox");
const loadMs = performance.now() - t0;

const canonical = pyodide.runPython(`
import json, nodefox
def _canonical(text):
    result = json.loads(text)
    if hasattr(nodefox, "canonical"):
        return nodefox.canonical(result)
    return json.dumps({k: v for k, v in result.items() if k != "stats"},
                      separators=(",", ":"), ensure_ascii=False)
_canonical
`);

out({
  ready: true,
  pyodide: pyodide.version,
  abiVersion: pyodide._api?.abiVersion ?? null,
  nodefox: nodefox.__version__,
  loadMs: Math.round(loadMs),
  atStart: Object.keys(pyodide.loadedPackages).sort(),
});

for (const c of cases) {
  const t = performance.now();
  try {
    const wanted = onDemand(c.document, pyodide.loadedPackages);
    if (wanted.length) await pyodide.loadPackage(wanted, { errorCallback: (e) => { throw new Error(e); } });
    const result = bridge.run(c.document, c.input ?? null);
    out({ name: c.name, result, canonical: canonical(result), ms: Math.round(performance.now() - t) });
  } catch (err) {
    out({ name: c.name, error: String(err?.message ?? err) });
  }
}
