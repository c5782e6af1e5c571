// Opening n8n workflows (n8n.md): the engine's importer (bridge.n8n_import) translates
// them; the report says what was translated and lets the user jump to each node that was not.
import { useReactFlow } from "@xyflow/react";
import { useStore } from "zustand";
import type { StoreApi } from "zustand/vanilla";
import type { EngineClient } from "../engine/client";
import { useEditorApi } from "../hooks";
import type { Editor } from "../store";
import { world, type N8nReport } from "../world";
import { openFromOutside } from "./FilesPanel";

const isN8nWorkflow = (v: unknown): boolean =>
  !!v && typeof v === "object" && !Array.isArray(v) && Array.isArray((v as { nodes?: unknown }).nodes) &&
  typeof (v as { connections?: unknown }).connections === "object";

/** An n8n export: a workflow (nodes and connections), a list of them, or a template's `workflow`. */
export function looksLikeN8n(value: unknown): boolean {
  if (!value || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.length > 0 && value.every(isN8nWorkflow);
  if ("nodefox" in value) return false;
  return isN8nWorkflow(value) || isN8nWorkflow((value as { workflow?: unknown }).workflow);
}

/** Translate with the engine and open (or, pasting, add) the result; the report is shown. */
export async function openN8n(api: StoreApi<Editor>, engine: EngineClient, text: string, source: string, paste = false) {
  let answer: { workflow?: unknown; report?: N8nReport; error?: string };
  try {
    answer = JSON.parse(await engine.call("n8n_import", text));
  } catch (error) {
    api.getState().notify("error", `Cannot import ${source} from n8n`, [String((error as Error).message ?? error)]);
    return false;
  }
  if (answer.error || !answer.workflow) {
    api.getState().notify("error", `Cannot import ${source} from n8n`, [answer.error ?? "the importer gave no workflow"]);
    return false;
  }
  const ok = paste ? await api.getState().paste(JSON.stringify(answer.workflow)) : await openFromOutside(api, answer.workflow, source);
  if (ok && answer.report) world.setState({ report: { source, report: answer.report } });
  return ok;
}

export function N8nReportPanel() {
  const api = useEditorApi();
  const flow = useReactFlow();
  const shown = useStore(world, (s) => s.report);
  if (!shown) return null;
  const { report, source } = shown;
  const jump = (name: string) => {
    const node = api.getState().doc.nodes.find((n) => (n.name ?? n.id) === name);
    if (!node) return api.getState().notify("info", `No node named ${name} on the canvas`);
    api.getState().select([node.id]);
    const [x, y] = node.position ?? [0, 0];
    void flow.setCenter(x + 90, y + 40, { zoom: Math.max(flow.getZoom(), 1), duration: 200 });
  };
  const untranslated = report.expressions.untranslated ?? [];
  return (
    <div className="fx-dialog fx-side-panel" role="dialog" aria-label="n8n import report" data-testid="n8n-report">
      <h2>Imported from n8n: {source}</h2>
      <p data-testid="n8n-summary">
        {report.nodes.translated} of {report.nodes.total} nodes translated · {report.expressions.translated} of {report.expressions.total} expressions
      </p>
      {report.nodes.placeholders.length > 0 && (
        <>
          <h3>Not translated (kept as disabled placeholders)</h3>
          <ul className="fx-list">
            {report.nodes.placeholders.map((p) => (
              <li key={p.name} data-untranslated={p.name}>
                <strong>{p.name}</strong> <span className="fx-muted">{p.type}</span>{" "}
                <button type="button" onClick={() => jump(p.name)} aria-label={`Show ${p.name}`}>
                  Show
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {untranslated.length > 0 && (
        <>
          <h3>Expressions kept as written (the node fails until you rewrite them)</h3>
          <ul className="fx-list">
            {untranslated.map((u, i) => (
              <li key={i} data-untranslated-expression={u.node}>
                <strong>{u.node}</strong> <code>{u.path}</code> <code>{u.expression}</code> <span className="fx-muted">{u.reason}</span>{" "}
                <button type="button" onClick={() => jump(u.node)} aria-label={`Show ${u.node}`}>
                  Show
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {!!report.dropped?.length && (
        <p className="fx-muted">Dropped: {report.dropped.map((d) => d.name).join(", ")} (sticky notes).</p>
      )}
      <button type="button" onClick={() => world.setState({ report: null })}>
        Close
      </button>
    </div>
  );
}
