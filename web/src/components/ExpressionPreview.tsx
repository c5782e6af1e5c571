// What an expression gives for the node's first input item, or its error, as you type.
import { useEffect, useState } from "react";
import { useEditor, useEditorApi } from "../hooks";
import type { Evaluated } from "../lib/types";

export function ExpressionPreview({ nodeId, path, text }: { nodeId: string; path: string; text: string }) {
  const api = useEditorApi();
  const result = useEditor((s) => s.results[nodeId]); // re-evaluate when the node's inputs changed
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
  }, [api, nodeId, path, text, result]);
  if (!shown) return null;
  return (
    <div className={`fx-preview${shown.error ? " bad" : ""}`} data-testid="expression-preview" data-param-preview={path} aria-live="polite">
      {shown.error ? `✕ ${shown.error.message}` : `= ${JSON.stringify(shown.value)}`}
      <span className="fx-muted"> (item 0)</span>
    </div>
  );
}
