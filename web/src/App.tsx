// The page: toolbar, palette, canvas, inspector, data panel, loading steps and notices.
import { useReactFlow } from "@xyflow/react";
import { Component, useCallback, useEffect, useState, type ReactNode } from "react";
import { Canvas } from "./components/Canvas";
import { DataPanel } from "./components/DataPanel";
import { Inspector } from "./components/Inspector";
import { Palette } from "./components/Palette";
import { download, fileName, Toolbar } from "./components/Toolbar";
import { useEditor, useEditorApi, useEngine } from "./hooks";
// world.md / n8n.md (docs/editor.md)
import { CredentialsDialog } from "./components/CredentialsDialog";
import { FileDrop, FilesPanel, ReadFileOffer } from "./components/FilesPanel";
import { looksLikeN8n, N8nReportPanel, openN8n } from "./components/N8nReport";
import "./world.css";
import { PermissionPrompt, WorldSync } from "./components/PermissionPrompt";
// server.md: workflows as files or a list in the browser, recorded executions
import { ExecutionsPanel } from "./components/ExecutionsPanel";
import { WorkspacePanel } from "./components/WorkspacePanel";
// issue 15: the shortcut sheet and tidy-up (docs/editor.md)
import { ShortcutSheet } from "./components/Shortcuts";
import { tidyUp } from "./components/TidyUp";

const STEP_NAMES = { runtime: "Python runtime", packages: "packages", engine: "engine" } as const;

