// The page's side of reaching the world (docs/editor.md): files, permissions, credentials
// and n8n reports. A small store of its own, beside the editor's, and the functions that
// keep the engine's session in step with what this browser holds.
import { createStore } from "zustand/vanilla";
import type { StoreApi } from "zustand/vanilla";
import type { EngineClient } from "./engine/client";
import { deniedHost } from "./lib/effects";
import { listFiles, putFile, removeFile, type StoredFile } from "./lib/fileStore";
import type { Editor } from "./store";
import type { Answer } from "./lib/types";
import { allowedHosts, browserStorage, hostAnswers, loadCredentials } from "./lib/worldPrefs";

export type FileInfo = Omit<StoredFile, "data">;
export type N8nReport = {
  nodes: { total: number; translated: number; placeholders: { name: string; type: string }[] };
  expressions: { total: number; translated: number; untranslated: { node: string; path: string; expression: string; reason: string }[] };
  dropped?: { name: string; text: string }[];
};

export type WorldState = {
  files: FileInfo[];
  panel: "files" | "credentials" | null;
  asking: string[]; // hosts waiting for Allow / Deny, first shown
  offer: { file: string; at: [number, number] } | null; // a dropped CSV: add a read_file node?
  report: { source: string; report: N8nReport } | null;
  // a ▶ refused for a host not yet answered: Allow for that host runs it again (when the
  // node is as it was), so ▶ then Allow is one send, not two presses
  retry: { host: string; id: string; node: string } | null;
};

export const world = createStore<WorldState>()(() => ({ files: [], panel: null, asking: [], offer: null, report: null, retry: null }));

const info = ({ name, size, modified }: StoredFile): FileInfo => ({ name, size, modified });
const storage = browserStorage();

/** The node types that read the files folder (load_file brings a file into items). */
const READERS = new Set(["read_file", "load_file"]);

/** Ops that make the session read files again: a refresh of each node that reads files. */
function refreshReaders(editor: StoreApi<Editor>) {
  const ids = editor.getState().doc.nodes.filter((n) => READERS.has(n.type)).map((n) => n.id);
  if (ids.length) void editor.getState().edit(ids.map((id) => ({ op: "refresh", id })));
}

/** Every stored file into the worker's files folder (at start-up), then the readers re-read. */
export async function syncFiles(engine: EngineClient, editor: StoreApi<Editor>) {
  let files: StoredFile[] = [];
  try {
    files = await listFiles();
  } catch (error) {
    editor.getState().notify("error", "The browser's file store is not available", [String((error as Error).message ?? error)]);
    return;
  }
  world.setState({ files: files.map(info) });
  if (!files.length) return;
  await engine.fs({ write: files.map(({ name, data }) => ({ name, data })) });
  refreshReaders(editor);
}

/** Keep a file: in the store, in the worker's files folder, and read again where used. */
export async function addFiles(engine: EngineClient, editor: StoreApi<Editor>, added: { name: string; data: Uint8Array }[]) {
  const stored = await Promise.all(added.map(({ name, data }) => putFile(name, data)));
  await engine.fs({ write: added });
  const names = new Set(stored.map((f) => f.name));
  world.setState({ files: [...world.getState().files.filter((f) => !names.has(f.name)), ...stored.map(info)].sort((a, b) => a.name.localeCompare(b.name)) });
  refreshReaders(editor);
}

export async function dropFile(engine: EngineClient, editor: StoreApi<Editor>, name: string) {
  await removeFile(name);
  await engine.fs({ remove: [name] });
  world.setState({ files: world.getState().files.filter((f) => f.name !== name) });
  refreshReaders(editor);
}

/** A file a write_file node wrote in the worker, kept in the store (and the panel). */
export async function takeWritten(engine: EngineClient, name: string) {
  const [file] = await engine.fs({ read: [name] });
  if (!file) return;
  const stored = await putFile(file.name, file.data);
  world.setState({ files: [...world.getState().files.filter((f) => f.name !== name), info(stored)].sort((a, b) => a.name.localeCompare(b.name)) });
}

/** ▶ on a write node (op execute): it sends or writes once and pins its output. Refused for
 * a host this browser has not answered, it is run again on Allow (`retry`). */
