// The Workflows drawer: the workspace's files (name, last change, node count) or, without a
// workspace, the workflows kept in this browser; open, create, duplicate, rename, delete.
// And the bar that says the open file changed on disk: "Reload from disk" or "Keep mine".
import { useState, type FormEvent } from "react";
import { useStore } from "zustand";
import { useEditorApi } from "../hooks";
import { workflowsOf } from "../lib/workflows";
import { nameProblem } from "../lib/workspace";
import type { BrowserList } from "../lib/browserList";
import type { WorkspaceSync } from "../lib/workspaceSync";
import "../workspace.css";

export function useWorkflows() {
  return workflowsOf(useEditorApi());
}

const when = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
};

const STATUS_TEXT = {
  none: "not in the workspace",
  saved: "saved",
  unsaved: "unsaved…",
  saving: "saving…",
  conflict: "changed on disk",
  deleted: "deleted on disk",
  error: "not saved",
} as const;

/** Toolbar buttons: the drawer toggles and, in a workspace, the open file and whether it is saved. */
export function WorkspaceButtons() {
  const hub = useWorkflows();
  const { phase, panel, sync, server } = useStore(hub);
  const toggle = (which: "workflows" | "executions") => hub.setState({ panel: panel === which ? null : which });
  return (
    <>
      <button type="button" aria-expanded={panel === "workflows"} data-testid="workflows-button" onClick={() => toggle("workflows")} title="The workflows you keep">
        Workflows
      </button>
      {server?.hasWorkspace && (
        <button type="button" aria-expanded={panel === "executions"} data-testid="executions-button" onClick={() => toggle("executions")} title="Recorded executions">
          Executions
        </button>
      )}
      {phase === "workspace" && sync && <SaveState sync={sync} />}
    </>
  );
}

function SaveState({ sync }: { sync: WorkspaceSync }) {
  const { file, status, message } = useStore(sync.state);
  return (
    <span className={`fx-save-state ${status}`} data-testid="save-state" data-state={status} role="status" title={message}>
      {file ? `${file}.json · ${STATUS_TEXT[status]}` : "not saved in the workspace"}
    </span>
  );
}

/** A name asked for in place (New, Duplicate, Rename, Save as). */
function NameForm({ label, initial, submit, cancel, check = nameProblem }: {
  label: string;
  initial: string;
  submit: (name: string) => Promise<unknown>;
  cancel: () => void;
  check?: (name: string) => string | null;
}) {
  const [name, setName] = useState(initial);
  const problem = name ? check(name) : null;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!name || problem) return;
    void submit(name).then(cancel);
  };
  return (
    <form className="fx-name-form" onSubmit={onSubmit} onKeyDown={(e) => e.key === "Escape" && cancel()}>
      <input autoFocus aria-label={label} data-testid="name-input" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" disabled={!name || !!problem}>
        {label}
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
      {problem && <div className="fx-bad fx-small">{problem}</div>}
    </form>
  );
}

type Asking = { kind: "new" | "saveas" } | { kind: "duplicate" | "rename" | "delete"; name: string } | null;

