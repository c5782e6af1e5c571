import { describe, expect, it } from "vitest";
import {
  connectionProblem,
  cyclePath,
  defaultParams,
  freshId,
  freshName,
  inputPorts,
  laidOut,
  nodeName,
  outputPorts,
  pasteable,
  resolveEdge,
  shapeProblem,
  subWorkflow,
  type Types,
} from "./graph";
import { nodeType } from "./testTypes";
import type { Workflow, WorkflowEdge, WorkflowNode } from "./types";

const TYPES: Types = new Map(
  [
    nodeType("data", [], ["out"]),
    nodeType("set", ["in"], ["out"]),
    nodeType("if", ["in"], ["true", "false"]),
    nodeType("merge", ["a", "b"], ["out"]),
    nodeType("switch", ["in"], ["fallback"], { dynamicOutputs: "rules" }),
  ].map((t) => [t.type, t]),
);

const doc = (nodes: WorkflowNode[], edges: WorkflowEdge[] = []): Workflow => ({ nodefox: 1, nodes, edges });
const node = (id: string, type = "set", extra: Partial<WorkflowNode> = {}): WorkflowNode => ({ id, type, ...extra });
const chain = (...ids: string[]) => ids.slice(1).map((id, i) => ({ source: ids[i], target: id }));

describe("ports", () => {
  it("come from the node type, with defaults for an unknown type", () => {
    expect(inputPorts(node("a", "merge"), TYPES)).toEqual(["a", "b"]);
    expect(inputPorts(node("a", "data"), TYPES)).toEqual([]);
    expect(inputPorts(node("a", "nope"), TYPES)).toEqual(["in"]);
    expect(outputPorts(node("a", "if"), TYPES)).toEqual(["true", "false"]);
    expect(outputPorts(node("a", "nope"), TYPES)).toEqual(["out"]);
  });

  it("of a switch: one per rule, then the type's own", () => {
    expect(outputPorts(node("s", "switch", { params: { rules: [{}, {}] } }), TYPES)).toEqual(["0", "1", "fallback"]);
    expect(outputPorts(node("s", "switch", { params: { rules: "=$json.x" } }), TYPES)).toEqual(["fallback"]);
    expect(outputPorts(node("s", "switch"), TYPES)).toEqual(["fallback"]);
  });

  it("gain `error` last with onError errorOutput", () => {
    expect(outputPorts(node("a", "if", { onError: "errorOutput" }), TYPES)).toEqual(["true", "false", "error"]);
    expect(outputPorts(node("s", "switch", { onError: "errorOutput", params: { rules: [{}] } }), TYPES)).toEqual(["0", "fallback", "error"]);
    expect(outputPorts(node("a", "if", { onError: "continue" }), TYPES)).toEqual(["true", "false"]);
  });
});

describe("resolveEdge", () => {
  const d = doc([node("n1", "if"), node("n2", "merge"), node("n3", "data")]);

  it("spells out the first ports and the default id", () => {
    expect(resolveEdge({ source: "n1", target: "n2" }, d, TYPES)).toEqual({
      id: "n1:true->n2:a",
      source: "n1",
      sourcePort: "true",
      target: "n2",
      targetPort: "a",
    });
  });

  it("keeps what the edge says", () => {
    const edge = { id: "e9", source: "n1", sourcePort: "false", target: "n2", targetPort: "b" };
    expect(resolveEdge(edge, d, TYPES)).toEqual(edge);
  });

  it("falls back to out/in for missing nodes and port-less types", () => {
    expect(resolveEdge({ source: "x", target: "y" }, d, TYPES).id).toBe("x:out->y:in");
    expect(resolveEdge({ source: "n2", target: "n3" }, d, TYPES).id).toBe("n2:out->n3:in");
  });
});

describe("cyclePath", () => {
  it("finds the path that a new edge would close", () => {
    const d = doc([node("a"), node("b"), node("c")], chain("a", "b", "c"));
    expect(cyclePath(d, "c", "a")).toEqual(["a", "b", "c", "a"]);
    expect(cyclePath(d, "a", "c")).toBeNull();
    expect(cyclePath(d, "b", "b")).toEqual(["b", "b"]);
  });

  it("takes the shortest of several paths", () => {
    const d = doc([node("a"), node("b"), node("c"), node("d")], [...chain("a", "b", "c", "d"), { source: "a", target: "d" }]);
    expect(cyclePath(d, "d", "a")).toEqual(["a", "d", "a"]);
  });

  it("is null in a graph with no path back", () => {
    const d = doc([node("a"), node("b"), node("c")], [...chain("a", "b"), { source: "a", target: "c" }]);
    expect(cyclePath(d, "b", "c")).toBeNull();
    expect(cyclePath(doc([]), "x", "y")).toBeNull();
  });
});

