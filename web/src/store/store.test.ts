import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEditor, EMPTY, restore, type EngineLink } from ".";
import { MemoryStorage as FakeStorage } from "../lib/memoryStorage";
import { rememberHost } from "../lib/worldPrefs";
import type { Answer, Catalogue, Op, Workflow } from "../lib/types";

type Message = { rev: number; ops: Op[] };
type Reply = (message: Message) => Partial<Answer>;

/** An engine that answers from `reply` (by default: nothing changed) and keeps every message. */
class FakeEngine implements EngineLink {
  messages: Message[] = [];
  permissions: Op[] = []; // set_permissions, sent outside the numbered edits
  reply: Reply = () => ({});
  async apply(text: string): Promise<string> {
    const message = JSON.parse(text) as Message;
    if (message.rev === null && message.ops.every((op) => op.op === "set_permissions")) {
      this.permissions.push(...message.ops);
      return JSON.stringify({ rev: null, nodes: {} });
    }
    this.messages.push(message);
    return JSON.stringify({ rev: message.rev, ...this.reply(message) });
  }
  get ops() {
    return this.messages.map((m) => m.ops.map((op) => op.op));
  }
}

const common = { category: "test", description: "", dynamicOutputs: null, runsOnEmpty: false } as const;
const CATALOGUE: Catalogue = {
  version: "0",
  nodes: [
    { ...common, type: "data", title: "Data", inputs: [], outputs: ["out"], schema: {} },
    {
      ...common,
      type: "set",
      title: "Set",
      inputs: ["in"],
      outputs: ["out"],
      schema: { type: "object", properties: { fields: { type: "array", default: [] }, keep: { type: "boolean" } } },
    },
  ],
};

const DOC: Workflow = {
  nodefox: 1,
  name: "Flow",
  nodes: [
    { id: "n1", type: "data", name: "Orders", position: [0, 0], params: { items: [] } },
    { id: "n2", type: "set", name: "Tax", position: [240, 0], params: { fields: [] } },
  ],
  edges: [{ id: "e1", source: "n1", target: "n2" }],
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const patch = (id: string, path: string, value: unknown): Op => ({ op: "patch_params", id, path, value });
const paramsOf = (doc: Workflow, id: string) => doc.nodes.find((n) => n.id === id)?.params;

let engine: FakeEngine;
let storage: FakeStorage;
let now: number;

function editor(doc: Workflow = DOC) {
  const store = createEditor(engine, storage, structuredClone(doc));
  store.getState().takeCatalogue(CATALOGUE);
  return store;
}

beforeEach(() => {
  engine = new FakeEngine();
  storage = new FakeStorage();
  now = 1000;
  vi.spyOn(performance, "now").mockImplementation(() => now);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("edit", () => {
  it("applies the ops to the canvas at once and sends them with a fresh rev", async () => {
    const store = editor();
    const pending = store.getState().edit([{ op: "move", id: "n1", position: [5, 5] }]);
    expect(store.getState().doc.nodes[0].position).toEqual([5, 5]);
    await pending;
    await store.getState().edit([patch("n2", "/keep", true)]);
    expect(engine.messages).toEqual([
      { rev: 1, ops: [{ op: "move", id: "n1", position: [5, 5] }] },
      { rev: 2, ops: [patch("n2", "/keep", true)] },
    ]);
    expect(store.getState().past).toHaveLength(2);
  });

  it("takes in the engine's results", async () => {
    const store = editor();
    engine.reply = () => ({ nodes: { n1: { status: "ok", counts: { out: 2 } } }, stats: { ms: 3, ran: 1, reused: 0 } });
    await store.getState().edit([{ op: "move", id: "n1", position: [5, 5] }]);
    engine.reply = () => ({ nodes: { n2: { status: "idle" } }, removed: ["n1"] });
    await store.getState().edit([{ op: "remove_node", id: "n1" }]);
    expect(store.getState().results).toEqual({ n2: { status: "idle" } });
    // the worker's own timing of handle(), not the session's stats, is what the toolbar shows;
    // it is drawn with the answer's results, in one update
    store.getState().engineTiming(4.5, 0.25);
    expect(store.getState().engine.lastMs).toBe(0);
    store.getState().absorb({ nodes: { n2: { status: "ok" } } } as never);
    expect(store.getState().engine.lastMs).toBe(4.5);
    expect(store.getState().engine.waitedMs).toBe(0.25);
  });

  it("makes no history for ops that change no document", async () => {
    const store = editor();
    await store.getState().edit([{ op: "set_input", items: [] }]);
    expect(store.getState().past).toEqual([]);
    expect(engine.ops).toEqual([["set_input"]]);
  });

  it("says so when the engine cannot be reached or refuses the message", async () => {
    const store = editor();
    engine.apply = async () => {
      throw new Error("worker died");
    };
    expect(await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }])).toBeNull();
    expect(store.getState().notices.map((n) => [n.title, n.lines])).toEqual([["The engine did not answer", ["worker died"]]]);
    engine.apply = async () => JSON.stringify({ rev: null, error: "message is not JSON" });
    await store.getState().edit([{ op: "move", id: "n1", position: [2, 2] }]);
    expect(store.getState().notices.map((n) => n.title)).toEqual(["The engine refused the message"]); // one at a time
  });
});

