// Pure helpers over the workflow document: ports, edge ids, cycles, fresh ids and names.
// The engine decides; these let the canvas refuse what it would reject before asking it.
import type { NodeType, Workflow, WorkflowEdge, WorkflowNode } from "./types";

export type Types = Map<string, NodeType>;

export function inputPorts(node: WorkflowNode, types: Types): string[] {
  return types.get(node.type)?.inputs ?? ["in"];
}

/** Output ports in the node type's order; `switch` has one per rule, `errorOutput` adds `error`. */
export function outputPorts(node: WorkflowNode, types: Types): string[] {
  const type = types.get(node.type);
  if (!type) return ["out"];
  let ports = type.outputs;
  if (type.dynamicOutputs === "rules") {
    const rules = node.params?.rules;
    const count = Array.isArray(rules) ? rules.length : 0;
    ports = [...Array.from({ length: count }, (_, i) => String(i)), ...type.outputs];
  }
  return node.onError === "errorOutput" ? [...ports, "error"] : ports;
}

/** The edge with its ports spelled out (a file may leave them to the defaults). */
export function resolveEdge(edge: WorkflowEdge, doc: Workflow, types: Types): Required<WorkflowEdge> {
  const byId = (id: string) => doc.nodes.find((n) => n.id === id);
  const source = byId(edge.source);
  const target = byId(edge.target);
  const sourcePort = edge.sourcePort ?? (source ? outputPorts(source, types)[0] : "out") ?? "out";
  const targetPort = edge.targetPort ?? (target ? inputPorts(target, types)[0] : "in") ?? "in";
  const id = edge.id ?? `${edge.source}:${sourcePort}->${edge.target}:${targetPort}`;
  return { id, source: edge.source, sourcePort, target: edge.target, targetPort };
}

/** The path target ⇝ source if one exists: adding source → target would close it. */
export function cyclePath(doc: Workflow, source: string, target: string): string[] | null {
  if (source === target) return [source, source];
  const next = new Map<string, string[]>();
  for (const e of doc.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const from = new Map<string, string>();
  const queue = [target];
  const seen = new Set(queue);
  while (queue.length) {
    const here = queue.shift()!;
    if (here === source) {
      const path = [source];
      for (let at = source; at !== target; ) path.unshift((at = from.get(at)!));
      return [...path, target];
    }
    for (const child of next.get(here) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        from.set(child, here);
        queue.push(child);
      }
    }
  }
  return null;
}

/** Why connecting these ports would be refused, or null when it is fine. */
export function connectionProblem(doc: Workflow, types: Types, edge: Required<WorkflowEdge>): string | null {
  const cycle = cyclePath(doc, edge.source, edge.target);
  if (cycle) return `${edge.source} → ${edge.target} would close the cycle ${cycle.join(" → ")}`;
  const duplicate = doc.edges.some((e) => {
    const r = resolveEdge(e, doc, types);
    return r.source === edge.source && r.sourcePort === edge.sourcePort && r.target === edge.target && r.targetPort === edge.targetPort;
  });
  return duplicate ? "these ports are already connected" : null;
}

export function freshId(taken: Iterable<string>, prefix = "n"): string {
  const used = new Set(taken);
  let i = used.size + 1;
  while (used.has(`${prefix}${i}`)) i++;
  return `${prefix}${i}`;
}

/** An edge id not yet used in the document (`e1`, `e2`, ...). */
export const freshEdgeId = (doc: Workflow) => freshId(doc.edges.map((e) => e.id ?? ""), "e");

/** `Sort`, then `Sort 2`, `Sort 3`, ... among the names and ids in use. */
export function freshName(doc: Workflow, base: string): string {
  const used = new Set(doc.nodes.flatMap((n) => [n.id, n.name ?? n.id]));
  if (!used.has(base)) return base;
  // a copy of "Sort 2" is "Sort 3", not "Sort 2 2" (n8n numbers copies the same way)
  const numbered = /^(.*\S) (\d+)$/.exec(base);
  const stem = numbered?.[1] ?? base;
  let i = numbered ? Number(numbered[2]) + 1 : 2;
  while (used.has(`${stem} ${i}`)) i++;
  return `${stem} ${i}`;
}

export const nodeName = (node: WorkflowNode) => node.name || node.id;

/** A node's default params: every property's schema default. */
export function defaultParams(type: NodeType): { [key: string]: never } {
  const params: { [key: string]: unknown } = {};
  for (const [key, schema] of Object.entries(type.schema.properties ?? {})) {
    if (schema.default !== undefined) params[key] = structuredClone(schema.default);
  }
  return params as { [key: string]: never };
}

