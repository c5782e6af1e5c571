// A small form renderer over the JSON Schema subset the node types use: objects with
// properties, strings (free or enum), integers and numbers, booleans, lists of those or
// of objects, and untyped values. Every value has a fixed/expression switch; every input
// carries `data-param` = its JSON pointer into params, and each change is one
// `patch_params` (live.md).
import { memo, useEffect, useLayoutEffect, useRef, useState, type DragEvent, type ReactNode } from "react";
import * as pointer from "../lib/pointer";
import type { Json, NodeError, Schema } from "../lib/types";
import { useDraft } from "../hooks";
import { carriesField, FIELD_MIME, loadHelp } from "../lib/help";
import { CodeField } from "./CodeField";
import { useHelpSources, useSuggestions } from "./ExpressionHelp";
import { ExpressionPreview } from "./ExpressionPreview";

export type Change = (path: string, value: Json | undefined) => void;
type FieldProps = { schema: Schema; path: string; value: Json | undefined; onChange: Change; error?: NodeError; nodeId: string };

const NO_ITEMS: Json[] = []; // one empty list, so a list param without items keeps its identity across renders
const isExpression = (v: unknown): v is string => typeof v === "string" && v.startsWith("=");
// the field's box around an input and its list: drawn at once (the list's styles come
// with the help chunk), so the field does not move when they arrive
const ANCHOR = { position: "relative", flex: 1, minWidth: 0, display: "flex" } as const;
/** An expression this long, or on several lines, opens in the code editor. */
const LONG_EXPRESSION = 80;
const isLong = (text: string) => text.length > LONG_EXPRESSION || text.includes("\n");
const typeOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type[0] : schema.type);

/** Text typed into an untyped value's fixed field: a JSON number, true, false or null
 * means that value; anything else is text (docs/decisions.md). */
export function literal(text: string): Json {
  const t = text.trim();
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  return text;
}

/** Condition operators as words (the document keeps the codes). */
const OPERATOR_WORDS: { [op: string]: string } = {
  eq: "is equal to", ne: "is not equal to", gt: "is greater than", gte: "is greater than or equal to",
  lt: "is less than", lte: "is less than or equal to", contains: "contains", notContains: "does not contain",
  startsWith: "starts with", endsWith: "ends with", regex: "matches the regular expression", empty: "is empty",
  notEmpty: "is not empty", exists: "exists", notExists: "does not exist", true: "is true", false: "is false",
}; // prettier-ignore
const optionText = (schema: Schema, option: Json) =>
  schema.enum?.includes("eq") && typeof option === "string" && OPERATOR_WORDS[option] ? OPERATOR_WORDS[option] : shown(option);

/** A parameter's key as a label: `looseTypes` → "Loose types", `groupBy` → "Group by". */
export const labelOf = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const shown = (v: Json | undefined) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** A list's own value (`/groupBy/0`) has no label of its own: its list's name and number. */
const itemLabel = (path: string) => {
  const keys = pointer.parse(path);
  const last = keys[keys.length - 1];
  return keys.length > 1 && /^\d+$/.test(last) ? `${labelOf(keys[keys.length - 2])} ${Number(last) + 1}` : undefined;
};

function Label({ name, schema, path, children }: { name: string; schema: Schema; path: string; children: ReactNode }) {
  return (
    <div className="fx-field">
      <label className="fx-label" htmlFor={`param-${path}`}>
        {labelOf(name)}
        {schema.description && <span className="fx-help"> — {schema.description}</span>}
      </label>
      {children}
    </div>
  );
}

function ModeSwitch({ expression, onToggle, path }: { expression: boolean; onToggle(): void; path: string }) {
  return (
    <button
      type="button"
      className={`fx-mode${expression ? " on" : ""}`}
      aria-pressed={expression}
      aria-label={`${expression ? "Expression" : "Fixed"} value for ${path}: switch to ${expression ? "fixed" : "expression"}`}
      title={expression ? "Expression: switch to a fixed value" : "Fixed: switch to an expression"}
      onClick={onToggle}
    >
      {expression ? "ƒx" : "Aa"}
    </button>
  );
}

/** One scalar value (or an expression in its place). Memoised, like `Field`: a keystroke
 * redraws the field it changed, not the whole form (`onChange` must keep its identity). */