describe("undo and redo", () => {
  it("step through the history and load each document into the engine", async () => {
    const store = editor();
    const d0 = store.getState().doc;
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    const d1 = store.getState().doc;
    await store.getState().edit([{ op: "move", id: "n1", position: [2, 2] }]);
    const d2 = store.getState().doc;

    store.getState().undo();
    expect(store.getState().doc).toBe(d1);
    store.getState().undo();
    expect(store.getState().doc).toBe(d0);
    store.getState().undo(); // nothing left: nothing happens
    expect(store.getState().doc).toBe(d0);
    store.getState().redo();
    expect(store.getState().doc).toBe(d1);
    await flush();
    expect(engine.messages.slice(2).map((m) => m.ops)).toEqual([
      [{ op: "load", workflow: d1 }],
      [{ op: "load", workflow: d0 }],
      [{ op: "load", workflow: d1 }],
    ]);
    expect(store.getState().future).toEqual([d2]);
  });

  it("a new edit drops the redo steps; redo with none does nothing", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    store.getState().undo();
    await store.getState().edit([{ op: "move", id: "n2", position: [9, 9] }]);
    expect(store.getState().future).toEqual([]);
    const doc = store.getState().doc;
    store.getState().redo();
    expect(store.getState().doc).toBe(doc);
  });

  it("keeps at most 200 steps", async () => {
    const store = editor();
    for (let i = 0; i < 205; i++) await store.getState().edit([{ op: "move", id: "n1", position: [i, 0] }]);
    expect(store.getState().past).toHaveLength(200);
    expect(store.getState().past[0].nodes[0].position).toEqual([4, 0]);
  });
});

describe("moves", () => {
  it("of the same nodes in a row (arrow keys) undo together, others apart", async () => {
    const store = editor();
    const d0 = store.getState().doc;
    for (let x = 1; x <= 5; x++) {
      await store.getState().move({ n1: [x * 5, 0] });
      now += 100;
    }
    expect(store.getState().past).toEqual([d0]);
    await store.getState().move({ n2: [0, 40] });
    expect(store.getState().past).toHaveLength(2);
    now += 1300;
    await store.getState().move({ n2: [0, 50] });
    expect(store.getState().past).toHaveLength(3);
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().doc.nodes.find((n) => n.id === "n1")?.position).toEqual([25, 0]);
    store.getState().undo();
    expect(store.getState().doc).toBe(d0);
  });
});