/** The nodes and edges among `ids`, as a workflow document (what copy puts on the clipboard). */
export function subWorkflow(doc: Workflow, ids: Set<string>): Workflow {
  return {
    nodefox: 1,
    nodes: doc.nodes.filter((n) => ids.has(n.id)),
    edges: doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
  };
}

/** Nodes and edges of `part` renamed so they fit beside `doc`, shifted by `offset`. */
export function pasteable(doc: Workflow, part: Workflow, offset: [number, number]): Workflow {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const names = { ...doc, nodes: [...doc.nodes] };
  const ids = new Map<string, string>();
  const nodes: WorkflowNode[] = [];
  for (const node of part.nodes) {
    const id = taken.has(node.id) ? freshId(taken) : node.id;
    taken.add(id);
    ids.set(node.id, id);
    const name = freshName(names, node.name || node.id);
    const [x, y] = node.position ?? [0, 0];
    const copy = { ...structuredClone(node), id, name, position: [x + offset[0], y + offset[1]] as [number, number] };
    names.nodes.push(copy);
    nodes.push(copy);
  }
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const edges = part.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => {
      const edge: WorkflowEdge = { ...e, source: ids.get(e.source)!, target: ids.get(e.target)! };
      delete edge.id;
      const id = freshId([...edgeIds].filter((x): x is string => !!x), "e");
      edgeIds.add(id);
      return { ...edge, id };
    });
  return { nodefox: 1, nodes, edges };
}

/** What a document must look like before the canvas can draw it and the engine is asked
 * (the engine checks the rest, and names every problem). */
export function shapeProblem(value: unknown): string | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "a workflow is a JSON object";
  const doc = value as { nodefox?: unknown; nodes?: unknown; edges?: unknown };
  if (doc.nodefox !== 1) return '"nodefox" must be 1 (the format version)';
  if (!Array.isArray(doc.nodes)) return '"nodes" must be a list';
  if (!Array.isArray(doc.edges)) return '"edges" must be a list';
  const text = (v: unknown) => typeof v === "string" && v !== "";
  const object = (v: unknown): v is { [k: string]: unknown } => !!v && typeof v === "object" && !Array.isArray(v);
  for (const [i, n] of (doc.nodes as unknown[]).entries()) {
    if (!object(n)) return `/nodes/${i} must be an object`;
    if (!text(n.id)) return `/nodes/${i}/id must be a non-empty text`;
    if (!text(n.type)) return `/nodes/${i}/type must be a non-empty text`;
  }
  for (const [i, e] of (doc.edges as unknown[]).entries()) {
    if (!object(e)) return `/edges/${i} must be an object`;
    if (!text(e.source)) return `/edges/${i}/source must be a non-empty text`;
    if (!text(e.target)) return `/edges/${i}/target must be a non-empty text`;
  }
  return null;
}

/** What the engine would refuse in a well-shaped document, found before asking to replace
 * the canvas with it: a node id used twice, an unknown node type (once the catalogue is
 * known), an edge naming a node the document does not have. Null when none. */
export function referenceProblem(doc: Workflow, types: Types): string | null {
  const ids = new Set<string>();
  for (const [i, n] of doc.nodes.entries()) {
    if (ids.has(n.id)) return `/nodes/${i}/id: another node already has the id ${n.id}`;
    ids.add(n.id);
    if (types.size && !types.has(n.type)) return `/nodes/${i}/type: there is no node type ${n.type}`;
  }
  for (const [i, e] of doc.edges.entries()) {
    if (!ids.has(e.source)) return `/edges/${i}/source: there is no node ${e.source}`;
    if (!ids.has(e.target)) return `/edges/${i}/target: there is no node ${e.target}`;
  }
  return null;
}

/** Positions for a document whose nodes have none or sit on top of each other: one
 * column per depth (longest path from a source), rows in document order. */
export function laidOut(doc: Workflow): Workflow {
  const seen = new Set<string>();
  const stacked = doc.nodes.some((n) => {
    if (!n.position) return true;
    const key = n.position.join(",");
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
  if (!stacked) return doc;
  const depth = new Map(doc.nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < doc.nodes.length; round++) {
    let changed = false;
    for (const e of doc.edges) {
      const d = (depth.get(e.source) ?? 0) + 1;
      if (depth.has(e.target) && d > depth.get(e.target)!) {
        depth.set(e.target, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  const nodes = doc.nodes.map((n) => {
    const column = depth.get(n.id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { ...n, position: [column * 240, row * 140] as [number, number] };
  });
  return { ...doc, nodes };
}
