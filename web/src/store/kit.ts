// What the slices share: the store's set/get, the link to the engine (`send`, which keeps
// the page's document and the engine's in step), saving, and the edge ids of the types.
import type { StoreApi } from "zustand/vanilla";
import { resolveEdge } from "../lib/graph";
import { applyOps, changesDocument } from "../lib/ops";
import type { Answer, Op, Workflow } from "../lib/types";
import { saver } from "./persist";
import type { Editor, EngineLink } from "./types";

export type Kit = {
  set: StoreApi<Editor>["setState"];
  get: () => Editor;
  engine: EngineLink;
  storage: Storage | null;
  save(doc: Workflow): void;
  edgeId(edge: Workflow["edges"][number], doc: Workflow): string;
  /** Send ops to the engine as one numbered message; `quiet` answers say nothing to the person. */
  send(ops: Op[], quiet?: boolean): Promise<Answer | null>;
};

export function makeKit(engine: EngineLink, storage: Storage | null, set: Kit["set"], get: Kit["get"]): Kit {
  let rev = 0;
  const edgeId: Kit["edgeId"] = (edge, doc) => resolveEdge(edge, doc, get().types).id;
  // Document ops of each message sent, by rev, kept while any earlier message is
  // unanswered: the engine applies messages in order, so its document as of rev r plus
  // the ops of later revs is the page's.
  const sentOps = new Map<number, Op[]>();
  const unanswered = new Set<number>();
  const save = saver(storage, () => unanswered.size > 0);
  const answered = (mine: number) => {
    unanswered.delete(mine);
    const low = unanswered.size ? Math.min(...unanswered) : Infinity;
    for (const r of sentOps.keys()) if (r < low) sentOps.delete(r);
  };

  const send = async (ops: Op[], quiet = false): Promise<Answer | null> => {
    const mine = ++rev;
    sentOps.set(mine, ops.filter(changesDocument));
    unanswered.add(mine);
    let answer: Answer;
    try {
      answer = JSON.parse(await engine.apply(JSON.stringify({ rev: mine, ops })));
    } catch (error) {
      answered(mine);
      if (!quiet) get().notify("error", "The engine did not answer", [String((error as Error).message ?? error)]);
      return null;
    }
    if (answer.workflow) {
      // the engine's document is the truth (it refused an edit, or rewrote references
      // in a rename), with the edits sent since replayed on top
      const later = [...sentOps.entries()].filter(([r]) => r > mine).sort(([a], [b]) => a - b).flatMap(([, o]) => o);
      const doc = applyOps(answer.workflow, later, edgeId);
      set({ doc });
      save(doc);
    }
    answered(mine);
    get().absorb(answer);
    if (answer.error && !quiet) get().notify("error", "The engine refused the message", [answer.error]);
    if (answer.rejected?.length && !quiet) get().notify("error", "Not applied", answer.rejected.map((r) => r.reason));
    return answer;
  };

  return { set, get, engine, storage, save, edgeId, send };
}
