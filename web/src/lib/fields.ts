// The data panel's view of items as fields: the search that keeps matching items, the
// schema (each field's path, type and an example value), and the expression a dragged
// field stands for (docs/expressions.md: `$json.a.b`, or `$("Name").item.a.b` for a node
// that is not the direct input).
import type { Item, Json } from "./types";

/** One step into an item: an object key or a list index. */
export type Segment = string | number;

/** The MIME type a dragged field is offered as (besides text/plain, the expression). */
export const FIELD_DRAG_TYPE = "application/x-nodefox-field";

export type FieldDrag = { path: string; node: string; expression: string };

// Python's keywords cannot follow a dot (`$json.class` does not parse): they take brackets
const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path as an expression reads it after `$json`: `.a.b`, `.tags[0]`, `["order id"]`. */
export function accessor(path: Segment[]): string {
  return path
    .map((s) => (typeof s === "number" ? `[${s}]` : IDENTIFIER.test(s) && !KEYWORDS.has(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
    .join("");
}

/** The path as the drag data names it: `a.b`, `tags[0].name`, `["order id"]`. */
export function pathText(path: Segment[]): string {
  return accessor(path).replace(/^\./, "");
}

/** Where the items being shown come from, as an expression can name them. */
export type Origin = {
  /** the node's name, as `$("Name")` takes it */
  name: string;
  /** `$json` reads these items: a direct input on the node's first input port */
  direct: boolean;
  /** the source node's output port, and whether it is that node's first one (`.item` reads that) */
  port: string;
  firstPort: boolean;
};

/** The expression, `{{ ... }}`, that reads the field at `path` of the current item. */
export function fieldExpression(path: Segment[], origin: Origin): string {
  const tail = accessor(path);
  if (origin.direct) return `{{ $json${tail} }}`;
  const node = `$(${JSON.stringify(origin.name)})`;
  const item = origin.firstPort ? `${node}.item` : `${node}.all(${JSON.stringify(origin.port)})[$index]`;
  return `{{ ${item}${tail} }}`;
}

export function fieldDrag(path: Segment[], origin: Origin): FieldDrag {
  return { path: pathText(path), node: origin.name, expression: fieldExpression(path, origin) };
}

/** Does a key or a value anywhere in `value` contain `needle` (already lower case)? */
function contains(value: Json | undefined, needle: string): boolean {
  if (value === null || value === undefined) return needle === "null";
  if (typeof value !== "object") return String(value).toLowerCase().includes(needle);
  if (Array.isArray(value)) return value.some((v) => contains(v, needle));
  return Object.entries(value).some(([k, v]) => k.toLowerCase().includes(needle) || contains(v, needle));
}

/** The items (with their positions) whose keys or values contain `query`, ignoring case. */
export function filterItems(items: Item[], query: string, offset = 0): { item: Item; index: number }[] {
  const needle = query.trim().toLowerCase();
  const all = items.map((item, i) => ({ item, index: offset + i }));
  return needle ? all.filter(({ item }) => contains(item, needle)) : all;
}

export type FieldType = "string" | "number" | "boolean" | "null" | "object" | "array";

/** One line of the schema view: a field, at `depth` under its parent. */
export type Field = { path: Segment[]; key: string; depth: number; types: FieldType[]; example: Json | undefined };

function typeOf(value: Json): FieldType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as FieldType;
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** The fields of `items`, keys in first-seen order, nested objects (and the objects in a
 * list, as `[0]`) under their parent; each with every type it has and its first value
 * that is not null. */
export function schemaOf(items: Json[], limit = 500): Field[] {
  const out: Field[] = [];
  const walk = (values: Json[], path: Segment[], depth: number) => {
    const fields = new Map<string, { values: Json[] }>();
    for (const value of values) {
      if (!isObject(value)) continue;
      for (const [key, v] of Object.entries(value)) {
        let field = fields.get(key);
        if (!field) fields.set(key, (field = { values: [] }));
        field.values.push(v);
      }
    }
    for (const [key, { values: found }] of fields) {
      if (out.length >= limit) return;
      const types = [...new Set(found.map(typeOf))];
      const example = found.find((v) => v !== null) ?? found[0];
      const here = [...path, key];
      out.push({ path: here, key, depth, types, example });
      const objects = found.filter(isObject);
      if (objects.length) walk(objects, here, depth + 1);
      const listed = found.filter(Array.isArray).flatMap((list) => list.slice(0, 1)).filter(isObject);
      if (listed.length) walk(listed, [...here, 0], depth + 1);
    }
  };
  walk(items, [], 0);
  return out;
}

/** An example value, short enough for one line. */
export function exampleText(value: Json | undefined, max = 60): string {
  if (value === undefined) return "";
  let text: string;
  if (Array.isArray(value)) text = `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  else if (isObject(value)) text = `{${Object.keys(value).length} field${Object.keys(value).length === 1 ? "" : "s"}}`;
  else text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The nodes a path of edges leads from to `id` (those `$("Name")` may read), nearest
 * first. */
export function ancestors(edges: { source: string; target: string }[], id: string): string[] {
  const into = new Map<string, string[]>();
  for (const e of edges) into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  const found: string[] = [];
  const seen = new Set([id]);
  for (let queue = [id]; queue.length; ) {
    const here = queue.shift()!;
    for (const source of into.get(here) ?? []) {
      if (seen.has(source)) continue;
      seen.add(source);
      found.push(source);
      queue = [...queue, source];
    }
  }
  return found;
}