describe("connectionProblem", () => {
  const d = doc([node("n1", "if"), node("n2", "set"), node("n3", "set")], [{ source: "n1", target: "n2" }, { source: "n2", target: "n3" }]);
  const edge = (source: string, sourcePort: string, target: string, targetPort = "in") => ({
    id: `${source}:${sourcePort}->${target}:${targetPort}`,
    source,
    sourcePort,
    target,
    targetPort,
  });

  it("names the cycle", () => {
    expect(connectionProblem(d, TYPES, edge("n3", "out", "n1"))).toBe("n3 → n1 would close the cycle n1 → n2 → n3 → n1");
  });

  it("refuses a duplicate, comparing resolved ports", () => {
    expect(connectionProblem(d, TYPES, edge("n1", "true", "n2"))).toBe("these ports are already connected");
    expect(connectionProblem(d, TYPES, edge("n1", "false", "n2"))).toBeNull();
    expect(connectionProblem(d, TYPES, edge("n1", "true", "n3"))).toBeNull();
  });
});

describe("fresh ids and names", () => {
  it("freshId never returns a taken id", () => {
    expect(freshId([])).toBe("n1");
    expect(freshId(["n1", "n2"])).toBe("n3");
    expect(freshId(["n2", "n3"])).toBe("n4");
    expect(freshId(["n3"])).toBe("n2");
    expect(freshId(["e1", "x"], "e")).toBe("e3");
  });

  it("freshName counts up past names and ids in use", () => {
    const d = doc([node("n1", "set", { name: "Sort" }), node("Sort 2"), node("n3", "set", { name: "Sort 3" })]);
    expect(freshName(d, "Filter")).toBe("Filter");
    expect(freshName(d, "Sort")).toBe("Sort 4");
    expect(freshName(d, "n1")).toBe("n1 2");
    // a copy of a numbered name takes the next number of its stem
    expect(freshName(d, "Sort 2")).toBe("Sort 4");
    expect(freshName(doc([node("n1", "set", { name: "Sort 2" })]), "Sort 2")).toBe("Sort 3");
    expect(freshName(doc([node("n1", "set", { name: "Top 10" })]), "Top 10")).toBe("Top 11");
  });

  it("nodeName falls back to the id", () => {
    expect(nodeName(node("n1"))).toBe("n1");
    expect(nodeName(node("n1", "set", { name: "Orders" }))).toBe("Orders");
  });
});

describe("defaultParams", () => {
  it("copies each property's default, deep", () => {
    const fields = [{ name: "a", value: 1 }];
    const type = nodeType("set", ["in"], ["out"], {
      schema: { type: "object", properties: { fields: { type: "array", default: fields }, keep: { type: "boolean" }, mode: { default: "all" } } },
    });
    const params = defaultParams(type);
    expect(params).toEqual({ fields: [{ name: "a", value: 1 }], mode: "all" });
    expect(params.fields).not.toBe(fields);
    expect(defaultParams(nodeType("x", [], [], { schema: {} }))).toEqual({});
  });
});