export const ValueField = memo(function ValueField({ schema, path, value, onChange, error, nodeId }: FieldProps) {
  const kind = typeOf(schema);
  const expression = isExpression(value);
  const [text, setText] = useDraft<Json | undefined>(value, shown);
  const fallback = schema.default;
  const common = { id: `param-${path}`, "data-param": path, "aria-label": itemLabel(path), className: "fx-input" };

  const toggle = () => {
    if (expression) onChange(path, fallback === undefined ? (kind === "string" ? "" : undefined) : fallback);
    // text that already holds {{ ... }} is a template: it becomes that expression, not a quoted string
    else if (typeof value === "string" && (value as string).includes("{{")) onChange(path, `=${value as string}`);
    else onChange(path, `={{ ${shown(value) === "" ? "$json" : JSON.stringify(value)} }}`);
  };

  // expression help: the list at the caret, and a larger editor for long expressions
  const sources = useHelpSources(nodeId);
  const writeExpression = (next: string) => {
    setText(next);
    // cleared or retyped, an expression field stays an expression (the switch changes that)
    onChange(path, next.startsWith("=") ? next : `=${next}`);
  };
  const writeFixed = (next: string) => {
    setText(next);
    onChange(path, kind === "string" ? next : literal(next));
  };
  // a fixed text gets the list too inside {{ }}: switched, it becomes that expression
  const help = useSuggestions(`suggest-${path}`, "template", sources, expression ? writeExpression : writeFixed);
  const [large, setLarge] = useState(() => expression && isLong(value as string));
  const [dropping, setDropping] = useState(false);
  // after a drop the field has the focus, the caret after what was dropped
  const caretTo = useRef<number | null>(null);
  useLayoutEffect(() => {
    const at = caretTo.current;
    const el = document.getElementById(`param-${path}`);
    if (at === null || !(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
    caretTo.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  });

  // a field dragged from the data panel: its expression at the drop point (a fixed text
  // becomes a template around it; another fixed value gives way to it), as n8n does
  const textual = expression || (!schema.enum && kind !== "boolean" && kind !== "integer" && kind !== "number");
  const dropTargets = {
    onDragOver: (e: DragEvent) => {
      if (!carriesField(e.dataTransfer)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      if (!dropping) {
        setDropping(true);
        void loadHelp().catch(() => undefined); // what the drop will need, while it is dragged
      }
    },
    onDragLeave: () => setDropping(false),
    onDrop: (e: DragEvent) => {
      setDropping(false);
      if (e.defaultPrevented) return; // taken already (the code editor takes its own drops)
      const data = e.dataTransfer.getData(FIELD_MIME); // readable only now, in the event
      if (!data) return;
      e.preventDefault();
      const input = e.target instanceof HTMLInputElement && e.target.type !== "checkbox" ? e.target : null;
      const x = e.clientX;
      void loadHelp().then((help) => {
        const field = help.parseDrop(data);
        if (!field) return;
        const current = expression ? (value as string) : textual ? shown(value) : "";
        const at = input?.isConnected ? help.offsetAt(input, x) : current.length;
        const done = help.dropInto(current, at, field, expression ? "expression" : textual ? "text" : "value");
        setText(done.text);
        caretTo.current = done.caret;
        onChange(path, done.text);
      });
    },
  };

  // a select shows only a value it holds: anything else (unset, or not one of the options)
  // shows "(choose)", so picking the first option is a change too
  const held = !!schema.enum && schema.enum.some((o) => shown(o) === shown(value ?? fallback));
  let input: ReactNode;
  if (expression && large) {
    input = <CodeField mode="template" path={path} label={`Expression for ${path}`} value={value as string} onChange={writeExpression} sources={sources} rows={3} />;
  } else if (expression) {
    input = (
      <div className="fx-suggest-anchor" style={ANCHOR}>
        <input
          {...common}
          {...help.props}
          className="fx-input fx-code"
          spellCheck={false}
          value={text}
          onChange={(e) => {
            writeExpression(e.target.value);
            help.typed(e.target);
          }}
        />
        {help.list}
      </div>
    );
  } else if (kind === "boolean") {
    input = (
      <input {...common} type="checkbox" checked={Boolean(value ?? fallback)} onChange={(e) => onChange(path, e.target.checked)} />
    );
  } else if (schema.enum) {
    input = (
      <select {...common} value={held ? shown(value ?? fallback) : ""} onChange={(e) => onChange(path, schema.enum!.find((o) => shown(o) === e.target.value) ?? e.target.value)}>
        {!held && <option value="">(choose)</option>}
        {schema.enum.map((option) => (
          <option key={shown(option)} value={shown(option)}>
            {optionText(schema, option)}
          </option>
        ))}
      </select>
    );
  } else if (kind === "integer" || kind === "number") {
    input = (
      <input
        {...common}
        type="number"
        step={kind === "integer" ? 1 : "any"}
        min={schema.minimum}
        placeholder={fallback === undefined ? "" : String(fallback)}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const n = e.target.value === "" ? undefined : Number(e.target.value);
          if (n === undefined || Number.isFinite(n)) onChange(path, n);
        }}
      />
    );
  } else if (schema.format === "python") {
    input = <CodeField mode="python" path={path} label={`Python code for ${path}`} value={shown(value)} onChange={(code) => onChange(path, code)} sources={sources} />;
  } else {
    input = (
      <div className="fx-suggest-anchor" style={ANCHOR}>
        <input
          {...common}
          {...help.props}
          placeholder={fallback === undefined ? "" : shown(fallback)}
          value={text}
          onChange={(e) => {
            writeFixed(e.target.value);
            help.typed(e.target);
          }}
        />
        {help.list}
      </div>
    );
  }
  const mine = error && error.path !== undefined && (error.path === path || error.path.startsWith(path + "/"));
  return (
    <>
      <div className={`fx-value${dropping ? " fx-dropping" : ""}`} {...(schema.format === "python" ? {} : dropTargets)}>
        {input}
        {expression && (
          <button
            type="button"
            className="fx-mode"
            aria-pressed={large}
            aria-label={`${large ? "One line" : "Larger editor"} for ${path}`}
            title={large ? "Back to one line" : "Edit in a larger editor"}
            onClick={() => setLarge(!large)}
          >
            {large ? "⤡" : "⤢"}
          </button>
        )}
        {schema.format !== "python" && <ModeSwitch expression={expression} onToggle={toggle} path={path} />}
      </div>
      {expression && <ExpressionPreview nodeId={nodeId} path={path} text={value as string} />}
      {mine && (
        <div className="fx-field-error" role="alert">
          {error!.message}
          {error!.item !== undefined && ` (item ${error!.item})`}
        </div>
      )}
    </>
  );
});

/** A value edited as JSON text (fixed items, pinned data, objects without a schema). */
export function JsonField({ path, value, onChange, kind = "array", id }: { path: string; value: Json | undefined; onChange(v: Json): void; kind?: "array" | "object"; id?: string }) {
  const pretty = (v: Json | undefined) => (v === undefined ? "" : JSON.stringify(v, null, 2));
  const [text, setText] = useDraft<Json | undefined>(value, pretty);
  const [problem, setProblem] = useState("");
  useEffect(() => setProblem(""), [value]);
  return (
    <>
      <textarea
        id={id ?? `param-${path}`}
        data-param={path}
        className="fx-input fx-code"
        rows={Math.min(14, Math.max(4, text.split("\n").length))}
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const parsed = JSON.parse(e.target.value);
            const ok = kind === "array" ? Array.isArray(parsed) : parsed && typeof parsed === "object" && !Array.isArray(parsed);
            if (!ok) return setProblem(`must be a JSON ${kind === "array" ? "list [...]" : "object {...}"}`);
            if (kind === "array" && parsed.some((i: unknown) => !i || typeof i !== "object" || Array.isArray(i))) {
              return setProblem("every item must be a JSON object {...}");
            }
            setProblem("");
            onChange(parsed);
          } catch (err) {
            setProblem(`not valid JSON yet: ${(err as Error).message}`);
          }
        }}
      />
      {problem && (
        <div className="fx-field-error" role="alert">
          {problem} (not applied)
        </div>
      )}
    </>
  );
}

