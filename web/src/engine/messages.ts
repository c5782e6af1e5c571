// Page <-> worker messages (docs/protocol.md). Only JSON text carries engine data.

export type Step = "runtime" | "packages" | "engine";

export type ToWorker =
  | { kind: "init"; interrupt: SharedArrayBuffer | null }
  | { id: number; kind: "apply"; message: string }
  | { id: number; kind: "run"; document: string; input?: string };

export type FromWorker =
  | { kind: "progress"; step: Step; state: "start" | "done"; ms: number; note?: string } // note: how "runtime" loaded
  | { kind: "ready"; version: string; catalogue: string; ms: number }
  | { id: number; kind: "result"; text: string; ms: number; waited: number } // handle()'s wall time, time queued
  | { id: number; kind: "error"; message: string }
  | { kind: "fatal"; message: string };
