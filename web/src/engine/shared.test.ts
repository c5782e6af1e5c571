import { describe, expect, it } from "vitest";
import { SHARED_BYTES, shared, sharedBuffer, waitFor, write } from "./shared";

describe("answers in shared memory", () => {
  it("gives the page the answer the worker wrote for its request", () => {
    const memory = shared(sharedBuffer());
    const answer = { id: 7, kind: "result", text: '{"rev":3,"nodes":{"a":"é ✓"}}', ms: 1.5, waited: 0.2 };
    write(memory, 7, answer);
    expect(waitFor(memory, 7, 5)).toEqual(answer);
  });

  it("waits no longer than asked for an answer that is not there", () => {
    const memory = shared(sharedBuffer());
    write(memory, 7, { text: "{}" });
    const start = performance.now();
    expect(waitFor(memory, 8, 5)).toBeNull();
    const waited = performance.now() - start;
    expect(waited).toBeGreaterThanOrEqual(4.5);
    expect(waited).toBeLessThan(200);
  });

  it("leaves an answer too long for the memory to its message", () => {
    const memory = shared(sharedBuffer());
    write(memory, 1, { text: "{}" });
    write(memory, 2, { text: "x".repeat(SHARED_BYTES + 1) });
    expect(waitFor(memory, 2, 1)).toBeNull();
    expect(waitFor(memory, 1, 1)).toBeNull(); // the older answer is no longer offered either
  });
});
