import { describe, expect, it } from "vitest";
import { tidy, type Box, type Link } from "./layout";

const box = (id: string, x = 0, y = 0): Box => ({ id, width: 200, height: 80, position: [x, y] });
const link = (source: string, target: string, sourcePort = "out"): Link => ({ source, target, sourcePort, targetPort: "in" });

function placed(nodes: Box[], moves: { [id: string]: [number, number] }) {
  return Object.fromEntries(nodes.map((n) => [n.id, moves[n.id] ?? n.position]));
}

const overlap = (a: [number, number], b: [number, number]) => Math.abs(a[0] - b[0]) < 200 && Math.abs(a[1] - b[1]) < 80;

describe("tidy", () => {
  it("puts a chain left to right, on the grid, starting where the graph started", () => {
    const nodes = [box("c", 500, 500), box("a", 100, 40), box("b", 100, 40)];
    const at = placed(nodes, tidy(nodes, [link("a", "b"), link("b", "c")]));
    expect(at.a[0]).toBeLessThan(at.b[0]);
    expect(at.b[0]).toBeLessThan(at.c[0]);
    expect(at.a[1]).toBe(at.b[1]);
    expect(Math.min(at.a[0], at.b[0], at.c[0])).toBe(100);
    expect(Math.min(at.a[1], at.b[1], at.c[1])).toBe(40);
    for (const p of Object.values(at)) expect([p[0] % 20, p[1] % 20]).toEqual([0, 0]);
  });
  it("leaves no two nodes overlapping, and moves nothing twice", () => {
    const nodes = ["s", "x", "y", "z", "m", "lone"].map((id) => box(id));
    const links = [link("s", "x", "true"), link("s", "y", "false"), link("x", "m"), link("y", "m"), link("z", "m")];
    const order = (id: string) => (id === "s" ? ["true", "false"] : ["out"]);
    const at = placed(nodes, tidy(nodes, links, order));
    const ids = Object.keys(at);
    for (const a of ids) for (const b of ids) if (a < b) expect(overlap(at[a], at[b]), `${a} and ${b}`).toBe(false);
    expect(at.x[1]).toBeLessThan(at.y[1]); // the true branch above the false one
    const again = nodes.map((n) => ({ ...n, position: at[n.id] }));
    expect(tidy(again, links, order)).toEqual({});
  });
  it("moves nothing for no nodes and ignores edges to unknown nodes", () => {
    expect(tidy([], [])).toEqual({});
    expect(tidy([box("a", 20, 20)], [link("a", "gone")])).toEqual({});
  });
});
