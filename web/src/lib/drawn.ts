// What the canvas, the data panel and the inspector's connections show of the document:
// each node's id, type, name, position, disabled flag, effect and ports, and the edges.
// A parameter's keystroke changes none of these (only its answer changes what is drawn),
// so `drawer` hands back the very same objects for it and nothing there renders again
// before the answer arrives (issue 16: a render queued ahead of the answer delayed it).
import { effectOf } from "./effects";
import { inputPorts, outputPorts, type Types } from "./graph";
import type { Workflow, WorkflowEdge } from "./types";

export type DrawnNode = {
  id: string;
  type: string;
  name?: string;
  position?: [number, number];
  disabled?: boolean;
  effect: "none" | "read" | "write";
  inputs: string[];
  outputs: string[];
};

export type Drawn = { nodes: DrawnNode[]; edges: WorkflowEdge[]; byId: Map<string, DrawnNode> };

const sameList = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined) =>
  a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));

const sameNode = (a: DrawnNode, b: DrawnNode) =>
  a.id === b.id &&
  a.type === b.type &&
  a.name === b.name &&
  a.disabled === b.disabled &&
  a.effect === b.effect &&
  sameList(a.position, b.position) &&
  sameList(a.inputs, b.inputs) &&
  sameList(a.outputs, b.outputs);

/** A function from (document, types) to what is drawn of it, returning the objects of its
 * last answer wherever they are still the same (and the same `Drawn` when all are). */
export function drawer(): (doc: Workflow, types: Types) => Drawn {
  let last: { doc: Workflow; types: Types; drawn: Drawn } | null = null;
  return (doc, types) => {
    if (last && last.doc === doc && last.types === types) return last.drawn;
    const before = last?.drawn;
    const nodes = doc.nodes.map((node) => {
      const next: DrawnNode = {
        id: node.id,
        type: node.type,
        name: node.name,
        position: node.position,
        disabled: node.disabled,
        effect: effectOf(node, types.get(node.type)),
        inputs: inputPorts(node, types),
        outputs: outputPorts(node, types),
      };
      const kept = before?.byId.get(node.id);
      return kept && sameNode(kept, next) ? kept : next;
    });
    const same = before && sameList(before.nodes, nodes) && before.edges === doc.edges;
    const drawn = same ? before : { nodes: before && sameList(before.nodes, nodes) ? before.nodes : nodes, edges: doc.edges, byId: new Map(nodes.map((n) => [n.id, n])) };
    last = { doc, types, drawn };
    return drawn;
  };
}

/** The edge with its ports spelled out, from the drawn nodes' ports (as graph.resolveEdge). */
export function drawnEdge(edge: WorkflowEdge, drawn: Drawn): Required<WorkflowEdge> {
  const sourcePort = edge.sourcePort ?? drawn.byId.get(edge.source)?.outputs[0] ?? "out";
  const targetPort = edge.targetPort ?? drawn.byId.get(edge.target)?.inputs[0] ?? "in";
  const id = edge.id ?? `${edge.source}:${sourcePort}->${edge.target}:${targetPort}`;
  return { id, source: edge.source, sourcePort, target: edge.target, targetPort };
}
