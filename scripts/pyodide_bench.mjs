// Runs a Python benchmark inside Pyodide under Node, loaded from the built site
// exactly as the page's worker loads it (lockfile, packages: ["nodefox"], no network).
//
//   node scripts/pyodide_bench.mjs BENCH.py INPUT.json
//
// BENCH.py defines main(input_text) -> str (JSON). Prints {"loadMs", "heapLoadedBytes", "heapBytes", "result"}:
// the wasm heap after loading the engine and after main(); wasm memory never shrinks, so the latter is the peak.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [benchFile, inputFile] = process.argv.slice(2);
const pyodideDir = path.resolve(here, "..", "build", "site", "pyodide") + path.sep;

const t0 = performance.now();
const { loadPyodide } = await import(pathToFileURL(pyodideDir + "pyodide.mjs").href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir,
  lockFileURL: pyodideDir + "pyodide-lock.json",
  packages: ["nodefox"],
  stdout: (s) => process.stderr.write(s + "\n"),
  stderr: (s) => process.stderr.write(s + "\n"),
});
pyodide.pyimport("nodefox.bridge");
const loadMs = performance.now() - t0;

const heapLoadedBytes = pyodide._module.HEAP8.length;

pyodide.runPython(await readFile(benchFile, "utf8"));
const main = pyodide.globals.get("main");
const result = main(await readFile(inputFile, "utf8"));
const heapBytes = pyodide._module.HEAP8.length;
process.stdout.write(JSON.stringify({ loadMs, heapLoadedBytes, heapBytes, result: JSON.parse(result) }) + "\n");
