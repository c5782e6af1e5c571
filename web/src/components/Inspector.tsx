// The inspector: the selected node's name, parameters (a form from its type's schema)
// and settings (disabled, onError, pinned data, notes).
import { memo, useCallback, useMemo, useState } from "react";
import { useDraft, useDrawn, useEditor, useEditorApi } from "../hooks";
import { drawnEdge } from "../lib/drawn";
import type { Json, WorkflowNode } from "../lib/types";
import { connectionProblem, nodeName, outputPorts } from "../lib/graph";
import { Field, JsonField, type Change } from "./SchemaForm";

/** Whether a field of the form shows an error at `path` under itself (then the box above
 * the form would say it twice, and push the field being typed in down). */
function fieldShows(type: { schema: { properties?: { [k: string]: unknown } } } | undefined, path: string): boolean {
  const top = path.split("/")[1];
  return !!type && top !== undefined && Object.hasOwn(type.schema.properties ?? {}, top);
}

function NameField({ node }: { node: WorkflowNode }) {
  const api = useEditorApi();
  const current = node.name || node.id;
  const [text, setText] = useDraft(current, String);
  const [problem, setProblem] = useState("");
  const commit = () => {
    const name = text.trim();
    if (name === current) return setProblem("");
    if (!name) return setProblem("a name cannot be empty");
    const taken = api.getState().doc.nodes.some((n) => n.id !== node.id && (n.name || n.id) === name);
    if (taken) return setProblem(`another node is already called ${name}`);
    setProblem("");
    void api.getState().renameNode(node.id, name);
  };
  return (
    <div className="fx-field">
      <label className="fx-label" htmlFor="node-name">
        Name <span className="fx-help">— references to it are rewritten (Enter to rename)</span>
      </label>
      <input
        id="node-name"
        className="fx-input"
        data-testid="node-name"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") setText(current);
        }}
      />
      {problem && (
        <div className="fx-field-error" role="alert">
          {problem}
        </div>
      )}
    </div>
  );
}

/** The node's edges, with a keyboard path to connect and disconnect (besides dragging on the
 * canvas). Drawn from what is drawn of the document: a parameter's keystroke does not redraw it. */
const Connections = memo(function Connections({ nodeId }: { nodeId: string }) {
  const api = useEditorApi();
  const doc = useDrawn();
  const types = useEditor((s) => s.types);
  const [choice, setChoice] = useState("");
  const [choosing, setChoosing] = useState(false); // the candidates are worked out when the list is opened
  const edges = doc.edges.map((e) => drawnEdge(e, doc)).filter((e) => e.source === nodeId || e.target === nodeId);
  const inputs = doc.byId.get(nodeId)?.inputs ?? [];
  // "Orders → Total", with a port's name only where a node has more than one
  const named = (id: string) => {
    const other = doc.byId.get(id);
    return other ? nodeName(other) : id;
  };
  const port = (id: string, name: string, side: "in" | "out") => {
    const other = doc.byId.get(id);
    const ports = other ? (side === "out" ? other.outputs : other.inputs) : [];
    return ports.length > 1 ? ` (${name})` : "";
  };
  const edgeWords = (e: { source: string; sourcePort: string; target: string; targetPort: string }) =>
    `${named(e.source)}${port(e.source, e.sourcePort, "out")} → ${named(e.target)}${port(e.target, e.targetPort, "in")}`;
  const candidates = useMemo(
    () =>
      !choosing
        ? []
        : inputs.flatMap((targetPort) =>
            doc.nodes
              .filter((other) => other.id !== nodeId)
              .flatMap((other) =>
                other.outputs.map((sourcePort) => ({ source: other.id, sourcePort, target: nodeId, targetPort, label: `${nodeName(other)} · ${sourcePort} → ${targetPort}` })),
              )
              .filter((edge) => connectionProblem(api.getState().doc, types, { id: "", ...edge }) === null),
          ),
    [choosing, doc, types, nodeId, inputs, api],
  );
  const connect = () => {
    const edge = candidates[Number(choice)];
    if (!edge) return;
    const { label: _label, ...ends } = edge;
    void api.getState().connect(ends);
    setChoice("");
  };
  return (
    <section aria-label="Connections">
      <h3>Connections</h3>
      <ul className="fx-edges">
        {edges.map((e) => (
          <li key={e.id}>
            {edgeWords(e)}{" "}
            <button type="button" className="fx-icon" aria-label={`Disconnect ${edgeWords(e)}`} onClick={() => void api.getState().disconnect(e.id)}>
              ✕
            </button>
          </li>
        ))}
        {!edges.length && <li className="fx-muted">None.</li>}
      </ul>
      {inputs.length > 0 && (
        <div className="fx-value">
          <select
            className="fx-input"
            aria-label="Add an input from"
            value={choice}
            onFocus={() => setChoosing(true)}
            onPointerDown={() => setChoosing(true)}
            onBlur={() => choice === "" && setChoosing(false)}
            onChange={(e) => setChoice(e.target.value)}
            data-testid="connect-from"
          >
            <option value="">Add an input from…</option>
            {candidates.map((c, i) => (
              <option key={i} value={i}>
                {c.label}
              </option>
            ))}
          </select>
          <button type="button" onClick={connect} disabled={choice === ""}>
            Connect
          </button>
        </div>
      )}
    </section>
  );
});

