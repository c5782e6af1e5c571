import { describe, expect, it } from "vitest";
import { deniedHost, effectOf } from "./effects";
import type { NodeType } from "./types";

const type = (effect: NodeType["effect"]) => ({ type: "t", effect }) as NodeType;

describe("effectOf", () => {
  it("takes the type's effect, and http's from its method", () => {
    expect(effectOf({ id: "a", type: "read_file" }, type("read"))).toBe("read");
    expect(effectOf({ id: "a", type: "noop" }, undefined)).toBe("none");
    expect(effectOf({ id: "a", type: "http" }, type("depends"))).toBe("read");
    expect(effectOf({ id: "a", type: "http", params: { method: "post" } }, type("depends"))).toBe("write");
    expect(effectOf({ id: "a", type: "http", params: { method: "=$json.m" } }, type("depends"))).toBe("write");
  });
});

describe("deniedHost", () => {
  it("reads the host from the engine's permission message", () => {
    const message =
      "this workflow is not allowed to contact 127.0.0.1: pass --allow-net=127.0.0.1 to `nodefox run` (allow_net=['127.0.0.1'] in nodefox.run), or allow it in the editor";
    expect(deniedHost(message)).toBe("127.0.0.1");
    expect(deniedHost("HTTP 404 Not Found")).toBeNull();
    expect(deniedHost(undefined)).toBeNull();
  });
});
