// The editor store's shape, slice by slice. Components see one `Editor`; each slice module
// (engine, notices, consent, history, edits, documents) builds its part of it.
import type { Types } from "../lib/graph";
import type { Answer, Catalogue, Evaluated, Json, NodeResult, Op, Workflow, WorkflowEdge } from "../lib/types";
import type { Step } from "../engine/messages";

export type StepState = { state: "waiting" | "start" | "done"; ms: number };
export type Notice = { id: number; kind: "error" | "info"; title: string; lines: string[] };
export type Page = NonNullable<Answer["page"]>;
/** Code from elsewhere (issue 10): "ask" until the person says, "run" or "disabled" after. */
export type CodeConsent = { state: "ask" | "run" | "disabled"; nodes: number; source: string } | null;
/** A question the page asks before it does something that cannot be taken back at a glance. */
export type Question = { title: string; lines: string[]; yes: string; no: string };
export type EngineLink = { apply(message: string): Promise<string>; configure?(options: object): Promise<string> };

/** The engine: its loading steps, status, catalogue, and the results it answered. */
export type EngineSlice = {
  types: Types;
  catalogue: Catalogue | null;
  results: { [id: string]: NodeResult };
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
  absorb(answer: Answer): void;
  /** After a `load` (open, undo, a restarted engine): the answer named only the nodes whose
   * entry changed (merged by `absorb`), so the entries kept are those of nodes still in `doc`. */
  keepResultsOf(doc: Workflow): void;
  inspect(id: string, port: string, offset: number, limit: number): Promise<Page | null>;
  evaluate(id: string, path: string, expression: string): Promise<Evaluated | null>;
  engineReady(catalogue: Catalogue, version: string, ms: number): void;
  takeCatalogue(catalogue: Catalogue): void;
  engineProgress(step: Step, state: "start" | "done", ms: number): void;
  engineFailed(message: string): void;
  engineBusy(busy: boolean): void;
  engineTiming(ms: number, waited: number): void;
};

/** What the page tells the person, and what it asks them. */
export type NoticesSlice = {
  notices: Notice[];
  question: Question | null;
  notify(kind: Notice["kind"], title: string, lines?: string[]): void;
  dismiss(id: number): void;
  ask(question: Question): Promise<boolean>;
  reply(yes: boolean): void;
};

/** Whether the workflow's code runs, when it came from elsewhere. */
export type ConsentSlice = {
  code: CodeConsent;
  /** The person's answer to "This workflow contains code": run it, or keep it disabled (remembered). */
  consent(run: boolean): Promise<void>;
};

export type HistorySlice = {
  past: Workflow[];
  future: Workflow[];
  undo(): void;
  redo(): void;
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

/** The document on the canvas and the edits made to it. */
export type EditsSlice = EditActions & {
  doc: Workflow;
  selected: string[];
  edit(ops: Op[], options?: EditOptions): Promise<Answer | null>;
  addNode(type: string, position: [number, number] | null): Promise<string | null>;
  copy(ids: string[]): string;
  paste(text: string, offset?: [number, number]): Promise<boolean>;
  select(ids: string[]): void;
};

/** Whole documents: opening, replacing, starting the engine, and taking the engine's copy. */
export type DocumentsSlice = {
  opened: number; // counts documents opened (accepted by the engine), so the canvas fits each new one in view
  /** The document the last one opened replaced (set with `opened`): what the Workflows list
   * keeps in the entry it leaves. */
  replaced: Workflow | null;
  /** Whose Allow / Deny answers about hosts apply (world.md): the workflow's entry in this
   * browser or its workspace file; every document opened gets a fresh key first, so a file
   * from elsewhere inherits no answers (not even by copying a trusted workflow's name). */
  hostsKey: string;
  /** `hostsKey`: whose answers about hosts apply (a list entry's, a workspace file's); by
   * default a fresh key, under which nothing was answered. */
  open(value: unknown, source: string, trusted?: boolean, hostsKey?: string): Promise<boolean>;
  /** New, Open… and Examples: `open`, after asking when the canvas holds a workflow. */
  replace(value: unknown, source: string, trusted?: boolean): Promise<boolean>;
  start(): Promise<void>;
  resync(): Promise<void>; // take the engine's document (after a refusal)
  take(doc: Workflow): void; // show and save a document the engine already holds
};

export type Editor = EngineSlice & NoticesSlice & ConsentSlice & HistorySlice & EditsSlice & DocumentsSlice;
export type EditorState = { [K in keyof Editor as Editor[K] extends (...args: never[]) => unknown ? never : K]: Editor[K] };
