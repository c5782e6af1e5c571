// "Tidy up" (n8n's name for it): lay the graph (or the selected nodes) out left to right
// along its edges, as one `move` (one undo step), then fit it in view. The layout code (lib/layout.ts and dagre)
// is a separate chunk, fetched on the first tidy-up, so the page's start-up bytes stay.
import { useReactFlow, type ReactFlowInstance } from "@xyflow/react";
import type { StoreApi } from "zustand/vanilla";
import { useEditorApi } from "../hooks";
import { outputPorts, resolveEdge } from "../lib/graph";
import type { Editor } from "../store";
import { FIT } from "./Canvas";

/** A node not yet drawn (so not measured) is laid out at about a node's usual size. */
const UNMEASURED = { width: 200, height: 90 };

/** Lay out the selected nodes when two or more are selected (as n8n does), else all. */
export async function tidyUp(api: StoreApi<Editor>, flow: ReactFlowInstance): Promise<void> {
  const { tidy } = await import("../lib/layout");
  const { doc, types, selected } = api.getState();
  const chosen = selected.length > 1 ? new Set(selected) : null;
  const boxes = doc.nodes.filter((n) => !chosen || chosen.has(n.id)).map((n) => {
    const size = flow.getNode(n.id)?.measured;
    return { id: n.id, width: size?.width ?? UNMEASURED.width, height: size?.height ?? UNMEASURED.height, position: n.position ?? [0, 0] };
  });
  const links = doc.edges.map((e) => resolveEdge(e, doc, types));
  const ports = (id: string) => {
    const node = doc.nodes.find((n) => n.id === id);
    return node ? outputPorts(node, types) : [];
  };
  const moves = tidy(boxes, links, ports);
  if (Object.keys(moves).length) await api.getState().move(moves);
  if (!chosen) whenPlaced(flow, moves, () => void flow.fitView({ ...FIT, duration: 200 }));
}

/** `then()` once React Flow draws every node where `moves` put it (at most a second of frames):
 * a fit in the next frame alone could still see the old places on a busy page, and fit those. */
function whenPlaced(flow: ReactFlowInstance, moves: { [id: string]: [number, number] }, then: () => void, frames = 60) {
  const placed = Object.entries(moves).every(([id, [x, y]]) => {
    const at = flow.getNode(id)?.position;
    return !at || (at.x === x && at.y === y);
  });
  if (placed || frames <= 0) then();
  else requestAnimationFrame(() => whenPlaced(flow, moves, then, frames - 1));
}

export function TidyButton() {
  const api = useEditorApi();
  const flow = useReactFlow();
  return (
    <button type="button" data-testid="tidy-up" onClick={() => void tidyUp(api, flow)} title="Tidy up: lay the nodes (or the selected ones) out left to right (Shift+Alt+T)">
      Tidy up
    </button>
  );
}
