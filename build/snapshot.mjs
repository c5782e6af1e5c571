// Makes the memory snapshot the worker restores instead of starting Python from scratch.
//
// Usage: node build/snapshot.mjs SITE_PYODIDE_DIR OUT_FILE WHEEL...
//
// SITE_PYODIDE_DIR is the staged site's pyodide/ folder (the served runtime: the snapshot
// only restores into the wasm build it was made with), the WHEELs are file names in it, in
// install order. Pyodide starts with `_makeSnapshot: true`, the wheels are written to
// WHEEL_DIR in its file system and put on sys.path as zip files (zipimport), then
// nodefox.bridge is imported and its catalogue built, and the wasm heap is written to
// OUT_FILE with pyodide.makeMemorySnapshot().
//
// Why zip files and not loadPackage: a snapshot can only be made while the JS-side
// `loadedPackages` is still empty, and the file system is not part of it (only the heap
// is). The worker, after restoring, writes the very same wheel files (checked by the
// lockfile's sha256) to the same paths: a few writes, no unpacking.
//
// Prints one JSON line: {"pyodide", "bytes", "wheelDir", "modules", "ms"}.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const WHEEL_DIR = "/nodefox/wheels";

const [pyodideDir, outFile, ...wheels] = process.argv.slice(2);
if (!pyodideDir || !outFile || !wheels.length) {
  console.error("usage: node snapshot.mjs SITE_PYODIDE_DIR OUT_FILE WHEEL...");
  process.exit(2);
}
// Nothing may be fetched from outside (the runtime reads its files from SITE_PYODIDE_DIR).
globalThis.fetch = (url) => Promise.reject(new Error(`snapshot.mjs: no fetch allowed (${url})`));

const t0 = performance.now();
const indexURL = path.resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({
  indexURL,
  lockFileURL: indexURL + "pyodide-lock.json",
  _makeSnapshot: true,
  stdout: (s) => console.error(s),
  stderr: (s) => console.error(s),
});
pyodide.FS.mkdirTree(WHEEL_DIR);
for (const name of wheels) {
  pyodide.FS.writeFile(`${WHEEL_DIR}/${name}`, await readFile(indexURL + name));
}
pyodide.globals.set("WHEEL_PATHS", pyodide.toPy(wheels.map((name) => `${WHEEL_DIR}/${name}`)));
const modules = pyodide.runPython(`
import sys
sys.path[1:1] = WHEEL_PATHS  # after "", before the stdlib and site-packages
del WHEEL_PATHS
import nodefox, nodefox.bridge
nodefox.bridge.catalogue()
assert nodefox.__file__.startswith(${JSON.stringify(WHEEL_DIR)}), nodefox.__file__
len(sys.modules)
`);
const snapshot = pyodide.makeMemorySnapshot();
await writeFile(outFile, snapshot);
process.stdout.write(
  JSON.stringify({
    pyodide: pyodide.version,
    bytes: snapshot.length,
    wheelDir: WHEEL_DIR,
    modules,
    ms: Math.round(performance.now() - t0),
  }) + "\n",
);
