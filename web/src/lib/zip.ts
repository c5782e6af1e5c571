// "Export with files": the workflow and the files it names in one zip, which Open accepts
// (docs/editor.md). fflate does the zip format (docs/decisions.md).
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import type { Workflow } from "./types";

export const WORKFLOW_ENTRY = "workflow.json";
const FILES = "files/";
const FILE_NODES = new Set(["read_file", "write_file", "load_file"]); // the types whose file names the files folder

/** The names a workflow's file nodes give as fixed text; null when one is an expression
 * (then every stored file goes along). */
export function namedFiles(doc: Workflow): Set<string> | null {
  const names = new Set<string>();
  for (const node of doc.nodes) {
    if (!FILE_NODES.has(node.type)) continue;
    const file = node.params?.file;
    if (typeof file !== "string") continue;
    if (file.startsWith("=")) return null;
    names.add(file);
  }
  return names;
}

export function zipWorkflow(doc: Workflow, files: { name: string; data: Uint8Array }[]): Uint8Array {
  const entries: { [path: string]: Uint8Array } = { [WORKFLOW_ENTRY]: strToU8(JSON.stringify(doc, null, 2) + "\n") };
  for (const file of files) entries[FILES + file.name] = file.data;
  return zipSync(entries, { level: 6 });
}

export const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;

/** The workflow's JSON text and its files; a zip without workflow.json is refused. */
export function unzipWorkflow(bytes: Uint8Array): { text: string; files: { name: string; data: Uint8Array }[] } {
  const entries = unzipSync(bytes);
  const text = entries[WORKFLOW_ENTRY];
  if (!text) throw new Error(`the zip holds no ${WORKFLOW_ENTRY}`);
  const files = Object.entries(entries)
    .filter(([path]) => path.startsWith(FILES) && !path.endsWith("/") && !path.split("/").includes(".."))
    .map(([path, data]) => ({ name: path.slice(FILES.length), data }));
  return { text: strFromU8(text), files };
}
