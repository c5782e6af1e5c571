// Code consent (issue 10): a workflow's `code` nodes run when it was written here or the
// person allowed its code; code from elsewhere waits until they answer, and the answer is
// remembered by the code's fingerprint.
import type { Answer, Workflow } from "../lib/types";
import type { Kit } from "./kit";
import { codeFingerprint, consents, type Choice } from "./persist";
import type { ConsentSlice } from "./types";

export type CodeGate = {
  /** What the engine was last told: null (nothing yet: an engine's session runs no code until told). */
  runs(): boolean | null;
  /** Tell the engine whether `code` nodes may run (they are `waiting` while not). The message
   * is posted before this returns, so whatever is sent next comes after it. */
  permit(code: boolean): Promise<void>;
  /** Before `doc` reaches the engine: its code runs if it was written here (`trusted`) or the
   * person allowed it before; kept disabled if they said so; else disabled and asked. Call it
   * right before sending `doc`, without awaiting: the engine gets both in order. */
  consentFor(doc: Workflow, source: string, trusted: boolean): Promise<void>;
  remember(doc: Workflow, choice: Choice): void;
  /** The engine does not know the `set_permissions` op: its bridge option re-runs nothing. */
  legacy(): boolean;
};

export function codeGate({ set, get, engine, storage }: Kit): CodeGate {
  const known = consents(storage);
  let codeRuns: boolean | null = null;
  // false when the engine does not know the `set_permissions` op (then the bridge's
  // allowCode option does it); null: not known yet
  let permissionOp: boolean | null = null;

  const permit = (code: boolean): Promise<void> => {
    if (code === codeRuns) return Promise.resolve();
    codeRuns = code;
    const option = () => engine.configure?.({ allowCode: code }).then(() => undefined) ?? Promise.resolve();
    if (permissionOp === false) return option(); // an engine from before the op: its bridge option
    // not known yet whether the engine takes the op: "no code" goes by the option too, posted
    // now, so it holds before the document that follows (the answer comes too late for that)
    if (permissionOp === null && !code) void option();
    // outside the numbered edits: it changes no document (nothing to replay or undo)
    return engine
      .apply(JSON.stringify({ rev: null, ops: [{ op: "set_permissions", code }] }))
      .then((text) => {
        const answer = JSON.parse(text) as Answer;
        if (!answer.rejected?.length && !answer.error) {
          permissionOp = true;
          return get().absorb(answer); // code nodes re-ran, or wait
        }
        permissionOp = false;
        return option();
      })
      .catch(() => {
        permissionOp = false;
        return option();
      });
  };

  return {
    runs: () => codeRuns,
    permit,
    consentFor(doc, source, trusted) {
      const fingerprint = codeFingerprint(doc);
      const nodes = doc.nodes.filter((n) => n.type === "code").length;
      const choice = fingerprint ? known.get(fingerprint) : undefined;
      if (!fingerprint || trusted || choice === "run") {
        if (fingerprint && trusted) known.remember(fingerprint, "run");
        set({ code: fingerprint && !trusted ? { state: "run", nodes, source } : null });
        return permit(true);
      }
      set({ code: { state: choice === "disabled" ? "disabled" : "ask", nodes, source } });
      return permit(false);
    },
    remember: (doc, choice) => known.remember(codeFingerprint(doc), choice),
    legacy: () => permissionOp === false,
  };
}

export function consentSlice({ set, get, send }: Kit, gate: CodeGate): ConsentSlice {
  return {
    code: null,

    async consent(run) {
      const { code, doc } = get();
      if (!code) return;
      gate.remember(doc, run ? "run" : "disabled");
      set({ code: { ...code, state: run ? "run" : "disabled" } });
      await gate.permit(run);
      // the bridge's option (an engine without set_permissions) re-runs nothing by itself
      if (run && gate.legacy()) await send([{ op: "load", workflow: get().doc }], true);
    },
  };
}
