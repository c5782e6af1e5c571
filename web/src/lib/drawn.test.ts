import { describe, expect, it } from "vitest";
import { drawer, drawnEdge } from "./drawn";
import type { Types } from "./graph";
import { applyOps } from "./ops";
import { nodeType } from "./testTypes";
import type { Workflow } from "./types";

const TYPES: Types = new Map(
  [
    nodeType("data", [], ["out"]),
    nodeType("limit", ["in"], ["out"]),
    nodeType("switch", ["in"], ["fallback"], { dynamicOutputs: "rules" }),
    nodeType("http", ["in"], ["out"], { effect: "depends" }),
  ].map((t) => [t.type, t]),
);

const DOC: Workflow = {
  nodefox: 1,
  nodes: [
    { id: "d", type: "data", name: "Data", position: [0, 0], params: { items: [] } },
    { id: "a", type: "limit", name: "A", position: [300, 0], params: { max: 10 } },
    { id: "s", type: "switch", position: [300, 200], params: { rules: [] } },
    { id: "h", type: "http", position: [600, 0], params: { method: "GET" } },
  ],
  edges: [{ id: "e1", source: "d", target: "a" }, { source: "d", target: "s" }],
};

describe("drawer", () => {
  it("hands back the same objects for a parameter's keystroke, which draws nothing new", () => {
    const draw = drawer();
    const before = draw(DOC, TYPES);
    const typed = applyOps(DOC, [{ op: "patch_params", id: "a", path: "/max", value: 3 }]);
    expect(typed).not.toBe(DOC);
    expect(draw(typed, TYPES)).toBe(before);
    expect(draw(typed, TYPES)).toBe(before); // asked again: the same
  });

  it("gives new objects for what a change draws, and keeps the nodes it did not touch", () => {
    const draw = drawer();
    const before = draw(DOC, TYPES);
    const renamed = draw(applyOps(DOC, [{ op: "update_node", id: "a", set: { name: "Top" } }]), TYPES);
    expect(renamed).not.toBe(before);
    expect(renamed.byId.get("a")?.name).toBe("Top");
    expect(renamed.byId.get("d")).toBe(before.byId.get("d"));
    expect(renamed.edges).toBe(before.edges);
    // a rule adds a port; a write method changes the node's effect; a move its position
    const ruled = draw(applyOps(DOC, [{ op: "patch_params", id: "s", path: "/rules/-", value: { conditions: [] } }]), TYPES);
    expect(ruled.byId.get("s")?.outputs).toEqual(["0", "fallback"]);
    const posting = draw(applyOps(DOC, [{ op: "patch_params", id: "h", path: "/method", value: "POST" }]), TYPES);
    expect([before.byId.get("h")?.effect, posting.byId.get("h")?.effect]).toEqual(["read", "write"]);
    const moved = draw(applyOps(DOC, [{ op: "move", id: "d", position: [20, 40] }]), TYPES);
    expect(moved.byId.get("d")?.position).toEqual([20, 40]);
    const cut = draw(applyOps(DOC, [{ op: "disconnect", id: "e1" }]), TYPES);
    expect(cut.edges).toHaveLength(1);
  });

  it("spells out an edge's ports from the drawn nodes, as resolveEdge does", () => {
    const drawn = drawer()(DOC, TYPES);
    expect(drawnEdge(DOC.edges[1], drawn)).toEqual({ id: "d:out->s:in", source: "d", sourcePort: "out", target: "s", targetPort: "in" });
    expect(drawnEdge({ source: "x", target: "y" }, drawn)).toEqual({ id: "x:out->y:in", source: "x", sourcePort: "out", target: "y", targetPort: "in" });
  });
});
