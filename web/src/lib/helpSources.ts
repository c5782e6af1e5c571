// What expression help reads for a node: the page's copy of the engine's answers.
import { inputPorts, nodeName, resolveEdge } from "./graph";
import type { Sources } from "./completions";
import type { Json } from "./types";
import type { Editor } from "../store";

/** What expression help reads for node `id`, from the page's copy of the engine's answers:
 * the first items (the preview) of what reaches its first input port, the names of the
 * nodes upstream of it, another node's first output items, the catalogue's functions. */
export function helpSources(state: Editor, id: string): Sources {
  const { doc, types, results, catalogue } = state;
  const node = doc.nodes.find((n) => n.id === id);
  const first = node ? inputPorts(node, types)[0] : undefined;
  const items: Json[] = [];
  const parents = new Map<string, string[]>();
  for (const edge of doc.edges) {
    const e = resolveEdge(edge, doc, types);
    parents.set(e.target, [...(parents.get(e.target) ?? []), e.source]);
    if (e.target === id && e.targetPort === first) items.push(...(results[e.source]?.preview?.[e.sourcePort] ?? []));
  }
  // upstream: nearest first, as `$("...")` may only name an ancestor
  const seen = new Set<string>();
  const queue = [...(parents.get(id) ?? [])];
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next) || next === id) continue;
    seen.add(next);
    queue.push(...(parents.get(next) ?? []));
  }
  const byName = new Map(doc.nodes.map((n) => [nodeName(n), n.id]));
  return {
    items,
    nodes: [...seen].map((n) => doc.nodes.find((x) => x.id === n)).filter((n) => !!n).map(nodeName),
    functions: catalogue?.functions ?? [],
    outputOf(name) {
      const other = byName.get(name);
      const preview = other ? results[other]?.preview : undefined;
      return preview ? (Object.values(preview)[0] ?? []) : [];
    },
  };
}
