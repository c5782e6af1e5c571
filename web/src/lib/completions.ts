// Expression help: what to offer at the caret of an expression (inside `{{ ... }}` of a
// template, or anywhere in a `code` node's Python), from the node's input items, the names
// of the nodes above it and the engine's catalogue of functions. Pure functions: the
// inspector's fields and the code editor feed them and draw the list (docs/editor.md).
import { openBraces } from "./help";
import type { Json } from "./types";

export { openBraces };

export type FunctionInfo = { name: string; signature: string; description: string };
export type OptionKind = "field" | "node" | "function" | "variable" | "method";
/** One entry of the list: `apply` replaces the text from the completion's `from` (or the
 * option's own, when it replaces more: `$json.order id` becomes `$json["order id"]`) to `to`. */
export type Option = { label: string; apply: string; detail: string; kind: OptionKind; from?: number };
export type Completion = { from: number; to: number; options: Option[] };
export type Sources = {
  items: Json[]; // a sample of the node's input items (what `$json` is)
  nodes: string[]; // the names `$("...")` may take: the nodes upstream of this one
  functions: FunctionInfo[]; // the engine's catalogue (what the worker sends)
  outputOf?(name: string): Json[]; // a sample of another node's output, for `$("Name").item.`
};
/** "template": a parameter's text (`=... {{ expr }} ...`); "python": a code node's source. */
export type Mode = "template" | "python";

const MAX_OPTIONS = 60;
const MAX_LOOKBEHIND = 400; // characters before the caret read to find what is being typed
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Python's keywords cannot follow a dot (`$json.class` does not parse): they take brackets
const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);
const named = (key: string) => IDENT.test(key) && !KEYWORDS.has(key);

/** What expressions read besides the functions (docs/expressions.md). */
export const VARIABLES: Option[] = [
  ["$json", "the current item"],
  ["$input", ".all(), .first(), .last(): the node's input items"],
  ["$(", '$("Name"): another node\'s output, by name'],
  ["$node", '$node["Name"].json: another node\'s first item'],
  ["$index", "the position of the current item"],
  ["$vars", "the workflow's variables"],
  ["$workflow", "the workflow's name"],
  ["$now", "the run's clock, in UTC"],
  ["$today", "the date of $now"],
].map(([label, detail]) => ({ label, apply: label === "$(" ? '$("' : label, detail, kind: "variable" as const }));

/** What a `code` node's Python sees (engine/nodefox/nodes/code.py). */
const CODE_NAMES: Option[] = [
  ["items", "the input items (mode all)"],
  ["item", "the current item (mode each)"],
  ["index", "the current item's position (mode each)"],
  ["vars", "the workflow's variables"],
  ["now", "the run's clock, in UTC"],
  ["random", "a seeded random.Random"],
].map(([label, detail]) => ({ label, apply: label, detail, kind: "variable" as const }));

// Methods an expression may call on a value: those that read, never change it (the engine's
// _guards.py allows every str method but format/format_map/maketrans, and these below).
const STRING_METHODS = (
  "capitalize casefold center count endswith find index isalnum isalpha isdigit islower isnumeric isspace " +
  "isupper join ljust lower lstrip partition removeprefix removesuffix replace rfind rjust rsplit rstrip " +
  "split splitlines startswith strip swapcase title upper zfill"
).split(" ");
const LIST_METHODS = ["count", "index", "copy"];
const DICT_METHODS = ["get", "keys", "values", "items", "copy"];
const methods = (names: string[], of: string): Option[] => names.map((m) => ({ label: m, apply: `${m}(`, detail: `${of} method`, kind: "method" }));

/** A value's kind in words, for the list's detail column. */
export function kindOf(value: Json | undefined): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  if (typeof value === "boolean") return "true/false";
  return typeof value === "string" ? "text" : "number";
}