describe("copy and paste", () => {
  const d = doc(
    [node("n1", "data", { name: "Orders", position: [0, 0] }), node("n2", "set", { position: [240, 0] }), node("n3", "set", { position: [480, 0] })],
    [{ id: "e1", source: "n1", target: "n2" }, { id: "e2", source: "n2", target: "n3" }],
  );

  it("subWorkflow keeps the edges inside the selection", () => {
    const part = subWorkflow(d, new Set(["n1", "n2"]));
    expect(part.nodefox).toBe(1);
    expect(part.nodes.map((n) => n.id)).toEqual(["n1", "n2"]);
    expect(part.edges).toEqual([{ id: "e1", source: "n1", target: "n2" }]);
  });

  it("pasteable renames clashing ids and names, shifts positions and rewires edges", () => {
    const part = pasteable(d, subWorkflow(d, new Set(["n1", "n2"])), [40, 20]);
    expect(part.nodes).toEqual([
      { id: "n4", type: "data", name: "Orders 2", position: [40, 20] },
      { id: "n5", type: "set", name: "n2 2", position: [280, 20] },
    ]);
    expect(part.edges).toEqual([{ id: "e3", source: "n4", target: "n5" }]);
  });

  it("pasteable keeps ids that are free and never reuses one within the paste", () => {
    const into = doc([node("n1")]);
    const part = doc([node("n1"), node("n2")], [{ source: "n1", target: "n2", targetPort: "in" }]);
    const out = pasteable(into, part, [0, 0]);
    expect(out.nodes.map((n) => [n.id, n.name])).toEqual([
      ["n2", "n1 2"],
      ["n3", "n2 2"],
    ]);
    expect(out.edges).toEqual([{ id: "e1", source: "n2", target: "n3", targetPort: "in" }]);
  });

  it("pasteable into an empty document keeps ids and names, and copies deeply", () => {
    const part = doc([node("a", "set", { params: { fields: [1] } })]);
    const out = pasteable(doc([]), part, [10, 10]);
    expect(out.nodes).toEqual([{ id: "a", type: "set", name: "a", params: { fields: [1] }, position: [10, 10] }]);
    expect(out.nodes[0].params).not.toBe(part.nodes[0].params);
  });

  it("pasteable drops edges to nodes outside the part", () => {
    const part = doc([node("n2")], [{ source: "n1", target: "n2" }]);
    expect(pasteable(d, part, [0, 0]).edges).toEqual([]);
  });
});

describe("shapeProblem", () => {
  it("accepts the minimal document", () => {
    expect(shapeProblem({ nodefox: 1, nodes: [], edges: [] })).toBeNull();
  });

  it.each([
    [null, "a workflow is a JSON object"],
    [[], "a workflow is a JSON object"],
    ["{}", "a workflow is a JSON object"],
    [{ nodes: [], edges: [] }, '"nodefox" must be 1 (the format version)'],
    [{ nodefox: "1", nodes: [], edges: [] }, '"nodefox" must be 1 (the format version)'],
    [{ nodefox: 1, nodes: {}, edges: [] }, '"nodes" must be a list'],
    [{ nodefox: 1, nodes: [] }, '"edges" must be a list'],
    // entries the canvas could not draw (the engine names the rest)
    [{ nodefox: 1, nodes: [null], edges: [] }, "/nodes/0 must be an object"],
    [{ nodefox: 1, nodes: [{ id: "a", type: "noop" }, { type: "noop" }], edges: [] }, "/nodes/1/id must be a non-empty text"],
    [{ nodefox: 1, nodes: [{ id: "a", type: 3 }], edges: [] }, "/nodes/0/type must be a non-empty text"],
    [{ nodefox: 1, nodes: [], edges: [null] }, "/edges/0 must be an object"],
    [{ nodefox: 1, nodes: [], edges: [{ source: "a" }] }, "/edges/0/target must be a non-empty text"],
  ])("refuses %j", (value, problem) => {
    expect(shapeProblem(value)).toBe(problem);
  });
});

describe("laidOut", () => {
  it("leaves a document with distinct positions alone", () => {
    const d = doc([node("a", "set", { position: [0, 0] }), node("b", "set", { position: [1, 0] })]);
    expect(laidOut(d)).toBe(d);
    const empty = doc([]);
    expect(laidOut(empty)).toBe(empty);
  });

  it("puts nodes in columns by longest path, rows in document order", () => {
    const d = doc([node("c"), node("a"), node("b"), node("x")], [...chain("a", "b", "c"), { source: "a", target: "c" }]);
    const out = laidOut(d);
    expect(out.nodes.map((n) => [n.id, n.position])).toEqual([
      ["c", [480, 0]],
      ["a", [0, 0]],
      ["b", [240, 0]],
      ["x", [0, 140]],
    ]);
    expect(d.nodes[0].position).toBeUndefined();
  });

  it("lays out nodes stacked on one spot, and terminates on a cycle", () => {
    const stacked = doc([node("a", "set", { position: [5, 5] }), node("b", "set", { position: [5, 5] })], chain("a", "b"));
    expect(laidOut(stacked).nodes.map((n) => n.position)).toEqual([
      [0, 0],
      [240, 0],
    ]);
    const cycle = doc([node("a"), node("b")], [...chain("a", "b"), { source: "b", target: "a" }]);
    expect(laidOut(cycle).nodes).toHaveLength(2);
  });
});
