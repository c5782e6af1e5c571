/// <reference lib="webworker" />
// The engine's worker: loads Pyodide and the nodefox wheel from our own server,
// then answers each message by calling `nodefox.bridge` once. It moves JSON text
// both ways and knows nothing of node types (docs/protocol.md).
import type { FromWorker, ToWorker } from "./messages";

type Bridge = {
  handle(message: string): string;
  run(document: string, input?: string | null): string;
  catalogue(): string;
};
type Pyodide = {
  loadPackage(names: string[], options?: object): Promise<unknown>;
  pyimport(name: string): Bridge & { __version__?: string };
  setInterruptBuffer(buffer: Int32Array): void;
  loadedPackages: Record<string, string>;
  version: string;
};

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);
type Queued = ToWorker & { at: number };
const queue: Queued[] = [];
let bridge: Bridge | null = null;
let draining = false;

async function step<T>(name: "runtime" | "packages" | "engine", work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  post({ kind: "progress", step: name, state: "start", ms: 0 });
  const value = await work();
  post({ kind: "progress", step: name, state: "done", ms: performance.now() - start });
  return value;
}

async function init(interrupt: SharedArrayBuffer | null) {
  const begin = performance.now();
  // Absolute URLs: a relative lockFileURL breaks every package (build/README.md).
  const base = new URL("/pyodide/", self.location.href).href;
  const problems: string[] = [];
  const pyodide: Pyodide = await step("runtime", async () => {
    const { loadPyodide } = await import(/* @vite-ignore */ base + "pyodide.mjs");
    return loadPyodide({
      indexURL: base,
      lockFileURL: base + "pyodide-lock.json",
      stderr: (line: string) => problems.push(line),
    });
  });
  await step("packages", async () => {
    await pyodide.loadPackage(["nodefox"], {
      messageCallback: () => {},
      errorCallback: (line: string) => problems.push(line),
    });
    // loadPackage logs a failed package and goes on: make that fatal here.
    if (!pyodide.loadedPackages["nodefox"]) {
      throw new Error(`the engine's packages did not load: ${problems.join("; ") || "unknown reason"}`);
    }
  });
  const loaded = await step("engine", async () => {
    if (interrupt) pyodide.setInterruptBuffer(new Int32Array(interrupt));
    const module = pyodide.pyimport("nodefox.bridge");
    const version = String(pyodide.pyimport("nodefox").__version__);
    return { module, version, catalogue: module.catalogue() };
  });
  bridge = loaded.module;
  post({ kind: "ready", version: loaded.version, catalogue: loaded.catalogue, ms: performance.now() - begin });
  drain();
}

type Apply = Extract<ToWorker, { kind: "apply" }> & { at: number };

/** Several queued applies go to handle() as one message; each request gets that answer,
 * with `rejected` narrowed to its own ops and their indexes shifted back. */
function applyBatch(batch: Apply[]) {
  const parsed = batch.map((request) => JSON.parse(request.message) as { rev?: unknown; ops: unknown[] });
  const ops = parsed.flatMap((message) => message.ops ?? []);
  const rev = parsed[parsed.length - 1].rev ?? null;
  const start = performance.now();
  const text = bridge!.handle(batch.length === 1 ? batch[0].message : JSON.stringify({ rev, ops }));
  const ms = performance.now() - start;
  const waited = (request: Apply) => start - request.at;
  if (batch.length === 1) return post({ id: batch[0].id, kind: "result", text, ms, waited: waited(batch[0]) });
  const answer = JSON.parse(text);
  let offset = 0;
  batch.forEach((request, i) => {
    const count = parsed[i].ops?.length ?? 0;
    const own = (answer.rejected ?? [])
      .filter((r: { index: number }) => r.index >= offset && r.index < offset + count)
      .map((r: { index: number }) => ({ ...r, index: r.index - offset }));
    post({ id: request.id, kind: "result", text: JSON.stringify({ ...answer, rejected: own }), ms, waited: waited(request) });
    offset += count;
  });
}

function drain() {
  draining = false;
  while (bridge && queue.length) {
    const first = queue.shift()!;
    try {
      if (first.kind === "apply") {
        const batch: Apply[] = [first];
        while (queue.length && queue[0].kind === "apply") batch.push(queue.shift() as Apply);
        try {
          applyBatch(batch);
        } catch (error) {
          for (const request of batch) post({ id: request.id, kind: "error", message: describe(error) });
        }
      } else if (first.kind === "run") {
        const start = performance.now();
        const text = bridge.run(first.document, first.input ?? null);
        post({ id: first.id, kind: "result", text, ms: performance.now() - start, waited: start - first.at });
      }
    } catch (error) {
      if ("id" in first) post({ id: first.id, kind: "error", message: describe(error) });
    }
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // A Python traceback's last line says what went wrong.
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] || text;
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.kind === "init") {
    init(message.interrupt).catch((error) => post({ kind: "fatal", message: describe(error) }));
    return;
  }
  queue.push({ ...message, at: performance.now() });
  // Drain in a later task, so messages that arrived while Python was busy are batched.
  if (!draining && bridge) {
    draining = true;
    setTimeout(drain, 0);
  }
};
