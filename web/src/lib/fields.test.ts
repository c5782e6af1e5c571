import { describe, expect, it } from "vitest";
import { accessor, ancestors, exampleText, fieldDrag, fieldExpression, filterItems, pathText, schemaOf, type Origin } from "./fields";
import type { Item } from "./types";

const direct: Origin = { name: "Orders", direct: true, port: "out", firstPort: true };

describe("accessor and pathText", () => {
  it("dots identifiers and brackets the rest", () => {
    expect(accessor(["a", "b"])).toBe(".a.b");
    expect(accessor(["tags", 0, "name"])).toBe(".tags[0].name");
    expect(accessor(["order id"])).toBe('["order id"]');
    expect(accessor(["class"])).toBe('["class"]'); // a Python keyword cannot follow a dot
    expect(accessor(["1st"])).toBe('["1st"]');
    expect(accessor(['say "hi"'])).toBe('["say \\"hi\\""]');
    expect(pathText(["a", "b"])).toBe("a.b");
    expect(pathText(["order id", "x"])).toBe('["order id"].x');
  });
});

describe("fieldExpression", () => {
  it("reads the direct input through $json", () => {
    expect(fieldExpression(["a", "b"], direct)).toBe("{{ $json.a.b }}");
  });
  it("reads another node's first output through $(name).item", () => {
    expect(fieldExpression(["price"], { ...direct, direct: false })).toBe('{{ $("Orders").item.price }}');
    expect(fieldExpression(["price"], { name: 'My "A"', direct: false, port: "out", firstPort: true })).toBe('{{ $("My \\"A\\"").item.price }}');
  });
  it("reads another port of that node by .all(port)[$index]", () => {
    expect(fieldExpression(["x"], { name: "If", direct: false, port: "false", firstPort: false })).toBe('{{ $("If").all("false")[$index].x }}');
  });
  it("gives the drag data: path, node and expression", () => {
    expect(fieldDrag(["a", "b"], direct)).toEqual({ path: "a.b", node: "Orders", expression: "{{ $json.a.b }}" });
  });
});

describe("filterItems", () => {
  const items: Item[] = [{ sku: "Apple", price: 80 }, { sku: "pear", price: 20, meta: { Colour: "green" } }, { sku: null, tags: ["Red", "big"] }];
  it("matches values and keys, ignoring case, keeping each item's position", () => {
    expect(filterItems(items, "APPLE").map((m) => m.index)).toEqual([0]);
    expect(filterItems(items, "colour").map((m) => m.index)).toEqual([1]);
    expect(filterItems(items, "GREEN").map((m) => m.index)).toEqual([1]);
    expect(filterItems(items, "red").map((m) => m.index)).toEqual([2]);
    expect(filterItems(items, "80", 50).map((m) => m.index)).toEqual([50]);
    expect(filterItems(items, "price").map((m) => m.index)).toEqual([0, 1]);
  });
  it("keeps every item for an empty query and none when nothing matches", () => {
    expect(filterItems(items, "  ")).toHaveLength(3);
    expect(filterItems(items, "zebra")).toEqual([]);
  });
});

describe("schemaOf", () => {
  it("lists fields in first-seen order with types, examples and nesting", () => {
    const fields = schemaOf([
      { id: 1, customer: { name: null, address: { city: "Oslo" } }, tags: [{ t: "a" }] },
      { id: "2", customer: { name: "Ada" }, extra: true },
    ]);
    expect(fields.map((f) => [pathText(f.path), f.depth, f.types.join("|")])).toEqual([
      ["id", 0, "number|string"],
      ["customer", 0, "object"],
      ["customer.name", 1, "null|string"],
      ["customer.address", 1, "object"],
      ["customer.address.city", 2, "string"],
      ["tags", 0, "array"],
      ["tags[0].t", 1, "string"],
      ["extra", 0, "boolean"],
    ]);
    expect(fields[2].example).toBe("Ada"); // the first value that is not null
  });
  it("stops at the limit", () => {
    expect(schemaOf([Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))], 5)).toHaveLength(5);
  });
});

describe("exampleText", () => {
  it("shortens long values and summarises lists and objects", () => {
    expect(exampleText("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
    expect(exampleText([1, 2])).toBe("[2 items]");
    expect(exampleText({ a: 1 })).toBe("{1 field}");
    expect(exampleText(null)).toBe("null");
  });
});

describe("ancestors", () => {
  it("gives every node upstream, nearest first, once, and not the node itself", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "d" },
      { source: "c", target: "d" },
      { source: "a", target: "c" },
      { source: "d", target: "e" },
    ];
    expect(ancestors(edges, "e")).toEqual(["d", "b", "c", "a"]);
    expect(ancestors(edges, "a")).toEqual([]);
  });
});
