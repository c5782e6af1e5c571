// The top bar: workflow name, New, Open, Export, Examples, Undo/Redo, Fit, Tidy up, Stop,
// the engine's state, and `?` for the keyboard shortcuts.
import { WorkspaceButtons } from "./WorkspacePanel"; // server.md: the workflows drawer and executions
import { useReactFlow } from "@xyflow/react";
import { useEffect, useRef, useState } from "react";
import { useDraft, useEditor, useEditorApi, useEngine } from "../hooks";
// world.md / n8n.md (docs/editor.md): credentials, files, zips with files, n8n files
import { isZip } from "../lib/zip";
import { CredentialsButton } from "./CredentialsDialog";
import { exportWithFiles, FilesButton, openZip } from "./FilesPanel";
import { looksLikeN8n, openN8n } from "./N8nReport";
import { EMPTY } from "../store";
import { FIT } from "./Canvas";
import { ShortcutsButton } from "./Shortcuts";
import { TidyButton } from "./TidyUp";

type Example = { name: string; title: string; file: string; input?: string };

export function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function fileName(title: string | undefined) {
  return `${(title || "workflow").replace(/[^\w.-]+/g, "-").replace(/^-|-$/g, "") || "workflow"}.json`;
}

function Examples() {
  const api = useEditorApi();
  const [examples, setExamples] = useState<Example[] | null>(null);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  // Escape closes the menu wherever the focus is (on its button when it was opened with the
  // mouse, on an item when with the keyboard), and gives the focus back to the button
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  useEffect(() => {
    fetch("/examples/index.json")
      .then((r) => (r.ok ? r.json() : []))
      .then(setExamples)
      .catch(() => setExamples([]));
  }, []);
  const choose = async (example: Example) => {
    setOpen(false);
    try {
      const doc = await (await fetch(`/examples/${example.file}`)).json();
      await api.getState().replace(doc, `the example ${example.title || example.name}`, true); // shipped with the editor
    } catch (error) {
      api.getState().notify("error", `Cannot open the example ${example.name}`, [String(error)]);
    }
  };
  return (
    <div className="fx-menu">
      <button ref={button} type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="examples-menu">
        Examples ▾
      </button>
      {open && (
        <ul role="menu" className="fx-menu-list">
          {(examples ?? []).map((example) => (
            <li key={example.name} role="none">
              <button type="button" role="menuitem" data-example={example.name} onClick={() => void choose(example)}>
                {example.title || example.name} <span className="fx-muted">{example.name}</span>
              </button>
            </li>
          ))}
          {examples?.length === 0 && <li className="fx-muted">No examples on this server.</li>}
        </ul>
      )}
    </div>
  );
}

/** The workflow's name, applied on Enter or when the field is left: live.md has no op for
 * it, so a rename is a `load` of the renamed document, not one per keystroke. */
function WorkflowName() {
  const api = useEditorApi();
  const name = useEditor((s) => s.doc.name) ?? "";
  const [text, setText] = useDraft(name, String);
  const commit = () => {
    if (text === name) return;
    void api.getState().renameWorkflow(text);
  };
  return (
    <input
      className="fx-title"
      aria-label="Workflow name"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
        if (e.key === "Escape") setText(name);
      }}
    />
  );
}

/** The engine's state and the Stop button: its own component, so an answer's timing
 * redraws this line and not the whole toolbar. */
function EngineState() {
  const api = useEditorApi();
  const engine = useEngine();
  const state = useEditor((s) => s.engine);
  const text =
    state.phase === "ready" ? `engine ${state.version} · last edit ${state.lastMs.toFixed(1)} ms` : state.phase === "failed" ? "engine failed to load" : "engine loading…";
  return (
    <>
      {state.busy && (
        <button type="button" className="fx-stop" onClick={() => engine.stop(() => void api.getState().start())} title="Stop the running preview" data-testid="stop">
          ■ Stop
        </button>
      )}
      <span className="fx-engine" data-testid="engine-state" data-phase={state.phase} role="status" title={text}>
        {text}
      </span>
    </>
  );
}

export function Toolbar({ onShortcuts }: { onShortcuts: () => void }) {
  const api = useEditorApi();
  const flow = useReactFlow();
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const fileInput = useRef<HTMLInputElement>(null);
  const worker = useEngine(); // zips with files and n8n files (docs/editor.md)

  const openFile = async (file: File) => {
    let value: unknown;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (isZip(bytes)) return void (await openZip(api, worker, bytes, file.name)); // Export with files
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
      if (looksLikeN8n(value)) return void (await openN8n(api, worker, JSON.stringify(value), file.name));
    } catch (error) {
      api.getState().notify("error", `Cannot open ${file.name}`, [`not valid JSON: ${(error as Error).message}`]);
      return;
    }
    await api.getState().replace(value, file.name);
  };

  return (
    <header className="fx-toolbar" role="toolbar" aria-label="Workflow">
      <strong className="fx-brand">NodeFox</strong>
      <WorkspaceButtons />
      <WorkflowName />
      <button type="button" onClick={() => void api.getState().replace(structuredClone(EMPTY), "a new workflow", true)} title="New workflow">
        New
      </button>
      <button type="button" onClick={() => fileInput.current?.click()} title="Open a workflow JSON file (Ctrl+O)">
        Open…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json,.zip,application/zip"
        hidden
        data-testid="open-file"
        aria-label="Open a workflow file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void openFile(file);
        }}
      />
      <button type="button" onClick={() => download(fileName(api.getState().doc.name), JSON.stringify(api.getState().doc, null, 2))} title="Export as JSON (Ctrl+S)">
        Export
      </button>
      <button type="button" data-testid="export-with-files" onClick={() => void exportWithFiles(api)} title="A zip of the workflow and the files it names">
        Export with files
      </button>
      <Examples />
      <FilesButton />
      <CredentialsButton />
      <span className="fx-sep" />
      <button type="button" disabled={!canUndo} onClick={() => api.getState().undo()} title="Undo (Ctrl+Z)" aria-label="Undo">
        ↶ Undo
      </button>
      <button type="button" disabled={!canRedo} onClick={() => api.getState().redo()} title="Redo (Shift+Ctrl+Z)" aria-label="Redo">
        ↷ Redo
      </button>
      <button type="button" onClick={() => flow.fitView({ ...FIT, duration: 200 })} title="Fit the workflow in view">
        Fit
      </button>
      <TidyButton />
      <EngineState />
      <ShortcutsButton onOpen={onShortcuts} />
    </header>
  );
}
