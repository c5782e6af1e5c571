// What the editor keeps in the browser's storage: the workflow on the canvas (saved when
// the page is idle), a saved workflow the engine refused, and the person's answers about
// code from elsewhere.
import { laidOut, shapeProblem } from "../lib/graph";
import type { Workflow } from "../lib/types";

export const EMPTY: Workflow = { nodefox: 1, name: "My workflow", nodes: [], edges: [] };
const SAVE_KEY = "nodefox.workflow";
export const REJECTED_KEY = "nodefox.workflow.rejected"; // a saved workflow the engine refused at start-up
const CONSENT_KEY = "nodefox.code-consent"; // {fingerprint of a workflow's code: "run" | "disabled"}

/** The workflow saved in this browser, or an empty one when there is none (or it is damaged). */
export function restore(storage: Storage | null): Workflow {
  try {
    const text = storage?.getItem(SAVE_KEY);
    const value = text ? JSON.parse(text) : null;
    if (value && !shapeProblem(value)) return laidOut(value as Workflow);
  } catch {
    /* a damaged save falls back to an empty workflow */
  }
  return structuredClone(EMPTY);
}

/** Saves when the page is idle, so serialising a large document never delays the preview of
 * the keystroke that changed it; a burst of edits is saved once, and a reload right after an
 * edit keeps it. While `waiting()` (an answer is on its way) the save waits for the next idle
 * time: an idle moment between a keystroke and its answer is not idle for long (issue 16). */
export function saver(storage: Storage | null, waiting: () => boolean = () => false): (doc: Workflow) => void {
  let unsaved: Workflow | null = null;
  const write = () => {
    if (unsaved === null) return;
    try {
      storage?.setItem(SAVE_KEY, JSON.stringify(unsaved));
    } catch {
      /* storage full or disabled: the canvas still works */
    }
    unsaved = null;
  };
  const later = () => {
    if (globalThis.requestIdleCallback) globalThis.requestIdleCallback(flush, { timeout: 500 });
    else setTimeout(flush, 0);
  };
  const flush = () => (waiting() ? later() : write());
  globalThis.addEventListener?.("pagehide", write);
  return (doc) => {
    if (unsaved === null) later();
    unsaved = doc;
  };
}

/** Keeps a workflow the engine refused at start-up aside, so it is not lost. */
export function keepRejected(storage: Storage | null, doc: Workflow): void {
  try {
    storage?.setItem(REJECTED_KEY, JSON.stringify(doc));
  } catch {
    /* nowhere to keep it: the notice still says why */
  }
}

/** The `code` nodes' sources of a workflow, hashed (FNV-1a): the workflow whose code the
 * person allowed or kept disabled. Null when it has no `code` node. */
export function codeFingerprint(doc: Workflow): string | null {
  const code = doc.nodes
    .filter((n) => n.type === "code")
    .map((n) => [n.id, String((n.params as { code?: unknown } | undefined)?.code ?? "")])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!code.length) return null;
  let hash = 0x811c9dc5;
  for (const ch of JSON.stringify(code)) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${code.length}:${hash.toString(16)}`;
}

export type Choice = "run" | "disabled";

/** The person's answers about code, by fingerprint. */
export function consents(storage: Storage | null) {
  const all = (): { [fingerprint: string]: Choice } => {
    try {
      return JSON.parse(storage?.getItem(CONSENT_KEY) ?? "{}") ?? {};
    } catch {
      return {};
    }
  };
  return {
    get: (fingerprint: string): Choice | undefined => all()[fingerprint],
    remember(fingerprint: string | null, choice: Choice) {
      if (!fingerprint) return;
      const known = all();
      if (known[fingerprint] === choice) return;
      known[fingerprint] = choice;
      try {
        storage?.setItem(CONSENT_KEY, JSON.stringify(known));
      } catch {
        /* not remembered: the question comes again next time */
      }
    },
  };
}
