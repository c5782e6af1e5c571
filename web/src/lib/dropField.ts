// A field dragged from the data panel into a parameter: the drag carries
// `application/x-nodefox-field` = {"path": "a.b", "node": "<node name>", "expression": "{{ $json.a.b }}"};
// a parameter takes it at the drop point, as n8n's do (docs/editor.md).
import { FIELD_MIME, openBraces } from "./help";

export { FIELD_MIME };

export type DroppedField = { path: string; node?: string; expression: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Python's keywords cannot follow a dot (`$json.class` does not parse)
const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);
const KEY = /(?:^|\.)([A-Za-z_]\w*)|\[(?:("(?:[^"\\]|\\.)*")|(\d+))\]/g;
const ACCESSOR = new RegExp(`^(?:${KEY.source.replace("(?:^|\\.)", "\\.?")})+$`);

/** The keys of a field's path: as the data panel writes it (`a.b`, `tags[0].name`,
 * `["order id"]`), or plain dotted (`customer.city`, `tags.0`); numbers are list indexes. */
export function keysOf(path: string): (string | number)[] {
  if (!ACCESSOR.test(path)) return path.split(".").filter((k) => k !== "").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return [...path.matchAll(KEY)].map((m) => m[1] ?? (m[2] !== undefined ? (JSON.parse(m[2]) as string) : Number(m[3])));
}

const named = (k: string) => IDENT.test(k) && !KEYWORDS.has(k);

/** `$json` read at a path: `a.b` → `$json.a.b`, `order id` → `$json["order id"]`, `tags.0` → `$json.tags[0]`. */
export function jsonAccess(path: string, root = "$json"): string {
  return keysOf(path).reduce<string>((at, k) => at + (typeof k === "number" ? `[${k}]` : named(k) ? `.${k}` : `[${JSON.stringify(k)}]`), root);
}

/** A code node's Python for the field: `item["a"]["b"]`. */
export function pythonAccess(path: string): string {
  return keysOf(path).reduce<string>((at, k) => at + (typeof k === "number" ? `[${k}]` : `[${JSON.stringify(k)}]`), "item");
}

/** The dragged field, or null when the drag carries none (or not in our form). */
export const readDrop = (data: DataTransfer | null): DroppedField | null => parseDrop(data?.getData(FIELD_MIME) ?? "");

/** The drag data's text as a field, or null when it is not one. */
export function parseDrop(text: string): DroppedField | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<DroppedField>;
    if (typeof value?.path !== "string") return null;
    const expression = typeof value.expression === "string" && value.expression.trim() ? value.expression : `{{ ${jsonAccess(value.path)} }}`;
    return { path: value.path, node: typeof value.node === "string" ? value.node : undefined, expression };
  } catch {
    return null;
  }
}

/** `{{ $json.a }}` → `$json.a`. */
export const inner = (expression: string) => /^\s*\{\{\s*([\s\S]*?)\s*\}\}\s*$/.exec(expression)?.[1] ?? expression;

/** The text of a parameter after dropping `field` at `at`, and where the caret goes.
 * - "expression": a template (`=...`): inside `{{ }}` the bare expression goes in, elsewhere the whole `{{ ... }}`;
 * - "text": a fixed text becomes a template, the `{{ ... }}` at the drop point;
 * - "value": a fixed value that is no text (a number, a choice): the expression takes its place;
 * - "python": a code node's source gets `item["a"]["b"]`. */
export function dropInto(text: string, at: number, field: DroppedField, kind: "expression" | "text" | "value" | "python"): { text: string; caret: number } {
  if (kind === "value") {
    const next = `=${field.expression}`;
    return { text: next, caret: next.length };
  }
  if (kind === "python") {
    const where = clamp(at, 0, text.length);
    const piece = pythonAccess(field.path);
    return { text: text.slice(0, where) + piece + text.slice(where), caret: where + piece.length };
  }
  const template = kind === "expression" ? text : `=${text}`;
  const where = clamp(kind === "expression" ? at : at + 1, 1, template.length);
  const before = template.slice(0, where);
  const after = template.slice(where);
  if (openBraces(template, where) === null) return { text: before + field.expression + after, caret: where + field.expression.length };
  // inside the braces: the bare expression, spaced from them as `{{ x }}` is
  const piece = `${before.endsWith("{{") ? " " : ""}${inner(field.expression)}`;
  const tail = after.startsWith("}}") ? " " : "";
  return { text: before + piece + tail + after, caret: where + piece.length };
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
