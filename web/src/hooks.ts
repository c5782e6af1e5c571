// Selector hooks over the one editor store, and the engine client, from React context.
import { createContext, useContext, useState } from "react";
import { useStore } from "zustand";
import type { StoreApi } from "zustand/vanilla";
import type { EngineClient } from "./engine/client";
import { drawer, type Drawn } from "./lib/drawn";
import type { Editor } from "./store";

export const EditorContext = createContext<StoreApi<Editor> | null>(null);
export const EngineContext = createContext<EngineClient | null>(null);

export function useEditorApi(): StoreApi<Editor> {
  const api = useContext(EditorContext);
  if (!api) throw new Error("useEditorApi outside <EditorContext>");
  return api;
}

export function useEditor<T>(selector: (state: Editor) => T): T {
  return useStore(useEditorApi(), selector);
}

/** What is drawn of the document (lib/drawn.ts): the same object while a keystroke in a
 * parameter changes nothing drawn, so the component does not render for it. */
export function useDrawn(): Drawn {
  const [draw] = useState(drawer);
  return useEditor((s) => draw(s.doc, s.types));
}

export function useEngine(): EngineClient {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error("useEngine outside <EngineContext>");
  return engine;
}

/** The text in an input, kept while the user types and reset when `value` changes
 * elsewhere (undo, load, an answer from the engine). */
export function useDraft<T>(value: T, show: (v: T) => string) {
  const [text, setText] = useState(() => show(value));
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (show(value) !== text) setText(show(value));
  }
  return [text, setText] as const;
}