describe("keystrokes in one field", () => {
  const type = (store: ReturnType<typeof editor>, value: string, path = "/fields/0") =>
    store.getState().edit([patch("n2", path, value)], { merge: `param:n2:${path}` });

  it("undo together when they come within 1.2 s of each other", async () => {
    const store = editor();
    const d0 = store.getState().doc;
    await type(store, "a");
    now += 1000;
    await type(store, "ab");
    now += 1000;
    await type(store, "abc");
    expect(store.getState().past).toEqual([d0]);
    store.getState().undo();
    expect(store.getState().doc).toBe(d0);
  });

  it("do not merge across a pause, another field or an undo", async () => {
    const store = editor();
    await type(store, "a");
    now += 1300;
    await type(store, "ab");
    expect(store.getState().past).toHaveLength(2);
    await type(store, "x", "/fields/1");
    expect(store.getState().past).toHaveLength(3);
    await type(store, "abc");
    expect(store.getState().past).toHaveLength(4);
    store.getState().undo();
    await type(store, "abd");
    expect(store.getState().past).toHaveLength(4);
    store.getState().undo();
    expect(paramsOf(store.getState().doc, "n2")).toEqual({ fields: ["ab", "x"] });
  });

  it("do not merge with an edit made before a document was opened", async () => {
    const store = editor();
    await type(store, "a");
    await store.getState().open(structuredClone(DOC), "flow.json");
    const opened = store.getState().doc;
    await type(store, "b");
    store.getState().undo();
    expect(store.getState().doc).toBe(opened);
  });
});

describe("open", () => {
  it.each([
    [[], "a workflow is a JSON object"],
    [{ nodefox: 2, nodes: [], edges: [] }, '"nodefox" must be 1 (the format version)'],
    [{ nodefox: 1, nodes: [] }, '"edges" must be a list'],
  ])("refuses a badly shaped document %j without asking the engine", async (value, problem) => {
    const store = editor();
    const before = store.getState();
    expect(await store.getState().open(value, "bad.json")).toBe(false);
    expect(store.getState().doc).toBe(before.doc);
    expect(store.getState().notices.map((n) => [n.kind, n.title, n.lines])).toEqual([["error", "Cannot open bad.json", [problem]]]);
    expect(engine.messages).toEqual([]);
  });

  it("leaves the document and history as they were when the engine rejects it", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    store.getState().select(["n2"]);
    const { doc, past } = store.getState();
    engine.reply = () => ({ rejected: [{ index: 0, reason: "/nodes/0/type: unknown\n/edges/0: no such node" }] });
    const bad = { nodefox: 1, nodes: [{ id: "x", type: "nope", position: [0, 0] }], edges: [] };
    expect(await store.getState().open(bad, "bad.json")).toBe(false);
    expect(store.getState().doc).toBe(doc);
    expect(store.getState().past).toBe(past);
    expect(store.getState().selected).toEqual(["n2"]);
    expect(store.getState().notices.map((n) => [n.title, n.lines])).toEqual([["Cannot open bad.json", ["/nodes/0/type: unknown", "/edges/0: no such node"]]]);
    await flush();
    expect(JSON.parse(storage.getItem("nodefox.workflow")!)).toEqual(doc);
  });

  it("leaves the document as it was when the engine does not answer", async () => {
    const store = editor();
    const doc = store.getState().doc;
    engine.apply = async () => "not json";
    expect(await store.getState().open(structuredClone(EMPTY), "a new workflow")).toBe(false);
    expect(store.getState().doc).toBe(doc);
  });

  it("gives a document the hosts allowed under its key, never those of a workflow it names", async () => {
    const store = editor();
    rememberHost(storage, "browser:mine", "api.example.com", true);
    const value = { nodefox: 1, name: "Mine", nodes: [], edges: [] };
    await store.getState().open(value, "my entry", true, "browser:mine");
    expect(engine.messages[0].ops[0]).toEqual({ op: "set_permissions", net: ["api.example.com"] });
    expect(store.getState().hostsKey).toBe("browser:mine");
    // a stranger's file named like it opens under a fresh key: no hosts
    await store.getState().open(structuredClone(value), "mine.json");
    expect(engine.messages[1].ops[0]).toEqual({ op: "set_permissions", net: false });
    expect(store.getState().hostsKey).not.toBe("browser:mine");
  });

  it("lays out, loads and remembers a good document", async () => {
    const store = editor();
    const before = store.getState().doc;
    engine.reply = () => ({ nodes: { a: { status: "ok" }, b: { status: "idle" } } });
    const value = { nodefox: 1, nodes: [{ id: "a", type: "data" }, { id: "b", type: "set" }], edges: [{ source: "a", target: "b" }] };
    expect(await store.getState().open(value, "flow.json")).toBe(true);
    const { doc, past, results, opened, selected } = store.getState();
    expect(doc.nodes.map((n) => n.position)).toEqual([
      [0, 0],
      [240, 0],
    ]);
    expect(engine.messages[0].ops).toEqual([{ op: "set_permissions", net: false }, { op: "load", workflow: doc }]);
    expect(past).toEqual([before]);
    expect(results).toEqual({ a: { status: "ok" }, b: { status: "idle" } });
    expect([opened, selected]).toEqual([1, []]);
    store.getState().undo();
    expect(store.getState().doc).toBe(before);
  });
});

