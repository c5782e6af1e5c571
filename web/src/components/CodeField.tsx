// A code field: a plain textarea at once, CodeMirror (CodeEditor.tsx) once its chunk has
// loaded. The chunk is fetched the first time a code field is drawn, never at start-up,
// so the bytes every page loads do not grow (docs/decisions.md); if it cannot be fetched
// the textarea stays, and works.
import { useEffect, useRef, useState } from "react";
import { useDraft } from "../hooks";
import { loadHelp } from "../lib/help";
import type { CodeEditorProps } from "./CodeEditor";

type Loaded = typeof import("./CodeEditor");
let loading: Promise<Loaded> | null = null;
let loaded: Loaded | null = null;

/** Fetch the editor's chunk and the help it lists (once). */
export function loadCodeEditor(): Promise<Loaded> {
  loading ??= Promise.all([import("./CodeEditor"), loadHelp()]).then(([module]) => (loaded = module));
  return loading;
}

export function CodeField(props: Omit<CodeEditorProps, "focus">) {
  const [module, setModule] = useState<Loaded | null>(loaded);
  const plain = useRef<HTMLTextAreaElement | null>(null);
  const handoff = useRef<{ start: number; end: number } | null>(null);
  useEffect(() => {
    if (module) return;
    let current = true;
    loadCodeEditor().then(
      (m) => current && setModule(m),
      () => {
        loading = null; // not fetched (offline?): the textarea stays; the next field tries again
      },
    );
    return () => {
      current = false;
    };
  }, [module]);
  if (module && plain.current) {
    // The person may be typing in the textarea: the editor takes over where they are. Read
    // here, in the render that removes the textarea: React commits it in this same task and
    // the editor takes the focus in its layout effect, so no keystroke falls between the two
    // (read when the chunk arrived, a keystroke in between went to a removed element).
    const t = plain.current;
    handoff.current = document.activeElement === t ? { start: t.selectionStart, end: t.selectionEnd } : null;
    plain.current = null;
  }
  if (module) return <module.CodeEditor {...props} focus={handoff.current} />;
  return <PlainCode {...props} field={plain} />;
}

/** The textarea in the editor's place: plain, and working. */
function PlainCode({ value, onChange, path, label, rows = 8, field }: Omit<CodeEditorProps, "focus"> & { field: { current: HTMLTextAreaElement | null } }) {
  const [text, setText] = useDraft(value, String);
  return (
    <textarea
      ref={(el) => void (el && (field.current = el))}
      id={`param-${path}`}
      data-param={path}
      aria-label={label}
      className="fx-input fx-code"
      rows={rows}
      spellCheck={false}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value);
      }}
    />
  );
}