function Loading() {
  const engine = useEditor((s) => s.engine);
  if (engine.phase === "ready") return null;
  return (
    <div className="fx-loading" data-testid="loading" role="status" aria-live="polite">
      {engine.phase === "failed" ? (
        <p className="fx-bad">
          The engine failed to load: {engine.error}. Your workflow is kept in this browser; reload the page to try again.
        </p>
      ) : (
        <>
          <strong>Loading the engine</strong> (you can already edit: changes are queued)
          <ol>
            {(Object.keys(STEP_NAMES) as (keyof typeof STEP_NAMES)[]).map((step) => {
              const s = engine.steps[step];
              return (
                <li key={step} data-step={step} data-state={s.state}>
                  {s.state === "done" ? "✓" : s.state === "start" ? "⟳" : "○"} {STEP_NAMES[step]}
                  {s.state === "done" && ` ${(s.ms / 1000).toFixed(2)} s`}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </div>
  );
}

function Notices() {
  const notices = useEditor((s) => s.notices);
  const api = useEditorApi();
  return (
    <div className="fx-notices" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className={`fx-notice ${n.kind}`} role="alert" data-testid="notice">
          <strong>{n.title}</strong>
          {n.lines.length > 0 && (
            <ul>
              {n.lines.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          )}
          <button type="button" className="fx-icon" aria-label="Dismiss" onClick={() => api.getState().dismiss(n.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

/** The page's one open question (replace the workflow?), as a modal dialog: Enter or the
 * first button says yes, Escape or the second says no. */
function QuestionDialog() {
  const question = useEditor((s) => s.question);
  const api = useEditorApi();
  if (!question) return null;
  return (
    <div className="fx-modal-backdrop">
      <div
        className="fx-modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="fx-question-title"
        data-testid="question"
        onKeyDown={(e) => {
          if (e.key === "Escape") api.getState().reply(false);
        }}
      >
        <h2 id="fx-question-title">{question.title}</h2>
        {question.lines.map((line, i) => (
          <p key={i}>{line}</p>
        ))}
        <div className="fx-modal-buttons">
          <button type="button" className="fx-primary" autoFocus onClick={() => api.getState().reply(true)}>
            {question.yes}
          </button>
          <button type="button" onClick={() => api.getState().reply(false)}>
            {question.no}
          </button>
        </div>
      </div>
    </div>
  );
}

/** "This workflow contains code": its `code` nodes wait until the person says Run (issue 10);
 * kept disabled, a line says so with a way to run it later. */
function CodeConsent() {
  const code = useEditor((s) => s.code);
  const api = useEditorApi();
  if (!code || code.state === "run") return null;
  const nodes = `${code.nodes} code node${code.nodes === 1 ? "" : "s"}`;
  if (code.state === "disabled") {
    return (
      <div className="fx-consent small" role="status" data-testid="code-disabled">
        Code disabled: {nodes} wait{code.nodes === 1 ? "s" : ""}.{" "}
        <button type="button" onClick={() => void api.getState().consent(true)}>
          Run the code
        </button>
      </div>
    );
  }
  return (
    <div className="fx-consent" role="alertdialog" aria-labelledby="fx-consent-title" data-testid="code-consent">
      <strong id="fx-consent-title">This workflow contains code</strong>
      <p>
        It has {nodes}, from {code.source}, not written in this browser. Code runs in this page, with its access to the
        network and to this browser's storage. Run it only if you trust where it came from; until then those nodes wait.
      </p>
      <div className="fx-modal-buttons">
        <button type="button" className="fx-primary" onClick={() => void api.getState().consent(true)}>
          Run
        </button>
        <button type="button" onClick={() => void api.getState().consent(false)}>
          Keep disabled
        </button>
      </div>
    </div>
  );
}

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
// copy and cut of the selected nodes, unless the user selected some text to copy
const copyingText = (e: ClipboardEvent) => typing(e.target) || !(window.getSelection()?.isCollapsed ?? true);

/** Keyboard paths: undo/redo, duplicate, select all, export, open, copy and paste as
 * workflow JSON, tidy up, and `?` for the sheet that lists them all (components/Shortcuts.tsx). */
function useShortcuts(showSheet: () => void) {
  const api = useEditorApi();
  const engine = useEngine();
  const flow = useReactFlow();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (!mod && !typing(e.target) && !e.defaultPrevented) {
        // e.code: Alt changes the letter a key types on some layouts (Alt+T is † on a Mac)
        if (e.key === "?" && !e.altKey) {
          e.preventDefault();
          return showSheet();
        }
        if (e.shiftKey && e.altKey && e.code === "KeyT") {
          e.preventDefault();
          return void tidyUp(api, flow);
        }
      }
      // in a parameter field or a node setting (each keystroke or click is already a workflow
      // edit) undo and redo are the workflow's: the browser's own undo jumps to whichever field
      // it last changed, and has nothing to undo in a checkbox or a select
      const param = e.target instanceof HTMLElement && e.target.closest("[data-param], [data-setting]") !== null;
      if (mod && param && (key === "z" || key === "y")) {
        e.preventDefault();
        if (key === "z" && !e.shiftKey) api.getState().undo();
        else api.getState().redo();
        return;
      }
      if (!mod || (typing(e.target) && key !== "s" && key !== "o")) return; // save and open work everywhere
      const state = api.getState();
      if (key === "z" && !e.shiftKey) state.undo();
      else if ((key === "z" && e.shiftKey) || key === "y") state.redo();
      else if (key === "d" && state.selected.length) void state.paste(state.copy(state.selected));
      else if (key === "a") state.select(state.doc.nodes.map((n) => n.id));
      else if (key === "s") download(fileName(state.doc.name), JSON.stringify(state.doc, null, 2));
      else if (key === "o") document.querySelector<HTMLInputElement>('[data-testid="open-file"]')?.click();
      else return;
      e.preventDefault();
    };
    // copy/paste through the clipboard events: no permission prompt, and it works between tabs
    const onCopy = (e: ClipboardEvent) => {
      const state = api.getState();
      if (copyingText(e) || !state.selected.length || !e.clipboardData) return;
      e.clipboardData.setData("text/plain", state.copy(state.selected));
      e.preventDefault();
    };
    const onCut = (e: ClipboardEvent) => {
      const state = api.getState();
      if (copyingText(e) || !state.selected.length) return;
      onCopy(e);
      void state.remove(state.selected);
      state.select([]);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (typing(e.target)) return;
      const text = e.clipboardData?.getData("text/plain");
      if (!text) return;
      e.preventDefault();
      let value: unknown = null;
      try {
        value = JSON.parse(text);
      } catch {
        /* not JSON: paste says so */
      }
      if (looksLikeN8n(value)) return void openN8n(api, engine, text, "the pasted n8n workflow", true);
      void api
        .getState()
        .paste(text)
        .then((ok) => ok || api.getState().notify("error", "Nothing to paste", ["the clipboard holds no NodeFox workflow JSON"]));
    };
    window.addEventListener("keydown", onKey);
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPaste);
    return () => {
      window.removeEventListener("keydown", onKey);
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPaste);
    };
  }, [api, engine, flow, showSheet]);
}

/** A part of the page that fails to draw says so, and the rest (and the workflow) stays. */
class Guard extends Component<{ name: string; children: ReactNode }, { error: string }> {
  state = { error: "" };
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="fx-bad" role="alert" style={{ padding: 12 }}>
        The {this.props.name} could not be drawn: {this.state.error}.{" "}
        <button type="button" onClick={() => this.setState({ error: "" })}>
          Try again
        </button>
      </div>
    );
  }
}

export function App() {
  const [sheet, setSheet] = useState(false);
  const showSheet = useCallback(() => setSheet(true), []);
  const hideSheet = useCallback(() => setSheet(false), []);
  useShortcuts(showSheet);
  return (
    <div className="fx-app">
      <Toolbar onShortcuts={showSheet} />
      <Palette />
      <main className="fx-main">
        <Guard name="canvas">
          <FileDrop>
            <Canvas />
          </FileDrop>
        </Guard>
        <Guard name="data panel">
          <DataPanel />
        </Guard>
      </main>
      <Guard name="inspector">
        <Inspector />
      </Guard>
      <WorldSync />
      <PermissionPrompt />
      <CredentialsDialog />
      <FilesPanel />
      <ReadFileOffer />
      <N8nReportPanel />
      <Loading />
      <Notices />
      <QuestionDialog />
      <CodeConsent />
      <WorkspacePanel />
      <ExecutionsPanel />
      {sheet && <ShortcutSheet onClose={hideSheet} />}
    </div>
  );
}
