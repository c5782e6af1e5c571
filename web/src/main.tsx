// Start-up: the engine's worker, the one store, the page, and `window.nodefox`
// (the automation hooks the README describes).
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { codeSeconds, EngineClient } from "./engine/client";
import { EditorContext, EngineContext } from "./hooks";
import { changesDocument } from "./lib/ops";
import type { Answer, Catalogue, Op, Workflow } from "./lib/types";
import { createEditor, restore } from "./store";
import "./styles.css";

let storage: Storage | null = null;
try {
  storage = window.localStorage;
} catch {
  /* storage disabled: no autosave */
}

let editor: ReturnType<typeof createEditor>;
// the worker's timing of the last answer, and when the page took it (performance.now(): an
// answer read from shared memory has no message event of its own to time)
let lastTiming = { handleMs: 0, waitedMs: 0, at: 0 };
const engine = new EngineClient({
  progress: (step, state, ms) => editor.getState().engineProgress(step, state, ms),
  ready: ({ catalogue, version, ms }) => editor.getState().engineReady(JSON.parse(catalogue) as Catalogue, version, ms),
  fatal: (message) => editor.getState().engineFailed(message),
  busy: (busy) => editor.getState().engineBusy(busy),
  timing: (ms, waited) => {
    lastTiming = { handleMs: ms, waitedMs: waited, at: performance.now() };
    editor.getState().engineTiming(ms, waited);
  },
  document: () => editor.getState().doc, // what a restarted worker loads (no interrupt buffer)
});
editor = createEditor(engine, storage, restore(storage));
engine.start(codeSeconds(storage));
void editor.getState().start();
// The site carries the served engine's catalogue: palette and inspector work while it loads.
fetch("/catalogue.json")
  .then((r) => (r.ok ? r.json() : null))
  .then((catalogue: Catalogue | null) => {
    if (catalogue && !editor.getState().catalogue) editor.getState().takeCatalogue(catalogue);
  })
  .catch(() => {});

let version = "";
engine.ready.then((r) => (version = r.version)).catch(() => {});

declare global {
  interface Window {
    nodefox: unknown;
  }
}

window.nodefox = {
  ready: engine.ready.then(() => undefined),
  get version() {
    return version;
  },
  run: (documentJson: string, inputJson?: string) => engine.run(documentJson, inputJson),
  /** The live bridge, as `handle()`. Answers also reach the canvas; an op that changes
   * the document makes the canvas take the engine's document. */
  async apply(messageJson: string) {
    const text = await engine.apply(messageJson);
    try {
      const answer = JSON.parse(text) as Answer;
      editor.getState().absorb(answer);
      const ops = (JSON.parse(messageJson).ops ?? []) as Op[];
      if (ops.some(changesDocument)) {
        const synced = JSON.parse(await engine.apply(JSON.stringify({ rev: null, ops: [{ op: "export" }] }))) as Answer;
        if (synced.workflow) editor.getState().take(synced.workflow);
      }
    } catch {
      /* not a message the canvas can follow; the caller has the answer */
    }
    return text;
  },
  /** The worker's timing of the last answer: handle()'s wall time, how long it queued, and when
   * the page took it (not in web.md). */
  timing: () => ({ ...lastTiming }),
  /** Stop a running preview (not in web.md: for tests and embedders). */
  stop: () => engine.stop(() => void editor.getState().start()),
  editor: {
    export: (): Workflow => structuredClone(editor.getState().doc),
    load: (document: object) => {
      void editor.getState().open(structuredClone(document), "the document");
    },
  },
};

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <EditorContext.Provider value={editor}>
      <EngineContext.Provider value={engine}>
        <ReactFlowProvider>
          <App />
        </ReactFlowProvider>
      </EngineContext.Provider>
    </EditorContext.Provider>
  </StrictMode>,
);
