import { describe, expect, it } from "vitest";
import { looksLikeN8n } from "./N8nReport";

describe("looksLikeN8n", () => {
  it("knows an n8n export from a NodeFox document", () => {
    expect(looksLikeN8n({ nodes: [], connections: {} })).toBe(true);
    expect(looksLikeN8n({ workflow: { nodes: [], connections: {} } })).toBe(true);
    expect(looksLikeN8n([{ nodes: [], connections: {} }])).toBe(true);
    expect(looksLikeN8n({ nodefox: 1, nodes: [], edges: [] })).toBe(false);
    expect(looksLikeN8n("x")).toBe(false);
  });
});
