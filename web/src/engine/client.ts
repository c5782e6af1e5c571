// The page's side of the worker bridge: promises for requests, progress events,
// interruption (the interrupt buffer when the page is cross-origin isolated,
// otherwise a restart of the worker). It moves JSON text and knows no node types.
import type { FromWorker, FsFile, Step, ToWorker } from "./messages";
import { type Shared, shared, sharedBuffer, waitFor } from "./shared";

export type Ready = { version: string; catalogue: string; ms: number };
export type Events = {
  progress(step: Step, state: "start" | "done", ms: number): void;
  ready(ready: Ready): void;
  fatal(message: string): void;
  busy(busy: boolean): void;
  timing(ms: number, waited: number): void; // handle()'s wall time in the worker, and how long it queued
  // the document on the canvas (edits not yet answered included): what a restarted worker
  // loads (a preview's code ran past its limit or was stopped, no interrupt buffer)
  document?(): unknown;
};

/** The editor's setting (docs/editor.md): seconds a `code` node may run in a preview. */
export const CODE_SECONDS_KEY = "nodefox.codeSeconds";
export const DEFAULT_CODE_SECONDS = 5;

/** The code time limit this browser keeps (a positive number), else the default. */
export function codeSeconds(storage: Pick<Storage, "getItem"> | null): number {
  let text: string | null = null;
  try {
    text = storage?.getItem(CODE_SECONDS_KEY) ?? null;
  } catch {
    /* storage disabled */
  }
  const value = text === null ? NaN : Number(text);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_CODE_SECONDS;
}

/** How often the page ticks the engine's clock while it is busy (limits.page_ticks). */
const TICK_MS = 100;
/** How long the page waits for an edit's answer in the keystroke's task, and the answer
 * time (queued + handle()) under which it does so for the next edit. */
const WAIT_MS = 8;
const QUICK_MS = 5;
/** Without the interrupt buffer: how long past a code's limit before the worker restarts. */
const RESTART_GRACE_MS = 500;
const STOPPED = "the preview was stopped while this code ran; it runs again when the code changes";

/** An apply asked for while another is on its way waits in the page at most this long
 * (else until that answer), so a burst of edits goes to the worker as one message. */
export const COALESCE_MS = 16;

type Apply = Extract<ToWorker, { kind: "apply" }>;
type Pending = { resolve(text: string): void; reject(error: Error): void; request: ToWorker; files?(files: FsFile[]): void };

/** A preview that answers within this long never shows "busy" (nor the Stop button): an
 * edit's answer takes a few ms, and showing then hiding the button twice per keystroke
 * re-rendered the toolbar on the keystroke's critical path. */
export const BUSY_AFTER_MS = 250;

export class EngineClient {
  private worker!: Worker;
  private interrupt: Int32Array | null = null;
  private answers: Shared | null = null; // memory the worker also writes answers into (shared.ts)
  private quick = true; // the last answer took under QUICK_MS: waiting for the next is worth it
  private pending = new Map<number, Pending>();
  // applies posted and not yet answered, and those held meanwhile (posted as one message
  // when the answers are in, or after COALESCE_MS); a single edit to an idle worker is
  // posted at once
  private applying = 0;
  private outbox: Apply[] = [];
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private started = false;
  private busyTimer: ReturnType<typeof setTimeout> | null = null;
  private busyShown = false;
  private tick: number | null = null; // the engine's tick signal (interrupt buffer only)
  private ticking: ReturnType<typeof setInterval> | null = null;
  private running: { note: string; timer: ReturnType<typeof setTimeout> } | null = null; // code, no buffer
  // What a restarted worker is told again before the document: it starts knowing nothing
  private kept = {
    options: {} as Record<string, unknown>,
    files: new Map<string, Uint8Array>(),
    world: new Map<string, Record<string, unknown>>(), // set_permissions (merged), set_credentials
    stuck: [] as string[],
  };
  readonly ready: Promise<Ready>;
  private settle!: { resolve(ready: Ready): void; reject(error: Error): void };

