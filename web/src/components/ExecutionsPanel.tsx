// The Executions drawer (filter by workflow and status) and one execution opened onto a
// canvas of its own, read-only: every node with that run's status and item counts, and a
// node's items when it is chosen. "Edit with this data" opens the workflow in the editor
// with the execution's trigger items as the session's input (op `set_input`).
import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import { useEditor, useEditorApi } from "../hooks";
import { effectOf } from "../lib/effects";
import { inputPorts, laidOut, outputPorts, resolveEdge, shapeProblem } from "../lib/graph";
import type { Item, NodeResult, NodeStatus, Workflow } from "../lib/types";
import { EXECUTION_STATUSES, sha256, type Execution, type ExecutionRow, type RunResult, type WorkspaceApi } from "../lib/workspace";
import type { SyncState } from "../lib/workspaceSync";
import { FlowNode, type FlowNodeType } from "./FlowNode";
import { useWorkflows } from "./WorkspacePanel";

const NODE_TYPES = { nodefox: FlowNode };
const NO_FILES = createStore<SyncState>()(() => ({ entries: [], file: null, status: "none", message: "", disk: null }));
const REFRESH_MS = 3000;

const duration = (row: ExecutionRow) => {
  if (!row.started || !row.finished) return "";
  const ms = new Date(row.finished).getTime() - new Date(row.started).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
};

type Opened = { execution: Execution; doc: Workflow; changed: boolean };

/** The recorded result's node entry as the canvas's node result: status and counts per port. */
export function resultOf(recorded: RunResult["nodes"][string] | undefined): NodeResult {
  if (!recorded) return { status: "idle" };
  const counts: { [port: string]: number } = {};
  for (const [port, items] of Object.entries(recorded.outputs ?? {})) counts[port] = Array.isArray(items) ? items.length : 0;
  return { status: recorded.status as NodeStatus, counts, ...(recorded.error ? { error: recorded.error } : {}) };
}