describe("results after a load", () => {
  const results = () => Object.fromEntries(Object.entries(editorState().results).map(([id, r]) => [id, r.status]));
  let editorState: () => ReturnType<ReturnType<typeof editor>["getState"]>;

  it("open keeps the entries of nodes still there, takes the changed ones and drops the rest", async () => {
    const store = editor();
    editorState = store.getState;
    engine.reply = () => ({ nodes: { n1: { status: "ok", counts: { out: 2 } }, n2: { status: "ok", counts: { out: 2 } } } });
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    // the engine answers a load with only what changed: n2's params did, n1 is the same, n9 is new
    engine.reply = () => ({ nodes: { n2: { status: "error" }, n9: { status: "idle" } }, removed: [] });
    const next = structuredClone(DOC);
    next.nodes[1].params = { fields: [{ name: "x" }] };
    next.nodes.push({ id: "n9", type: "data", name: "More", position: [0, 200], params: {} });
    expect(await store.getState().open(next, "next.json")).toBe(true);
    expect(results()).toEqual({ n1: "ok", n2: "error", n9: "idle" });
    expect(store.getState().results.n1.counts).toEqual({ out: 2 });
    // a document without n2 and n9: their entries go, whether or not the answer says so
    engine.reply = () => ({ removed: ["n9"] });
    const only = { ...structuredClone(DOC), nodes: [structuredClone(DOC.nodes[0])], edges: [] };
    expect(await store.getState().open(only, "only.json")).toBe(true);
    expect(results()).toEqual({ n1: "ok" });
  });

  it("undo and redo keep the entries the engine did not resend", async () => {
    const store = editor();
    editorState = store.getState;
    engine.reply = () => ({ nodes: { n1: { status: "ok" }, n2: { status: "ok" } } });
    await store.getState().start();
    engine.reply = () => ({ nodes: { n2: { status: "error" } } });
    await store.getState().edit([patch("n2", "/keep", true)]);
    engine.reply = () => ({ nodes: { n2: { status: "ok" } } });
    store.getState().undo();
    await flush();
    expect(results()).toEqual({ n1: "ok", n2: "ok" });
    engine.reply = () => ({});
    store.getState().redo();
    await flush();
    expect(results()).toEqual({ n1: "ok", n2: "ok" });
  });

  it("a refused open leaves the results as they were", async () => {
    const store = editor();
    editorState = store.getState;
    engine.reply = () => ({ nodes: { n1: { status: "ok" }, n2: { status: "ok" } } });
    await store.getState().start();
    engine.reply = () => ({ rejected: [{ index: 1, reason: "cycle" }] });
    const cyclic = { nodefox: 1, nodes: [{ id: "a", type: "set" }], edges: [{ source: "a", target: "a" }] };
    expect(await store.getState().open(cyclic, "bad.json")).toBe(false);
    expect(results()).toEqual({ n1: "ok", n2: "ok" });
    expect([store.getState().opened, store.getState().replaced]).toEqual([0, null]);
  });
});

