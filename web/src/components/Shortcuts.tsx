// The keyboard-shortcut sheet: `?` (outside a text field) or the toolbar's `?` opens it,
// Escape closes it. It lists what the editor really does: App.tsx's useShortcuts, React
// Flow's keys as Canvas.tsx configures them, and the fields' own Enter and Escape.
import { useEffect, useRef } from "react";

const MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = MAC ? "⌘" : "Ctrl";

type Shortcut = { keys: string[]; what: string };

/** Each entry's keys are alternatives ("Delete" or "Backspace"); `+` joins a chord. */
export const SHORTCUTS: { group: string; list: Shortcut[] }[] = [
  {
    group: "Edit",
    list: [
      { keys: [`${MOD}+Z`], what: "Undo (in a parameter field or a node setting too, once its own text has nothing left to undo)" },
      { keys: [`${MOD}+Shift+Z`, `${MOD}+Y`], what: "Redo" },
      { keys: ["Delete", "Backspace"], what: "Delete the selected nodes and connections" },
      { keys: [`${MOD}+C`, `${MOD}+X`], what: "Copy or cut the selected nodes, as workflow JSON" },
      { keys: [`${MOD}+V`], what: "Paste nodes (from another tab too); an n8n workflow is imported" },
      { keys: [`${MOD}+D`], what: "Duplicate the selected nodes" },
      { keys: [`${MOD}+A`], what: "Select every node" },
      { keys: ["Shift+Alt+T"], what: "Tidy up: lay the nodes (or the selected ones) out left to right" },
    ],
  },
  {
    group: "Canvas",
    list: [
      { keys: ["Shift+drag"], what: "Select the nodes in a box" },
      { keys: ["Shift+click", `${MOD}+click`], what: "Add a node to the selection, or take it out" },
      { keys: ["Tab"], what: "Focus the next node or connection" },
      { keys: ["Enter", "Space"], what: "Select the focused node; Escape unselects it" },
      { keys: ["←", "↑", "→", "↓"], what: "Move the selected nodes (with Shift: four times as far)" },
      { keys: ["Scroll", "Pinch"], what: "Zoom; drag the background to pan" },
    ],
  },
  {
    group: "Workflow",
    list: [
      { keys: [`${MOD}+S`], what: "Export the workflow as a JSON file" },
      { keys: [`${MOD}+O`], what: "Open a workflow file" },
    ],
  },
  {
    group: "Fields and dialogs",
    list: [
      { keys: ["Enter"], what: "Palette search: add the first node found; a name field: apply the name" },
      { keys: ["Escape"], what: "A name field: put the name back; the data search: clear it; a menu or dialog: close it" },
      { keys: ["?"], what: "Show this sheet" },
    ],
  },
];

export function ShortcutsButton({ onOpen }: { onOpen: () => void }) {
  return (
    <button type="button" className="fx-help-button" onClick={onOpen} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-testid="shortcuts-button">
      ?
    </button>
  );
}

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    close.current?.focus();
    // while the sheet is open no key reaches the editor behind it (Backspace would delete
    // the selected nodes); Enter and Space still press the focused Close
    const onKey = (e: KeyboardEvent) => {
      e.stopPropagation();
      if (e.key === "Tab") {
        e.preventDefault(); // the sheet's one control keeps the focus (a modal dialog)
        close.current?.focus();
      }
      if (e.key !== "Escape") return;
      e.preventDefault();
      onClose();
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      before?.focus();
    };
  }, [onClose]);
  return (
    <div className="fx-modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="fx-modal fx-shortcuts" role="dialog" aria-modal="true" aria-labelledby="fx-shortcuts-title" data-testid="shortcut-sheet">
        <div className="fx-shortcuts-head">
          <h2 id="fx-shortcuts-title">Keyboard shortcuts</h2>
          <button ref={close} type="button" className="fx-icon" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </div>
        <div className="fx-shortcuts-groups">
          {SHORTCUTS.map(({ group, list }) => (
            <section key={group}>
              <h3>{group}</h3>
              <dl>
                {list.map((s) => (
                  <div key={s.keys.join()} className="fx-shortcut">
                    <dt>
                      {s.keys.map((k, i) => (
                        <span key={k}>
                          {i > 0 && <span className="fx-muted"> or </span>}
                          <kbd>{k}</kbd>
                        </span>
                      ))}
                    </dt>
                    <dd>{s.what}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