export function ExecutionsPanel() {
  const hub = useWorkflows();
  const { panel, server, sync } = useStore(hub);
  const entries = useStore(sync?.state ?? NO_FILES, (s) => s.entries);
  const [workflow, setWorkflow] = useState("");
  const [status, setStatus] = useState("");
  const [rows, setRows] = useState<ExecutionRow[] | null>(null);
  const [problem, setProblem] = useState("");
  const [opened, setOpened] = useState<Opened | null>(null);

  const load = useCallback(async () => {
    if (!server) return;
    try {
      setRows(await server.executions({ workflow: workflow || undefined, status: status || undefined }));
      setProblem("");
    } catch (error) {
      setProblem((error as Error).message);
    }
  }, [server, workflow, status]);

  useEffect(() => {
    if (panel !== "executions") return;
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [panel, load]);

  const open = async (id: number) => {
    if (!server) return;
    try {
      const execution = await server.execution(id);
      const file = await server.read(execution.workflow);
      if (shapeProblem(file.doc)) throw new Error(`${execution.workflow}.json: ${shapeProblem(file.doc)}`);
      const hash = await sha256(file.text);
      setOpened({ execution, doc: laidOut(file.doc as Workflow), changed: hash !== null && hash !== execution.hash });
    } catch (error) {
      setProblem(`Cannot open execution ${id}: ${(error as Error).message}`);
    }
  };

  return (
    <>
      {panel === "executions" && (
        <aside className="fx-drawer" data-testid="executions-panel" aria-label="Executions">
          <header className="fx-drawer-head">
            <strong>Executions</strong>
            <button type="button" className="fx-icon" aria-label="Close" onClick={() => hub.setState({ panel: null })}>
              ✕
            </button>
          </header>
          <div className="fx-filters">
            <label>
              Workflow{" "}
              <select value={workflow} onChange={(e) => setWorkflow(e.target.value)} data-testid="filter-workflow">
                <option value="">all</option>
                {entries.map((e) => (
                  <option key={e.name} value={e.name}>
                    {e.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Status{" "}
              <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="filter-status">
                <option value="">all</option>
                {EXECUTION_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => void load()}>
              Refresh
            </button>
          </div>
          {problem && <p className="fx-bad fx-small">{problem}</p>}
          {rows?.length === 0 && (
            <p className="fx-muted">
              No executions{workflow || status ? " match" : " yet"}. Webhook and schedule runs are recorded when the server runs with --triggers, and
              nodefox run --record DIR records one run.
            </p>
          )}
          <ul className="fx-entries">
            {(rows ?? []).map((row) => (
              <li key={row.id} data-testid="execution" data-id={row.id} data-status={row.status}>
                <button type="button" className="fx-entry-open" onClick={() => void open(row.id)} title={row.error ?? `Open execution ${row.id}`}>
                  <strong>
                    #{row.id} {row.workflow}
                  </strong>
                  <span className="fx-small">
                    <span className={`fx-exec-status ${row.status}`}>{row.status}</span> · {row.trigger} · {new Date(row.queued).toLocaleString()}
                    {duration(row) && ` · ${duration(row)}`}
                  </span>
                  {row.error && <span className="fx-bad fx-small">{row.error}</span>}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      )}
      {opened && server && (
        <ReactFlowProvider>
          <ExecutionView opened={opened} server={server} close={() => setOpened(null)} openFile={(name) => sync?.open(name) ?? Promise.resolve(false)} />
        </ReactFlowProvider>
      )}
    </>
  );
}

function ExecutionView({ opened, close, openFile }: {
  opened: Opened;
  server: WorkspaceApi;
  close: () => void;
  openFile: (name: string) => Promise<boolean>;
}) {
  const { execution, doc, changed } = opened;
  const api = useEditorApi();
  const hub = useWorkflows();
  const types = useEditor((s) => s.types);
  const [chosen, setChosen] = useState<string | null>(null);
  const recorded = execution.result?.nodes ?? {};

  const nodes: FlowNodeType[] = useMemo(
    () =>
      doc.nodes.map((node) => {
        const outputs = outputPorts(node, types);
        for (const port of Object.keys(recorded[node.id]?.outputs ?? {})) if (!outputs.includes(port)) outputs.push(port);
        const [x, y] = node.position ?? [0, 0];
        return {
          id: node.id,
          type: "nodefox",
          position: { x, y },
          data: { node, type: types.get(node.type), effect: effectOf(node, types.get(node.type)), result: resultOf(recorded[node.id]), inputs: inputPorts(node, types), outputs },
          selected: node.id === chosen,
        };
      }),
    [doc, types, recorded, chosen],
  );
  const edges: Edge[] = useMemo(
    () =>
      doc.edges.map((edge) => {
        const e = resolveEdge(edge, doc, types);
        return { id: e.id ?? `${e.source}-${e.target}`, source: e.source, target: e.target, sourceHandle: e.sourcePort, targetHandle: e.targetPort };
      }),
    [doc, types],
  );

  const editWithData = async () => {
    const items = (execution.input ?? []) as Item[];
    if (hub.getState().sync?.state.getState().file !== execution.workflow && !(await openFile(execution.workflow))) return;
    const answer = await api.getState().edit([{ op: "set_input", items }]);
    if (answer && !answer.error && !answer.rejected?.length) {
      api.getState().notify("info", `Editing ${execution.workflow} with the data of execution ${execution.id}`, [
        `Its trigger's ${items.length} item${items.length === 1 ? "" : "s"} are the preview's input now (the file is unchanged).`,
      ]);
      hub.setState({ panel: null });
      close();
    }
  };

  const node = chosen ? recorded[chosen] : undefined;
  return (
    <div className="fx-execution" data-testid="execution-view" data-execution={execution.id} role="dialog" aria-label={`Execution ${execution.id}`}>
      <header className="fx-drawer-head">
        <strong>
          Execution #{execution.id} of {execution.workflow}
        </strong>
        <span className={`fx-exec-status ${execution.status}`} data-testid="execution-status">
          {execution.status}
        </span>
        <span className="fx-muted fx-small">
          {execution.trigger} · {new Date(execution.queued).toLocaleString()} · read-only
        </span>
        {execution.error && <span className="fx-bad fx-small">{execution.error}</span>}
        <span className="fx-sep" />
        <button type="button" className="fx-primary" data-testid="edit-with-data" disabled={!execution.input} onClick={() => void editWithData()} title="Open the workflow with this execution's trigger items as its input">
          Edit with this data
        </button>
        <button type="button" onClick={close} data-testid="execution-close">
          Close
        </button>
      </header>
      {changed && <p className="fx-warn fx-small">{execution.workflow}.json has changed since this execution ran: the canvas shows the file as it is now.</p>}
      <div className="fx-execution-body">
        <div className="fx-execution-canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable
            deleteKeyCode={null}
            onNodeClick={(_e, n) => setChosen(n.id)}
            fitView
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <section className="fx-execution-items" data-testid="execution-items" aria-label="Items">
          {!chosen && <p className="fx-muted">Choose a node to see its items in this execution.</p>}
          {chosen && (
            <>
              <strong>{doc.nodes.find((n) => n.id === chosen)?.name ?? chosen}</strong> <span className="fx-muted">{node?.status ?? "did not run"}</span>
              {node?.error && <p className="fx-bad">{node.error.message}</p>}
              {Object.entries(node?.outputs ?? {}).map(([port, items]) => (
                <div key={port} data-port={port}>
                  <div className="fx-muted fx-small">
                    {port}: {items.length} item{items.length === 1 ? "" : "s"}
                  </div>
                  <pre>{JSON.stringify(items, null, 2)}</pre>
                </div>
              ))}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