describe("the engine's document wins", () => {
  it("after a rejected edit: the page asks for it and takes it", async () => {
    const store = editor();
    const engineDoc = structuredClone(DOC);
    engine.reply = ({ ops }) =>
      ops[0].op === "export" ? { workflow: engineDoc } : { rejected: [{ index: 0, reason: "edge n2:out -> n1:in would close the cycle n1 -> n2 -> n1" }] };
    await store.getState().edit([{ op: "connect", edge: { id: "e2", source: "n2", target: "n1" } }]);
    expect(engine.ops).toEqual([["connect"], ["export"]]);
    expect(store.getState().doc).toEqual(engineDoc);
    expect(store.getState().notices.map((n) => [n.title, n.lines])).toEqual([["Not applied", ["edge n2:out -> n1:in would close the cycle n1 -> n2 -> n1"]]]);
  });

  it("a refused edit leaves the undo and redo steps as they were", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    await store.getState().edit([{ op: "move", id: "n1", position: [2, 2] }]);
    store.getState().undo();
    await flush();
    const { doc, past, future } = store.getState();
    engine.reply = ({ ops }) => (ops[0].op === "export" ? { workflow: doc } : { rejected: [{ index: 0, reason: "a node named 'Tax' already exists" }] });
    await store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Tax" } }]);
    expect(store.getState().doc).toEqual(doc);
    expect(store.getState().past).toEqual(past);
    expect(store.getState().future).toEqual(future);
  });

  it("a keystroke after a refused one is an undo step of its own", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    const moved = store.getState().doc;
    engine.reply = ({ ops }) => (ops[0].op === "export" ? { workflow: moved } : { rejected: [{ index: 0, reason: "a node named 'Tax' already exists" }] });
    await store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Tax" } }], { merge: "name:n1" });
    engine.reply = () => ({});
    await store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Tax 2" } }], { merge: "name:n1" });
    store.getState().undo();
    expect(store.getState().doc).toEqual(moved);
  });

  it("after a rename: asked for in the same message, references rewritten by the engine", async () => {
    const store = editor();
    const renamed = structuredClone(DOC);
    renamed.nodes[0].name = "Sales";
    renamed.nodes[1].params = { fields: [{ name: "x", value: '={{ $("Sales").item.json.a }}' }] };
    engine.reply = ({ ops }) => (ops.some((op) => op.op === "export") ? { workflow: renamed } : {});
    await store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Sales" } }], { merge: "name:n1" });
    expect(engine.messages[0].ops).toEqual([{ op: "update_node", id: "n1", set: { name: "Sales" } }, { op: "export" }]);
    expect(store.getState().doc).toEqual(renamed);
    expect(store.getState().past).toHaveLength(1);
  });

  it("unless a newer edit is on its way", async () => {
    const store = editor();
    const stale = structuredClone(DOC);
    stale.nodes[0].name = "Old";
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const real = engine.apply.bind(engine);
    engine.reply = ({ rev }) => (rev === 1 ? { workflow: stale } : {});
    engine.apply = async (text) => {
      const answer = await real(text);
      if (JSON.parse(text).rev === 1) await gate;
      return answer;
    };
    const first = store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Old" } }]);
    await store.getState().edit([{ op: "move", id: "n2", position: [7, 7] }]);
    release();
    await first;
    const doc = store.getState().doc;
    expect(doc.nodes[0].name).toBe("Old");
    expect(doc.nodes[1].position).toEqual([7, 7]);
  });

  it("start loads the canvas's document, and takes the engine's if it refuses it", async () => {
    const store = editor();
    engine.reply = ({ ops }) => (ops[0].op === "export" ? { workflow: EMPTY } : { rejected: [{ index: 0, reason: "no" }] });
    await store.getState().start();
    expect(engine.messages[0].ops).toEqual([{ op: "load", workflow: DOC }]);
    expect(store.getState().doc).toEqual(EMPTY);
    // the refused workflow is kept aside, and the notice says why and where
    expect(JSON.parse(storage.getItem("nodefox.workflow.rejected")!)).toEqual(DOC);
    const notice = store.getState().notices.at(-1)!;
    expect(notice.title).toBe("The saved workflow could not be opened");
    expect(notice.lines[0]).toBe("no");
  });

  it("replays the edits sent after a message whose answer carries the engine's document", async () => {
    const store = editor();
    const renamed = structuredClone(DOC);
    renamed.nodes[0].name = "Renamed";
    renamed.nodes[1].params = { rewritten: true }; // as a rename rewrites $("...") elsewhere
    // the worker answers in order; the rename's answer (with the engine's document) is
    // handled while a later move is still unanswered
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const real = engine.apply.bind(engine);
    engine.reply = ({ rev }) => (rev === 1 ? { workflow: renamed } : {});
    engine.apply = async (text) => {
      const answer = await real(text);
      if (JSON.parse(text).rev === 2) await gate;
      return answer;
    };
    const first = store.getState().edit([{ op: "update_node", id: "n1", set: { name: "Renamed" } }]);
    const second = store.getState().edit([{ op: "move", id: "n2", position: [9, 9] }]);
    await first;
    expect(store.getState().doc.nodes[0].name).toBe("Renamed");
    expect(store.getState().doc.nodes[1].params).toEqual({ rewritten: true }); // the engine's rewrite is taken
    expect(store.getState().doc.nodes[1].position).toEqual([9, 9]); // and the later move is not lost
    release();
    await second;
    expect(store.getState().doc.nodes[1].position).toEqual([9, 9]);
  });
});

