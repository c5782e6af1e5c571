// Undo and redo: the documents before and after, up to HISTORY steps. Keystrokes in one
// field within MERGE_MS make one step; undo loads the document from before into the engine
// (which diffs it, so only what changed re-runs).
import type { Workflow } from "../lib/types";
import type { CodeGate } from "./consent";
import type { Kit } from "./kit";
import type { HistorySlice } from "./types";

export const HISTORY = 200;
const MERGE_MS = 1200;

export type Recorder = {
  /** Show `doc`, the result of an edit of `before`; one undo step unless it merges into the last. */
  commit(doc: Workflow, before: Workflow, merge?: string): void;
  /** `before` was replaced by an opened document: one undo step. */
  opened(before: Workflow): void;
  /** The next edit starts a step of its own. */
  cut(): void;
};

export function recorder({ set, get, save }: Kit, gate: CodeGate): Recorder {
  let lastMerge = { key: "", at: 0 };
  return {
    commit(doc, before, merge) {
      const now = performance.now();
      const merging = !!merge && merge === lastMerge.key && now - lastMerge.at < MERGE_MS;
      lastMerge = { key: merge ?? "", at: now };
      const past = merging ? get().past : [...get().past, before].slice(-HISTORY);
      set({ doc, past, future: [] });
      save(doc);
      // code written here is the person's own: it runs next time too (unless kept disabled)
      if (gate.runs() !== false && doc.nodes.some((n) => n.type === "code")) gate.remember(doc, "run");
    },
    opened(before) {
      set({ past: [...get().past, before].slice(-HISTORY), future: [] });
      lastMerge = { key: "", at: 0 };
    },
    cut() {
      lastMerge = { key: "", at: 0 };
    },
  };
}

export function historySlice(kit: Kit, record: Recorder): HistorySlice {
  const { set, get, save, send } = kit;
  /** Show `doc` and load it into the engine (which may refuse it: then the canvas takes the
   * engine's document back). */
  const step = (doc: Workflow, history: { past: Workflow[]; future: Workflow[] }) => {
    set({ doc, ...history });
    record.cut();
    save(doc);
    void send([{ op: "load", workflow: doc }]).then((answer) => {
      if (answer && !answer.error) get().keepResultsOf(get().doc); // entries of nodes still there hold
      if (answer?.rejected?.length) void get().resync();
    });
  };
  return {
    past: [],
    future: [],

    undo() {
      const { past, doc, future } = get();
      if (past.length) step(past[past.length - 1], { past: past.slice(0, -1), future: [doc, ...future] });
    },

    redo() {
      const { past, doc, future } = get();
      if (future.length) step(future[0], { past: [...past, doc], future: future.slice(1) });
    },
  };
}