function Settings({ node }: { node: WorkflowNode }) {
  const api = useEditorApi();
  const types = useEditor((s) => s.types);
  const first = outputPorts(node, types)[0];
  const update = (set: { [key: string]: Json | null }, merge?: string) => void api.getState().setNodeSettings(node.id, set, merge);
  const pinOutput = async () => {
    const count = api.getState().results[node.id]?.counts?.[first] ?? 0;
    const page = await api.getState().inspect(node.id, first, 0, Math.max(count, 1));
    if (page) void api.getState().pin(node.id, page.items);
  };
  return (
    <section className="fx-settings" aria-label="Node settings">
      <h3>Settings</h3>
      <label className="fx-check">
        <input type="checkbox" data-setting="disabled" checked={!!node.disabled} onChange={(e) => update({ disabled: e.target.checked || null })} />
        Disabled (passes its first input through)
      </label>
      <div className="fx-field">
        <label className="fx-label" htmlFor="node-onerror">
          On error
        </label>
        <select id="node-onerror" className="fx-input" data-setting="onError" value={node.onError ?? "stop"} onChange={(e) => update({ onError: e.target.value })}>
          <option value="stop">Stop: the node fails</option>
          <option value="continue">Continue: failing items pass</option>
          <option value="errorOutput">Error output: to a port</option>
        </select>
      </div>
      <div className="fx-field">
        <span className="fx-label">Pinned data {node.pinned ? `(${node.pinned.length} items: the node does not run)` : ""}</span>
        {node.pinned ? (
          <>
            <JsonField path="/pinned" id="node-pinned" value={node.pinned} onChange={(items) => void api.getState().pin(node.id, items as Json[], true)} />
            <button type="button" onClick={() => void api.getState().unpin(node.id)}>
              Unpin
            </button>
          </>
        ) : (
          first && (
            <button type="button" onClick={pinOutput}>
              Pin the current output of {first}
            </button>
          )
        )}
      </div>
      <div className="fx-field">
        <label className="fx-label" htmlFor="node-notes">
          Notes
        </label>
        <textarea id="node-notes" className="fx-input" data-setting="notes" rows={3} value={node.notes ?? ""} onChange={(e) => update({ notes: e.target.value || null }, `notes:${node.id}`)} />
      </div>
    </section>
  );
}

export function Inspector() {
  const selected = useEditor((s) => s.selected);
  const node = useEditor((s) => (s.selected.length === 1 ? s.doc.nodes.find((n) => n.id === s.selected[0]) : undefined));
  const type = useEditor((s) => (node ? s.types.get(node.type) : undefined));
  const error = useEditor((s) => (node ? s.results[node.id]?.error : undefined));
  const api = useEditorApi();
  const nodeId = node?.id;
  // one function per node, so the memoised fields see the same `onChange` every keystroke
  const onChange: Change = useCallback((path, value) => void api.getState().setParam(nodeId!, path, value), [api, nodeId]);
  if (!node) {
    return (
      <aside className="fx-inspector" data-testid="inspector" aria-label="Inspector">
        <p className="fx-muted">{selected.length > 1 ? `${selected.length} nodes selected.` : "Select a node to edit it."}</p>
      </aside>
    );
  }
  return (
    <aside className="fx-inspector" data-testid="inspector" data-node={node.id} aria-label="Inspector">
      <header>
        <h2>{type?.title ?? node.type}</h2>
        <p className="fx-muted">
          <code>{node.type}</code> · id <code>{node.id}</code>
        </p>
        {type?.description && <p className="fx-help">{type.description}</p>}
      </header>
      <NameField node={node} />
      {error && !(error.path && error.path.startsWith("/") && fieldShows(type, error.path)) && (
        <div className="fx-node-error-box" role="alert" data-testid="inspector-error">
          <strong>Error</strong>: {error.message}
          {error.path && (
            <>
              {" "}
              at <code>{error.path}</code>
            </>
          )}
          {error.item !== undefined && <> (item {error.item})</>}
          {error.expression && (
            <div>
              <code>{error.expression}</code>
            </div>
          )}
        </div>
      )}
      <section aria-label="Parameters">
        <h3>Parameters</h3>
        {type ? (
          Object.entries(type.schema.properties ?? {}).map(([key, schema]) => (
            <Field key={key} name={key} schema={schema} path={`/${key}`} value={node.params?.[key]} onChange={onChange} error={error} nodeId={node.id} />
          ))
        ) : (
          <p className="fx-muted">Unknown node type {node.type}.</p>
        )}
        {type && Object.keys(type.schema.properties ?? {}).length === 0 && <p className="fx-muted">This node has no parameters.</p>}
      </section>
      <Connections nodeId={node.id} />
      <Settings node={node} />
    </aside>
  );
}
