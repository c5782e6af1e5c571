import { describe, expect, it } from "vitest";
import { createEditor, type EngineLink } from "../store";
import { BrowserList } from "./browserList";
import { MemoryStorage } from "./memoryStorage";
import type { Workflow } from "./types";
import { canonical, nameProblem } from "./workspace";
import { resultOf } from "../components/ExecutionsPanel";

/** An engine that accepts every message and changes nothing. */
const engine: EngineLink = { apply: async (text) => JSON.stringify({ rev: JSON.parse(text).rev }) };

const doc = (name: string, nodes = 1): Workflow => ({
  nodefox: 1,
  name,
  nodes: Array.from({ length: nodes }, (_, i) => ({ id: `n${i}`, type: "data", position: [i * 300, 0] as [number, number] })),
  edges: [],
});

describe("canonical", () => {
  it("is the same JSON whatever the key order", () => {
    expect(canonical({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonical({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });
});

describe("nameProblem", () => {
  it("takes the workspace's names and refuses paths", () => {
    for (const good of ["orders", "Orders 2", "a.b_c-d"]) expect(nameProblem(good)).toBeNull();
    for (const bad of ["", "../x", "a/b", ".hidden", "x.json", "a..b", "x".repeat(101)]) expect(nameProblem(bad)).not.toBeNull();
  });
});

describe("resultOf", () => {
  it("turns a recorded node into the canvas's status and counts", () => {
    expect(resultOf({ status: "ok", outputs: { out: [{}, {}], other: [] } })).toEqual({ status: "ok", counts: { out: 2, other: 0 } });
    expect(resultOf({ status: "error", error: { message: "no" } })).toEqual({ status: "error", counts: {}, error: { message: "no" } });
    expect(resultOf(undefined)).toEqual({ status: "idle" });
  });
});

describe("BrowserList", () => {
  it("keeps the workflow replaced by an open, and switches between entries", async () => {
    const storage = new MemoryStorage();
    const editor = createEditor(engine, storage, doc("First", 2));
    const list = new BrowserList(editor, storage);
    expect(list.state.getState().entries.map((e) => [e.name, e.nodes])).toEqual([["First", 2]]);

    await editor.getState().open(doc("Second", 1), "an example");
    expect(list.state.getState().entries.map((e) => e.name)).toEqual(["Second", "First"]);
    const first = list.state.getState().entries[1].id;
    expect(list.read(first)?.nodes).toHaveLength(2);

    expect(await list.open(first)).toBe(true);
    expect(editor.getState().doc.name).toBe("First");
    expect(editor.getState().past).toEqual([]); // undo does not reach into the other workflow
    expect(list.state.getState().current).toBe(first);

    // a list made again from the same storage (a reload) finds both
    const again = new BrowserList(createEditor(engine, storage, doc("First", 2)), storage);
    expect(again.state.getState().entries.map((e) => e.name)).toEqual(["Second", "First"]);
    expect(again.state.getState().current).toBe(first);
  });

  it("changes nothing when the engine refuses the file opened", async () => {
    const storage = new MemoryStorage();
    const refusing: EngineLink = {
      apply: async (text) => {
        const message = JSON.parse(text);
        const load = message.ops.findIndex((op: { op: string }) => op.op === "load");
        const bad = load >= 0 && message.ops[load].workflow.name === "Bad";
        return JSON.stringify({ rev: message.rev, ...(bad ? { rejected: [{ index: load, reason: "a cycle" }] } : {}) });
      },
    };
    const editor = createEditor(refusing, storage, doc("First", 2));
    const list = new BrowserList(editor, storage);
    const before = structuredClone(list.state.getState());
    const stored = list.read(before.current!);
    for (let i = 0; i < 3; i++) expect(await editor.getState().open(doc("Bad", 1), "bad.json")).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the list's write delay
    expect(list.state.getState()).toEqual(before);
    expect(list.read(before.current!)).toEqual(stored);
    expect(editor.getState().doc.name).toBe("First");
    // a good one still gets an entry of its own, and the one it replaced keeps its workflow
    expect(await editor.getState().open(doc("Good", 1), "good.json")).toBe(true);
    expect(list.state.getState().entries.map((e) => e.name)).toEqual(["Good", "First"]);
    expect(list.read(before.current!)?.name).toBe("First");
    expect(list.read(list.state.getState().current!)?.name).toBe("Good");
  });

  it("reuses an empty entry, creates, duplicates, renames and deletes", async () => {
    const storage = new MemoryStorage();
    const editor = createEditor(engine, storage, doc("Empty", 0));
    const list = new BrowserList(editor, storage);
    await editor.getState().open(doc("Filled", 1), "a file");
    expect(list.state.getState().entries.map((e) => e.name)).toEqual(["Filled"]);

    await list.create();
    expect(editor.getState().doc.nodes).toEqual([]);
    expect(list.state.getState().entries).toHaveLength(2);
    const filled = list.state.getState().entries.find((e) => e.name === "Filled")!.id;
    list.duplicate(filled);
    expect(list.state.getState().entries.map((e) => e.name)).toContain("Filled copy");
    await list.rename(filled, "Renamed");
    expect(list.read(filled)?.name).toBe("Renamed");
    await list.remove(filled);
    expect(list.read(filled)).toBeNull();
    expect(list.state.getState().entries.map((e) => e.name).sort()).toEqual(["Filled copy", "My workflow"]);
  });
});

describe("BrowserList in two tabs of one browser", () => {
  /** The storage event the browser gives the other tabs when one writes `key`. */
  const told = (list: BrowserList, storage: Storage, key: string) =>
    list.elsewhere({ key, newValue: storage.getItem(key), storageArea: storage });
  const current = (list: BrowserList) => list.state.getState().current!;

  it("shares the list: an entry made in one tab is not dropped by the other's next save", async () => {
    const storage = new MemoryStorage();
    const a = new BrowserList(createEditor(engine, storage, doc("First", 1)), storage);
    const editorB = createEditor(engine, storage, doc("First", 1));
    const b = new BrowserList(editorB, storage);
    await editorB.getState().open(doc("Made in B", 2), "an example");
    await told(a, storage, "nodefox.workflows");
    a.write({ ...doc("First", 3) }); // an edit in tab A saves its entry and the list
    expect(JSON.parse(storage.getItem("nodefox.workflows")!).map((e: { name: string }) => e.name).sort()).toEqual(["First", "Made in B"]);
    expect(b.read(current(b))?.name).toBe("Made in B");
  });

  it("asks before writing over an edit the other tab made to the same workflow", async () => {
    const storage = new MemoryStorage();
    const editorA = createEditor(engine, storage, doc("Shared", 1));
    const a = new BrowserList(editorA, storage);
    const editorB = createEditor(engine, storage, doc("Shared", 1));
    const b = new BrowserList(editorB, storage);
    expect(current(b)).toBe(current(a)); // a second tab opens the same entry
    const key = `nodefox.workflows.doc.${current(a)}`;

    b.write(doc("Shared", 4)); // tab B's edit
    const asked = told(a, storage, key);
    expect(editorA.getState().question?.title).toBe("This workflow was changed in another tab");
    a.write(doc("Shared", 2)); // tab A's save while the question is open keeps B's edit
    expect(a.read(current(a))?.nodes).toHaveLength(4);
    editorA.getState().reply(true); // load the other version
    await asked;
    expect(editorA.getState().doc.nodes).toHaveLength(4);
    editorA.getState().undo(); // and this tab's own version is one undo away
    expect(editorA.getState().doc.nodes).toHaveLength(1);

    b.write(doc("Shared", 5));
    const kept = told(a, storage, key);
    editorA.getState().reply(false); // keep this tab's: it is saved over the other's
    await kept;
    expect(a.read(current(a))?.nodes).toHaveLength(1);
    // its own write, told back, asks nothing
    await told(a, storage, key);
    expect(editorA.getState().question).toBeNull();
  });
});