describe("undo refused by the engine", () => {
  it("takes the engine's document back", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    const held = store.getState().doc;
    engine.reply = ({ ops }) =>
      ops[0].op === "load" ? { rejected: [{ index: 0, reason: "no" }] } : ops[0].op === "export" ? { workflow: held } : {};
    store.getState().undo();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(engine.ops.slice(-2)).toEqual([["load"], ["export"]]);
    expect(store.getState().doc).toEqual(held);
  });
});

describe("addNode", () => {
  it("refuses an unknown type", async () => {
    const store = editor();
    expect(await store.getState().addNode("nope", null)).toBeNull();
    expect(engine.messages).toEqual([]);
  });

  it("puts a node where it is dropped, with a fresh name and default params, and selects it", async () => {
    const store = editor();
    expect(await store.getState().addNode("set", [10.4, 19.6])).toBe("n3");
    expect(engine.messages[0].ops).toEqual([
      { op: "add_node", node: { id: "n3", type: "set", name: "Set", position: [10, 20], params: { fields: [] } } },
    ]);
    expect(store.getState().selected).toEqual(["n3"]);
    await store.getState().addNode("set", [0, 300]);
    expect(store.getState().doc.nodes.map((n) => n.name)).toEqual(["Orders", "Tax", "Set", "Set 2"]);
  });

  it("puts a node right of the others when nothing is selected", async () => {
    const store = editor();
    await store.getState().addNode("data", null);
    expect(store.getState().doc.nodes[2].position).toEqual([500, 0]);
    expect(engine.ops).toEqual([["add_node"]]);
  });

  it("puts a node next to the one selected and wires it", async () => {
    const store = editor();
    store.getState().select(["n1"]);
    await store.getState().addNode("set", null);
    expect(engine.messages[0].ops).toEqual([
      { op: "add_node", node: { id: "n3", type: "set", name: "Set", position: [260, 0], params: { fields: [] } } },
      { op: "connect", edge: { id: "e2", source: "n1", sourcePort: "out", target: "n3", targetPort: "in" } },
    ]);
    expect(store.getState().doc.edges).toHaveLength(2);
    expect(store.getState().past).toHaveLength(1); // one undo step for both
  });

  it("does not wire a node without inputs", async () => {
    const store = editor();
    store.getState().select(["n2"]);
    await store.getState().addNode("data", null);
    expect(engine.ops).toEqual([["add_node"]]);
  });
});

describe("copy and paste", () => {
  it("pastes a copy beside the original, renamed, wired and selected", async () => {
    const store = editor();
    const text = store.getState().copy(["n1", "n2"]);
    expect(JSON.parse(text)).toEqual({ nodefox: 1, nodes: DOC.nodes, edges: DOC.edges });
    expect(await store.getState().paste(text)).toBe(true);
    expect(engine.messages[0].ops).toEqual([
      { op: "add_node", node: { ...DOC.nodes[0], id: "n3", name: "Orders 2", position: [40, 40] } },
      { op: "add_node", node: { ...DOC.nodes[1], id: "n4", name: "Tax 2", position: [280, 40] } },
      { op: "connect", edge: { id: "e2", source: "n3", target: "n4" } },
    ]);
    expect(store.getState().selected).toEqual(["n3", "n4"]);
    expect(store.getState().doc.nodes).toHaveLength(4);
    expect(store.getState().past).toHaveLength(1);
  });

  it.each([["not json"], ['{"a": 1}'], ['{"nodefox": 1, "nodes": [], "edges": []}']])("ignores %s", async (text) => {
    const store = editor();
    expect(await store.getState().paste(text)).toBe(false);
    expect(engine.messages).toEqual([]);
    expect(store.getState().notices).toEqual([]);
  });
});