/** Opening a workflow closes the drawer: the canvas is what the person wants to see then. */
function WorkspaceList({ sync, done }: { sync: WorkspaceSync; done: () => void }) {
  const { entries, file } = useStore(sync.state);
  const [asking, setAsking] = useState<Asking>(null);
  const close = () => setAsking(null);
  const taken = (name: string) => nameProblem(name) ?? (entries.some((e) => e.name === name) ? `${name}.json already exists` : null);
  return (
    <>
      <div className="fx-drawer-actions">
        <button type="button" data-testid="workflow-new" onClick={() => setAsking({ kind: "new" })}>
          New workflow
        </button>
        {!file && (
          <button type="button" data-testid="workflow-save-as" onClick={() => setAsking({ kind: "saveas" })} title="Keep the workflow on the canvas as a file">
            Save as file…
          </button>
        )}
      </div>
      {asking?.kind === "new" && <NameForm label="Create" initial="" check={taken} submit={(n) => sync.create(n).then((ok) => ok && done())} cancel={close} />}
      {asking?.kind === "saveas" && <NameForm label="Save" initial="" check={taken} submit={(n) => sync.saveAs(n)} cancel={close} />}
      {entries.length === 0 && <p className="fx-muted">No workflows in this folder yet.</p>}
      <ul className="fx-entries">
        {entries.map((entry) => (
          <li key={entry.name} data-testid="workflow-entry" data-name={entry.name} className={entry.name === file ? "open" : undefined}>
            <button type="button" className="fx-entry-open" onClick={() => void sync.open(entry.name).then((ok) => ok && done())} disabled={!!entry.problem} title={entry.problem ?? `Open ${entry.file}`}>
              <strong>{entry.name}</strong>
              <span className="fx-muted fx-small">
                {when(entry.modified)} · {entry.problem ?? `${entry.nodes} node${entry.nodes === 1 ? "" : "s"}`}
              </span>
            </button>
            <span className="fx-entry-actions">
              <button type="button" onClick={() => setAsking({ kind: "duplicate", name: entry.name })} aria-label={`Duplicate ${entry.name}`}>
                Duplicate
              </button>
              <button type="button" onClick={() => setAsking({ kind: "rename", name: entry.name })} aria-label={`Rename ${entry.name}`}>
                Rename
              </button>
              <button type="button" onClick={() => setAsking({ kind: "delete", name: entry.name })} aria-label={`Delete ${entry.name}`}>
                Delete
              </button>
            </span>
            {asking && "name" in asking && asking.name === entry.name && asking.kind === "duplicate" && (
              <NameForm label="Duplicate" initial={`${entry.name} copy`} check={taken} submit={(n) => sync.duplicate(entry.name, n)} cancel={close} />
            )}
            {asking && "name" in asking && asking.name === entry.name && asking.kind === "rename" && (
              <NameForm label="Rename" initial={entry.name} check={taken} submit={(n) => sync.rename(entry.name, n)} cancel={close} />
            )}
            {asking && "name" in asking && asking.name === entry.name && asking.kind === "delete" && (
              <div className="fx-confirm" role="alertdialog" aria-label={`Delete ${entry.file}?`}>
                Delete {entry.file} from the folder?{" "}
                <button type="button" data-testid="confirm-delete" onClick={() => void sync.remove(entry.name).then(close)}>
                  Delete
                </button>
                <button type="button" onClick={close}>
                  Cancel
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function BrowserWorkflows({ list, done }: { list: BrowserList; done: () => void }) {
  const { entries, current } = useStore(list.state);
  const [asking, setAsking] = useState<{ kind: "rename" | "delete"; id: string } | null>(null);
  const close = () => setAsking(null);
  const anyName = (name: string) => (name.trim() ? null : "a name, please");
  return (
    <>
      <p className="fx-muted fx-small">Kept in this browser (start nodefox serve DIR to keep workflows as files).</p>
      <div className="fx-drawer-actions">
        <button type="button" data-testid="workflow-new" onClick={() => void list.create().then((ok) => ok && done())}>
          New workflow
        </button>
      </div>
      <ul className="fx-entries">
        {entries.map((entry) => (
          <li key={entry.id} data-testid="workflow-entry" data-name={entry.name} className={entry.id === current ? "open" : undefined}>
            <button type="button" className="fx-entry-open" onClick={() => (entry.id === current ? done() : void list.open(entry.id).then((ok) => ok && done()))} title={entry.id === current ? "On the canvas" : `Open ${entry.name}`}>
              <strong>{entry.name}</strong>
              <span className="fx-muted fx-small">
                {when(entry.modified)} · {entry.nodes} node{entry.nodes === 1 ? "" : "s"}
                {entry.id === current && " · open"}
              </span>
            </button>
            <span className="fx-entry-actions">
              <button type="button" onClick={() => list.duplicate(entry.id)} aria-label={`Duplicate ${entry.name}`}>
                Duplicate
              </button>
              <button type="button" onClick={() => setAsking({ kind: "rename", id: entry.id })} aria-label={`Rename ${entry.name}`}>
                Rename
              </button>
              <button type="button" onClick={() => setAsking({ kind: "delete", id: entry.id })} aria-label={`Delete ${entry.name}`}>
                Delete
              </button>
            </span>
            {asking?.id === entry.id && asking.kind === "rename" && (
              <NameForm label="Rename" initial={entry.name} check={anyName} submit={(n) => list.rename(entry.id, n)} cancel={close} />
            )}
            {asking?.id === entry.id && asking.kind === "delete" && (
              <div className="fx-confirm" role="alertdialog" aria-label={`Delete ${entry.name}?`}>
                Delete “{entry.name}” from this browser?{" "}
                <button type="button" data-testid="confirm-delete" onClick={() => void list.remove(entry.id).then(close)}>
                  Delete
                </button>
                <button type="button" onClick={close}>
                  Cancel
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The open file changed (or went) on disk: the person chooses; nothing is saved meanwhile. */
function DiskChanged({ sync }: { sync: WorkspaceSync }) {
  const { file, status, message } = useStore(sync.state);
  if (!file || (status !== "conflict" && status !== "deleted" && status !== "error")) return null;
  if (status === "error")
    return (
      <div className="fx-disk-bar" role="alert" data-testid="save-error">
        {file}.json could not be saved: {message}{" "}
        <button type="button" onClick={() => void sync.keepMine()}>
          Try again
        </button>
      </div>
    );
  return (
    <div className="fx-disk-bar" role="alertdialog" aria-labelledby="fx-disk-title" data-testid="disk-changed">
      <strong id="fx-disk-title">
        {status === "deleted" ? `${file}.json was deleted on disk.` : `${file}.json was changed on disk.`}
      </strong>{" "}
      Your edits are not saved until you choose.{" "}
      {status === "conflict" && (
        <button type="button" className="fx-primary" data-testid="reload-from-disk" onClick={() => void sync.reload()}>
          Reload from disk
        </button>
      )}
      <button type="button" data-testid="keep-mine" onClick={() => void sync.keepMine()}>
        {status === "deleted" ? "Save it again" : "Keep mine"}
      </button>
    </div>
  );
}

export function WorkspacePanel() {
  const hub = useWorkflows();
  const { phase, panel, sync, list } = useStore(hub);
  const close = () => hub.setState({ panel: null });
  return (
    <>
      {sync && <DiskChanged sync={sync} />}
      {panel === "workflows" && (
        <aside className="fx-drawer" data-testid="workflows-panel" aria-label="Workflows">
          <header className="fx-drawer-head">
            <strong>{phase === "workspace" ? `Workflows in ${sync?.api.session.workspace?.name ?? "the folder"}` : "Workflows"}</strong>
            <button type="button" className="fx-icon" aria-label="Close" onClick={close}>
              ✕
            </button>
          </header>
          {phase === "connecting" && <p className="fx-muted">Looking for a workspace…</p>}
          {sync && <WorkspaceList sync={sync} done={close} />}
          {list && <BrowserWorkflows list={list} done={close} />}
        </aside>
      )}
    </>
  );
}
