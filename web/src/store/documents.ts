// The documents slice: opening a whole workflow (a file, an example, New, the saved one at
// start-up), asking before one replaces the canvas, and taking the engine's document back.
import { laidOut, referenceProblem, shapeProblem } from "../lib/graph";
import type { Workflow } from "../lib/types";
import type { CodeGate } from "./consent";
import type { Recorder } from "./history";
import type { Kit } from "./kit";
import { allowedHosts, freshHostsKey, hostAnswers } from "../lib/worldPrefs";
import { keepRejected, REJECTED_KEY } from "./persist";
import type { DocumentsSlice } from "./types";

export function documentsSlice({ set, get, send, save, storage }: Kit, record: Recorder, gate: CodeGate): DocumentsSlice {
  return {
    opened: 0,
    replaced: null,
    hostsKey: freshHostsKey(),

    async open(value, source, trusted = true, hostsKey = freshHostsKey()) {
      const problem = shapeProblem(value);
      if (problem) {
        get().notify("error", `Cannot open ${source}`, [problem]);
        return false;
      }
      const { doc: before, selected, hostsKey: keyBefore } = get();
      const doc = laidOut(value as Workflow);
      void gate.consentFor(doc, source, trusted);
      // shown at once; counted as opened (the Workflows list, the view's fit) only once the
      // engine has accepted it: a refused file changes nothing
      set({ doc, selected: [], hostsKey });
      // the hosts this workflow was allowed, set in the same batch before it loads: it never
      // runs with the hosts of the workflow it replaces
      const hosts = allowedHosts(hostAnswers(storage, hostsKey));
      const answer = await send([{ op: "set_permissions", net: hosts.length ? hosts : false }, { op: "load", workflow: doc }]);
      if (!answer || answer.rejected?.length || answer.error) {
        set({ doc: before, selected, hostsKey: keyBefore }); // the engine kept the old document: so does the canvas
        if (answer?.rejected?.length || answer?.error) {
          // the "Not applied" (or "refused") notice is replaced by one naming the file
          set({ notices: get().notices.filter((n) => n.title !== "Not applied" && n.title !== "The engine refused the message") });
          const reasons = answer.rejected?.length ? answer.rejected.map((r) => r.reason) : [answer.error!];
          get().notify("error", `Cannot open ${source}`, reasons.flatMap((reason) => reason.split("\n")));
        }
        return false;
      }
      record.opened(before); // a keystroke after opening is a step of its own
      // the answer named only the entries that changed (absorbed): the others still hold
      get().keepResultsOf(get().doc);
      set({ opened: get().opened + 1, replaced: before });
      save(get().doc);
      return true;
    },

    async replace(value, source, trusted = false) {
      const problem = shapeProblem(value) ?? referenceProblem(value as Workflow, get().types);
      if (problem) {
        get().notify("error", `Cannot open ${source}`, [problem]);
        return false;
      }
      const { doc } = get();
      if (doc.nodes.length) {
        const yes = await get().ask({
          title: `Replace “${doc.name || "My workflow"}”?`,
          lines: [
            `It has ${doc.nodes.length} node${doc.nodes.length === 1 ? "" : "s"}. Opening ${source} takes its place on the canvas ` +
              "(Undo brings it back; Export keeps a copy as a file).",
          ],
          yes: "Replace",
          no: "Cancel",
        });
        if (!yes) return false;
      }
      return get().open(value, source, trusted);
    },

    /** The engine starts from the document on the canvas (queued in the worker until it is ready). */
    async start() {
      await gate.consentFor(get().doc, "this browser's saved workflow", false);
      // the document as it is now: an edit made while the engine loaded was sent already
      const saved = get().doc;
      const answer = await send([{ op: "load", workflow: saved }], true);
      if (answer && !answer.error && !answer.rejected?.length) get().keepResultsOf(get().doc);
      if (!answer?.rejected?.length) return;
      // the saved workflow is not lost: it is kept aside, and the canvas shows the engine's
      keepRejected(storage, saved);
      get().notify("error", "The saved workflow could not be opened", [
        ...answer.rejected.map((r) => r.reason),
        `It is kept in this browser's storage under "${REJECTED_KEY}".`,
      ]);
      await get().resync();
    },

    take(doc) {
      set({ doc });
      save(doc);
    },

    async resync() {
      await send([{ op: "export" }], true);
    },
  };
}
