// The editor's one store, in slices: the engine (status and results), notices and
// questions, code consent, history, edits, and whole documents. Every edit is a list of
// live ops: applied to the page's copy at once, sent to the engine, and undone by loading
// the copy from before. Components ask for named actions; only the slices spell out ops.
import { createStore } from "zustand/vanilla";
import type { Workflow } from "../lib/types";
import { codeGate, consentSlice } from "./consent";
import { documentsSlice } from "./documents";
import { editsSlice } from "./edits";
import { engineSlice } from "./engine";
import { historySlice, recorder } from "./history";
import { makeKit } from "./kit";
import { noticesSlice } from "./notices";
import type { Editor, EngineLink } from "./types";

export { codeFingerprint, EMPTY, restore } from "./persist";
export type * from "./types";

export function createEditor(engine: EngineLink, storage: Storage | null, initial: Workflow) {
  return createStore<Editor>()((set, get) => {
    const kit = makeKit(engine, storage, set, get);
    const gate = codeGate(kit);
    const record = recorder(kit, gate);
    return {
      ...engineSlice(kit),
      ...noticesSlice(kit),
      ...consentSlice(kit, gate),
      ...historySlice(kit, record),
      ...editsSlice(kit, record, gate, initial),
      ...documentsSlice(kit, record, gate),
    };
  });
}
