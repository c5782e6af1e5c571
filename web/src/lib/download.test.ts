import { describe, expect, it } from "vitest";
import { itemsToCsv, itemsToJson } from "./download";
import type { Item } from "./types";

describe("itemsToCsv", () => {
  it("writes the union of keys, empty cells, quoted fields and compact JSON", () => {
    const items: Item[] = [{ a: 1, b: "x,y" }, { b: 'say "hi"', c: { d: [1, 2] } }, { a: "line\nbreak", c: null }];
    expect(itemsToCsv(items)).toBe('a,b,c\n1,"x,y",\n,"say ""hi""","{""d"":[1,2]}"\n"line\nbreak",,\n');
  });
  it("writes nothing for no items and a tab when asked", () => {
    expect(itemsToCsv([])).toBe("");
    expect(itemsToCsv([{ a: "1\t2" }], "\t")).toBe('a\n"1\t2"\n');
  });
});

describe("itemsToJson", () => {
  it("indents by two and ends with a newline", () => {
    expect(itemsToJson([{ a: 1 }])).toBe('[\n  {\n    "a": 1\n  }\n]\n');
  });
});
