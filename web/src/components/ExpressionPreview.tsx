// What an expression gives for the node's first input item, or its error, as you type.
import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useEditor, useEditorApi } from "../hooks";
import type { Evaluated, Json, NodeResult, WorkflowNode } from "../lib/types";

/** A dotted field path (`customer.address.city`, `tags.0`) read from an item. */
function read(item: Json | undefined, path: string): Json | undefined {
  let here: Json | undefined = item;
  for (const key of path.split(".")) {
    if (here === null || typeof here !== "object") return undefined;
    here = Array.isArray(here) ? here[Number(key)] : here[key];
  }
  return here;
}

/** For a `set` field's value, what the node itself wrote for item 0 (or its error at this
 * field): a later field sees the earlier ones, which the expression evaluated alone against
 * the input item does not. Null when the node's result does not say (then: `evaluate`). */
function written(node: WorkflowNode | undefined, result: NodeResult | undefined, path: string, text: string): Evaluated | null {
  const match = /^\/fields\/(\d+)\/value$/.exec(path);
  if (!match || node?.type !== "set" || !result) return null;
  const field = (node.params?.fields as { name?: string; value?: Json }[] | undefined)?.[Number(match[1])];
  if (!field?.name || field.value !== text) return null;
  if (result.status === "error" && result.error?.path?.startsWith(path)) return { error: result.error } as Evaluated;
  if (result.status !== "ok") return null;
  const value = read(result.preview?.out?.[0], field.name);
  return value === undefined ? null : ({ value } as Evaluated);
}

export function ExpressionPreview({ nodeId, path, text }: { nodeId: string; path: string; text: string }) {
  const api = useEditorApi();
  // re-evaluate when what the expression can read changed: the results of the nodes above
  // this one (its inputs and what `$("...")` names), not this node's own output
  const upstream = useEditor(useShallow((s) => s.doc.edges.filter((e) => e.target === nodeId).map((e) => s.results[e.source])));
  const names = useEditor((s) => (text.includes("$(") || text.includes("$node") ? s.results : null));
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === nodeId));
  const result = useEditor((s) => s.results[nodeId]);
  const [evaluated, setShown] = useState<Evaluated | null>(null);
  const shown = written(node, result, path, text) ?? evaluated;
  useEffect(() => {
    let current = true;
    void api
      .getState()
      .evaluate(nodeId, path, text)
      .then((answer) => current && setShown(answer));
    return () => {
      current = false;
    };
  }, [api, nodeId, path, text, upstream, names]);
  if (!shown) return null;
  return (
    <div className={`fx-preview${shown.error ? " bad" : ""}`} data-testid="expression-preview" data-param-preview={path} aria-live="polite">
      {shown.error ? `✕ ${shown.error.message}` : `= ${JSON.stringify(shown.value)}`}
      <span className="fx-muted"> (item 0)</span>
    </div>
  );
}