/** A new list item: defaults, and for a required field its empty value, or for a required
 * choice its first option (a select then holds what it shows). */
export function freshItem(itemSchema: Schema): Json {
  if (typeOf(itemSchema) !== "object" || !itemSchema.properties) return itemSchema.default ?? (itemSchema.enum ? itemSchema.enum[0] : "");
  const obj: { [k: string]: Json } = {};
  for (const [k, s] of Object.entries(itemSchema.properties)) {
    if (s.default !== undefined) obj[k] = structuredClone(s.default);
    else if (itemSchema.required?.includes(k)) obj[k] = s.enum ? s.enum[0] : typeOf(s) === "array" ? [] : "";
  }
  return obj;
}

/** Nothing in it but empty text and empty lists. */
const isBlank = (v: Json): boolean =>
  v === "" || (Array.isArray(v) && v.length === 0) || (!!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(isBlank));

function ListField({ schema, path, value, onChange, error, nodeId }: FieldProps) {
  const items = Array.isArray(value) ? value : Array.isArray(schema.default) ? schema.default : NO_ITEMS;
  const itemSchema = schema.items ?? {};
  const structured = typeOf(itemSchema) === "object" && itemSchema.properties;
  if (!structured && typeOf(itemSchema) === "object") {
    return <JsonField path={path} value={items} onChange={(v) => onChange(path, v)} />;
  }
  const [pending, setPending] = useState(0); // rows added but still empty: not in the document yet
  const [pendingFor, setPendingFor] = useState(nodeId);
  if (pendingFor !== nodeId) {
    setPendingFor(nodeId);
    setPending(0);
  }
  const fresh = () => freshItem(itemSchema);
  const append = (row: Json) => onChange(Array.isArray(value) ? pointer.join(path, "-") : path, Array.isArray(value) ? row : [...items, row]);
  // a new row that says nothing yet (a field's name to be typed) is kept on the page until
  // something is typed into it, so "+ Add" never fails the node; a row with a choice made
  // for it (an operation's first option) is written at once, holding what it shows
  const add = () => (structured && isBlank(fresh()) ? setPending(pending + 1) : append(fresh()));
  const fill: Change = (at, v) => {
    if (v === undefined || v === "") return;
    const key = at.slice(pointer.join(path, items.length).length);
    setPending(pending - 1);
    append(pointer.set(fresh(), key, v) as Json);
  };
  return (
    <div className="fx-list">
      {[
        ...(items.map((item, i) => {
        const here = pointer.join(path, i);
        return (
          <div className="fx-list-item" key={i}>
            <div className="fx-list-body">
              {structured ? (
                <ObjectFields schema={itemSchema} path={here} value={item} onChange={onChange} error={error} nodeId={nodeId} />
              ) : (
                <ValueField schema={itemSchema} path={here} value={item} onChange={onChange} error={error} nodeId={nodeId} />
              )}
            </div>
            <button type="button" className="fx-icon" aria-label={`Remove ${here}`} title="Remove" onClick={() => onChange(here, undefined)}>
              ✕
            </button>
          </div>
        );
      })),
        ...(Array.from({ length: pending }, (_, k) => {
        const here = pointer.join(path, items.length + k);
        return (
          <div className="fx-list-item" key={items.length + k} data-pending="true">
            <div className="fx-list-body">
              <ObjectFields schema={itemSchema} path={here} value={fresh()} onChange={k === 0 ? fill : () => {}} nodeId={nodeId} />
            </div>
            <button type="button" className="fx-icon" aria-label={`Remove ${here}`} title="Remove" onClick={() => setPending(pending - 1)}>
              ✕
            </button>
          </div>
        );
      })),
      ]}
      <button type="button" className="fx-add" onClick={add} data-add={path}>
        + Add
      </button>
    </div>
  );
}

export const Field = memo(function Field(props: FieldProps & { name: string }) {
  const { schema, name, path } = props;
  const kind = typeOf(schema);
  let body: ReactNode;
  if (kind === "array" && !isExpression(props.value)) body = <ListField {...props} />;
  else if (kind === "object" && schema.properties && !isExpression(props.value)) body = <ObjectFields {...props} />;
  else if (kind === "object") body = <JsonField path={path} kind="object" value={props.value} onChange={(v) => props.onChange(path, v)} />;
  else body = <ValueField {...props} />;
  return (
    <Label name={name} schema={schema} path={path}>
      {body}
    </Label>
  );
});

export function ObjectFields({ schema, path, value, onChange, error, nodeId }: FieldProps) {
  const object = value && typeof value === "object" && !Array.isArray(value) ? (value as { [k: string]: Json }) : {};
  return (
    <div className="fx-object">
      {Object.entries(schema.properties ?? {}).map(([key, sub]) => (
        <Field key={key} name={key} schema={sub} path={pointer.join(path, key)} value={object[key]} onChange={onChange} error={error} nodeId={nodeId} />
      ))}
    </div>
  );
}
