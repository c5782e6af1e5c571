// The editor's one store: the document on the canvas, the engine's results, selection,
// history and loading state. Every edit is a list of live ops (live.md): applied to the
// page's copy at once, sent to the engine, and undone by loading the copy from before.
import { createStore } from "zustand/vanilla";
import {
  defaultParams,
  freshEdgeId,
  freshId,
  freshName,
  inputPorts,
  laidOut,
  outputPorts,
  pasteable,
  referenceProblem,
  resolveEdge,
  shapeProblem,
  subWorkflow,
  type Types,
} from "./lib/graph";
import { applyOps, changesDocument } from "./lib/ops";
import type { Answer, Catalogue, Evaluated, Json, NodeResult, Op, Workflow, WorkflowEdge } from "./lib/types";
import type { Step } from "./engine/messages";

export const EMPTY: Workflow = { nodefox: 1, name: "My workflow", nodes: [], edges: [] };
const SAVE_KEY = "nodefox.workflow";
const REJECTED_KEY = "nodefox.workflow.rejected"; // a saved workflow the engine refused at start-up
const CONSENT_KEY = "nodefox.code-consent"; // {fingerprint of a workflow's code: "run" | "disabled"}

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
const HISTORY = 200;
const MERGE_MS = 1200; // keystrokes in one field within this gap undo together

export type StepState = { state: "waiting" | "start" | "done"; ms: number };
export type Notice = { id: number; kind: "error" | "info"; title: string; lines: string[] };
export type Page = NonNullable<Answer["page"]>;
/** Code from elsewhere (issue 10): "ask" until the person says, "run" or "disabled" after. */
export type CodeConsent = { state: "ask" | "run" | "disabled"; nodes: number; source: string } | null;
/** A question the page asks before it does something that cannot be taken back at a glance. */
export type Question = { title: string; lines: string[]; yes: string; no: string };

export type EditorState = {
  doc: Workflow;
  types: Types;
  catalogue: Catalogue | null;
  results: { [id: string]: NodeResult };
  selected: string[];
  engine: {
    phase: "loading" | "ready" | "failed";
    steps: Record<Step, StepState>;
    version: string;
    ms: number;
    busy: boolean;
    error: string;
    lastMs: number; // handle()'s wall time in the worker for the last answer
    waitedMs: number; // how long that request queued in the worker
  };
  past: Workflow[];
  future: Workflow[];
  notices: Notice[];
  opened: number; // counts documents opened, so the canvas fits each new one in view
  question: Question | null;
  code: CodeConsent; // whether the workflow's code runs, when it came from elsewhere
};

export type EditOptions = { merge?: string };

/** Named edits: what the components ask for; only the store spells out live ops (live.md). */
export type EditActions = {
  /** Set (or, with `undefined`, remove) one parameter; keystrokes in one field undo together. */
  setParam(id: string, path: string, value: Json | undefined): Promise<Answer | null>;
  renameNode(id: string, name: string): Promise<Answer | null>;
  /** Node settings (`disabled`, `onError`, `notes`; null removes one). */
  setNodeSettings(id: string, settings: { [key: string]: Json | null }, merge?: string): Promise<Answer | null>;
  connect(edge: Omit<WorkflowEdge, "id">): Promise<Answer | null>;
  disconnect(edgeId: string): Promise<Answer | null>;
  /** Remove nodes (their edges go with them) and edges. */
  remove(nodeIds: string[], edgeIds?: string[]): Promise<Answer | null>;
  move(positions: { [id: string]: [number, number] }): Promise<Answer | null>;
  pin(id: string, items: Json[], merge?: boolean): Promise<Answer | null>;
  unpin(id: string): Promise<Answer | null>;
  renameWorkflow(name: string): Promise<Answer | null>;
};

export type EditorActions = EditActions & {
  edit(ops: Op[], options?: EditOptions): Promise<Answer | null>;
  addNode(type: string, position: [number, number] | null): Promise<string | null>;
  copy(ids: string[]): string;
  paste(text: string, offset?: [number, number]): Promise<boolean>;
  open(value: unknown, source: string, trusted?: boolean): Promise<boolean>;
  /** New, Open… and Examples: `open`, after asking when the canvas holds a workflow. */
  replace(value: unknown, source: string, trusted?: boolean): Promise<boolean>;
  ask(question: Question): Promise<boolean>;
  /** The person's answer to "This workflow contains code": run it, or keep it disabled (remembered). */
  consent(run: boolean): Promise<void>;
  reply(yes: boolean): void;
  undo(): void;
  redo(): void;
  select(ids: string[]): void;
  inspect(id: string, port: string, offset: number, limit: number): Promise<Page | null>;
  evaluate(id: string, path: string, expression: string): Promise<Evaluated | null>;
  notify(kind: Notice["kind"], title: string, lines?: string[]): void;
  dismiss(id: number): void;
  absorb(answer: Answer): void;
  engineReady(catalogue: Catalogue, version: string, ms: number): void;
  takeCatalogue(catalogue: Catalogue): void;
  engineProgress(step: Step, state: "start" | "done", ms: number): void;
  engineFailed(message: string): void;
  engineBusy(busy: boolean): void;
  engineTiming(ms: number, waited: number): void;
  start(): Promise<void>;
  resync(): Promise<void>; // take the engine's document (after a refusal)
  take(doc: Workflow): void; // show and save a document the engine already holds
};

