// Page <-> worker messages (docs/protocol.md). Only JSON text carries engine data.

export type Step = "runtime" | "packages" | "engine";

export type ToWorker =
  | { kind: "init"; interrupt: SharedArrayBuffer | null }
  | { id: number; kind: "apply"; message: string }
  | { id: number; kind: "run"; document: string; input?: string }
  | { id: number; kind: "configure"; options: string }; // bridge.configure(), e.g. {"allowCode": false}

export type FromWorker =
  | { kind: "progress"; step: Step; state: "start" | "done"; ms: number; note?: string } // note: how "runtime" loaded
  | { kind: "ready"; version: string; catalogue: string; ms: number }
  // handle()'s wall time, time queued, and when (epoch ms: performance.timeOrigin + now(),
  // comparable with the page's clock) the worker received the request and posted the answer
  | { id: number; kind: "result"; text: string; ms: number; waited: number; received: number; sent: number }
  | { id: number; kind: "error"; message: string }
  | { kind: "fatal"; message: string };
