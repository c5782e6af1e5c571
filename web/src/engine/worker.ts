/// <reference lib="webworker" />
// The engine's worker: loads Pyodide and the nodefox wheel from our own server,
// then answers each message by calling `nodefox.bridge` once. It moves JSON text
// both ways and knows nothing of node types (docs/protocol.md).
import type { FromWorker, Step, ToWorker } from "./messages";
import { type Shared, shared, write } from "./shared";

type Bridge = {
  handle(message: string): string;
  configure(options: string): string;
  watch(callback: (seconds: number, note?: string) => void): void;
  run(document: string, input?: string | null): string;
  catalogue(): string;
  warm_up(edits: number): void;
};
type Pyodide = {
  loadPackage(names: string[], options?: object): Promise<unknown>;
  pyimport(name: string): Bridge & { __version__?: string };
  runPython(code: string): unknown;
  setInterruptBuffer(buffer: Int32Array): void;
  FS: {
    mkdirTree(path: string): void;
    writeFile(path: string, data: Uint8Array): void;
    readFile?(path: string): Uint8Array;
    unlink?(path: string): void;
  };
  loadedPackages: Record<string, string>;
  version: string;
};
type LoadPyodide = (options: object) => Promise<Pyodide>;
/** pyodide/snapshot.json, written by the build (build/snapshot.mjs, build/README.md). */
type Manifest = { file: string; bytes: number; wheelDir: string; wheels: { file_name: string; sha256: string }[] };

let answers: Shared | null = null; // memory shared with the page (engine/shared.ts)
const post = (message: FromWorker) => {
  if (answers && message.kind === "result") {
    try {
      write(answers, message.id, message);
    } catch {
      answers = null; // the message still brings every answer
    }
  }
  (self as unknown as Worker).postMessage(message);
};
type Queued = ToWorker & { at: number };
/** Epoch milliseconds, comparable between the worker and the page (their `now()` are not). */
const epoch = () => performance.timeOrigin + performance.now();
const queue: Queued[] = [];
let bridge: Bridge | null = null;
let draining = false;
let engine: Pyodide | null = null;

/** Packages served but not loaded at start-up (docs/editor.md, "What a page loads"): each
 * is loaded before the first message whose text mentions what needs it, so the run that
 * needs it finds it. Read from the text without parsing it, like `asks`: a false alarm only
 * loads it early. (tests/pyodide/common.mjs `onDemand` follows the same rules.) */
const OPTIONAL: { names: string[]; needs(text: string): boolean }[] = [
  { names: ["openpyxl"], needs: (text) => text.includes("xlsx") }, // read_file/write_file xlsx
  { names: ["pypdf"], needs: (text) => text.includes("pdf") }, // from_file's pdf
  { names: ["urllib3"], needs: (text) => text.includes('"http"') }, // an `http` node's client
  // a time zone other than UTC (settings.timezone, a schedule's timezone): IANA data
  { names: ["tzdata"], needs: (text) => text.includes('"timezone"') && /"timezone"\s*:\s*"(?!UTC")/.test(text) },
];
const optionalTried = new Set<string>();
let loadingOptional = false;
const optionalFor = (text: string) =>
  OPTIONAL.flatMap(({ names, needs }) => {
    const wanted = names.filter((name) => !optionalTried.has(name));
    return wanted.length && needs(text) ? wanted : [];
  });
// (a caller of `window.nodefox` may send something else than text: the engine answers it)
const textOf = (message: ToWorker) => {
  const text = message.kind === "apply" ? message.message : message.kind === "run" ? message.document : "";
  return typeof text === "string" ? text : "";
};

/** Loads `names` (with their lockfile dependencies), then drains again. One try each: if it
 * fails, the node that needs it says so (nodefox's own error), and the page goes on. */
function loadOptional(names: string[]) {
  loadingOptional = true;
  names.forEach((name) => optionalTried.add(name));
  engine!
    .loadPackage(names, { messageCallback: () => {}, errorCallback: (line: string) => console.warn(`nodefox: ${line}`) })
    .catch((error) => console.warn(`nodefox: could not load ${names.join(", ")}: ${describe(error)}`))
    .finally(() => {
      loadingOptional = false;
      drain();
    });
}

async function step<T>(name: Step, work: () => Promise<T>, note?: () => string): Promise<T> {
  const start = performance.now();
  post({ kind: "progress", step: name, state: "start", ms: 0 });
  const value = await work();
  post({ kind: "progress", step: name, state: "done", ms: performance.now() - start, ...(note ? { note: note() } : {}) });
  return value;
}

// Absolute URLs: a relative lockFileURL breaks every package (build/README.md).
const base = new URL("/pyodide/", self.location.href).href;

