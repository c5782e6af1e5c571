import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CODE_SECONDS_KEY, COALESCE_MS, codeSeconds, DEFAULT_CODE_SECONDS, EngineClient } from "./client";

const stored = (value: string | null) => ({ getItem: (key: string) => (key === CODE_SECONDS_KEY ? value : null) });

describe("the code time limit setting", () => {
  it("is the stored number of seconds when it is a positive number", () => {
    expect(codeSeconds(stored("2.5"))).toBe(2.5);
    expect(codeSeconds(stored("30"))).toBe(30);
  });

  it("is the default when unset, not a number, zero or negative, or without storage", () => {
    for (const value of [null, "", "soon", "0", "-3", "Infinity"]) expect(codeSeconds(stored(value))).toBe(DEFAULT_CODE_SECONDS);
    expect(codeSeconds(null)).toBe(DEFAULT_CODE_SECONDS);
    const broken = { getItem: () => { throw new Error("storage disabled"); } };
    expect(codeSeconds(broken)).toBe(DEFAULT_CODE_SECONDS);
  });
});

describe("edits on their way to the worker", () => {
  type Posted = { kind: string; id?: number; message?: string; requests?: { id: number; message: string }[] };
  class FakeWorker {
    static last: FakeWorker;
    posted: Posted[] = [];
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onerror: unknown = null;
    constructor() {
      FakeWorker.last = this;
    }
    postMessage(message: Posted) {
      this.posted.push(message);
    }
    terminate() {}
    answer(id: number, text = `{"rev": ${id}}`) {
      this.onmessage?.({ data: { id, kind: "result", text, ms: 1, waited: 0, received: 0, sent: 0 } });
    }
  }
  const events = { progress() {}, ready() {}, fatal() {}, busy() {}, timing() {} };
  const message = (rev: number) => JSON.stringify({ rev, ops: [{ op: "patch_params", id: "n", path: "/max", value: rev }] });

  let worker: FakeWorker;
  let client: EngineClient;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("Worker", FakeWorker);
    vi.stubGlobal("self", { crossOriginIsolated: false });
    client = new EngineClient(events);
    client.start();
    worker = FakeWorker.last;
    worker.posted = worker.posted.filter((m) => m.kind !== "init");
    worker.answer(worker.posted[0].id!); // the configure at start
    worker.posted = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("posts a single edit at once, and the edits made while it is on its way as one message, in order", async () => {
    const first = client.apply(message(1));
    expect(worker.posted.map((m) => m.kind)).toEqual(["apply"]); // no wait for a single edit
    const later = [client.apply(message(2)), client.apply(message(3)), client.apply(message(4))];
    expect(worker.posted).toHaveLength(1);
    worker.answer(worker.posted[0].id!);
    expect(await first).toBe(`{"rev": ${worker.posted[0].id}}`);
    expect(worker.posted).toHaveLength(2);
    const batch = worker.posted[1];
    expect(batch.kind).toBe("batch");
    expect(batch.requests!.map((r) => JSON.parse(r.message).rev)).toEqual([2, 3, 4]);
    // each keeps its own id and gets its own answer
    for (const r of [...batch.requests!].reverse()) worker.answer(r.id, `{"rev": ${JSON.parse(r.message).rev}}`);
    expect(await Promise.all(later)).toEqual(['{"rev": 2}', '{"rev": 3}', '{"rev": 4}']);
    // idle again: the next edit goes at once
    void client.apply(message(5));
    expect(worker.posted.at(-1)!.kind).toBe("apply");
  });

  it("holds an edit at most a frame behind a slow answer, and never lets another request overtake it", async () => {
    void client.apply(message(1)); // a slow preview
    void client.apply(message(2));
    expect(worker.posted).toHaveLength(1);
    vi.advanceTimersByTime(COALESCE_MS);
    expect(worker.posted.map((m) => m.kind)).toEqual(["apply", "apply"]);
    void client.apply(message(3));
    void client.configure({ allowCode: false });
    expect(worker.posted.map((m) => m.kind)).toEqual(["apply", "apply", "apply", "configure"]);
    expect(JSON.parse(worker.posted[2].message!).rev).toBe(3);
  });
});
