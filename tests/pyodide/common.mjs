// What the Pyodide-under-Node runners share: their arguments, their cases, their output,
// the guard that keeps them off the network, and loading Pyodide from the built site
// exactly as the page's worker does (its lockfile, nothing from a CDN).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** `[--site DIR] [CASES.json]`: the site (default build/site) and the cases file (default stdin). */
export function parseArgs(argv = process.argv.slice(2)) {
  let site = path.resolve(here, "..", "..", "build", "site");
  let casesFile = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--site") site = path.resolve(argv[++i]);
    else casesFile = argv[i];
  }
  return { site, casesFile, pyodideDir: path.join(site, "pyodide") + path.sep };
}

/** The cases as JSON, from the file given or from stdin. */
export async function readCases(casesFile) {
  if (casesFile) return JSON.parse(await readFile(casesFile, "utf8"));
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** One JSON line on stdout. */
export const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

/** Make any fetch of http(s) outside `allowedHosts` (hostnames) fail loudly. */
export function guardNetwork(allowedHosts = new Set()) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (url, ...rest) => {
    const text = String(url?.url ?? url);
    if (/^https?:/i.test(text) && !allowedHosts.has(new URL(text).hostname)) {
      throw new Error(`network fetch attempted: ${text}`);
    }
    return realFetch(url, ...rest);
  };
}

/** Pyodide from `pyodideDir`, with `packages` loaded through the site's lockfile. */
export async function loadFromSite(pyodideDir, packages = ["nodefox"], stderr = (s) => process.stderr.write(s + "\n")) {
  const { loadPyodide } = await import(pathToFileURL(pyodideDir + "pyodide.mjs").href);
  return loadPyodide({
    indexURL: pyodideDir,
    lockFileURL: pyodideDir + "pyodide-lock.json",
    packages,
    stdout: (s) => process.stderr.write(s + "\n"),
    stderr,
  });
}

/** The packages the page's worker loads only once a message needs them, by the same rules
 * as web/src/engine/worker.ts (`OPTIONAL`): the names `text` (a document or ops, as JSON
 * text) needs that `loaded` does not hold yet. */
export function onDemand(text, loaded = {}) {
  const rules = [
    [["openpyxl"], text.includes("xlsx")],
    [["pypdf"], text.includes("pdf")],
    [["urllib3"], text.includes('"http"')],
    [["tzdata"], text.includes('"timezone"') && /"timezone"\s*:\s*"(?!UTC")/.test(text)],
  ];
  return rules.flatMap(([names, needed]) => (needed ? names.filter((n) => !(n in loaded)) : []));
}
