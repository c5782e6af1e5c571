import { describe, expect, it } from "vitest";
import { escape, get, join, parse, set } from "./pointer";
import type { Json } from "./types";

describe("escape, join and parse", () => {
  it("round-trip keys with ~ and /", () => {
    expect(escape("a/b~c")).toBe("a~1b~0c");
    expect(escape(3)).toBe("3");
    expect(join("/fields", "a/b")).toBe("/fields/a~1b");
    expect(join("", 0)).toBe("/0");
    expect(parse("/fields/a~1b~0c/0")).toEqual(["fields", "a/b~c", "0"]);
    expect(parse("/a/~01")).toEqual(["a", "~1"]);
    expect(parse("")).toEqual([]);
    expect(parse("/")).toEqual([""]);
  });
});

describe("get", () => {
  const value: Json = { fields: [{ name: "a" }, { name: "b" }], "a/b": 1, "": 2, n: null };

  it("walks objects and lists", () => {
    expect(get(value, "")).toBe(value);
    expect(get(value, "/fields/1/name")).toBe("b");
    expect(get(value, "/a~1b")).toBe(1);
    expect(get(value, "/")).toBe(2);
    expect(get(value, "/n")).toBeNull();
  });

  it("is undefined where there is nothing", () => {
    expect(get(value, "/fields/5/name")).toBeUndefined();
    expect(get(value, "/missing/x")).toBeUndefined();
    expect(get(value, "/n/x")).toBeUndefined();
    expect(get(value, "/fields/1/name/x")).toBeUndefined();
    expect(get(undefined, "/x")).toBeUndefined();
  });
});

describe("set", () => {
  it("returns a copy and leaves the original alone", () => {
    const root: { [k: string]: Json } = { fields: [{ name: "a" }], keep: { x: 1 } };
    const out = set(root, "/fields/0/name", "z");
    expect(out).toEqual({ fields: [{ name: "z" }], keep: { x: 1 } });
    expect(root).toEqual({ fields: [{ name: "a" }], keep: { x: 1 } });
    expect(out.keep).toBe(root.keep);
  });

  it("appends with - and at the list's length, replaces at an index", () => {
    expect(set({ list: [1, 2] }, "/list/-", 3)).toEqual({ list: [1, 2, 3] });
    expect(set({ list: [1, 2] }, "/list/2", 3)).toEqual({ list: [1, 2, 3] });
    expect(set({ list: [1, 2] }, "/list/0", 9)).toEqual({ list: [9, 2] });
    expect(set([{ a: 1 }] as Json, "/-/a", 2)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("removes with undefined, from objects and lists", () => {
    expect(set({ a: 1, b: 2 }, "/a", undefined)).toEqual({ b: 2 });
    expect(set({ list: [1, 2, 3] }, "/list/1", undefined)).toEqual({ list: [1, 3] });
    expect(set({ a: 1 }, "/b", undefined)).toEqual({ a: 1 });
  });

  it("keeps null as a value", () => {
    expect(set({ a: 1 }, "/a", null)).toEqual({ a: null });
  });

  it("creates missing objects on the way", () => {
    expect(set({}, "/a/b~1c", 1)).toEqual({ a: { "b/c": 1 } });
    expect(set({ a: "text" }, "/a/b", 1)).toEqual({ a: { b: 1 } });
  });

  it("replaces the whole value at the empty pointer", () => {
    expect(set({ a: 1 }, "", { b: 2 })).toEqual({ b: 2 });
  });
});
