// Expression help in the inspector's plain fields: the list of what can be typed at the
// caret (lib/completions.ts), driven from the keyboard (arrows, Enter or Tab to take one,
// Escape to close, Ctrl+Space to ask), and what feeds it: the node's input items, the
// names of the nodes above it, the engine's functions. The code editor (CodeEditor.tsx)
// draws the same options in CodeMirror's own list.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { StoreApi } from "zustand/vanilla";
import { useEditorApi } from "../hooks";
import type { Completion, Mode, Sources } from "../lib/completions";
import { help, loadHelp, openBraces } from "../lib/help";
import type { Editor } from "../store";

const NOTHING: Sources = { items: [], nodes: [], functions: [] };

/** What help reads for node `id` (lib/helpSources.ts), read when asked (a keystroke), not
 * on every answer of the engine. */
export function useHelpSources(id: string): () => Sources {
  const api: StoreApi<Editor> = useEditorApi();
  return useCallback(() => help?.helpSources(api.getState(), id) ?? NOTHING, [api, id]);
}

type Field = HTMLInputElement | HTMLTextAreaElement;

/** The list for one plain input or textarea. `write` puts new text into the field (as
 * typing would); spread `props` on the field and draw `list` after it. */
export function useSuggestions(listId: string, mode: Mode, sources: () => Sources, write: (text: string) => void) {
  const [open, setOpen] = useState<{ completion: Completion; active: number } | null>(null);
  const field = useRef<Field | null>(null);
  const caretTo = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (caretTo.current === null || !field.current) return;
    field.current.setSelectionRange(caretTo.current, caretTo.current);
    caretTo.current = null;
  });
  useEffect(() => {
    if (open) document.getElementById(`${listId}-${open.active}`)?.scrollIntoView({ block: "nearest" });
  }, [open, listId]);

  const look = (text: string, caret: number, explicit = false) => {
    const inside = mode === "python" || openBraces(text, caret) !== null;
    if (inside && !help) {
      // not here yet (lib/help.ts): asked again once it is, if the field still has the focus
      void loadHelp().then(() => {
        const target = field.current;
        if (target && document.activeElement === target) look(target.value, target.selectionStart ?? target.value.length, explicit);
      });
      return setOpen(null);
    }
    const completion = inside && help ? help.complete(text, caret, sources(), mode, explicit) : null;
    setOpen(completion ? { completion, active: 0 } : null);
  };
  const take = (index: number) => {
    const target = field.current;
    if (!open || !target || !help) return;
    const done = help.accept(target.value, open.completion, open.completion.options[index]);
    caretTo.current = done.caret;
    write(done.text);
    const option = open.completion.options[index];
    if (/["'(]$/.test(option.apply)) look(done.text, done.caret); // `$("` goes on to the node names
    else setOpen(null);
  };
  const onKeyDown = (e: KeyboardEvent<Field>) => {
    const target = e.currentTarget;
    if (e.key === " " && e.ctrlKey) {
      e.preventDefault();
      return look(target.value, target.selectionStart ?? target.value.length, true);
    }
    if (!open) return;
    const count = open.completion.options.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen({ ...open, active: (open.active + (e.key === "ArrowDown" ? 1 : count - 1)) % count });
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      take(open.active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      setOpen(null);
    } else if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(e.key)) {
      setOpen(null);
    }
  };
  const props = {
    ref: (el: Field | null) => void (field.current = el),
    role: "combobox",
    "aria-autocomplete": "list" as const,
    "aria-expanded": !!open,
    "aria-controls": listId,
    "aria-activedescendant": open ? `${listId}-${open.active}` : undefined,
    onKeyDown,
    onFocus: () => void loadHelp().catch(() => undefined), // offline: no list, the field still works
    onBlur: () => setOpen(null),
    onMouseDown: () => setOpen(null),
  };
  const list: ReactNode = open && (
    <ul className="fx-suggest" role="listbox" id={listId} data-testid="suggestions" aria-label="Suggestions">
      {open.completion.options.map((o, i) => (
        <li
          key={`${o.kind}:${o.label}`}
          id={`${listId}-${i}`}
          role="option"
          aria-selected={i === open.active}
          data-kind={o.kind}
          onMouseDown={(e) => {
            e.preventDefault(); // the field keeps the focus
            take(i);
          }}
        >
          <span className="fx-suggest-label">{o.label}</span>
          <span className="fx-suggest-detail">{o.detail}</span>
        </li>
      ))}
    </ul>
  );
  /** Call from the field's onChange, after the text is taken. */
  const typed = (target: Field) => look(target.value, target.selectionStart ?? target.value.length);
  return { props, list, typed };
}