async function fetchBytes(url: string, sha256?: string): Promise<Uint8Array> {
  // hex digest (the lockfile's) -> Subresource Integrity, so a stale or changed file is refused
  const integrity = sha256 && `sha256-${btoa(String.fromCharCode(...(sha256.match(/../g) ?? []).map((h) => parseInt(h, 16))))}`;
  const response = await fetch(url, integrity ? { integrity } : {});
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

type Module = { HEAP8: Int8Array; _emscripten_resize_heap(bytes: number): boolean };

/** Pyodide's runtime, its heap grown to hold the snapshot before it is restored: the restore
 * copies the snapshot into the heap as it is (30 MiB, the wasm's initial memory), so a
 * snapshot taken after the engine grew the heap failed with "offset is out of bounds" and
 * every page loaded Python from scratch. (This is what the loader does without the option.) */
function grownFor(heap: Promise<Uint8Array>) {
  return async (settings: object): Promise<Module> => {
    const create = ((await import(/* @vite-ignore */ base + "pyodide.asm.mjs")) as { default: (s: object) => Promise<Module> }).default;
    const module = await create(settings);
    const size = (await heap).length;
    if (module.HEAP8.length < size && !module._emscripten_resize_heap(size)) {
      throw new Error(`could not grow the heap to the snapshot's ${size} bytes`);
    }
    return module;
  };
}

/** Pyodide restored from the build's memory snapshot, the engine already imported, and a
 * function that writes the same wheel files back where the snapshot's sys.path expects them
 * (zip imports; fetched from the start, checked against the lockfile's sha256).
 * Throws (and the caller loads normally) when there is no snapshot or the restore fails. */
async function fromSnapshot(
  loadPyodide: LoadPyodide,
  problems: string[],
): Promise<{ pyodide: Pyodide; install: () => Promise<void> }> {
  const response = await fetch(base + "snapshot.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`no snapshot.json (HTTP ${response.status})`);
  const manifest = (await response.json()) as Manifest;
  // everything is fetched at once: the wheels arrive while the runtime compiles and restores
  const heap = fetchBytes(base + manifest.file);
  const wheels = manifest.wheels.map((w) => fetchBytes(base + w.file_name, w.sha256));
  heap.catch(() => {});
  wheels.forEach((w) => w.catch(() => {}));
  const pyodide = await loadPyodide({
    indexURL: base,
    lockFileURL: base + "pyodide-lock.json",
    stderr: (line: string) => problems.push(line),
    _loadSnapshot: heap,
    createPyodideModule: grownFor(heap),
  });
  // the snapshot froze the build machine's random state: take fresh entropy (the engine's own
  // random is seeded per run; this is for anything else)
  pyodide.runPython('import random, sys\nrandom.seed()\nassert "nodefox.bridge" in sys.modules');
  const install = async () => {
    pyodide.FS.mkdirTree(manifest.wheelDir);
    const files = await Promise.all(wheels);
    manifest.wheels.forEach((w, i) => pyodide.FS.writeFile(`${manifest.wheelDir}/${w.file_name}`, files[i]));
  };
  return { pyodide, install };
}

async function init(interrupt: SharedArrayBuffer | null) {
  const begin = performance.now();
  const problems: string[] = [];
  let install: (() => Promise<void>) | null = null; // set when restored from the snapshot
  let how = "";
  const pyodide: Pyodide = await step("runtime", async () => {
    const { loadPyodide } = (await import(/* @vite-ignore */ base + "pyodide.mjs")) as { loadPyodide: LoadPyodide };
    try {
      const restored = await fromSnapshot(loadPyodide, problems);
      install = restored.install;
      how = "restored from the memory snapshot";
      return restored.pyodide;
    } catch (error) {
      // not fatal: say why, then start Python from scratch
      const text = error instanceof Error ? error.message : String(error);
      const why = /Traceback/.test(text) ? describe(error) : text.trim().replace(/\s*\n\s*/g, " ").slice(0, 300);
      how = `no memory snapshot (${why}): loaded normally`;
      console.warn(`nodefox: ${how}`);
      problems.length = 0;
    }
    return loadPyodide({
      indexURL: base,
      lockFileURL: base + "pyodide-lock.json",
      stderr: (line: string) => problems.push(line),
    });
  }, () => how);
  await step("packages", async () => {
    if (install) return install(); // the engine is imported already: its files only
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
    // Everything imported so far lives as long as the page: out of the cyclic GC's sight,
    // a full collection walks the session's objects only (it walked the whole restored
    // heap, 10-35 ms inside an edit's handle(), once every few edits).
    pyodide.runPython("from nodefox.execute import freeze_heap\nfreeze_heap()");
    const version = String(pyodide.pyimport("nodefox").__version__);
    return { module, version, catalogue: module.catalogue(), tick: watchTime(module, interrupt !== null) };
  });
  await useRelay(loaded.module); // before `bridge` is set: no message is handled without it
  bridge = loaded.module;
  engine = pyodide;
  useFilesFolder(pyodide);
  post({ kind: "ready", version: loaded.version, catalogue: loaded.catalogue, tick: loaded.tick, ms: performance.now() - begin });
  drain();
  setTimeout(warm, WARM_PAUSE_MS);
}

/** Edits the engine answers on a small workflow of its own once ready, one per idle task
 * (never ahead of a message from the page): the first keystrokes otherwise found the
 * WebAssembly engine's edit path cold, 5-14 ms per answer against 0.8 ms once warm
 * (bridge.warm_up, docs/decisions.md). */
const WARM_EDITS = 40;
const WARM_PAUSE_MS = 20;
let warmed = 0;

function warm() {
  if (!bridge || warmed >= WARM_EDITS) return;
  if (queue.length === 0 && !draining && !loadingOptional) {
    try {
      bridge.warm_up(1);
    } catch {
      warmed = WARM_EDITS; // not worth an error: the first edits are only slower
    }
    warmed += 1;
  }
  setTimeout(warm, queue.length ? WARM_PAUSE_MS : 0);
}

/** How a preview's code is stopped in time (docs/editor.md). With the interrupt buffer the
 * page writes the engine's tick signal into it while busy, and the engine's own clock
 * (limits.py) stops the code: answers that signal. Without it, the engine tells the page
 * when code starts and ends, and the page restarts this worker if it runs too long. */
function watchTime(module: Bridge, interrupt: boolean): number | null {
  if (interrupt) {
    const answer = JSON.parse(module.configure(JSON.stringify({ pageTicks: true }))) as { pageTicks?: number | null };
    return typeof answer.pageTicks === "number" ? answer.pageTicks : null;
  }
  module.watch((seconds: number, note?: string) => post({ kind: "limit", seconds, note: note ?? null }));
  return null;
}

/** Served by `nodefox serve` (it answers /api/session), the engine sends its HTTP requests
 * through the server's /relay, so APIs without CORS headers answer too (docs/http.md).
 * Elsewhere (a static host) they go straight from the page. */
async function useRelay(module: Bridge) {
  try {
    const response = await fetch("/api/session", { cache: "no-store" });
    const token = response.ok ? ((await response.json()) as { token?: unknown }).token : null;
    if (typeof token === "string" && token) {
      module.configure(JSON.stringify({ relay: { url: self.location.origin + "/relay", token } }));
    }
  } catch {
    /* no server behind the page: requests go directly */
  }
}

type Apply = Extract<ToWorker, { kind: "apply" }> & { at: number };

/** What an op adds to the answer, for the ops that answer a question (live.md and the
 * `evaluate` extension): only the request that asked gets it. */
const QUERIES: { [op: string]: string } = { inspect: "page", evaluate: "evaluated", export: "workflow" };
// read from the text without parsing it: a value that happens to spell an op's name only
// ends a batch early, which is always safe
const asks = (message: string) => typeof message === "string" && Object.keys(QUERIES).some((op) => message.includes(`"${op}"`));

/** Several queued applies go to handle() as one message; each request gets that answer,
 * with `rejected` narrowed to its own ops and their indexes shifted back. A request that
 * asks a question (inspect, evaluate, export) ends its batch, so the answer's `page`,
 * `evaluated` or `workflow` is its own; the others' copies leave those out. */
function applyBatch(batch: Apply[]) {
  const parsed = batch.length === 1 ? [] : batch.map((request) => messageOf(request.message));
  // a message that is not {"rev", "ops": [...]} is handle()'s to answer, alone
  if (parsed.some((message) => message === null)) return batch.forEach((request) => applyBatch([request]));
  const ops = parsed.flatMap((message) => message!.ops);
  const rev = parsed[parsed.length - 1]?.rev ?? null;
  const start = performance.now();
  const text = bridge!.handle(batch.length === 1 ? batch[0].message : JSON.stringify({ rev, ops }));
  const ms = performance.now() - start;
  const waited = (request: Apply) => start - request.at;
  const times = (request: Apply) => ({ ms, waited: waited(request), received: performance.timeOrigin + request.at, sent: epoch() });
  if (batch.length === 1) return post({ id: batch[0].id, kind: "result", text, ...times(batch[0]) });
  const answer = JSON.parse(text);
  let offset = 0;
  batch.forEach((request, i) => {
    const count = parsed[i]!.ops.length;
    const own = (answer.rejected ?? [])
      .filter((r: { index: number }) => r.index >= offset && r.index < offset + count)
      .map((r: { index: number }) => ({ ...r, index: r.index - offset }));
    const mine = { ...answer, rejected: own };
    const kinds = new Set(parsed[i]!.ops.map((op) => (op as { op?: string })?.op));
    for (const [op, key] of Object.entries(QUERIES)) if (!kinds.has(op)) delete mine[key];
    post({ id: request.id, kind: "result", text: JSON.stringify(mine), ...times(request) });
    offset += count;
  });
}

/** A message's rev and ops, or null when it is not `{"rev", "ops": [...]}` text. */
function messageOf(text: unknown): { rev?: unknown; ops: unknown[] } | null {
  try {
    const message = typeof text === "string" ? JSON.parse(text) : null;
    return message && typeof message === "object" && Array.isArray(message.ops) ? message : null;
  } catch {
    return null;
  }
}

function drain() {
  draining = false;
  while (bridge && queue.length && !loadingOptional) {
    const wanted = optionalFor(textOf(queue[0]));
    if (wanted.length) return loadOptional(wanted);
    const first = queue.shift()!;
    try {
      if (first.kind === "fs") {
        fs(first); // the editor's files (docs/editor.md)
      } else if (first.kind === "call") {
        call(first as Extract<ToWorker, { kind: "call" }> & { at: number });
      } else if (first.kind === "apply") {
        const batch: Apply[] = [first];
        while (!asks(batch[batch.length - 1].message) && queue.length && queue[0].kind === "apply" &&
               !optionalFor(textOf(queue[0])).length) {
          batch.push(queue.shift() as Apply);
        }
        try {
          applyBatch(batch);
        } catch (error) {
          for (const request of batch) post({ id: request.id, kind: "error", message: describe(error) });
        }
      } else if (first.kind === "configure") {
        const start = performance.now();
        const text = bridge.configure(first.options);
        post({ id: first.id, kind: "result", text, ms: performance.now() - start, waited: start - first.at, received: performance.timeOrigin + first.at, sent: epoch() });
      } else if (first.kind === "run") {
        const start = performance.now();
        const text = bridge.run(first.document, first.input ?? null);
        const received = performance.timeOrigin + first.at;
        post({ id: first.id, kind: "result", text, ms: performance.now() - start, waited: start - first.at, received, sent: epoch() });
      }
    } catch (error) {
      if ("id" in first) post({ id: first.id, kind: "error", message: describe(error) });
    }
  }
}

// -- the editor's files (docs/editor.md) ------------------------------------------------

/** Where the editor's files live in Pyodide's file system; the session reads and writes
 * them there (its world's files folder, nodefox.files resolves names inside it). */
const FILES = "/files";

function useFilesFolder(pyodide: Pyodide) {
  pyodide.FS.mkdirTree(FILES);
  pyodide.runPython(`import nodefox.bridge\nnodefox.bridge.SESSION.world.files = ${JSON.stringify(FILES)}`);
}

/** A stored name as a path inside FILES (names are checked again by the engine when read). */
const pathOf = (name: string) => `${FILES}/${name.split("/").filter((p) => p && p !== "." && p !== "..").join("/")}`;

function fs(request: Extract<ToWorker, { kind: "fs" }>) {
  const FS = engine!.FS;
  for (const file of request.write ?? []) {
    const path = pathOf(file.name);
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, file.data);
  }
  for (const name of request.remove ?? []) {
    try {
      FS.unlink?.(pathOf(name));
    } catch {
      /* already gone */
    }
  }
  const files = (request.read ?? []).flatMap((name) => {
    try {
      return [{ name, data: FS.readFile!(pathOf(name)) }];
    } catch {
      return [];
    }
  });
  post({ id: request.id, kind: "fs", files });
}

function call(request: Extract<ToWorker, { kind: "call" }> & { at: number }) {
  const fn = (bridge as unknown as { [name: string]: unknown })[request.fn];
  if (typeof fn !== "function") throw new Error(`this engine has no bridge function ${request.fn}`);
  const start = performance.now();
  const text = String((fn as (arg: string) => string).call(bridge, request.arg));
  const at = (ms: number) => performance.timeOrigin + ms; // epoch times, as apply's answers carry them
  const answer = { id: request.id, kind: "result", text, ms: performance.now() - start, waited: start - request.at,
                   received: at(request.at), sent: at(performance.now()) };
  post(answer as unknown as FromWorker);
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
    answers = message.answers ? shared(message.answers) : null;
    init(message.interrupt).catch((error) => post({ kind: "fatal", message: describe(error) }));
    return;
  }
  const at = performance.now();
  if (message.kind === "batch") for (const request of message.requests) queue.push({ ...request, at });
  else queue.push({ ...message, at });
  // Drain in a later task, so messages that arrived while Python was busy are batched.
  if (!draining && bridge) {
    draining = true;
    setTimeout(drain, 0);
  }
};
