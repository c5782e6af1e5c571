// The page's side of the worker bridge: promises for requests, progress events,
// interruption (the interrupt buffer when the page is cross-origin isolated,
// otherwise a restart of the worker). It moves JSON text and knows no node types.
import type { FromWorker, FsFile, Step, ToWorker } from "./messages";

export type Ready = { version: string; catalogue: string; ms: number };
export type Events = {
  progress(step: Step, state: "start" | "done", ms: number): void;
  ready(ready: Ready): void;
  fatal(message: string): void;
  busy(busy: boolean): void;
  timing(ms: number, waited: number): void; // handle()'s wall time in the worker, and how long it queued
};

type Pending = { resolve(text: string): void; reject(error: Error): void; request: ToWorker; files?(files: FsFile[]): void };

/** A preview that answers within this long never shows "busy" (nor the Stop button): an
 * edit's answer takes a few ms, and showing then hiding the button twice per keystroke
 * re-rendered the toolbar on the keystroke's critical path. */
export const BUSY_AFTER_MS = 250;

export class EngineClient {
  private worker!: Worker;
  private interrupt: Int32Array | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private started = false;
  private busyTimer: ReturnType<typeof setTimeout> | null = null;
  private busyShown = false;
  readonly ready: Promise<Ready>;
  private settle!: { resolve(ready: Ready): void; reject(error: Error): void };

  constructor(private events: Events) {
    this.ready = new Promise<Ready>((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => {}); // reported through events.fatal
  }

  start() {
    if (this.started) return;
    this.started = true;
    const isolated = typeof SharedArrayBuffer !== "undefined" && self.crossOriginIsolated;
    this.interrupt = isolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.spawn();
  }

  private spawn() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "nodefox-engine" });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => this.events.fatal(event.message || "the engine's worker failed to start");
    this.post({ kind: "init", interrupt: (this.interrupt?.buffer as SharedArrayBuffer) ?? null });
  }

  private post(message: ToWorker) {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker) {
    switch (message.kind) {
      case "progress":
        return this.events.progress(message.step, message.state, message.ms);
      case "ready":
        this.events.ready(message);
        return this.settle.resolve(message);
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
        if (this.pending.size === 0) this.idle();
        if (message.kind === "result") {
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
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, request });
      if (this.pending.size === 1 && this.busyTimer === null) {
        this.busyTimer = setTimeout(() => {
          this.busyTimer = null;
          if (this.pending.size === 0) return;
          this.busyShown = true;
          this.events.busy(true);
        }, BUSY_AFTER_MS);
      }
      this.post(request);
    });
  }

  private idle() {
    if (this.busyTimer !== null) clearTimeout(this.busyTimer);
    this.busyTimer = null;
    if (this.busyShown) this.events.busy(false);
    this.busyShown = false;
  }

  /** Whether a request is waiting for its answer (the page may not show it busy yet). */
  get waiting(): boolean {
    return this.pending.size > 0;
  }

  /** The live bridge: `{"rev", "ops"}` in, the answer out (as `handle()`). */
  apply(message: string): Promise<string> {
    return this.request((id) => ({ id, kind: "apply", message }));
  }

  /** A whole run, as `nodefox run` prints it. */
  run(document: string, input?: string): Promise<string> {
    return this.request((id) => ({ id, kind: "run", document, input }));
  }

  /** Bridge options (`bridge.configure`), e.g. `{"allowCode": false}`; answers the current ones. */
  configure(options: object): Promise<string> {
    return this.request((id) => ({ id, kind: "configure", options: JSON.stringify(options) }));
  }

  get canInterrupt(): boolean {
    return this.interrupt !== null;
  }

  /** Stop the running preview. With the interrupt buffer the session reports the
   * unfinished nodes `stale`; without it the worker is restarted and `restart` puts the
   * document back (through the store, so its answer reaches the canvas). */
  stop(restart: () => void): void {
    if (this.pending.size === 0) return;
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt
      return;
    }
    this.worker.terminate();
    const lost = [...this.pending.values()];
    this.pending.clear();
    this.idle();
    for (const p of lost) p.reject(new Error("the preview was stopped"));
    this.spawn();
    restart();
  }

  /** The editor's files in the session's files folder (docs/editor.md): written and
   * removed in the worker's queue order, so a later op reads them; answers the files of
   * `read` that exist. */
  fs(change: { write?: FsFile[]; remove?: string[]; read?: string[] }): Promise<FsFile[]> {
    let got: FsFile[] = [];
    const id = this.nextId++;
    const request: ToWorker = { id, kind: "fs", ...change };
    return new Promise<FsFile[]>((resolve, reject) => {
      this.pending.set(id, { resolve: () => resolve(got), reject, request, files: (files) => (got = files) });
      if (this.pending.size === 1) this.events.busy(true);
      this.post(request);
    });
  }

  /** Another function of `nodefox.bridge`, text in and out (e.g. n8n_import). */
  call(fn: string, arg: string): Promise<string> {
    return this.request((id) => ({ id, kind: "call", fn, arg }));
  }
}
