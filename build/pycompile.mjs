// Adds CPython 3.14 bytecode to a pure-Python wheel, compiled by Pyodide's own Python.
//
// Usage: node build/pycompile.mjs PYODIDE_DIR IN_WHEEL OUT_WHEEL
//
// A wheel from PyPI carries only .py files, and Pyodide does not keep the bytecode it
// compiles on import, so every page pays the compile again: for openpyxl about two
// thirds of its first import. This writes OUT_WHEEL = IN_WHEEL plus, for each module,
// `__pycache__/NAME.cpython-314.pyc` as an *unchecked-hash* pyc (PEP 552): the import
// system uses it without comparing it to the source's time stamp, which unpacking a
// wheel does not keep. The sources stay (tracebacks show them); RECORD is unchanged
// (a wheel may leave .pyc files out of it). Entries keep their order and time stamps,
// new ones take the wheel's first time stamp, so the output depends only on the input.
//
// Prints one JSON object: {"pyodide": version, "modules": N, "bytes": OUT size}.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, inWheel, outWheel] = process.argv.slice(2);
if (!pyodideDir || !inWheel || !outWheel) {
  console.error("usage: node pycompile.mjs PYODIDE_DIR IN_WHEEL OUT_WHEEL");
  process.exit(2);
}
const indexURL = path.resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL, packages: [], stdout: (s) => console.error(s) });

pyodide.FS.mkdirTree("/in");
pyodide.FS.mkdirTree("/out");
pyodide.mountNodeFS("/in", path.dirname(path.resolve(inWheel)));
pyodide.mountNodeFS("/out", path.dirname(path.resolve(outWheel)));
pyodide.globals.set("IN", "/in/" + path.basename(inWheel));
pyodide.globals.set("OUT", "/out/" + path.basename(outWheel));

const result = pyodide.runPython(`
import importlib.util, json, os, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

tag = sys.implementation.cache_tag  # cpython-314
count = 0
with zipfile.ZipFile(IN) as src, zipfile.ZipFile(OUT + ".tmp", "w", zipfile.ZIP_DEFLATED) as dst:
    infos = src.infolist()
    stamp = infos[0].date_time
    for info in infos:
        data = src.read(info)
        dst.writestr(info, data)
        name = info.filename
        if not name.endswith(".py") or ".dist-info/" in name or ".data/" in name:
            continue
        folder, base = os.path.split(name)
        code = compile(data, name, "exec", dont_inherit=True)
        pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
        target = zipfile.ZipInfo(f"{folder}/__pycache__/{base[:-3]}.{tag}.pyc" if folder
                                 else f"__pycache__/{base[:-3]}.{tag}.pyc", stamp)
        target.compress_type = zipfile.ZIP_DEFLATED
        target.external_attr = 0o644 << 16
        dst.writestr(target, bytes(pyc))
        count += 1
os.replace(OUT + ".tmp", OUT)
json.dumps({"modules": count, "bytes": os.path.getsize(OUT)})
`);
process.stdout.write(JSON.stringify({ pyodide: pyodide.version, ...JSON.parse(result) }) + "\n");
