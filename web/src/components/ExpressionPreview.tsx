// What an expression gives for the node's first input item, or its error, as you type.
import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useEditor, useEditorApi } from "../hooks";
import type { Evaluated } from "../lib/types";

export function ExpressionPreview({ nodeId, path, text }: { nodeId: string; path: string; text: string }) {
  const api = useEditorApi();
  // re-evaluate when what the expression can read changed: the results of the nodes above
  // this one (its inputs and what `$("...")` names), not this node's own output
  const upstream = useEditor(useShallow((s) => s.doc.edges.filter((e) => e.target === nodeId).map((e) => s.results[e.source])));
  const names = useEditor((s) => (text.includes("$(") || text.includes("$node") ? s.results : null));
  const [shown, setShown] = useState<Evaluated | null>(null);
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