  constructor(private events: Events) {
    this.ready = new Promise<Ready>((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => {}); // reported through events.fatal
  }

  /** Start the worker; `seconds`: the code time limit (codeSeconds(localStorage)). */
  start(seconds: number = DEFAULT_CODE_SECONDS) {
    if (this.started) return;
    this.started = true;
    const isolated = typeof SharedArrayBuffer !== "undefined" && self.crossOriginIsolated;
    this.interrupt = isolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.answers = isolated ? shared(sharedBuffer()) : null;
    this.spawn();
    void this.configure({ codeSeconds: seconds }).catch(() => {});
  }

  private spawn() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "nodefox-engine" });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => this.events.fatal(event.message || "the engine's worker failed to start");
    this.post({ kind: "init", interrupt: (this.interrupt?.buffer as SharedArrayBuffer) ?? null,
                answers: (this.answers?.head.buffer as SharedArrayBuffer) ?? null });
  }

  private post(message: ToWorker) {
    this.worker.postMessage(message);
  }

  /** Post a request, in order: an apply while another is on its way waits in the outbox;
   * any other request first posts what waits there. */
  private submit(request: ToWorker) {
    if (request.kind !== "apply") {
      this.flush();
      return this.post(request);
    }
    if (this.applying === 0 && this.outbox.length === 0) {
      this.applying++;
      return this.post(request);
    }
    this.outbox.push(request);
    this.outboxTimer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  /** The applies held, as one message. */
  private flush() {
    if (this.outboxTimer !== null) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    const requests = this.outbox;
    if (!requests.length) return;
    this.outbox = [];
    this.applying += requests.length;
    this.post(requests.length === 1 ? requests[0] : { kind: "batch", requests });
  }

  private receive(message: FromWorker) {
    switch (message.kind) {
      case "progress":
        return this.events.progress(message.step, message.state, message.ms);
      case "ready":
        this.tick = message.tick ?? null;
        if (this.busyShown) this.startTicks();
        this.events.ready(message);
        return this.settle.resolve(message);
      case "limit":
        return this.watch(message.seconds, message.note);
      case "fatal":
        this.events.fatal(message.message);
        return this.settle.reject(new Error(message.message));
      case "fs": {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (this.pending.size === 0) this.events.busy(false);
        pending.files?.(message.files);
        return pending.resolve("");
      }
      case "result":
      case "error": {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (pending.request.kind === "apply" && --this.applying <= 0) {
          this.applying = 0;
          this.flush(); // what waited behind it goes now, as one message
        }
        if (this.pending.size === 0) this.idle();
        if (message.kind === "result") {
          this.quick = message.ms + message.waited < QUICK_MS;
          this.events.timing(message.ms, message.waited);
          pending.resolve(message.text);
        }
        else pending.reject(new Error(message.message));
      }
    }
  }

  private request(make: (id: number) => ToWorker): Promise<string> {
    const id = this.nextId++;
    const request = make(id);
    const answer = new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, request });
      if (this.pending.size === 1 && this.busyTimer === null) {
        this.busyTimer = setTimeout(() => {
          this.busyTimer = null;
          if (this.pending.size === 0) return;
          this.busyShown = true;
          this.startTicks();
          this.events.busy(true);
        }, BUSY_AFTER_MS);
      }
      this.submit(request);
    });
    // An edit to an idle engine that answered quickly last time: its answer is taken from
    // the shared memory in this task (the keystroke's), not after the browser's next frame.
    if (request.kind === "apply" && this.pending.size === 1 && this.answers && this.quick) {
      const message = waitFor(this.answers, id, WAIT_MS);
      if (message) this.receive(message as FromWorker); // its message, later, finds nothing pending
    }
    return answer;
  }

  private idle() {
    if (this.busyTimer !== null) clearTimeout(this.busyTimer);
    this.busyTimer = null;
    if (this.ticking !== null) clearInterval(this.ticking);
    this.ticking = null;
    if (this.busyShown) this.events.busy(false);
    this.busyShown = false;
  }

  /** While an answer is slow, tick the engine's clock through the interrupt buffer, so a
   * preview's code (or a run) past its time limit stops (limits.py). A tick never replaces
   * a Stop waiting in the buffer. */
  private startTicks() {
    const buffer = this.interrupt;
    const signal = this.tick;
    if (!buffer || signal === null || this.ticking !== null) return;
    this.ticking = setInterval(() => Atomics.compareExchange(buffer, 0, 0, signal), TICK_MS);
  }

  /** Without the interrupt buffer: the engine said a preview's code started (seconds > 0)
   * or ended. Past its limit the worker is restarted, told not to run that code again. */
  private watch(seconds: number, note: string | null) {
    if (this.running) clearTimeout(this.running.timer);
    this.running = null;
    if (!(seconds > 0) || note === null) return;
    const timer = setTimeout(() => {
      if (this.running?.note === note) this.relaunch(new Error("the preview's code ran past its time limit"));
    }, seconds * 1000 + RESTART_GRACE_MS);
    this.running = { note, timer };
  }

  /** A new worker in place of this one: what the page told the old one is told again
   * (options, files, permissions and credentials), with the code that hung marked stuck,
   * then the canvas's document (`events.document`). The edits that were waiting are in
   * that document: each gets the new session's answer to it. Answers whether the document
   * was loaded (else the caller puts it back). */
  private relaunch(why: Error): boolean {
    this.worker.terminate();
    if (this.running) {
      clearTimeout(this.running.timer);
      this.kept.stuck.push(this.running.note);
    }
    this.running = null;
    const lost = [...this.pending.values()];
    this.pending.clear();
    if (this.outboxTimer !== null) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
    this.outbox = []; // held applies are among the lost: the document loaded answers them
    this.applying = 0;
    this.idle();
    this.spawn();
    const quietly = (make: (id: number) => ToWorker) => this.request(make).catch(() => "");
    const apply = (ops: object[]) => quietly((id) => ({ id, kind: "apply", message: JSON.stringify({ rev: null, ops }) }));
    void quietly((id) => ({ id, kind: "configure", options: JSON.stringify(this.kept.options) }));
    const write = [...this.kept.files].map(([name, data]) => ({ name, data }));
    if (write.length) void this.fs({ write }, false).catch(() => {});
    if (this.kept.world.size) void apply([...this.kept.world.values()]); // (credentials clear the stuck notes)
    for (const note of this.kept.stuck) void quietly((id) => ({ id, kind: "configure", options: JSON.stringify({ stuck: note }) }));
    const document = this.events.document?.();
    const loaded = document !== undefined ? apply([{ op: "load", workflow: document }]) : null;
    for (const p of lost) {
      if (p.request.kind !== "apply" || document === undefined || loaded === null) {
        p.reject(why);
        continue;
      }
      const rev = (JSON.parse(p.request.message) as { rev?: unknown }).rev ?? null;
      void loaded.then((text) => (text ? p.resolve(JSON.stringify({ ...JSON.parse(text), rev, rejected: [] })) : p.reject(why)));
    }
    return document !== undefined;
  }

  /** Remember the permission and credential ops of `message` for a restarted worker. */
  private keep(message: string) {
    if (typeof message !== "string" || (!message.includes('"set_permissions"') && !message.includes('"set_credentials"'))) return;
    try {
      for (const op of (JSON.parse(message) as { ops?: Record<string, unknown>[] }).ops ?? []) {
        if (op?.op === "set_permissions") this.kept.world.set("set_permissions", { ...this.kept.world.get("set_permissions"), ...op });
        if (op?.op === "set_credentials") this.kept.world.set("set_credentials", op);
      }
    } catch {
      /* not JSON: the engine says so to the caller */
    }
  }

  /** Whether a request is waiting for its answer (the page may not show it busy yet). */
  get waiting(): boolean {
    return this.pending.size > 0;
  }

  /** The live bridge: `{"rev", "ops"}` in, the answer out (as `handle()`). */
  apply(message: string): Promise<string> {
    this.keep(message);
    return this.request((id) => ({ id, kind: "apply", message }));
  }

  /** A whole run, as `nodefox run` prints it. */
  run(document: string, input?: string): Promise<string> {
    return this.request((id) => ({ id, kind: "run", document, input }));
  }

  /** Bridge options (`bridge.configure`), e.g. `{"allowCode": false}`; answers the current ones. */
  configure(options: object): Promise<string> {
    Object.assign(this.kept.options, options);
    return this.request((id) => ({ id, kind: "configure", options: JSON.stringify(options) }));
  }

  get canInterrupt(): boolean {
    return this.interrupt !== null;
  }

  /** Stop the running preview. With the interrupt buffer the session reports the
   * unfinished nodes `stale` (code that was running answers "stopped" to the edits queued
   * behind it); without it the worker is restarted and `restart` puts the document back
   * (through the store, so its answer reaches the canvas). */
  stop(restart: () => void): void {
    if (this.pending.size === 0) return;
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt
      return;
    }
    if (this.running) {
      // the code that was running: stopped, not timed out, and not run again as it is
      const note = JSON.parse(this.running.note) as { message?: string };
      this.running.note = JSON.stringify({ ...note, message: STOPPED });
    }
    if (!this.relaunch(new Error("the preview was stopped"))) restart();
  }

  /** The editor's files in the session's files folder (docs/editor.md): written and
   * removed in the worker's queue order, so a later op reads them; answers the files of
   * `read` that exist. */
  fs(change: { write?: FsFile[]; remove?: string[]; read?: string[] }, keep = true): Promise<FsFile[]> {
    if (keep) {
      for (const file of change.write ?? []) this.kept.files.set(file.name, file.data);
      for (const name of change.remove ?? []) this.kept.files.delete(name);
    }
    let got: FsFile[] = [];
    const id = this.nextId++;
    const request: ToWorker = { id, kind: "fs", ...change };
    return new Promise<FsFile[]>((resolve, reject) => {
      this.pending.set(id, { resolve: () => resolve(got), reject, request, files: (files) => (got = files) });
      if (this.pending.size === 1) this.events.busy(true);
      this.submit(request);
    });
  }

  /** Another function of `nodefox.bridge`, text in and out (e.g. n8n_import). */
  call(fn: string, arg: string): Promise<string> {
    return this.request((id) => ({ id, kind: "call", fn, arg }));
  }
}
