// The Files panel and dropping files on the canvas (world.md "Files"): files kept in this
// browser, listed with size and date, downloadable, removable; a dropped CSV offers a
// read_file node for it. Also "Export with files" and opening such a zip.
import { useReactFlow } from "@xyflow/react";
import type { ReactNode } from "react";
import { useStore } from "zustand";
import type { StoreApi } from "zustand/vanilla";
import type { EngineClient } from "../engine/client";
import { useEditorApi, useEngine } from "../hooks";
import { downloadBytes } from "../lib/download";
import { listFiles, storedName } from "../lib/fileStore";
import { freshId, freshName } from "../lib/graph";
import { namedFiles, unzipWorkflow, zipWorkflow } from "../lib/zip";
import type { Editor } from "../store";
import { addFiles, dropFile, world } from "../world";

const READABLE = /\.(csv|tsv|json|ndjson|xlsx|txt)$/i;

function size(bytes: number) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function fromInput(list: FileList | File[]) {
  return Promise.all([...list].map(async (f) => ({ name: storedName(f.name), data: new Uint8Array(await f.arrayBuffer()) })));
}

export function FilesButton() {
  return (
    <button type="button" data-testid="files-button" onClick={() => world.setState({ panel: world.getState().panel === "files" ? null : "files" })} title="Files kept in this browser, which workflows read and write">
      Files
    </button>
  );
}

export function FilesPanel() {
  const api = useEditorApi();
  const engine = useEngine();
  const open = useStore(world, (s) => s.panel === "files");
  const files = useStore(world, (s) => s.files);
  if (!open) return null;
  const save = async (name: string) => {
    const file = (await listFiles()).find((f) => f.name === name);
    if (file) downloadBytes(name, file.data);
  };
  return (
    <div className="fx-dialog fx-side-panel" role="dialog" aria-label="Files" data-testid="files-panel">
      <h2>Files</h2>
      <p className="fx-muted">Kept in this browser. Workflows name them (read_file, write_file); exported workflows do not carry them.</p>
      <ul className="fx-list">
        {files.map((f) => (
          <li key={f.name} data-file={f.name}>
            <strong>{f.name}</strong> <span data-testid="file-size">{size(f.size)}</span> · <time dateTime={new Date(f.modified).toISOString()}>{new Date(f.modified).toLocaleString()}</time>
            <button type="button" aria-label={`Download ${f.name}`} onClick={() => void save(f.name)}>
              Download
            </button>
            <button type="button" aria-label={`Remove ${f.name}`} onClick={() => void dropFile(engine, api, f.name)}>
              Remove
            </button>
          </li>
        ))}
        {!files.length && <li className="fx-muted">No files yet: add some, or drop them on the canvas.</li>}
      </ul>
      <label className="fx-button">
        Add files…{" "}
        <input
          type="file"
          multiple
          data-testid="add-files"
          onChange={async (e) => {
            const list = e.target.files ? [...e.target.files] : [];
            e.target.value = "";
            if (list.length) await addFiles(engine, api, await fromInput(list));
          }}
        />
      </label>
      <button type="button" onClick={() => world.setState({ panel: null })}>
        Close
      </button>
    </div>
  );
}

/** Files dropped on the canvas go to the store; a readable one offers a read_file node. */
export function FileDrop({ children }: { children: ReactNode }) {
  const api = useEditorApi();
  const engine = useEngine();
  const flow = useReactFlow();
  return (
    <div
      className="fx-file-drop"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes("Files")) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }
      }}
      onDrop={async (e) => {
        if (!e.dataTransfer.files?.length) return;
        e.preventDefault();
        const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        const added = await fromInput(e.dataTransfer.files);
        await addFiles(engine, api, added);
        const readable = added.find((f) => READABLE.test(f.name));
        if (readable) world.setState({ offer: { file: readable.name, at: [Math.round(at.x - 90), Math.round(at.y - 30)] } });
        else api.getState().notify("info", `Kept ${added.map((f) => f.name).join(", ")} in this browser's files`);
      }}
    >
      {children}
    </div>
  );
}

/** "Add a read_file node for orders.csv?" after a drop. */
export function ReadFileOffer() {
  const api = useEditorApi();
  const offer = useStore(world, (s) => s.offer);
  if (!offer) return null;
  const add = async () => {
    world.setState({ offer: null });
    const { doc, types } = api.getState();
    const type = types.get("read_file");
    const id = freshId(doc.nodes.map((n) => n.id));
    const node = { id, type: "read_file", name: freshName(doc, offer.file), position: offer.at, params: { file: offer.file } };
    if (!type) return api.getState().notify("error", "This engine has no read_file node");
    api.getState().select([id]);
    await api.getState().edit([{ op: "add_node", node }]);
  };
  return (
    <div className="fx-dialog fx-permission" role="alertdialog" aria-label="Add a node for the file" data-testid="file-offer">
      <p>
        <strong>{offer.file}</strong> is kept in this browser's files. Add a read_file node that reads it?
      </p>
      <button type="button" autoFocus onClick={() => void add()}>
        Add node
      </button>
      <button type="button" onClick={() => world.setState({ offer: null })}>
        Not now
      </button>
    </div>
  );
}

/** A zip of the workflow and the files it names (all stored files when a name is an expression). */
export async function exportWithFiles(api: StoreApi<Editor>) {
  const doc = api.getState().doc;
  const names = namedFiles(doc);
  const files = (await listFiles()).filter((f) => !names || names.has(f.name));
  const base = (doc.name || "workflow").replace(/[^\w.-]+/g, "-").replace(/^-|-$/g, "") || "workflow";
  downloadBytes(`${base}.zip`, zipWorkflow(doc, files), "application/zip");
}

/** Open a zip made by "Export with files": its files into the store, then the workflow. */
export async function openZip(api: StoreApi<Editor>, engine: EngineClient, bytes: Uint8Array, source: string) {
  let opened;
  try {
    opened = unzipWorkflow(bytes);
  } catch (error) {
    api.getState().notify("error", `Cannot open ${source}`, [String((error as Error).message ?? error)]);
    return false;
  }
  let value: unknown;
  try {
    value = JSON.parse(opened.text);
  } catch (error) {
    api.getState().notify("error", `Cannot open ${source}`, [`workflow.json is not valid JSON: ${(error as Error).message}`]);
    return false;
  }
  if (opened.files.length) await addFiles(engine, api, opened.files);
  return openFromOutside(api, value, source);
}

/** A document from a file: through `replace` where the store has it (it asks before
 * replacing the canvas and treats the file as a stranger's), else `open`. */
export function openFromOutside(api: StoreApi<Editor>, value: unknown, source: string): Promise<boolean> {
  const state = api.getState() as Editor & { replace?: Editor["open"] };
  return state.replace ? state.replace(value, source) : state.open(value, source);
}
