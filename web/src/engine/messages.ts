// Page <-> worker messages (docs/protocol.md). Only JSON text carries engine data.

export type Step = "runtime" | "packages" | "engine";

export type FsFile = { name: string; data: Uint8Array };

export type ToWorker =
  // answers: memory where the worker also writes each answer (engine/shared.ts)
  | { kind: "init"; interrupt: SharedArrayBuffer | null; answers: SharedArrayBuffer | null }
  // the editor's files (docs/editor.md): written into / removed from / read back from the
  // session's files folder, and calls of other bridge functions (n8n_import)
  | { id: number; kind: "fs"; write?: FsFile[]; remove?: string[]; read?: string[] }
  | { id: number; kind: "call"; fn: string; arg: string }
  | { id: number; kind: "apply"; message: string }
  | { id: number; kind: "run"; document: string; input?: string }
  | { id: number; kind: "configure"; options: string } // bridge.configure(), e.g. {"allowCode": false}
  // applies the page held while one was on its way, posted as one message (web.md: a burst
  // of edits coalesced); the worker queues them in order, each answered under its own id
  | { kind: "batch"; requests: { id: number; kind: "apply"; message: string }[] };

export type FromWorker =
  | { kind: "progress"; step: Step; state: "start" | "done"; ms: number; note?: string } // note: how "runtime" loaded
  // tick: the signal the page writes into the interrupt buffer while the engine is busy
  // (limits.page_ticks), null without the buffer
  | { kind: "ready"; version: string; catalogue: string; ms: number; tick: number | null }
  // without the interrupt buffer: a preview's code started (its time limit in seconds, and
  // the note that tells a restarted engine not to run it again) or ended (0, null)
  | { kind: "limit"; seconds: number; note: string | null }
  // handle()'s wall time, time queued, and when (epoch ms: performance.timeOrigin + now(),
  // comparable with the page's clock) the worker received the request and posted the answer
  | { id: number; kind: "result"; text: string; ms: number; waited: number; received: number; sent: number }
  | { id: number; kind: "error"; message: string }
  | { id: number; kind: "fs"; files: FsFile[] } // the files asked for in `read` that exist
  | { kind: "fatal"; message: string };
