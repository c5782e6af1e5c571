// The canvas: React Flow over the store's document. Node positions live in the document;
// while a node is dragged its position is kept here and sent as one `move` when it lands.
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  useConnection,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type OnDelete,
} from "@xyflow/react";
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { connectionProblem } from "../lib/graph";
import { drawnEdge } from "../lib/drawn";
import { useDrawn, useEditor, useEditorApi } from "../hooks";
import { listReuser, reuser } from "../lib/reuse";
import type { NodeResult } from "../lib/types";
import { LiveFlowNode, type FlowNodeData, type FlowNodeType } from "./FlowNode";
import { DRAG_TYPE } from "./Palette";

const NODE_TYPES = { nodefox: LiveFlowNode };
/** Fitting the view leaves the minimap's band at the bottom free (nodes are never drawn
 * under it) and never zooms past 1 (one node does not fill the screen at 2x). */
export const FIT = { padding: { top: "40px", left: "40px", right: "40px", bottom: "190px" }, maxZoom: 1 } as const;
/** What the minimap and the controls cover at the bottom of the canvas, in screen px. */
const BOTTOM_BAND = 180;
const SNAP: [number, number] = [20, 20];

type Size = { width: number; height: number };

// the page's colour variables (styles.css), so the minimap follows dark mode too
const MINIMAP_COLORS: { [status: string]: string } = { ok: "var(--ok)", error: "var(--bad)", blocked: "var(--warn)", stale: "var(--warn)", waiting: "var(--code-node)" };
const minimapColor = (n: FlowNodeType) => MINIMAP_COLORS[n.data.status ?? ""] ?? "var(--edge)";

/** Each node's status: the same object while none changed (an answer that changes only
 * counts leaves the canvas's node list alone; each node draws its own result). */
const statusesOf = (results: { [id: string]: NodeResult }) => {
  const out: { [id: string]: string } = {};
  for (const id in results) out[id] = results[id].status;
  return out;
};

/** Why the connection being dragged would be refused (shown while dragging). */
function ConnectionHint() {
  const connection = useConnection();
  const api = useEditorApi();
  if (!connection.inProgress || !connection.toNode || !connection.fromHandle) return null;
  const { doc, types } = api.getState(); // read while dragging: no render per keystroke
  const fromSource = connection.fromHandle.type === "source";
  const edge = fromSource
    ? { source: connection.fromNode.id, sourcePort: connection.fromHandle.id ?? "", target: connection.toNode.id, targetPort: connection.toHandle?.id ?? "" }
    : { source: connection.toNode.id, sourcePort: connection.toHandle?.id ?? "", target: connection.fromNode.id, targetPort: connection.fromHandle.id ?? "" };
  const problem = connectionProblem(doc, types, { id: "", ...edge });
  if (!problem) return null;
  return (
    <Panel position="top-center" className="fx-hint" data-testid="connection-refused" role="status">
      Cannot connect: {problem}
    </Panel>
  );
}