export type Editor = EditorState & EditorActions;
export type EngineLink = { apply(message: string): Promise<string>; configure?(options: object): Promise<string> };

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

export function createEditor(engine: EngineLink, storage: Storage | null, initial: Workflow) {
  let rev = 0;
  let noticeId = 0;
  let lastMerge = { key: "", at: 0 };
  // the worker's timing of the last answer, shown with the answer's results (one render per
  // answer, not one for the timing and another for the results)
  let timing: { lastMs: number; waitedMs: number } | null = null;
  let answerQuestion: ((yes: boolean) => void) | null = null;
  // Code consent. `codeRuns` is what the engine was last told (null: nothing yet, and an
  // engine's session runs no code until told); `permissionOp` turns false when the engine
  // does not know the `set_permissions` op (then the bridge's allowCode option does it).
  let codeRuns: boolean | null = null;
  let permissionOp: boolean | null = null; // null: not known yet
  const consents = (): { [fingerprint: string]: "run" | "disabled" } => {
    try {
      return JSON.parse(storage?.getItem(CONSENT_KEY) ?? "{}") ?? {};
    } catch {
      return {};
    }
  };
  const remember = (fingerprint: string | null, choice: "run" | "disabled") => {
    if (!fingerprint) return;
    const all = consents();
    if (all[fingerprint] === choice) return;
    all[fingerprint] = choice;
    try {
      storage?.setItem(CONSENT_KEY, JSON.stringify(all));
    } catch {
      /* not remembered: the question comes again next time */
    }
  };

  const store = createStore<Editor>()((set, get) => {
    // Saved when the page is idle, so serialising a large document never delays the
    // preview of the keystroke that changed it; a burst of edits is saved once.
    let unsaved: Workflow | null = null;
    const flush = () => {
      if (unsaved === null) return;
      try {
        storage?.setItem(SAVE_KEY, JSON.stringify(unsaved));
      } catch {
        /* storage full or disabled: the canvas still works */
      }
      unsaved = null;
    };
    const save = (doc: Workflow) => {
      if (unsaved === null) {
        if (globalThis.requestIdleCallback) globalThis.requestIdleCallback(flush, { timeout: 500 });
        else setTimeout(flush, 0);
      }
      unsaved = doc;
    };
    globalThis.addEventListener?.("pagehide", flush); // a reload right after an edit keeps it
    const edgeId = (edge: Workflow["edges"][number], doc: Workflow) => resolveEdge(edge, doc, get().types).id;

    // Document ops of each message sent, by rev, kept while any earlier message is
    // unanswered: the engine applies messages in order, so its document as of rev r plus
    // the ops of later revs is the page's.
    const sentOps = new Map<number, Op[]>();
    const unanswered = new Set<number>();
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
      if (answer.rejected?.length && !quiet) {
        get().notify(
          "error",
          "Not applied",
          answer.rejected.map((r) => r.reason),
        );
      }
      return answer;
    };

    /** Tell the engine whether `code` nodes may run (they are `waiting` while not). The
     * message is posted before this returns, so whatever is sent next comes after it. */
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

    /** Before `doc` reaches the engine: its code runs if it was written here (`trusted`) or
     * the person allowed it before; kept disabled if they said so; else disabled and asked.
     * Call it right before sending `doc`, without awaiting: the engine gets both in order. */
    const consentFor = (doc: Workflow, source: string, trusted: boolean): Promise<void> => {
      const fingerprint = codeFingerprint(doc);
      const nodes = doc.nodes.filter((n) => n.type === "code").length;
      const known = fingerprint ? consents()[fingerprint] : undefined;
      if (!fingerprint || trusted || known === "run") {
        if (fingerprint && trusted) remember(fingerprint, "run");
        set({ code: fingerprint && !trusted ? { state: "run", nodes, source } : null });
        return permit(true);
      }
      set({ code: { state: known === "disabled" ? "disabled" : "ask", nodes, source } });
      return permit(false);
    };

    const commit = (doc: Workflow, before: Workflow, merge?: string) => {
      const now = performance.now();
      const merging = !!merge && merge === lastMerge.key && now - lastMerge.at < MERGE_MS;
      lastMerge = { key: merge ?? "", at: now };
      const past = merging ? get().past : [...get().past, before].slice(-HISTORY);
      set({ doc, past, future: [] });
      save(doc);
      // code written here is the person's own: it runs next time too (unless kept disabled)
      if (codeRuns !== false && doc.nodes.some((n) => n.type === "code")) remember(codeFingerprint(doc), "run");
    };

    /** Undo and redo: show `doc` and load it into the engine (which may refuse it: then
     * the canvas takes the engine's document back). */
    const step = (doc: Workflow, history: { past: Workflow[]; future: Workflow[] }) => {
      set({ doc, ...history });
      lastMerge = { key: "", at: 0 };
      save(doc);
      void send([{ op: "load", workflow: doc }]).then((answer) => {
        if (answer?.rejected?.length) void get().resync();
      });
    };

    return {
      doc: initial,
      types: new Map(),
      catalogue: null,
      results: {},
      selected: [],
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
      past: [],
      future: [],
      notices: [],
      opened: 0,
      question: null,
      code: null,

      async edit(ops, options = {}) {
        const { doc: before, past, future } = get();
        const documentOps = ops.filter(changesDocument);
        if (documentOps.length) commit(applyOps(before, documentOps, edgeId), before, options.merge);
        const edited = get();
        const renames = ops.some((op) => op.op === "update_node" && op.set && "name" in (op.set as object));
        const answer = await send(renames ? [...ops, { op: "export" }] : ops);
        if ((!answer || answer.error) && documentOps.length) await get().resync(); // no word on the edit
        if (answer?.rejected?.length && documentOps.length) {
          if (!answer.workflow) await get().resync(); // take the engine's document back
          // every document op refused and the engine's document taken back: the edit never
          // happened, so it leaves no undo step and keeps the redo steps (unless newer edits came)
          const refused = new Set(answer.rejected.map((r) => r.index));
          const none = ops.every((op, i) => !changesDocument(op) || refused.has(i));
          if (none && get().past === edited.past && get().doc !== edited.doc) {
            set({ past, future });
            lastMerge = { key: "", at: 0 }; // the next keystroke must not merge into a step that is gone
          }
        }
        return answer;
      },

      setParam(id, path, value) {
        const op: Op = value === undefined ? { op: "patch_params", id, path } : { op: "patch_params", id, path, value };
        return get().edit([op], { merge: `param:${id}:${path}` });
      },

      renameNode(id, name) {
        return get().edit([{ op: "update_node", id, set: { name } }]);
      },

      setNodeSettings(id, settings, merge) {
        return get().edit([{ op: "update_node", id, set: settings }], { merge });
      },

      connect(edge) {
        return get().edit([{ op: "connect", edge: { id: freshEdgeId(get().doc), ...edge } }]);
      },

      disconnect(edgeId) {
        return get().edit([{ op: "disconnect", id: edgeId }]);
      },

      remove(nodeIds, edgeIds = []) {
        const gone = new Set(nodeIds);
        const doc = get().doc;
        // an edge of a removed node goes with it: disconnecting it too would be refused
        const cut = edgeIds.filter((id) => {
          const edge = doc.edges.find((e) => edgeId(e, doc) === id);
          return edge && !gone.has(edge.source) && !gone.has(edge.target);
        });
        const ops: Op[] = [...cut.map((id) => ({ op: "disconnect", id })), ...nodeIds.map((id) => ({ op: "remove_node", id }))];
        return ops.length ? get().edit(ops) : Promise.resolve(null);
      },

      move(positions) {
        return get().edit(Object.entries(positions).map(([id, position]) => ({ op: "move", id, position })));
      },

      pin(id, items, merge = false) {
        return get().edit([{ op: "pin", id, items }], merge ? { merge: `pin:${id}` } : {});
      },

      unpin(id) {
        return get().edit([{ op: "unpin", id }]);
      },

      renameWorkflow(name) {
        // live.md has no op for the workflow's name: a `load` of the renamed document
        return get().edit([{ op: "load", workflow: { ...get().doc, name } }]);
      },

      async addNode(typeName, position) {
        const { doc, types, selected } = get();
        const type = types.get(typeName);
        if (!type) return null;
        const id = freshId(doc.nodes.map((n) => n.id));
        const after = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0]) : undefined;
        const rightmost = doc.nodes.reduce((x, n) => Math.max(x, (n.position ?? [0, 0])[0] + 260), 0);
        const [ax, ay] = after?.position ?? [0, 0];
        const at = position ?? (after ? [ax + 260, ay] : [rightmost, 0]);
        const node = {
          id,
          type: typeName,
          name: freshName(doc, type.title),
          position: [Math.round(at[0]), Math.round(at[1])] as [number, number],
          params: defaultParams(type),
        };
        const ops: Op[] = [{ op: "add_node", node }];
        // added next to the selection: wired to it, as n8n does
        if (!position && after && outputPorts(after, types).length && type.inputs.length) {
          const edge = { source: after.id, sourcePort: outputPorts(after, types)[0], target: id, targetPort: inputPorts(node, types)[0] };
          ops.push({ op: "connect", edge: { id: freshEdgeId(doc), ...edge } });
        }
        set({ selected: [id] });
        await get().edit(ops);
        return id;
      },

      copy(ids) {
        return JSON.stringify(subWorkflow(get().doc, new Set(ids)), null, 2);
      },

      async paste(text, offset = [40, 40]) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return false; // not ours: the clipboard holds something else
        }
        if (shapeProblem(value)) return false;
        const part = pasteable(get().doc, value as Workflow, offset);
        if (!part.nodes.length) return false;
        const ops: Op[] = [
          ...part.nodes.map((node) => ({ op: "add_node", node })),
          ...part.edges.map((edge) => ({ op: "connect", edge })),
        ];
        set({ selected: part.nodes.map((n) => n.id) });
        if (part.nodes.some((n) => n.type === "code") && codeRuns !== false) {
          const { doc } = get();
          void consentFor({ ...doc, nodes: [...doc.nodes, ...part.nodes] }, "the clipboard", false);
        }
        await get().edit(ops);
        return true;
      },

      async open(value, source, trusted = true) {
        const problem = shapeProblem(value);
        if (problem) {
          get().notify("error", `Cannot open ${source}`, [problem]);
          return false;
        }
        const { doc: before, selected } = get();
        const doc = laidOut(value as Workflow);
        void consentFor(doc, source, trusted);
        set({ doc, selected: [], opened: get().opened + 1 });
        const answer = await send([{ op: "load", workflow: doc }]);
        if (!answer || answer.rejected?.length || answer.error) {
          set({ doc: before, selected }); // the engine kept the old document: so does the canvas
          if (answer?.rejected?.length) {
            // the "Not applied" notice is replaced by one naming the file
            set({ notices: get().notices.filter((n) => n.title !== "Not applied") });
            get().notify("error", `Cannot open ${source}`, answer.rejected.flatMap((r) => r.reason.split("\n")));
          }
          return false;
        }
        set({ past: [...get().past, before].slice(-HISTORY), future: [], results: answer.nodes ?? {} });
        lastMerge = { key: "", at: 0 }; // a keystroke after opening is a step of its own
        save(doc);
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

      async consent(run) {
        const { code, doc } = get();
        if (!code) return;
        remember(codeFingerprint(doc), run ? "run" : "disabled");
        set({ code: { ...code, state: run ? "run" : "disabled" } });
        await permit(run);
        // the bridge's option (an engine without set_permissions) re-runs nothing by itself
        if (run && permissionOp === false) await send([{ op: "load", workflow: get().doc }], true);
      },

      ask(question) {
        answerQuestion?.(false); // a question still open is answered "no"
        set({ question });
        return new Promise<boolean>((resolve) => (answerQuestion = resolve));
      },

      reply(yes) {
        const answer = answerQuestion;
        answerQuestion = null;
        set({ question: null });
        answer?.(yes);
      },

      undo() {
        const { past, doc, future } = get();
        if (past.length) step(past[past.length - 1], { past: past.slice(0, -1), future: [doc, ...future] });
      },

      redo() {
        const { past, doc, future } = get();
        if (future.length) step(future[0], { past: [...past, doc], future: future.slice(1) });
      },

      select(ids) {
        const current = get().selected;
        if (ids.length === current.length && ids.every((id, i) => id === current[i])) return;
        set({ selected: ids });
      },

      async inspect(id, port, offset, limit) {
        const answer = await send([{ op: "inspect", id, port, offset, limit }], true);
        return answer?.page ?? null;
      },

      async evaluate(id, path, expression) {
        const answer = await send([{ op: "evaluate", id, path, expression }], true);
        return answer?.evaluated ?? null;
      },

      notify(kind, title, lines = []) {
        // one notice at a time: the newest says what just happened (they stacked over the pager)
        set({ notices: [{ id: ++noticeId, kind, title, lines }] });
      },

      dismiss(id) {
        set({ notices: get().notices.filter((n) => n.id !== id) });
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

      /** The engine starts from the document on the canvas (queued in the worker until it is ready). */
      async start() {
        await consentFor(get().doc, "this browser's saved workflow", false);
        // the document as it is now: an edit made while the engine loaded was sent already
        const saved = get().doc;
        const answer = await send([{ op: "load", workflow: saved }], true);
        if (!answer?.rejected?.length) return;
        // the saved workflow is not lost: it is kept aside, and the canvas shows the engine's
        try {
          storage?.setItem(REJECTED_KEY, JSON.stringify(saved));
        } catch {
          /* nowhere to keep it: the notice still says why */
        }
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
  });

  return store;
}
