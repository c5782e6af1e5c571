// Keeps the workflow on the canvas and its file in the workspace in step: every edit is
// saved back (debounced, with If-Match, so a file changed on disk is never overwritten
// silently), and the file's ETag is polled so a change on disk (git, another tab, an
// editor) is offered to the person: "Reload from disk" or "Keep mine".
//
// It works beside the editor's store, not inside it: it watches the store's document,
// opens files with the store's own `open`, and keeps its state in a small store of its own.
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Editor } from "../store";
import type { Workflow } from "./types";
import { ApiError, canonical, type Entry, type WorkspaceApi } from "./workspace";

export const SAVE_MS = 600; // an edit is saved this long after the last one
export const POLL_MS = 2500; // the open file's ETag is checked this often

export type SyncStatus = "none" | "saved" | "unsaved" | "saving" | "conflict" | "deleted" | "error";

export type SyncState = {
  entries: Entry[];
  file: string | null; // the open workflow's name (its file without .json); null: not in the workspace
  status: SyncStatus;
  message: string;
  /** The file as it is on disk when it differs from what the editor last read or saved. */
  disk: { doc: unknown; etag: string } | null;
};

const OPEN_KEY = "nodefox.workspace.open"; // {workspace, file, etag}: reopened after a reload

export class WorkspaceSync {
  readonly state: StoreApi<SyncState> = createStore<SyncState>()(() => ({ entries: [], file: null, status: "none", message: "", disk: null }));
  private etag: string | null = null;
  private saved = ""; // the canonical JSON of the document the file holds (as the editor has it)
  private timer: ReturnType<typeof setTimeout> | null = null;
  private poller: ReturnType<typeof setInterval> | null = null;
  private saving: Promise<void> | null = null;
  private opening = false;

  constructor(
    readonly api: WorkspaceApi,
    readonly editor: StoreApi<Editor>,
    private readonly storage: Storage | null,
  ) {
    editor.subscribe((state, prev) => {
      if (state.doc !== prev.doc) this.changed();
    });
    // a document opened by New, Open… or an example is not the file's: the canvas leaves it
    editor.subscribe((state, prev) => {
      if (state.opened !== prev.opened && !this.opening && this.state.getState().file) this.detach();
    });
    globalThis.addEventListener?.("pagehide", () => void this.flush());
  }

  private set(partial: Partial<SyncState>) {
    this.state.setState(partial);
  }

  private remember() {
    const { file } = this.state.getState();
    try {
      if (file) this.storage?.setItem(OPEN_KEY, JSON.stringify({ workspace: this.api.session.workspace?.name, file, etag: this.etag }));
      else this.storage?.removeItem(OPEN_KEY);
    } catch {
      /* not remembered: the list is still there after a reload */
    }
  }

  /** List the workspace, reopen the file open before a reload, and start polling. */
  async start(): Promise<void> {
    await this.refresh();
    let last: { workspace?: string; file?: string; etag?: string } = {};
    try {
      last = JSON.parse(this.storage?.getItem(OPEN_KEY) ?? "{}") ?? {};
    } catch {
      /* nothing remembered */
    }
    if (last.file && last.workspace === this.api.session.workspace?.name && this.state.getState().entries.some((e) => e.name === last.file)) {
      await this.resume(last.file, last.etag ?? null);
    }
    this.poller ??= setInterval(() => void this.poll(), POLL_MS);
  }

  /** After a reload: the canvas holds what the browser kept; the file may be newer, or older. */
  private async resume(name: string, etag: string | null) {
    let disk: { doc: unknown; etag: string };
    try {
      disk = await this.api.read(name);
    } catch {
      return;
    }
    const mine = this.editor.getState().doc;
    this.set({ file: name });
    if (canonical(disk.doc) === canonical(mine)) {
      this.attach(name, disk.etag);
      void this.previewLastCall(name);
    } else if (disk.etag === etag) {
      // the file is as this editor left it, and the browser holds later edits: save them
      this.etag = disk.etag;
      this.saved = canonical(disk.doc);
      this.set({ status: "unsaved", disk: null });
      this.schedule(0);
    } else {
      this.etag = etag;
      this.saved = "";
      this.set({ status: "conflict", disk, message: `${name}.json was changed on disk` });
    }
  }

