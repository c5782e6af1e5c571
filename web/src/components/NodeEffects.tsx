// On a node with an effect: what a waiting node would send, the ▶ that runs a write node
// once (op execute, which pins its output; world.ts executeNode) and the ↻ that reads again
// (op refresh).
import { useEditorApi, useEngine } from "../hooks";
import type { NodeResult } from "../lib/types";
import { executeNode } from "../world";

type Shown = { id: string; type: string; name?: string };

/** `effect`: lib/effects.ts effectOf of the node. */
export function NodeEffects({ node, effect, result }: { node: Shown; effect: "none" | "read" | "write"; result: NodeResult | undefined }) {
  const api = useEditorApi();
  const engine = useEngine();
  const waiting = result?.status === "waiting";
  const counts = Object.entries(result?.counts ?? {});

  if (effect === "none" && !waiting) return null;
  return (
    <div className="fx-node-effects nodrag">
      {waiting && (
        <span className="fx-node-waiting" data-testid="node-waiting" title="runs only when you press ▶">
          {counts.length ? `would send ${counts.map(([port, n]) => `${n} on ${port}`).join(", ")}` : "runs after the node above"}
        </span>
      )}
      {effect === "write" && (
        <button
          type="button"
          className="fx-icon nodrag"
          data-testid="execute"
          aria-label={`Run ${node.name || node.id} now (sends its requests or writes its file once)`}
          title="Run now: sends once and pins the output"
          onClick={(e) => {
            e.stopPropagation();
            void executeNode(engine, api, node.id);
          }}
        >
          ▶
        </button>
      )}
      {effect === "read" && (
        <button
          type="button"
          className="fx-icon nodrag"
          data-testid="refresh"
          aria-label={`Read ${node.name || node.id} again`}
          title="Read again (the preview reuses what was read)"
          onClick={(e) => {
            e.stopPropagation();
            void api.getState().edit([{ op: "refresh", id: node.id }]);
          }}
        >
          ↻
        </button>
      )}
    </div>
  );
}
