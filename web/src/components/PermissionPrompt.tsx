// The first time a workflow wants a host it was not allowed (the engine's permission
// message names it), the editor asks; the answer is kept per workflow in this browser and
// sent with set_permissions, never exported (world.md "Permissions"). Also keeps the
// session in step with this browser: its files, allowed hosts and credentials.
import { useEffect, useRef } from "react";
import { useStore } from "zustand";
import { useEditorApi, useEngine } from "../hooks";
import { browserStorage, rememberHost } from "../lib/worldPrefs";
import { answeredHost, hostsToAsk, sendWorld, syncFiles, world } from "../world";

/** How long after the last edit the page waits to ask while a text field has the focus: a
 * URL typed key by key is asked about once, for the host it ends with, not for each host
 * on the way ("a", "ap", "api.…"), and the prompt never takes the keys typed. */
export const ASK_AFTER_MS = 1000;

/** Whether the focus is in a field the person types in (the prompt's own buttons are not). */
export function typingInField(): boolean {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el.closest('[data-testid="permission-prompt"]')) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement) return true;
  return el instanceof HTMLInputElement && !["button", "checkbox", "radio", "submit", "reset", "file", "range", "color"].includes(el.type);
}

export function WorldSync() {
  const api = useEditorApi();
  const engine = useEngine();
  const last = useRef<{ hosts?: string }>({});
  useEffect(() => {
    sendWorld(api, last.current);
    void syncFiles(engine, api);
    let key = api.getState().hostsKey;
    let lastEdit = -Infinity;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** Ask about the hosts the results ask for now: at once, unless a text field is being
     * typed in (then once it is left, or after ASK_AFTER_MS without an edit). A host asked
     * about that the results no longer ask for (typed past, the node removed) is dropped. */
    const check = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const wanted = hostsToAsk(api);
      const asking = world.getState().asking;
      let next = asking.filter((h) => wanted.includes(h));
      const quiet = performance.now() - lastEdit;
      if (typingInField() && quiet < ASK_AFTER_MS) {
        if (wanted.some((h) => !next.includes(h))) timer = setTimeout(check, ASK_AFTER_MS - quiet + 10);
      } else next = [...next, ...wanted.filter((h) => !next.includes(h))];
      if (next.length !== asking.length || next.some((h, i) => h !== asking[i])) world.setState({ asking: next });
    };
    // leaving a field: ask once the focus has landed (another field keeps the wait)
    const onFocusOut = () => setTimeout(check, 0);
    document.addEventListener("focusout", onFocusOut);
    check();
    const unsubscribe = api.subscribe((state, prev) => {
      if (state.hostsKey !== key) {
        key = state.hostsKey;
        world.setState({ asking: [] }); // the workflow before's questions are not this one's
        sendWorld(api, last.current); // another workflow: its own answers
      }
      if (state.doc !== prev.doc) lastEdit = performance.now();
      if (state.results !== prev.results || state.hostsKey !== prev.hostsKey) check();
    });
    return () => {
      unsubscribe();
      document.removeEventListener("focusout", onFocusOut);
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, engine]);
  return null;
}

export function PermissionPrompt() {
  const api = useEditorApi();
  const engine = useEngine();
  const host = useStore(world, (s) => s.asking[0]);
  const last = useRef<{ hosts?: string }>({ hosts: "" });
  const allow = useRef<HTMLButtonElement>(null);
  // the prompt takes the focus, unless it came while the person types in a field (their
  // next keys go on into the field; Tab or a click reaches the prompt)
  useEffect(() => {
    if (host && !typingInField()) allow.current?.focus();
  }, [host]);
  if (!host) return null;
  const answer = (allowed: boolean) => {
    rememberHost(browserStorage(), api.getState().hostsKey, host, allowed);
    world.setState({ asking: world.getState().asking.filter((h) => h !== host) });
    last.current.hosts = ""; // always send: the session's hosts change
    if (allowed) sendWorld(api, last.current);
    answeredHost(engine, api, host, allowed); // a ▶ held back for this host: now, or never
  };
  return (
    <div className="fx-dialog fx-permission" role="alertdialog" aria-labelledby="fx-permission-text" data-testid="permission-prompt" data-host={host}>
      <p id="fx-permission-text">
        This workflow wants to contact <strong>{host}</strong>
      </p>
      <p className="fx-muted">Your answer is kept in this browser for this workflow, never in the exported file.</p>
      <button ref={allow} type="button" onClick={() => answer(true)}>
        Allow
      </button>
      <button type="button" onClick={() => answer(false)}>
        Deny
      </button>
    </div>
  );
}
