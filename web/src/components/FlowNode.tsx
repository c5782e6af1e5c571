// One node on the canvas: its name, status (as a word and a symbol, not colour alone),
// its ports with names, and the item count on every output port.
import { Handle, Position, type NodeProps, type Node } from "@xyflow/react";
import { memo } from "react";
import { useEditor } from "../hooks";
import type { NodeResult, NodeType } from "../lib/types";
import { NodeEffects } from "./NodeEffects";

export type FlowNodeData = {
  node: { id: string; type: string; name?: string; disabled?: boolean };
  type: NodeType | undefined;
  effect: "none" | "read" | "write";
  /** The result drawn: given (a recorded execution), or, when absent, the store's live one. */
  result?: NodeResult;
  /** The live result's status, for the minimap and the node's label (the live canvas). */
  status?: string;
  inputs: string[];
  outputs: string[];
};
export type FlowNodeType = Node<FlowNodeData, "nodefox">;

const SYMBOLS: { [status: string]: string } = {
  ok: "✓",
  error: "✕",
  skipped: "↷",
  blocked: "⊘",
  idle: "○",
  disabled: "⏸",
  pinned: "📌",
  stale: "…",
  running: "⟳",
  waiting: "⧖", // code not allowed to run yet
};

function FlowNodeView({ data, selected, result }: { data: FlowNodeData; selected: boolean; result: NodeResult | undefined }) {
  const { node, type, effect, inputs, outputs } = data;
  // no result yet: the engine is computing it (or still loading)
  const status = result?.status ?? "running";
  const error = result?.error;
  const title = error ? `${error.message}${error.path ? ` (at ${error.path})` : ""}` : undefined;
  return (
    <div
      className={`fx-node status-${status}${selected ? " selected" : ""}${node.disabled ? " disabled" : ""}`}
      aria-label={`${node.name || node.id}, ${type?.title ?? node.type}, ${status}`}
    >
      <div className="fx-node-head">
        <span className="fx-node-name">{node.name || node.id}</span>
        <span className="fx-node-type">{type?.title ?? node.type}</span>
      </div>
      <div className="fx-node-status" data-testid="node-status" data-status={status} title={title}>
        <span aria-hidden="true">{SYMBOLS[status] ?? "?"}</span> {status}
        {result?.ms !== undefined && <span className="fx-node-ms">{result.ms.toFixed(2)} ms</span>}
      </div>
      <NodeEffects node={node} effect={effect} result={result} />
      {error && (
        <div className="fx-node-error" data-testid="node-error" title={title}>
          {error.message}
        </div>
      )}
      {!!result?.warnings?.length && (
        <div className="fx-node-warning" title={result.warnings.join("\n")}>
          ⚠ {result.warnings.length} warning{result.warnings.length > 1 ? "s" : ""}
        </div>
      )}
      <div className="fx-ports">
        <div className="fx-port-column">
          {inputs.map((port) => (
            <div className="fx-port in" key={port}>
              <Handle type="target" position={Position.Left} id={port} aria-label={`input ${port}`} />
              <span className="fx-port-name">{port}</span>
            </div>
          ))}
        </div>
        <div className="fx-port-column out">
          {outputs.map((port) => (
            <div className="fx-port out" key={port}>
              <span className="fx-port-name">{port}</span>
              <span className="fx-port-count" data-testid="port-count" data-port={port} title={`items on ${port}`}>
                {result?.counts?.[port] ?? "–"}
              </span>
              <Handle type="source" position={Position.Right} id={port} aria-label={`output ${port}`} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/** A node with the result its data carries (a recorded execution). */
export const FlowNode = memo(function FlowNode({ data, selected }: NodeProps<FlowNodeType>) {
  return <FlowNodeView data={data} selected={selected} result={data.result} />;
});

/** A node of the editor's canvas: its result straight from the store, so an answer redraws
 * the nodes it changed and React Flow's node list stays the same (issue 16). */
export const LiveFlowNode = memo(function LiveFlowNode({ data, selected }: NodeProps<FlowNodeType>) {
  const result = useEditor((s) => s.results[data.node.id]);
  return <FlowNodeView data={data} selected={selected} result={result} />;
});
