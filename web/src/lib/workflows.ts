// Where the editor's workflows live: as files in the server's workspace (`nodefox serve DIR`,
// WorkspaceSync) or, without one, in a list in this browser (BrowserList). One per editor
// store, made on first use; which one is known once `/api/session` has answered.
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Editor } from "../store";
import { BrowserList } from "./browserList";
import { WorkspaceApi } from "./workspace";
import { WorkspaceSync } from "./workspaceSync";

export type Workflows = {
  phase: "connecting" | "workspace" | "browser";
  server: WorkspaceApi | null; // the API, also without a workspace folder (then `sync` is null)
  sync: WorkspaceSync | null;
  list: BrowserList | null;
  panel: "workflows" | "executions" | null; // the drawer shown
};

const hubs = new WeakMap<StoreApi<Editor>, StoreApi<Workflows>>();

function localStorageOrNull(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function workflowsOf(editor: StoreApi<Editor>): StoreApi<Workflows> {
  let hub = hubs.get(editor);
  if (hub) return hub;
  const made = createStore<Workflows>()(() => ({ phase: "connecting", server: null, sync: null, list: null, panel: null }));
  hubs.set(editor, made);
  const storage = localStorageOrNull();
  void WorkspaceApi.connect().then(async (server) => {
    if (server?.hasWorkspace) {
      const sync = new WorkspaceSync(server, editor, storage);
      made.setState({ phase: "workspace", server, sync });
      await sync.start();
    } else {
      made.setState({ phase: "browser", server, list: new BrowserList(editor, storage) });
    }
  });
  hub = made;
  return hub;
}
