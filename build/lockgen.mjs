// Writes the lockfile entries for our wheels by installing them in Pyodide under Node.
//
// Usage: node build/lockgen.mjs PYODIDE_DIR WHEEL_DIR MICROPIP_WHEEL WHEEL...
//
// PYODIDE_DIR is the npm package (build/node_modules/pyodide/), WHEEL_DIR holds the
// wheels to serve, MICROPIP_WHEEL is micropip's wheel file name in WHEEL_DIR, and the
// WHEELs follow in an order where each comes after its dependencies. Nothing is
// fetched: the wheels are read from WHEEL_DIR through a NODEFS mount ("emfs:" URLs),
// and each one's dependencies are already installed when micropip reaches it, so
// micropip never turns to the core lockfile (whose wheels live on the CDN).
//
// Prints one JSON object: {"pyodide": version, "abiVersion": the runtime's ABI,
// "freeze": micropip.freeze() parsed}. build/assemble.py turns it into the served
// pyodide-lock.json (file names, sha256 checked against the files, imports filled in).
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelDir, micropipWheel, ...wheels] = process.argv.slice(2);
if (!pyodideDir || !wheelDir || !micropipWheel) {
  console.error("usage: node lockgen.mjs PYODIDE_DIR WHEEL_DIR MICROPIP_WHEEL WHEEL...");
  process.exit(2);
}
const indexURL = path.resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL, packages: [], stdout: (s) => console.error(s) });

pyodide.FS.mkdirTree("/wheels");
pyodide.mountNodeFS("/wheels", path.resolve(wheelDir));
pyodide.globals.set("MICROPIP_WHEEL", micropipWheel);
pyodide.globals.set("WHEELS", pyodide.toPy(wheels));

const frozen = await pyodide.runPythonAsync(`
import sys, zipfile
# micropip runs from a private copy; installing its own wheel below records it like the rest
zipfile.ZipFile("/wheels/" + MICROPIP_WHEEL).extractall("/tmp/micropip-bootstrap")
sys.path.insert(0, "/tmp/micropip-bootstrap")
import micropip
for name in [MICROPIP_WHEEL, *WHEELS]:
    await micropip.install("emfs:/wheels/" + name, deps=True)
micropip.freeze()
`);
process.stdout.write(
  JSON.stringify({
    pyodide: pyodide.version,
    abiVersion: pyodide._api?.abiVersion ?? null,
    freeze: JSON.parse(frozen),
  }) + "\n",
);