describe("autosave", () => {
  it("saves in a task of its own, once for a burst of edits", async () => {
    const store = editor();
    void store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    void store.getState().edit([{ op: "move", id: "n1", position: [2, 2] }]);
    expect(storage.writes).toBe(0);
    await flush();
    expect(storage.writes).toBe(1);
    expect(JSON.parse(storage.getItem("nodefox.workflow")!)).toEqual(store.getState().doc);
    store.getState().undo();
    await flush();
    expect(storage.writes).toBe(2);
    expect(JSON.parse(storage.getItem("nodefox.workflow")!).nodes[0].position).toEqual([1, 1]);
  });

  it("waits while an answer is on its way: the save never runs between a keystroke and its answer", async () => {
    let answer: () => void = () => {};
    const held = new FakeEngine();
    const reply = held.apply.bind(held);
    held.apply = (text) => new Promise((resolve) => (answer = () => void reply(text).then(resolve)));
    const store = createEditor(held, storage, structuredClone(DOC));
    const edited = store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    await flush();
    await flush();
    expect(storage.writes).toBe(0);
    answer();
    await edited;
    await flush();
    expect(storage.writes).toBe(1);
    expect(JSON.parse(storage.getItem("nodefox.workflow")!).nodes[0].position).toEqual([1, 1]);
  });

  it("goes on working when the storage refuses", async () => {
    const store = editor();
    storage.setItem = () => {
      throw new Error("QuotaExceededError");
    };
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    await flush();
    await store.getState().edit([{ op: "move", id: "n1", position: [2, 2] }]);
    await flush();
    expect(store.getState().doc.nodes[0].position).toEqual([2, 2]);
  });

  it("works without storage", async () => {
    const store = createEditor(engine, null, structuredClone(DOC));
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    await flush();
    expect(store.getState().past).toHaveLength(1);
  });

  it("restore gives back what was saved, or an empty workflow", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    await flush();
    expect(restore(storage)).toEqual(store.getState().doc);
    storage.setItem("nodefox.workflow", "{broken");
    expect(restore(storage)).toEqual(EMPTY);
    storage.setItem("nodefox.workflow", '{"nodefox": 1, "nodes": []}');
    expect(restore(storage)).toEqual(EMPTY);
    expect(restore(null)).toEqual(EMPTY);
    expect(restore(null)).not.toBe(EMPTY);
    storage.setItem("nodefox.workflow", JSON.stringify({ nodefox: 1, nodes: [{ id: "a", type: "data" }], edges: [] }));
    expect(restore(storage).nodes[0].position).toEqual([0, 0]);
  });
});

describe("notices, selection and engine state", () => {
  it("keeps one notice, the newest; dismiss removes it", () => {
    const store = editor();
    for (let i = 1; i <= 7; i++) store.getState().notify("info", `t${i}`);
    const notices = store.getState().notices;
    expect(notices.map((n) => n.title)).toEqual(["t7"]);
    store.getState().dismiss(notices[0].id);
    expect(store.getState().notices).toEqual([]);
  });

  it("select keeps the same array for the same selection", () => {
    const store = editor();
    store.getState().select(["n1", "n2"]);
    const selected = store.getState().selected;
    store.getState().select(["n1", "n2"]);
    expect(store.getState().selected).toBe(selected);
    store.getState().select(["n2"]);
    expect(store.getState().selected).toEqual(["n2"]);
  });

  it("inspect and evaluate answer their part, and report no rejection", async () => {
    const store = editor();
    const page = { id: "n1", port: "out", offset: 0, total: 1, items: [{ a: 1 }] };
    engine.reply = ({ ops }) => (ops[0].op === "inspect" ? { page } : { evaluated: { value: 2 } });
    expect(await store.getState().inspect("n1", "out", 0, 10)).toEqual(page);
    expect(await store.getState().evaluate("n1", "/x", "={{ 1 + 1 }}")).toEqual({ value: 2 });
    engine.reply = () => ({ rejected: [{ index: 0, reason: "no node 'zz'" }] });
    expect(await store.getState().inspect("zz", "out", 0, 10)).toBeNull();
    expect(store.getState().notices).toEqual([]);
    expect(store.getState().past).toEqual([]);
  });

  it("tracks the engine's loading", () => {
    const store = editor();
    store.getState().engineProgress("runtime", "done", 12);
    store.getState().engineBusy(true);
    store.getState().engineReady(CATALOGUE, "1.2.3", 40);
    const { engine: state, types } = store.getState();
    expect([state.phase, state.version, state.ms, state.busy, state.steps.runtime]).toEqual(["ready", "1.2.3", 40, true, { state: "done", ms: 12 }]);
    expect([...types.keys()]).toEqual(["data", "set"]);
    store.getState().engineFailed("boom");
    expect([store.getState().engine.phase, store.getState().engine.error]).toEqual(["failed", "boom"]);
  });

  it("start after a restarted worker loads the canvas's document, and the answer reaches the canvas", async () => {
    const store = editor();
    await store.getState().edit([{ op: "move", id: "n1", position: [1, 1] }]);
    engine.reply = () => ({ nodes: { n1: { status: "ok", counts: { out: 2 } } } });
    await store.getState().start();
    expect(engine.messages.at(-1)).toEqual({ rev: 2, ops: [{ op: "load", workflow: store.getState().doc }] });
    expect(store.getState().results.n1).toEqual({ status: "ok", counts: { out: 2 } });
  });
});

