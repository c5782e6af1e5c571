import { describe, expect, it } from "vitest";
import { CODE_SECONDS_KEY, codeSeconds, DEFAULT_CODE_SECONDS } from "./client";

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
