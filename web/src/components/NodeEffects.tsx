// On a node with an effect (world.md): what a waiting node would send, the ▶ that runs a
// write node once (op execute, which pins its output) and the ↻ that reads again (op refresh).
import { useEditorApi, useEngine } from "../hooks";
import type { NodeResult } from "../lib/types";
import { takeWritten } from "../world";

type Shown = { id: string; type: string; name?: string };

/** `effect`: lib/effects.ts effectOf of the node. */
export function NodeEffects({ node, effect, result }: { node: Shown; effect: "none" | "read" | "write"; result: NodeResult | undefined }) {
  const api = useEditorApi();
  const engine = useEngine();
  const waiting = result?.status === "waiting";
  const counts = Object.entries(result?.counts ?? {});

  const execute = async () => {
    const answer = await api.getState().edit([{ op: "execute", id: node.id }]);
    if (!answer) return;
    if (!answer.workflow) await api.getState().resync(); // the pinned output is in the document
    const executed = answer.executed;
    if (executed?.status === "error") {
      api.getState().notify("error", `${node.name || node.id} did not run`, [executed.error?.message ?? "unknown error"]);
    } else if (executed?.status === "ok" && node.type === "write_file") {
      const pinned = api.getState().doc.nodes.find((n) => n.id === node.id)?.pinned?.[0];
      if (pinned && typeof pinned.file === "string") await takeWritten(engine, pinned.file);
    }
  };

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
            void execute();
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