  private attach(name: string, etag: string) {
    this.etag = etag;
    this.editor.setState({ hostsKey: this.hostsKey(name) });
    this.saved = canonical(this.editor.getState().doc);
    this.set({ file: name, status: "saved", disk: null, message: "" });
    this.remember();
  }

  /** The key the answers about hosts of a file of this workspace are kept under (worldPrefs). */
  private hostsKey(name: string): string {
    return `workspace:${this.api.session.workspace?.name ?? ""}/${name}`;
  }

  private detach() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.etag = null;
    this.set({ file: null, status: "none", disk: null, message: "" });
    this.remember();
  }

  async refresh(): Promise<void> {
    try {
      this.set({ entries: await this.api.list() });
    } catch (error) {
      this.set({ message: (error as Error).message });
    }
  }

  /** Put a workspace file on the canvas (after saving the one open now). */
  async open(name: string): Promise<boolean> {
    await this.flush();
    if (this.state.getState().status === "conflict") {
      this.editor.getState().notify("error", "The open workflow changed on disk", ["Reload it or keep yours before opening another."]);
      return false;
    }
    let disk: { doc: unknown; etag: string };
    try {
      disk = await this.api.read(name);
    } catch (error) {
      this.editor.getState().notify("error", `Cannot open ${name}.json`, [(error as Error).message]);
      return false;
    }
    return this.show(name, disk.doc, disk.etag);
  }

  /** The file's document onto the canvas, with no undo step back into another file. */
  private async show(name: string, doc: unknown, etag: string): Promise<boolean> {
    this.opening = true;
    let ok: boolean;
    try {
      // a file may come from elsewhere (git): its code asks first
      ok = await this.editor.getState().open(doc, `${name}.json`, false, this.hostsKey(name));
    } finally {
      this.opening = false;
    }
    if (!ok) return false;
    this.editor.setState({ past: [], future: [] }); // an undo must not carry another file's workflow into this one
    this.attach(name, etag);
    await this.previewLastCall(name);
    return true;
  }

  /** A webhook or schedule previews the last call recorded for this file (server.md): its
   * items become the session's input, as "Edit with this data" does. Awaited before the file
   * counts as open, so an input chosen right after (that button) comes later and stays. */
  private async previewLastCall(name: string) {
    if (!this.editor.getState().doc.nodes.some((n) => n.type === "webhook" || n.type === "schedule")) return;
    try {
      const rows = await this.api.executions({ workflow: name, limit: 20 });
      const last = rows.find((r) => r.trigger === "webhook" || r.trigger === "schedule");
      if (!last || this.state.getState().file !== name) return;
      const { input } = await this.api.execution(last.id);
      if (Array.isArray(input) && this.state.getState().file === name) {
        await this.editor.getState().edit([{ op: "set_input", items: input }]);
      }
    } catch {
      /* no recorded calls to show (no triggers, or the server is older): the sample stays */
    }
  }

  async create(name: string, document?: Workflow): Promise<boolean> {
    return this.act(async () => {
      await this.api.create(name, document ?? { nodefox: 1, name, nodes: [], edges: [] });
      await this.refresh();
      return this.open(name);
    });
  }

  /** Keep the workflow on the canvas (one opened from elsewhere) as a new file. */
  async saveAs(name: string): Promise<boolean> {
    const doc = this.editor.getState().doc;
    return this.act(async () => {
      const etag = await this.api.save(name, doc, null);
      this.attach(name, etag);
      await this.refresh();
      return true;
    });
  }

  async duplicate(name: string, newName: string): Promise<boolean> {
    await this.flush();
    return this.act(async () => {
      await this.api.duplicate(name, newName);
      await this.refresh();
      return true;
    });
  }

  async rename(name: string, newName: string): Promise<boolean> {
    await this.flush();
    const open = this.state.getState().file === name;
    return this.act(async () => {
      const etag = await this.api.rename(name, newName, open ? this.etag : null);
      if (open) {
        this.etag = etag;
        this.set({ file: newName });
        this.remember();
      }
      await this.refresh();
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    const open = this.state.getState().file === name;
    if (open) await this.flush();
    return this.act(async () => {
      await this.api.remove(name, open ? this.etag : null);
      if (open) this.detach();
      await this.refresh();
      return true;
    });
  }

  private async act(work: () => Promise<boolean>): Promise<boolean> {
    try {
      return await work();
    } catch (error) {
      this.editor.getState().notify("error", "The workspace refused", [(error as Error).message]);
      await this.refresh();
      return false;
    }
  }

  // -- saving ------------------------------------------------------------------------------

  private changed() {
    const { file, status } = this.state.getState();
    if (!file || this.opening || status === "conflict" || status === "deleted") return;
    this.set({ status: "unsaved" });
    this.schedule(SAVE_MS);
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save();
    }, ms);
  }

  /** Save now what waits to be saved (before opening another file, leaving the page). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      await this.save();
    }
    await this.saving;
  }

  private async save(): Promise<void> {
    if (this.saving) {
      await this.saving;
      return this.save();
    }
    this.saving = this.write().finally(() => (this.saving = null));
    return this.saving;
  }

  private async write(force = false): Promise<void> {
    const { file, status } = this.state.getState();
    if (!file || (!force && (status === "conflict" || status === "deleted"))) return;
    const doc = this.editor.getState().doc;
    const text = canonical(doc);
    if (text === this.saved && !force) {
      this.set({ status: "saved" });
      return;
    }
    this.set({ status: "saving" });
    try {
      this.etag = await this.api.save(file, doc, this.etag);
      this.saved = text;
      // an edit made while saving is saved next
      const newer = canonical(this.editor.getState().doc) !== text;
      this.set({ status: newer ? "unsaved" : "saved", disk: null, message: "" });
      this.remember();
      if (newer) this.schedule(SAVE_MS);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return this.conflicted(file);
      this.set({ status: "error", message: (error as Error).message });
    }
  }

  // -- changes on disk ---------------------------------------------------------------------

  private async conflicted(file: string) {
    try {
      const disk = await this.api.read(file);
      this.set({ status: "conflict", disk, message: `${file}.json was changed on disk` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.set({ status: "deleted", disk: null, message: `${file}.json was deleted on disk` });
      else this.set({ status: "error", message: (error as Error).message });
    }
  }

  /** Check the open file on disk (and the list): a new ETag that is not ours is a change. */
  async poll(): Promise<void> {
    if (typeof document !== "undefined" && document.hidden) return;
    const { file, status } = this.state.getState();
    await this.refresh();
    if (!file || this.saving || this.opening || status === "conflict") return;
    const entry = this.state.getState().entries.find((e) => e.name === file);
    if (!entry) {
      if (status !== "deleted") this.set({ status: "deleted", disk: null, message: `${file}.json was deleted on disk` });
      return;
    }
    if (entry.etag === this.etag) {
      if (status === "deleted") this.set({ status: "saved", message: "" });
      return;
    }
    if (this.saving || this.state.getState().file !== file) return; // saved meanwhile
    let disk: { doc: unknown; etag: string };
    try {
      disk = await this.api.read(file);
    } catch {
      return; // gone since the listing: the next poll says so
    }
    if (disk.etag === this.etag || this.saving || this.state.getState().file !== file) return; // our own save
    if (canonical(disk.doc) === canonical(this.editor.getState().doc)) {
      // the same workflow written differently (reformatted, or saved by another tab): nothing to ask
      this.etag = disk.etag;
      this.saved = canonical(disk.doc);
      this.remember();
      return;
    }
    this.set({ status: "conflict", disk, message: `${file}.json was changed on disk` });
  }

  /** "Reload from disk": the file's version takes the canvas. */
  async reload(): Promise<boolean> {
    const { file, disk } = this.state.getState();
    if (!file) return false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const fresh = disk ?? (await this.api.read(file).catch(() => null));
    if (!fresh) return false;
    return this.show(file, fresh.doc, fresh.etag);
  }

  /** "Keep mine": the editor's version is saved over the file's (or writes it again). */
  async keepMine(): Promise<void> {
    const { file, disk, status } = this.state.getState();
    if (!file) return;
    this.etag = status === "deleted" ? null : (disk?.etag ?? this.etag);
    this.set({ status: "unsaved", disk: null, message: "" });
    await this.saving;
    this.saving = this.write(true).finally(() => (this.saving = null));
    await this.saving;
  }
}
