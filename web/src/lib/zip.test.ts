import { describe, expect, it } from "vitest";
import { isZip, namedFiles, unzipWorkflow, zipWorkflow } from "./zip";
import type { Workflow } from "./types";

const doc: Workflow = {
  nodefox: 1,
  nodes: [
    { id: "r", type: "read_file", params: { file: "orders.csv" } },
    { id: "w", type: "write_file", params: { file: "out.json" } },
  ],
  edges: [],
};

describe("zip", () => {
  it("round-trips the workflow and its files", () => {
    const bytes = zipWorkflow(doc, [{ name: "orders.csv", data: new TextEncoder().encode("a,b\n1,2\n") }]);
    expect(isZip(bytes)).toBe(true);
    const back = unzipWorkflow(bytes);
    expect(JSON.parse(back.text)).toEqual(doc);
    expect(back.files.map((f) => [f.name, new TextDecoder().decode(f.data)])).toEqual([["orders.csv", "a,b\n1,2\n"]]);
  });
  it("refuses a zip without a workflow", () => {
    expect(() => unzipWorkflow(zipWorkflow(doc, []).slice(0, 0))).toThrow();
  });
  it("names the files of file nodes, or none when one is an expression", () => {
    expect([...namedFiles(doc)!]).toEqual(["orders.csv", "out.json"]);
    expect(namedFiles({ ...doc, nodes: [{ id: "r", type: "read_file", params: { file: "={{x}}" } }] })).toBeNull();
    // a file loaded into items is named too; a conversion in memory names none
    const loads: Workflow = { ...doc, nodes: [...doc.nodes, { id: "l", type: "load_file", params: { file: "a.pdf" } },
      { id: "t", type: "to_file", params: { format: "csv", fileName: "not-a-file.csv" } }] };
    expect([...namedFiles(loads)!]).toEqual(["orders.csv", "out.json", "a.pdf"]);
  });
});