export async function executeNode(engine: EngineClient, editor: StoreApi<Editor>, id: string) {
  const before = editor.getState().doc.nodes.find((n) => n.id === id);
  if (!before) return;
  const answer = await editor.getState().edit([{ op: "execute", id }]);
  if (!answer) return;
  if (!answer.workflow) await editor.getState().resync(); // the pinned output is in the document
  const executed = answer.executed;
  const label = before.name || id;
  if (executed?.status === "error") {
    const message = executed.error?.message ?? "unknown error";
    const host = deniedHost(message);
    if (host && !(host in hostAnswers(storage, editor.getState().hostsKey))) {
      world.setState({ retry: { host, id, node: sameSend(before) } });
      return; // the permission prompt asks; its Allow runs this again
    }
    editor.getState().notify("error", `${label} did not run`, [message]);
  } else if (executed?.status === "waiting") {
    editor.getState().notify("error", `${label} did not run`, ["A node above it has not run yet: press its ▶ first."]);
  } else if (executed?.status === "ok" && before.type === "write_file") {
    const pinned = editor.getState().doc.nodes.find((n) => n.id === id)?.pinned?.[0];
    if (pinned && typeof pinned.file === "string") await takeWritten(engine, pinned.file);
  }
}

/** An answer for `host`: the ▶ it held back runs now if allowed and the node is unchanged. */
export function answeredHost(engine: EngineClient, editor: StoreApi<Editor>, host: string, allowed: boolean) {
  const retry = world.getState().retry;
  if (retry?.host !== host) return;
  world.setState({ retry: null });
  const now = editor.getState().doc.nodes.find((n) => n.id === retry.id);
  if (allowed && now && sameSend(now) === retry.node) void executeNode(engine, editor, retry.id);
}

/** What a node would send: a move or a rename between ▶ and Allow changes nothing of it. */
const sameSend = (node: { type: string; params?: unknown }) => JSON.stringify([node.type, node.params ?? {}]);

/** The session's permissions and credentials for the workflow on the canvas: writes only
 * on ▶ (so `write` is granted), the hosts this browser allowed for it, the credentials. */
export function sendWorld(editor: StoreApi<Editor>, last: { hosts?: string }) {
  const hosts = allowedHosts(hostAnswers(storage, editor.getState().hostsKey));
  const key = JSON.stringify(hosts);
  if (last.hosts === key) return;
  const first = last.hosts === undefined;
  last.hosts = key;
  const ops = [{ op: "set_permissions", write: true, ...(hosts.length || !first ? { net: hosts.length ? hosts : false } : {}) }];
  if (first) ops.push({ op: "set_credentials", credentials: loadCredentials(storage) } as never);
  if (first) void editor.getState().edit(ops).then((answer) => credentialsRefused(editor, answer, ops.length - 1));
  else void editor.getState().edit(ops);
}

/** The credentials kept in this browser, to the session; one the engine refuses (a set
 * saved before it checked them, say) is named, and the session keeps the set before. */
export async function sendCredentials(editor: StoreApi<Editor>) {
  credentialsRefused(editor, await editor.getState().edit([{ op: "set_credentials", credentials: loadCredentials(storage) }]), 0);
}

/** The engine's reasons for refusing the set_credentials op at `index` of the answered edit, said. */
function credentialsRefused(editor: StoreApi<Editor>, answer: Answer | null, index: number) {
  const reasons = (answer?.rejected ?? []).filter((r) => r.index === index).map((r) => r.reason);
  if (reasons.length) editor.getState().notify("error", "The credentials were not sent to the engine", [...reasons, "Remove or fix it in Credentials."]);
}

/** Hosts the session refused this workflow's nodes (those on the canvas, in their order)
 * that this browser has not answered for it. */
export function hostsToAsk(editor: StoreApi<Editor>): string[] {
  const { hostsKey, results, doc } = editor.getState();
  const answers = hostAnswers(storage, hostsKey);
  const hosts = new Set<string>();
  for (const { id } of doc.nodes) {
    const message = results[id]?.error?.message;
    const host = deniedHost(message);
    if (host && !(host in answers)) hosts.add(host);
  }
  return [...hosts];
}
