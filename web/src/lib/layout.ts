// "Tidy up": new positions for the nodes, left to right along the edges, by dagre's
// layered layout (docs/decisions.md). Loaded by a dynamic import, so dagre is fetched on
// the first tidy-up and never with the page.
import dagre from "@dagrejs/dagre";

export type Box = { id: string; width: number; height: number; position: [number, number] };
export type Link = { source: string; target: string; sourcePort: string; targetPort: string };

/** Space between nodes in a column, and between columns, in canvas px. */
const GAP = { node: 40, rank: 90 };
/** The canvas's snap grid: tidy positions land on it, as dragged ones do. */
const GRID = 20;

const snap = (v: number) => Math.round(v / GRID) * GRID;

/** New top-left positions of `nodes` (only those that move), laid out left to right with
 * the top-left corner of the whole graph where it was, so the view does not jump. Ports
 * keep their order: what the first port feeds is laid out above what the second feeds
 * (`portOrder` gives a node's output ports in order). */
export function tidy(nodes: Box[], links: Link[], portOrder: (id: string) => string[] = () => []): { [id: string]: [number, number] } {
  if (!nodes.length) return {};
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: GAP.node, ranksep: GAP.rank, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(nodes.map((n) => n.id));
  const usable = links.filter((l) => known.has(l.source) && known.has(l.target) && l.source !== l.target);
  // dagre's first ordering of a column follows the order nodes and edges were added, a
  // node's successors coming out last-added on top: nodes go in depth first from the
  // sources, and each node's edges last port first, so `true` lands above `false`
  const out = new Map<string, Link[]>();
  for (const l of usable) out.set(l.source, [...(out.get(l.source) ?? []), l]);
  for (const [id, list] of out) {
    const ports = portOrder(id);
    list.sort((a, b) => ports.indexOf(b.sourcePort) - ports.indexOf(a.sourcePort));
  }
  const fed = new Set(usable.map((l) => l.target));
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = nodes.find((m) => m.id === id)!;
    g.setNode(id, { width: n.width, height: n.height });
    for (const l of out.get(id) ?? []) visit(l.target);
  };
  for (const n of nodes) if (!fed.has(n.id)) visit(n.id);
  for (const n of nodes) visit(n.id); // a node only on a cycle (the engine refuses those)
  for (const [, list] of out) list.forEach((l, i) => g.setEdge(l.source, l.target, {}, `${l.source}:${i}`));
  dagre.layout(g);
  const left = Math.min(...nodes.map((n) => n.position[0]));
  const top = Math.min(...nodes.map((n) => n.position[1]));
  const laid = nodes.map((n) => {
    const { x, y } = g.node(n.id); // dagre gives centres
    return { n, x: x - n.width / 2, y: y - n.height / 2 };
  });
  const dx = left - Math.min(...laid.map((l) => l.x));
  const dy = top - Math.min(...laid.map((l) => l.y));
  const moves: { [id: string]: [number, number] } = {};
  for (const { n, x, y } of laid) {
    const to: [number, number] = [snap(x + dx), snap(y + dy)];
    if (to[0] !== n.position[0] || to[1] !== n.position[1]) moves[n.id] = to;
  }
  return moves;
}
