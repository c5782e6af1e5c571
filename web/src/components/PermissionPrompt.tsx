// The first time a workflow wants a host it was not allowed (the engine's permission
// message names it), the editor asks; the answer is kept per workflow in this browser and
// sent with set_permissions, never exported (world.md "Permissions"). Also keeps the
// session in step with this browser: its files, allowed hosts and credentials.
import { useEffect, useRef } from "react";
import { useStore } from "zustand";
import { useEditorApi, useEngine } from "../hooks";
import { browserStorage, rememberHost } from "../lib/worldPrefs";
import { hostsToAsk, sendWorld, syncFiles, world } from "../world";

export function WorldSync() {
  const api = useEditorApi();
  const engine = useEngine();
  const last = useRef<{ hosts?: string }>({});
  useEffect(() => {
    sendWorld(api, last.current);
    void syncFiles(engine, api);
    let key = api.getState().hostsKey;
    let results = api.getState().results;
    return api.subscribe((state) => {
      if (state.hostsKey !== key) {
        key = state.hostsKey;
        world.setState({ asking: [] }); // the workflow before's questions are not this one's
        sendWorld(api, last.current); // another workflow: its own answers
      }
      if (state.results !== results) {
        results = state.results;
        const asking = world.getState().asking;
        const fresh = hostsToAsk(api).filter((h) => !asking.includes(h));
        if (fresh.length) world.setState({ asking: [...asking, ...fresh] });
      }
    });
  }, [api, engine]);
  return null;
}

export function PermissionPrompt() {
  const api = useEditorApi();
  const host = useStore(world, (s) => s.asking[0]);
  const last = useRef<{ hosts?: string }>({ hosts: "" });
  if (!host) return null;
  const answer = (allowed: boolean) => {
    rememberHost(browserStorage(), api.getState().hostsKey, host, allowed);
    world.setState({ asking: world.getState().asking.filter((h) => h !== host) });
    last.current.hosts = ""; // always send: the session's hosts change
    if (allowed) sendWorld(api, last.current);
  };
  return (
    <div className="fx-dialog fx-permission" role="alertdialog" aria-labelledby="fx-permission-text" data-testid="permission-prompt" data-host={host}>
      <p id="fx-permission-text">
        This workflow wants to contact <strong>{host}</strong>
      </p>
      <p className="fx-muted">Your answer is kept in this browser for this workflow, never in the exported file.</p>
      <button type="button" onClick={() => answer(true)} autoFocus>
        Allow
      </button>
      <button type="button" onClick={() => answer(false)}>
        Deny
      </button>
    </div>
  );
}
