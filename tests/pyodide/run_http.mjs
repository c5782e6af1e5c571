// Runs workflows that make HTTP requests with the engine inside Pyodide, under Node.
//
//   node --experimental-wasm-stack-switching tests/pyodide/run_http.mjs [--site build/site] [CASES.json]
//
// CASES is a JSON array of {name, document, options} (document as JSON text; options
// {allow_net, credentials} as nodefox.run takes them), read from the file given or stdin.
// Pyodide loads from the site exactly as run_examples.mjs does. The `http` node sends
// with urllib3, which in Pyodide awaits the JavaScript `fetch` through JSPI: Node 20
// needs --experimental-wasm-stack-switching, and Python must be entered through
// runPythonAsync (a synchronous entry cannot suspend; urllib3 then refuses and says so).
// `fetch` may reach loopback hosts only (the test server); anything else fails loudly.
//
// Prints JSON lines: first {"ready": true, "pyodide", "jspi"}, then per case
// {"name", "canonical", "ms"} (canonical computed inside Pyodide), or {"name", "error"}.
import { guardNetwork, loadFromSite, out, parseArgs, readCases } from "./common.mjs";

const { casesFile, pyodideDir } = parseArgs();
const cases = await readCases(casesFile);
guardNetwork(new Set(["127.0.0.1", "localhost", "[::1]"])); // the test server only

const pyodide = await loadFromSite(pyodideDir, ["nodefox", "urllib3"]);
for (const name of ["nodefox", "urllib3"]) {
  if (!(name in pyodide.loadedPackages)) {
    out({ ready: false, error: `${name} did not load from ${pyodideDir}` });
    process.exit(1);
  }
}

const runCase = pyodide.runPython(`
import json, nodefox

def _run_case(document, options):
    result = nodefox.run(json.loads(document), **json.loads(options))
    return nodefox.canonical(result)

_run_case
`);
pyodide.globals.set("_run_case", runCase);
const jspi = await pyodide.runPythonAsync(`
from pyodide.ffi import can_run_sync
can_run_sync()
`);
out({ ready: true, pyodide: pyodide.version, jspi: Boolean(jspi) });

for (const c of cases) {
  const t = performance.now();
  try {
    pyodide.globals.set("CASE_DOC", c.document);
    pyodide.globals.set("CASE_OPTIONS", JSON.stringify(c.options ?? {}));
    // runPythonAsync: the only entry from which urllib3 may suspend on fetch (JSPI)
    const canonical = await pyodide.runPythonAsync("_run_case(CASE_DOC, CASE_OPTIONS)");
    out({ name: c.name, canonical, ms: Math.round(performance.now() - t) });
  } catch (err) {
    out({ name: c.name, error: String(err?.message ?? err).slice(-2000) });
  }
}
