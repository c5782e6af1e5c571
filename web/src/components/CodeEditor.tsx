// The code editor: CodeMirror 6 for a `code` node's Python and for long expressions.
// Loaded on demand (CodeField.tsx imports this module dynamically, so it is a chunk of its
// own and the page's start-up bytes do not grow; docs/decisions.md). Undo and redo stay
// the workflow's (App's shortcuts, as in every parameter field): no editor history here.
import { autocompletion, acceptCompletion, completionKeymap, startCompletion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, indentLess, indentMore, simplifySelection } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { pythonLanguage, python } from "@codemirror/lang-python";
import { Annotation, EditorState, Prec, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { useLayoutEffect, useRef } from "react";
import { complete, type Mode, type Sources } from "../lib/completions";
import { dropInto, readDrop } from "../lib/dropField";
import { carriesField } from "../lib/help";

export type CodeEditorProps = {
  value: string;
  onChange(text: string): void;
  mode: Mode; // "python": a code node's source; "template": an expression (`={{ ... }}`)
  path: string; // the parameter's JSON pointer (`data-param`)
  label: string;
  sources(): Sources;
  /** Take the focus at once, with this selection (the plain textarea had it while this loaded). */
  focus?: { start: number; end: number } | null;
  rows?: number;
};

const external = Annotation.define<boolean>(); // a change from the document, not from typing

/** Templates: the text around `{{ }}` is plain, the expression inside is Python-like. */
const template = StreamLanguage.define<{ inside: boolean }>({
  name: "nodefox-template",
  startState: () => ({ inside: false }),
  token(stream, state) {
    if (!state.inside) {
      if (stream.match("{{")) {
        state.inside = true;
        return "brace";
      }
      while (!stream.eol() && !stream.match("{{", false)) stream.next();
      return "string.special";
    }
    if (stream.match("}}")) {
      state.inside = false;
      return "brace";
    }
    if (stream.eatSpace()) return null;
    if (stream.match(/^\$[A-Za-z_]\w*/) || stream.match(/^\$(?=\()/)) return "variableName.special";
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return "string";
    if (stream.match(/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/)) return "number";
    if (stream.match(/^(?:and|or|not|in|is|if|else|for|lambda)\b/)) return "keyword";
    if (stream.match(/^(?:True|False|None|true|false|null)\b/)) return "atom";
    if (stream.match(/^[A-Za-z_]\w*(?=\s*\()/)) return "variableName.function";
    if (stream.match(/^[A-Za-z_]\w*/)) return "propertyName";
    stream.next();
    return "operator";
  },
});

/** CodeMirror's list from lib/completions.ts. */
function source(mode: Mode, sources: () => Sources) {
  return (context: CompletionContext): CompletionResult | null => {
    const text = context.state.doc.toString();
    const found = complete(text, context.pos, sources(), mode, context.explicit);
    if (!found) return null;
    return {
      from: found.from,
      to: found.to,
      filter: false, // lib/completions.ts ranks them already
      options: found.options.map((o) => ({
        label: o.label,
        detail: o.detail,
        type: o.kind === "field" ? "property" : o.kind === "node" ? "constant" : o.kind,
        apply: (view: EditorView) => {
          const from = o.from ?? found.from;
          view.dispatch({ changes: { from, to: found.to, insert: o.apply }, selection: { anchor: from + o.apply.length }, userEvent: "input.complete" });
          if (o.apply.endsWith('$("') || o.apply.endsWith("(")) startCompletion(view); // on to the node names
        },
      })),
    };
  };
}

export function CodeEditor({ value, onChange, mode, path, label, sources, focus, rows = 8 }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const exit = useRef<HTMLParagraphElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, sources });
  latest.current = { onChange, sources };

  // made and focused in the commit that draws it (a layout effect): a keystroke cannot fall
  // between the textarea it replaces leaving and this taking the focus (CodeField.tsx)
  useLayoutEffect(() => {
    const language: Extension =
      mode === "python"
        ? [python(), pythonLanguage.data.of({ autocomplete: source(mode, () => latest.current.sources()) })]
        : [template, template.data.of({ autocomplete: source(mode, () => latest.current.sources()) })];
    const leave = (v: EditorView) => {
      // Escape leaves the editor (Tab indents in it): the focus goes to the line after it,
      // from where Tab goes on to the next field and Shift+Tab comes back
      v.contentDOM.blur();
      exit.current?.focus();
      return true;
    };
    const state = EditorState.create({
      doc: value,
      extensions: [
        mode === "python" ? lineNumbers() : [],
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        EditorState.tabSize.of(4),
        indentUnit.of("    "), // Python's four spaces
        language,
        autocompletion({ icons: false, activateOnTyping: true }),
        Prec.highest(keymap.of([{ key: "Tab", run: acceptCompletion }])),
        keymap.of([...completionKeymap, { key: "Tab", run: indentMore, shift: indentLess }, { key: "Escape", run: (v) => simplifySelection(v) || leave(v) }, ...defaultKeymap]),
        placeholder(mode === "python" ? "return items" : "={{ $json.field }}"),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "data-param": path, id: `param-${path}`, "aria-label": label, "aria-multiline": "true", spellcheck: "false" }),
        EditorView.theme({ "&": { minHeight: `${rows * 1.45}em` }, ".cm-content, .cm-gutter": { minHeight: `${rows * 1.45}em` } }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !update.transactions.some((t) => t.annotation(external))) latest.current.onChange(update.state.doc.toString());
        }),
        EditorView.domEventHandlers({
          dragover(event) {
            if (!carriesField(event.dataTransfer)) return false;
            event.preventDefault();
            if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
            return true;
          },
          drop(event, v) {
            const field = readDrop(event.dataTransfer);
            if (!field) return false;
            event.preventDefault();
            const at = v.posAtCoords({ x: event.clientX, y: event.clientY }) ?? v.state.selection.main.head;
            const text = v.state.doc.toString();
            const done = dropInto(text, at, field, mode === "python" ? "python" : text.startsWith("=") ? "expression" : "text");
            v.dispatch({ changes: { from: 0, to: text.length, insert: done.text }, selection: { anchor: done.caret }, userEvent: "input.drop" });
            v.focus();
            return true;
          },
        }),
      ],
    });
    const editor = new EditorView({ state, parent: host.current! });
    view.current = editor;
    if (focus) {
      const end = Math.min(focus.end, value.length);
      editor.dispatch({ selection: { anchor: Math.min(focus.start, end), head: end } });
      editor.focus();
    }
    return () => {
      editor.destroy();
      view.current = null;
    };
    // one editor per field; the value follows below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, path]);

  // the document changed elsewhere (undo, a load, the engine's answer): show it
  useLayoutEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value }, annotations: external.of(true) });
  }, [value]);

  return (
    <div className="fx-code-editor-wrap">
      <div className="fx-code-editor" ref={host} data-testid="code-editor" data-mode={mode} />
      <p className="fx-code-hint" ref={exit} tabIndex={-1}>
        Tab indents, Shift+Tab dedents, Ctrl+Space suggests · Escape leaves the editor
      </p>
    </div>
  );
}
