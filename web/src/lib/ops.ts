// The document side of the live ops (docs/protocol.md), applied to the page's copy
// so the canvas shows an edit at once. The engine applies the same ops and has the
// last word: a rejected op makes the page take the engine's document back.
import * as pointer from "./pointer";
import type { Json, Op, Workflow, WorkflowEdge, WorkflowNode } from "./types";

type EdgeId = (edge: WorkflowEdge, doc: Workflow) => string | undefined;
type Handler = (doc: Workflow, op: Op, edgeId: EdgeId) => Workflow;

const mapNode = (doc: Workflow, id: unknown, change: (node: WorkflowNode) => WorkflowNode): Workflow => ({
  ...doc,
  nodes: doc.nodes.map((n) => (n.id === id ? change(n) : n)),
});

const without = <T extends object>(value: T, key: keyof T): T => {
  const copy = { ...value };
  delete copy[key];
  return copy;
};

const HANDLERS: { [op: string]: Handler } = {
  load: (_doc, op) => structuredClone(op.workflow as Workflow),
  add_node: (doc, op) => ({ ...doc, nodes: [...doc.nodes, op.node as WorkflowNode] }),
  remove_node: (doc, op) => ({
    ...doc,
    nodes: doc.nodes.filter((n) => n.id !== op.id),
    edges: doc.edges.filter((e) => e.source !== op.id && e.target !== op.id),
  }),
  update_node: (doc, op) =>
    mapNode(doc, op.id, (node) => {
      const next: WorkflowNode = { ...node };
      for (const [key, value] of Object.entries(op.set as object)) {
        if (value === null || value === undefined) delete (next as { [k: string]: unknown })[key];
        else (next as { [k: string]: unknown })[key] = value;
      }
      return next;
    }),
  patch_params: (doc, op) =>
    mapNode(doc, op.id, (node) => ({
      ...node,
      params: pointer.set((node.params ?? {}) as Json, op.path as string, op.value as Json | undefined) as WorkflowNode["params"],
    })),
  move: (doc, op) => mapNode(doc, op.id, (node) => ({ ...node, position: op.position as [number, number] })),
  connect: (doc, op) => ({ ...doc, edges: [...doc.edges, op.edge as WorkflowEdge] }),
  disconnect: (doc, op, edgeId) => ({ ...doc, edges: doc.edges.filter((e) => edgeId(e, doc) !== op.id) }),
  pin: (doc, op) => mapNode(doc, op.id, (node) => ({ ...node, pinned: op.items as WorkflowNode["pinned"] })),
  unpin: (doc, op) => mapNode(doc, op.id, (node) => without(node, "pinned")),
  set_variables: (doc, op) => ({ ...doc, variables: op.variables as Workflow["variables"] }),
  set_settings: (doc, op) => ({ ...doc, settings: op.settings as Workflow["settings"] }),
  set_name: (doc, op) => (op.name ? { ...doc, name: op.name as string } : without(doc, "name")),
};

// own keys only: `toString` or `constructor` as an op name is an unknown op, not Object's
const handler = (op: Op): Handler | undefined => (Object.hasOwn(HANDLERS, op.op) ? HANDLERS[op.op] : undefined);

/** True when the op changes the document (inspect, export and set_input do not). */
export const changesDocument = (op: Op) => handler(op) !== undefined;

/** `edgeId` gives an edge's id, spelling out the default for edges a file left without one. */
export function applyOps(doc: Workflow, ops: Op[], edgeId: EdgeId = (e) => e.id): Workflow {
  return ops.reduce((here, op) => handler(op)?.(here, op, edgeId) ?? here, doc);
}
