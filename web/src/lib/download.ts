// Downloads from the page: bytes as a file, and items as CSV or JSON written the way the
// engine's write_file writes them (engine/nodefox/formats.py), so a download and a file
// written by a workflow agree byte for byte.
import type { Item, Json } from "./types";

export function downloadBytes(name: string, data: Uint8Array | string, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Compact JSON as Python's json.dumps(separators=(",", ":")) would not differ from:
 * JSON.stringify is compact already. */
const cellOf = (value: Json | undefined): string =>
  value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);

/** Python csv.writer's minimal quoting: quote a field holding the delimiter, a quote, or
 * a line break (doubling quotes). */
function field(text: string, delimiter: string): string {
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header of every key (first-seen order), then one row per item; a missing key is an
 * empty cell, a nested value compact JSON; lines end with \n. */
export function itemsToCsv(items: Item[], delimiter = ","): string {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const item of items) for (const key of Object.keys(item)) if (!seen.has(key)) (seen.add(key), keys.push(key));
  const row = (cells: string[]) =>
    // csv.writer writes a lone empty field as "" so the row is not read back as empty
    (cells.length === 1 && cells[0] === "" ? '""' : cells.map((c) => field(c, delimiter)).join(delimiter)) + "\n";
  let out = keys.length ? row(keys) : "";
  for (const item of items) out += row(keys.map((k) => (k in item ? cellOf(item[k]) : "")));
  return out;
}

/** JSON as write_file writes it: indented by two, a final newline. */
export function itemsToJson(items: Item[]): string {
  return JSON.stringify(items, null, 2) + "\n";
}
