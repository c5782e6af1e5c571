// Without a workspace, the editor keeps several named workflows in this browser: a list in
// localStorage, one key per workflow, not one slot that New and Examples overwrite. The
// workflow on the canvas is written to its entry after edits (when the page is idle); a
// workflow opened by New, Open… or an example gets an entry of its own, so the one it
// replaced stays in the list.
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Editor } from "../store";
import { HISTORY } from "../store/history";
import type { Workflow } from "./types";

export type BrowserEntry = { id: string; name: string; modified: string; nodes: number };
export type BrowserListState = { entries: BrowserEntry[]; current: string | null };

const INDEX_KEY = "nodefox.workflows";
const CURRENT_KEY = "nodefox.workflows.current";
const DOC_PREFIX = "nodefox.workflows.doc.";
const WRITE_MS = 400;

/** The key the answers about hosts of an entry are kept under (worldPrefs). */
const hostsKey = (id: string) => `browser:${id}`;
const freshId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export class BrowserList {
  readonly state: StoreApi<BrowserListState>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private opening = false;
  private warned = false;
  // another tab of this browser changed the open workflow's entry: this tab does not write
  // over it until the person has chosen which version to keep (`elsewhere`)
  private held = false;

  constructor(
    readonly editor: StoreApi<Editor>,
    private readonly storage: Storage | null,
  ) {
    let entries: BrowserEntry[] = [];
    let current: string | null = null;
    try {
      entries = JSON.parse(storage?.getItem(INDEX_KEY) ?? "[]");
      current = storage?.getItem(CURRENT_KEY) ?? null;
    } catch {
      entries = [];
    }
    if (!Array.isArray(entries)) entries = [];
    this.state = createStore<BrowserListState>()(() => ({ entries, current }));
    if (!current || !entries.some((e) => e.id === current)) this.add(editor.getState().doc);
    else {
      editor.setState({ hostsKey: hostsKey(current) });
      this.write();
    }

    editor.subscribe((state, prev) => {
      // `opened` counts documents the engine accepted (a refused file changes nothing); the
      // canvas showed the new one while it loaded, so the one it replaced is `replaced`
      if (state.opened !== prev.opened && !this.opening) this.opened(state.replaced ?? prev.doc);
      else if (state.doc !== prev.doc && !this.opening) this.later();
    });
    globalThis.addEventListener?.("pagehide", () => this.write());
    globalThis.addEventListener?.("storage", (e) => void this.elsewhere(e as StorageEvent));
  }

  /** Another tab of this browser wrote to the storage (the browser tells the other tabs
   * only). The list is shared, so it is taken as that tab wrote it, with this tab's entry
   * kept; an edit there to the workflow open here is not overwritten by this tab's next
   * save: the person is asked which version to keep (as Node-RED asks when the flows on
   * the server changed). */
  async elsewhere(e: Pick<StorageEvent, "key" | "newValue" | "storageArea">) {
    if (e.storageArea !== this.storage || e.key === null) return;
    const { entries, current } = this.state.getState();
    if (e.key === INDEX_KEY) {
      let theirs: BrowserEntry[] = [];
      try {
        theirs = JSON.parse(e.newValue ?? "[]");
      } catch {
        return;
      }
      if (!Array.isArray(theirs)) return;
      const mine = entries.find((entry) => entry.id === current);
      const lost = mine && !theirs.some((entry) => entry.id === current);
      this.state.setState({ entries: lost ? [mine, ...theirs] : theirs });
      return;
    }
    if (!current || e.key !== DOC_PREFIX + current || e.newValue === null || this.held) return;
    if (e.newValue === JSON.stringify(this.editor.getState().doc)) return;
    this.held = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const load = await this.editor.getState().ask({
      title: "This workflow was changed in another tab",
      lines: ["Load the other tab's version here, or keep this one (it is saved over the other's)."],
      yes: "Load the other version",
      no: "Keep this one",
    });
    if (this.state.getState().current !== current || !load) {
      this.held = false;
      if (this.state.getState().current === current) this.write(undefined, true); // this tab's, over the other's
      return;
    }
    const { doc, past } = this.editor.getState();
    try {
      // held, so `open` does not save this tab's version first; Undo brings it back
      if (await this.open(current)) this.editor.setState({ past: [...past, doc].slice(-HISTORY) });
    } finally {
      this.held = false;
    }
  }

  private put(key: string, value: string): boolean {
    try {
      this.storage?.setItem(key, value);
      return true;
    } catch {
      if (!this.warned) {
        this.warned = true;
        this.editor.getState().notify("error", "This browser's storage is full", ["Delete workflows you no longer need from the list, or Export them."]);
      }
      return false;
    }
  }

  private saveIndex() {
    const { entries, current } = this.state.getState();
    this.put(INDEX_KEY, JSON.stringify(entries));
    if (current) this.put(CURRENT_KEY, current);
  }

  private stored(id: string): string | null {
    try {
      return this.storage?.getItem(DOC_PREFIX + id) ?? null;
    } catch {
      return null;
    }
  }

  private later() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.write(), WRITE_MS);
  }

  /** The canvas's workflow into its entry (`force`: even when the entry changed elsewhere). */
  write(doc: Workflow = this.editor.getState().doc, force = false) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const { entries, current } = this.state.getState();
    if (!current || (this.held && !force)) return;
    const text = JSON.stringify(doc);
    if (this.stored(current) === text) return; // unchanged (a refused file shown, then taken back)
    this.put(DOC_PREFIX + current, text);
    const entry = { id: current, name: doc.name || "My workflow", modified: new Date().toISOString(), nodes: doc.nodes.length };
    this.state.setState({ entries: entries.map((e) => (e.id === current ? entry : e)) });
    this.saveIndex();
  }

  private add(doc: Workflow) {
    const id = freshId();
    const entry = { id, name: doc.name || "My workflow", modified: new Date().toISOString(), nodes: doc.nodes.length };
    this.state.setState({ entries: [entry, ...this.state.getState().entries], current: id });
    this.editor.setState({ hostsKey: hostsKey(id) });
    this.write(doc);
  }

  /** New, Open… or an example put another workflow on the canvas: it gets its own entry,
   * and the one before keeps its own (an empty one is reused). */
  private opened(before: Workflow) {
    if (this.timer) this.write(before);
    if (!before.nodes.length) this.drop(this.state.getState().current); // an empty one gives way
    this.add(this.editor.getState().doc); // a new id: no answers about hosts come with it
  }

  private drop(id: string | null) {
    if (!id) return;
    this.state.setState({ entries: this.state.getState().entries.filter((e) => e.id !== id), current: null });
    try {
      this.storage?.removeItem(DOC_PREFIX + id);
    } catch {
      /* nothing to free */
    }
  }

  read(id: string): Workflow | null {
    try {
      return JSON.parse(this.storage?.getItem(DOC_PREFIX + id) ?? "null");
    } catch {
      return null;
    }
  }

  async open(id: string): Promise<boolean> {
    const doc = this.read(id);
    if (!doc) {
      this.editor.getState().notify("error", "This workflow is no longer in this browser's storage");
      return false;
    }
    this.write();
    this.opening = true;
    let ok: boolean;
    try {
      ok = await this.editor.getState().open(doc, doc.name || "the workflow", true, hostsKey(id));
    } finally {
      this.opening = false;
    }
    if (!ok) return false;
    this.editor.setState({ past: [], future: [] }); // undo stays within one workflow
    this.state.setState({ current: id });
    this.saveIndex();
    return true;
  }

  async create(name = "My workflow"): Promise<boolean> {
    this.write();
    const id = freshId();
    const doc: Workflow = { nodefox: 1, name, nodes: [], edges: [] };
    const entry = { id, name, modified: new Date().toISOString(), nodes: 0 };
    this.state.setState({ entries: [entry, ...this.state.getState().entries] });
    this.put(DOC_PREFIX + id, JSON.stringify(doc));
    this.saveIndex();
    return this.open(id);
  }

  duplicate(id: string): void {
    this.write();
    const doc = this.read(id);
    if (!doc) return;
    const copy = { ...doc, name: `${doc.name || "My workflow"} copy` };
    const newId = freshId();
    const entry = { id: newId, name: copy.name, modified: new Date().toISOString(), nodes: copy.nodes.length };
    const entries = [...this.state.getState().entries];
    entries.splice(entries.findIndex((e) => e.id === id) + 1, 0, entry);
    this.put(DOC_PREFIX + newId, JSON.stringify(copy));
    this.state.setState({ entries });
    this.saveIndex();
  }

  async rename(id: string, name: string): Promise<void> {
    if (id === this.state.getState().current) {
      await this.editor.getState().renameWorkflow(name);
      this.write();
      return;
    }
    const doc = this.read(id);
    if (!doc) return;
    this.put(DOC_PREFIX + id, JSON.stringify({ ...doc, name }));
    this.state.setState({ entries: this.state.getState().entries.map((e) => (e.id === id ? { ...e, name } : e)) });
    this.saveIndex();
  }

  /** Delete an entry; deleting the open one opens the next (or a new one). */
  async remove(id: string): Promise<void> {
    const { entries, current } = this.state.getState();
    const rest = entries.filter((e) => e.id !== id);
    this.drop(id);
    this.state.setState({ current: id === current ? null : current });
    this.saveIndex();
    if (id !== current) return;
    if (rest.length) await this.open(rest[0].id);
    else await this.create();
  }
}
