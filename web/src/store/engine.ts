// The engine slice: its loading steps and status, the catalogue of node types, and the
// results it answered (merged: an answer carries only the entries that changed).
import type { Kit } from "./kit";
import type { EngineSlice } from "./types";

export function engineSlice({ set, get, send }: Kit): EngineSlice {
  // the worker's timing of the last answer, shown with the answer's results (one render per
  // answer, not one for the timing and another for the results)
  let timing: { lastMs: number; waitedMs: number } | null = null;
  return {
    types: new Map(),
    catalogue: null,
    results: {},
    engine: {
      phase: "loading",
      steps: { runtime: { state: "waiting", ms: 0 }, packages: { state: "waiting", ms: 0 }, engine: { state: "waiting", ms: 0 } },
      version: "",
      ms: 0,
      busy: false,
      error: "",
      lastMs: 0,
      waitedMs: 0,
    },

    absorb(answer) {
      const changed = answer.nodes && Object.keys(answer.nodes).length;
      if (!changed && !answer.removed?.length) return;
      const results = { ...get().results, ...(answer.nodes ?? {}) };
      for (const id of answer.removed ?? []) delete results[id];
      const engine = timing ? { ...get().engine, ...timing } : get().engine;
      timing = null;
      set({ results, engine });
    },

    keepResultsOf(doc) {
      const ids = new Set(doc.nodes.map((n) => n.id));
      const results = get().results;
      if (Object.keys(results).every((id) => ids.has(id))) return;
      set({ results: Object.fromEntries(Object.entries(results).filter(([id]) => ids.has(id))) });
    },

    async inspect(id, port, offset, limit) {
      const answer = await send([{ op: "inspect", id, port, offset, limit }], true);
      return answer?.page ?? null;
    },

    async evaluate(id, path, expression) {
      const answer = await send([{ op: "evaluate", id, path, expression }], true);
      return answer?.evaluated ?? null;
    },

    engineReady(catalogue, version, ms) {
      get().takeCatalogue(catalogue);
      set({ engine: { ...get().engine, phase: "ready", version, ms } });
    },

    takeCatalogue(catalogue) {
      set({ catalogue, types: new Map(catalogue.nodes.map((t) => [t.type, t])) });
    },

    engineProgress(step, state, ms) {
      const engine = get().engine;
      set({ engine: { ...engine, steps: { ...engine.steps, [step]: { state, ms } } } });
    },

    engineFailed(message) {
      set({ engine: { ...get().engine, phase: "failed", error: message } });
    },

    engineTiming(ms, waited) {
      timing = { lastMs: ms, waitedMs: waited };
    },

    engineBusy(busy) {
      if (busy !== get().engine.busy) set({ engine: { ...get().engine, busy } });
    },
  };
}
