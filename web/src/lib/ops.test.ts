import { describe, expect, it } from "vitest";
import { applyOps, changesDocument } from "./ops";
import type { Op, Workflow } from "./types";

const base = (): Workflow => ({
  nodefox: 1,
  name: "Flow",
  nodes: [
    { id: "n1", type: "data", name: "Orders", position: [0, 0], params: { items: [{ a: 1 }] } },
    { id: "n2", type: "set", position: [240, 0], params: { fields: [{ name: "x", value: 1 }] }, notes: "hi" },
    { id: "n3", type: "set", position: [480, 0], pinned: [{ a: 1 }] },
  ],
  edges: [
    { id: "e1", source: "n1", target: "n2" },
    { source: "n2", target: "n3" },
  ],
});

const node = (doc: Workflow, id: string) => doc.nodes.find((n) => n.id === id);

describe("changesDocument", () => {
  it("is true for document ops only", () => {
    for (const op of ["load", "add_node", "remove_node", "update_node", "patch_params", "move", "connect", "disconnect", "pin", "unpin", "set_variables", "set_settings", "set_name"])
      expect(changesDocument({ op }), op).toBe(true);
    for (const op of ["inspect", "export", "set_input", "evaluate", "nonsense"]) expect(changesDocument({ op }), op).toBe(false);
  });

  it("is false for names an object has from its prototype", () => {
    for (const op of ["toString", "constructor", "hasOwnProperty", "__proto__"]) expect(changesDocument({ op }), op).toBe(false);
  });
});

describe("applyOps", () => {
  it("leaves the input document alone", () => {
    const doc = base();
    const before = structuredClone(doc);
    applyOps(doc, [
      { op: "remove_node", id: "n1" },
      { op: "update_node", id: "n2", set: { name: "B" } },
      { op: "patch_params", id: "n2", path: "/fields/0/value", value: 2 },
      { op: "unpin", id: "n3" },
    ]);
    expect(doc).toEqual(before);
  });

  it("load replaces everything with a copy", () => {
    const workflow: Workflow = { nodefox: 1, nodes: [{ id: "a", type: "data" }], edges: [] };
    const out = applyOps(base(), [{ op: "load", workflow }]);
    expect(out).toEqual(workflow);
    expect(out).not.toBe(workflow);
  });

  it("add_node and remove_node, with the removed node's edges", () => {
    let doc = applyOps(base(), [{ op: "add_node", node: { id: "n4", type: "set" } }]);
    expect(doc.nodes.map((n) => n.id)).toEqual(["n1", "n2", "n3", "n4"]);
    doc = applyOps(doc, [{ op: "remove_node", id: "n2" }]);
    expect(doc.nodes.map((n) => n.id)).toEqual(["n1", "n3", "n4"]);
    expect(doc.edges).toEqual([]);
  });

  it("update_node sets fields and removes those set to null", () => {
    const out = applyOps(base(), [{ op: "update_node", id: "n2", set: { name: "Tax", notes: null, disabled: true, params: { fields: [] } } }]);
    expect(node(out, "n2")).toEqual({ id: "n2", type: "set", name: "Tax", position: [240, 0], params: { fields: [] }, disabled: true });
  });

  it("patch_params sets and removes one value, creating params when missing", () => {
    let out = applyOps(base(), [{ op: "patch_params", id: "n2", path: "/fields/-", value: { name: "y", value: 2 } }]);
    expect(node(out, "n2")?.params).toEqual({ fields: [{ name: "x", value: 1 }, { name: "y", value: 2 }] });
    out = applyOps(out, [{ op: "patch_params", id: "n2", path: "/fields/0" }]);
    expect(node(out, "n2")?.params).toEqual({ fields: [{ name: "y", value: 2 }] });
    out = applyOps(out, [{ op: "patch_params", id: "n3", path: "/mode", value: "all" }]);
    expect(node(out, "n3")?.params).toEqual({ mode: "all" });
  });

  it("move, pin and unpin", () => {
    const out = applyOps(base(), [
      { op: "move", id: "n1", position: [10, 20] },
      { op: "pin", id: "n1", items: [{ b: 2 }] },
      { op: "unpin", id: "n3" },
    ]);
    expect(node(out, "n1")?.position).toEqual([10, 20]);
    expect(node(out, "n1")?.pinned).toEqual([{ b: 2 }]);
    expect(node(out, "n3")).not.toHaveProperty("pinned");
  });

  it("connect and disconnect, by explicit or spelled-out id", () => {
    const edgeId = (e: Workflow["edges"][number]) => e.id ?? `${e.source}:out->${e.target}:in`;
    let out = applyOps(base(), [{ op: "connect", edge: { id: "e9", source: "n1", target: "n3" } }], edgeId);
    expect(out.edges.map(edgeId)).toEqual(["e1", "n2:out->n3:in", "e9"]);
    out = applyOps(out, [{ op: "disconnect", id: "n2:out->n3:in" }, { op: "disconnect", id: "e1" }], edgeId);
    expect(out.edges.map(edgeId)).toEqual(["e9"]);
  });

  it("set_variables and set_settings replace them", () => {
    const out = applyOps(base(), [
      { op: "set_variables", variables: { rate: 0.2 } },
      { op: "set_settings", settings: { seed: 1 } },
    ]);
    expect(out.variables).toEqual({ rate: 0.2 });
    expect(out.settings).toEqual({ seed: 1 });
  });

  it("set_name renames the workflow; an empty name removes it", () => {
    expect(applyOps(base(), [{ op: "set_name", name: "Orders" }]).name).toBe("Orders");
    expect("name" in applyOps({ ...base(), name: "x" }, [{ op: "set_name", name: "" }])).toBe(false);
  });

  it("skips ops that change nothing in the document, and ops for missing nodes", () => {
    const doc = base();
    const ops: Op[] = [
      { op: "inspect", id: "n1", port: "out", offset: 0, limit: 10 },
      { op: "export" },
      { op: "toString" },
      { op: "constructor" },
      { op: "move", id: "nope", position: [1, 1] },
    ];
    expect(applyOps(doc, ops)).toEqual(doc);
  });
});