/** The keys (`.a`, `["a b"]`, `[0]`) of an access chain such as `.customer["first name"][0]`. */
export function chainKeys(chain: string): string[] {
  const keys: string[] = [];
  for (const m of chain.matchAll(/\.\s*([A-Za-z_]\w*)|\[\s*(?:"([^"]*)"|'([^']*)'|(-?\d+))\s*\]/g)) keys.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return keys;
}

/** The values at `keys` in each sample item (those that have one). */
export function valuesAt(items: Json[], keys: string[]): Json[] {
  const found: Json[] = [];
  for (const item of items) {
    let here: Json | undefined = item;
    for (const key of keys) {
      if (Array.isArray(here)) here = here[Number(key) < 0 ? here.length + Number(key) : Number(key)];
      else if (here !== null && typeof here === "object") here = here[key];
      else here = undefined;
      if (here === undefined) break;
    }
    if (here !== undefined) found.push(here);
  }
  return found;
}

/** Field names of the objects among `values`, in the order first seen, with the kind of
 * the first value that is not null. */
export function fieldsOf(values: Json[]): { name: string; kind: string }[] {
  const kinds = new Map<string, string>();
  for (const v of values) {
    if (!v || typeof v !== "object" || Array.isArray(v)) continue;
    for (const [k, x] of Object.entries(v)) if (!kinds.has(k) || (kinds.get(k) === "null" && x !== null)) kinds.set(k, kindOf(x));
  }
  return [...kinds].map(([name, kind]) => ({ name, kind }));
}

/** Options that match what is typed: first those starting with it, then those holding it. */
function ranked(options: Option[], typed: string): Option[] {
  const t = typed.toLowerCase();
  const starts = options.filter((o) => o.label.toLowerCase().startsWith(t));
  const holds = t ? options.filter((o) => !o.label.toLowerCase().startsWith(t) && o.label.toLowerCase().includes(t)) : [];
  return [...starts, ...holds].slice(0, MAX_OPTIONS);
}

const quoted = (key: string) => JSON.stringify(key);

// Where the items of an access chain come from: the root of `$json.a.b.`.
type Root = { pattern: RegExp; items(m: RegExpMatchArray, s: Sources): Json[] };
const TEMPLATE_ROOTS: Root[] = [
  { pattern: /\$json/, items: (_, s) => s.items },
  { pattern: /\$input\s*\.\s*(?:first|last)\(\s*\)(?:\s*\.\s*json)?/, items: (_, s) => s.items },
  { pattern: /\$\(\s*(["'])(.*?)\1\s*\)\s*\.\s*(?:item|first\(\s*\)|last\(\s*\))(?:\s*\.\s*json)?/, items: (m, s) => s.outputOf?.(m[2]) ?? [] },
  { pattern: /\$node\[\s*(["'])(.*?)\1\s*\]\s*\.\s*json/, items: (m, s) => s.outputOf?.(m[2]) ?? [] },
];
const PYTHON_ROOTS: Root[] = [
  { pattern: /(?<![\w.])item/, items: (_, s) => s.items },
  { pattern: /(?<![\w.])items\s*\[\s*-?\d+\s*\]/, items: (_, s) => s.items },
];
const CHAIN = /((?:\s*\.\s*[A-Za-z_]\w*|\s*\[\s*(?:"[^"]*"|'[^']*'|-?\d+)\s*\])*)/.source;
// what is being typed after the chain: `.name` (group 1) or `["name` (group 2 the quote, 3 the name)
const END = /(?:\s*\.\s*(\w*)|\s*\[\s*(["'])([^"'\]]*))$/.source;
const chained = (roots: Root[]) => roots.map((r) => ({ ...r, full: new RegExp(`(?:${r.pattern.source})${CHAIN}${END}`) }));
const TEMPLATE_CHAINS = chained(TEMPLATE_ROOTS);
const PYTHON_CHAINS = chained(PYTHON_ROOTS);

/** Fields and methods after `$json.a.` / `$json["`, `item["` and the like; null when the
 * text before the caret is no such chain. */
function afterChain(before: string, caret: number, sources: Sources, mode: Mode): Completion | null {
  for (const root of mode === "python" ? PYTHON_CHAINS : TEMPLATE_CHAINS) {
    const m = root.full.exec(before);
    if (!m) continue;
    const groups = m.length; // the root's own groups come first; the chain's and the end's are the last four
    const [chain, dotted, quote, bracketed] = [m[groups - 4], m[groups - 3], m[groups - 2], m[groups - 1]];
    const values = valuesAt(root.items(m, sources), chainKeys(chain ?? ""));
    const fields = fieldsOf(values);
    if (quote !== undefined) {
      // inside ["...: the key's text, closed for the person
      const typed = bracketed ?? "";
      const options = fields.map((f) => ({ label: f.name, apply: `${f.name.replaceAll(quote, `\\${quote}`)}${quote}]`, detail: f.kind, kind: "field" as const }));
      return { from: caret - typed.length, to: caret, options: ranked(options, typed) };
    }
    const typed = dotted ?? "";
    const dot = caret - before.length + before.lastIndexOf(".", before.length - typed.length - 1);
    const options: Option[] = [];
    // a key that is no Python name is written in brackets, in place of the dot
    if (mode === "template") {
      for (const f of fields) options.push(named(f.name) ? { label: f.name, apply: f.name, detail: f.kind, kind: "field" } : { label: f.name, apply: `[${quoted(f.name)}]`, detail: f.kind, kind: "field" });
    }
    const kinds = new Set(values.map(kindOf));
    if (kinds.has("text")) options.push(...methods(STRING_METHODS, "text"));
    if (kinds.has("list")) options.push(...methods(LIST_METHODS, "list"));
    if (kinds.has("object")) options.push(...methods(DICT_METHODS, "object"));
    // the bracketed ones replace the dot too; a list mixes them, so each option says its span
    const listed = ranked(options, typed)
      .filter((o) => o.apply !== typed) // typed out already: nothing to offer
      .map((o) => (o.apply.startsWith("[") ? { ...o, from: dot } : o));
    return { from: caret - typed.length, to: caret, options: listed };
  }
  return null;
}

/** What to offer at `caret` in `text`, or null for nothing. `explicit` (Ctrl+Space) offers
 * the names even before a letter is typed. */
export function complete(text: string, caret: number, sources: Sources, mode: Mode = "template", explicit = false): Completion | null {
  let start = 0;
  if (mode === "template") {
    const open = openBraces(text, caret);
    if (open === null) return null;
    start = open;
  }
  const before = text.slice(Math.max(start, caret - MAX_LOOKBEHIND), caret);
  const after = text.slice(caret);

  // $("Na  →  node names (closing the call unless it is closed already)
  const call = /\$\(\s*(?:(["'])([^"']*))?$/.exec(before);
  if (call && mode === "template") {
    const quote = call[1] ?? '"';
    const typed = call[2] ?? "";
    const closed = after.startsWith(`${quote})`) || (!!call[1] && after.startsWith(quote));
    const open = call[1] ? "" : quote;
    const options = sources.nodes.map((name) => ({ label: name, apply: `${open}${name}${closed ? "" : `${quote})`}`, detail: "node", kind: "node" as const }));
    return withSpan({ from: caret - typed.length, to: caret, options: ranked(options, typed) });
  }
  const node = /\$node\[\s*(["'])([^"']*)$/.exec(before);
  if (node && mode === "template") {
    const closed = after.startsWith(node[1]);
    const options = sources.nodes.map((name) => ({ label: name, apply: `${name}${closed ? "" : `${node[1]}]`}`, detail: "node", kind: "node" as const }));
    return withSpan({ from: caret - node[2].length, to: caret, options: ranked(options, node[2]) });
  }

  const chain = afterChain(before, caret, sources, mode);
  if (chain) return withSpan(chain);

  // a name being typed: the variables and functions (not after a dot: that is a method)
  const word = /(?:^|[^\w$.])([$A-Za-z_][\w$]*)$/.exec(before) ?? (explicit && /(?:^|[^\w$.])$/.test(before) ? ["", ""] : null);
  if (!word) return null;
  const typed = word[1];
  if (!typed && !explicit) return null;
  const names =
    mode === "python"
      ? CODE_NAMES
      : [...VARIABLES, ...sources.functions.map((f) => ({ label: f.name, apply: `${f.name}(`, detail: `${f.signature}: ${f.description}`, kind: "function" as const }))];
  const options = ranked(names, typed).filter((o) => o.label !== typed || o.apply !== typed);
  return withSpan({ from: caret - typed.length, to: caret + (/^[\w$]*/.exec(after)?.[0].length ?? 0), options });
}

const withSpan = (c: Completion): Completion | null => (c.options.length ? c : null);

/** The text and caret after taking `option` (an option may carry its own `from`). */
export function accept(text: string, completion: Completion, option: Option): { text: string; caret: number } {
  const from = option.from ?? completion.from;
  const next = text.slice(0, from) + option.apply + text.slice(completion.to);
  return { text: next, caret: from + option.apply.length };
}