describe("named edits", () => {
  it("spell out the live ops, so components never do", async () => {
    const sent: unknown[] = [];
    const engine = { apply: async (m: string) => (sent.push(JSON.parse(m).ops), JSON.stringify({ rev: null, nodes: {} })) };
    const doc = {
      nodefox: 1 as const, name: "w", edges: [{ id: "e1", source: "a", target: "b" }],
      nodes: [{ id: "a", type: "noop", position: [0, 0] as [number, number] }, { id: "b", type: "noop", position: [0, 0] as [number, number] }],
    };
    const store = createEditor(engine, null, doc);
    await store.getState().setParam("a", "/max", 3);
    await store.getState().setParam("a", "/max", undefined);
    await store.getState().remove(["b"], ["e1"]); // the edge goes with its node: not disconnected too
    await store.getState().renameWorkflow("x");
    expect(sent).toEqual([
      [{ op: "patch_params", id: "a", path: "/max", value: 3 }],
      [{ op: "patch_params", id: "a", path: "/max" }],
      [{ op: "remove_node", id: "b" }],
      [{ op: "set_name", name: "x" }], // renaming the workflow re-runs nothing: not a whole load
    ]);
    expect(store.getState().doc.name).toBe("x");
  });
});

describe("code from elsewhere", () => {
  const withCode = {
    nodefox: 1 as const, name: "w", edges: [],
    nodes: [{ id: "c", type: "code", position: [0, 0] as [number, number], params: { code: "return items" } }],
  };
  it("asks before a file's code runs, and remembers the answer", async () => {
    const engine = new FakeEngine();
    const storage = new FakeStorage();
    const store = createEditor(engine, storage, structuredClone(EMPTY));
    await store.getState().start();
    expect(engine.permissions).toEqual([{ op: "set_permissions", code: true }]); // told, not assumed
    await store.getState().open(structuredClone(withCode), "x.json", false);
    expect(store.getState().code?.state).toBe("ask");
    expect(engine.permissions.at(-1)).toEqual({ op: "set_permissions", code: false });
    await store.getState().consent(true);
    expect(engine.permissions.at(-1)).toEqual({ op: "set_permissions", code: true });
    const again = createEditor(new FakeEngine(), storage, structuredClone(withCode));
    await again.getState().start(); // restored from storage: remembered, no question
    expect(again.getState().code?.state).toBe("run");
  });
  it("runs code written here or shipped with the editor without asking", async () => {
    const engine = new FakeEngine();
    const store = createEditor(engine, new FakeStorage(), structuredClone(EMPTY));
    await store.getState().open(structuredClone(withCode), "the example", true);
    expect(store.getState().code).toBeNull();
    expect(engine.permissions).toEqual([{ op: "set_permissions", code: true }]);
  });
});