export function Canvas() {
  // what is drawn of the document (a parameter's keystroke changes none of it), at low
  // priority; each node draws its own result as soon as it arrives (LiveFlowNode)
  const current = useDrawn();
  const doc = useDeferredValue(current);
  const types = useEditor((s) => s.types);
  const statuses = useEditor(useShallow((s) => statusesOf(s.results)));
  const selected = useEditor((s) => s.selected);
  const api = useEditorApi();
  const opened = useEditor((s) => s.opened);
  const flow = useReactFlow();
  const [measured, setMeasured] = useState<{ [id: string]: Size }>({});
  const [dragging, setDragging] = useState<{ [id: string]: { x: number; y: number } }>({});
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const reuse = useRef({
    data: reuser<FlowNodeData>(),
    node: reuser<FlowNodeType>(),
    edge: reuser<Edge>(),
    nodes: listReuser<FlowNodeType>(),
    edges: listReuser<Edge>(),
  }).current;

  // Each node's and edge's object is rebuilt only when its own parts change, so React Flow
  // re-renders only what changed (an answer's counts: none of them).
  const nodes: FlowNodeType[] = useMemo(() => {
    const chosen = new Set(selected);
    return reuse.nodes(doc.nodes.map((node) => {
      const type = types.get(node.type);
      const status = statuses[node.id];
      const data = reuse.data(node.id, [node, type, status], () => ({
        node,
        type,
        effect: node.effect,
        status,
        inputs: node.inputs,
        outputs: node.outputs,
      }));
      const isSelected = chosen.has(node.id);
      const size = measured[node.id];
      const moving = dragging[node.id];
      return reuse.node(node.id, [data, isSelected, size, moving], () => {
        const [x, y] = node.position ?? [0, 0];
        const label = `${node.name || node.id}, ${type?.title ?? node.type}, ${status ?? "running"}`;
        return { id: node.id, type: "nodefox" as const, position: moving ?? { x, y }, data, selected: isSelected, measured: size, ariaLabel: label };
      });
    }));
  }, [doc, types, statuses, selected, measured, dragging, reuse]);

  const edges: Edge[] = useMemo(
    () =>
      reuse.edges(doc.edges.map((raw) => {
        const e = drawnEdge(raw, doc);
        const isSelected = selectedEdges.has(e.id);
        // no count label on the edge: the port shows it, and an SVG label is measured
        // (a forced layout) every time its text changes
        return reuse.edge(e.id, [e.source, e.sourcePort, e.target, e.targetPort, isSelected], () => ({
          id: e.id,
          source: e.source,
          sourceHandle: e.sourcePort,
          target: e.target,
          targetHandle: e.targetPort,
          selected: isSelected,
          ariaLabel: `${e.source} ${e.sourcePort} to ${e.target} ${e.targetPort}`,
        }));
      })),
    [doc, selectedEdges, reuse],
  );

  // a newly opened document is fitted in view once its nodes have been drawn and measured
  // (the deferred document may still be the one before: it is not fitted)
  const [fitFor, setFitFor] = useState(0);
  const allMeasured = doc === current && doc.nodes.every((n) => measured[n.id]);
  useEffect(() => {
    if (opened !== fitFor && allMeasured) {
      setFitFor(opened);
      requestAnimationFrame(() => void flow.fitView(FIT));
    }
  }, [opened, fitFor, allMeasured, flow]);

  // a node added by hand (palette, paste) that lands outside the view, or under the
  // minimap, is brought into view at the same zoom
  const frame = useRef<HTMLDivElement>(null);
  const known = useRef<{ ids: Set<string>; opened: number } | null>(null);
  useEffect(() => {
    const ids = new Set(doc.nodes.map((n) => n.id));
    const before = known.current;
    known.current = { ids, opened };
    if (!before || before.opened !== opened || !frame.current) return;
    const added = doc.nodes.filter((n) => !before.ids.has(n.id));
    if (!added.length) return;
    const box = frame.current.getBoundingClientRect();
    const [x, y] = added[added.length - 1].position ?? [0, 0];
    const size = { width: 200, height: 90 };
    const from = flow.flowToScreenPosition({ x, y });
    const to = flow.flowToScreenPosition({ x: x + size.width, y: y + size.height });
    const inside = from.x >= box.left + 10 && from.y >= box.top + 10 && to.x <= box.right - 10 && to.y <= box.bottom - BOTTOM_BAND;
    if (!inside) void flow.setCenter(x + size.width / 2, y + size.height / 2, { zoom: flow.getZoom() });
  }, [doc, opened, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNodeType>[]) => {
      const sizes: { [id: string]: Size } = {};
      const drags: { [id: string]: { x: number; y: number } } = {};
      const moves: { [id: string]: [number, number] } = {};
      let selection: Set<string> | null = null;
      for (const change of changes) {
        if (change.type === "dimensions" && change.dimensions) sizes[change.id] = change.dimensions;
        else if (change.type === "position" && change.position) {
          if (change.dragging) drags[change.id] = change.position;
          else moves[change.id] = [Math.round(change.position.x), Math.round(change.position.y)];
        } else if (change.type === "select") {
          selection ??= new Set(api.getState().selected);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
      }
      if (Object.keys(sizes).length) setMeasured((m) => ({ ...m, ...sizes }));
      if (Object.keys(drags).length) setDragging((d) => ({ ...d, ...drags }));
      if (Object.keys(moves).length) {
        void api.getState().move(moves);
        setDragging((d) => {
          const rest = { ...d };
          for (const id of Object.keys(moves)) delete rest[id];
          return rest;
        });
      }
      if (selection) api.getState().select([...selection]);
    },
    [api],
  );

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((current) => {
      let next: Set<string> | null = null;
      for (const change of changes) {
        if (change.type !== "select") continue;
        next ??= new Set(current);
        if (change.selected) next.add(change.id);
        else next.delete(change.id);
      }
      return next ?? current;
    });
  }, []);

  const toEdge = useCallback(
    (c: Connection | Edge) => ({ id: "", source: c.source, sourcePort: c.sourceHandle ?? "", target: c.target, targetPort: c.targetHandle ?? "" }),
    [],
  );

  const isValidConnection = useCallback(
    (c: Connection | Edge) => connectionProblem(api.getState().doc, api.getState().types, toEdge(c)) === null,
    [api, toEdge],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const { id: _none, ...edge } = toEdge(c);
      void api.getState().connect(edge);
    },
    [api, toEdge],
  );

  const onDelete: OnDelete = useCallback(
    ({ nodes: gone, edges: cut }) => {
      void api.getState().remove(
        gone.map((n) => n.id),
        cut.map((e) => e.id),
      );
      setSelectedEdges(new Set());
      api.getState().select([]);
    },
    [api],
  );

  const empty = doc.nodes.length === 0;
  // the same element while its inputs are the same: a render of this component for
  // something else (a keystroke's document before its deferred render) skips React Flow
  const flowElement = useMemo(
    () => (
      <ReactFlow<FlowNodeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        isValidConnection={isValidConnection}
        deleteKeyCode={["Delete", "Backspace"]}
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        selectionKeyCode="Shift"
        snapToGrid
        snapGrid={SNAP}
        fitView
        fitViewOptions={FIT}
        minZoom={0.1}
        colorMode="system"
        aria-label="Workflow canvas"
      >
        <Background gap={SNAP[0]} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={minimapColor} />
        <ConnectionHint />
        {empty && (
          <Panel position="top-center" className="fx-empty">
            Drag a node from the palette, or open an example from the menu.
          </Panel>
        )}
      </ReactFlow>
    ),
    [nodes, edges, empty, onNodesChange, onEdgesChange, onConnect, onDelete, isValidConnection],
  );

  return (
    <div
      ref={frame}
      className="fx-canvas"
      data-testid="canvas"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(DRAG_TYPE) || e.dataTransfer.types.includes("text/plain")) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }
      }}
      onDrop={(e) => {
        const type = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData("text/plain");
        if (!api.getState().types.has(type)) return;
        e.preventDefault();
        const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        void api.getState().addNode(type, [at.x - 90, at.y - 30]);
      }}
    >
      {flowElement}
    </div>
  );
}
