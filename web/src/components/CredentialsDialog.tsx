// Credentials by name (world.md "Credentials"): kept in this browser, sent to the session
// with set_credentials, never exported and never shown back once saved.
import { useState } from "react";
import { useStore } from "zustand";
import { useEditorApi } from "../hooks";
import { browserStorage, loadCredentials, saveCredentials, type Credential } from "../lib/worldPrefs";
import { sendCredentials, world } from "../world";

/** What HTTP takes as a header name (a token), as the engine checks it. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TYPES = { bearer: ["token"], basic: ["user", "password"], header: ["name", "value"], query: ["name", "value"] } as const;
type Kind = keyof typeof TYPES;
const SECRET = new Set(["token", "password", "value"]);

export function CredentialsButton() {
  return (
    <button type="button" data-testid="credentials-button" onClick={() => world.setState({ panel: world.getState().panel === "credentials" ? null : "credentials" })} title="Credentials for http nodes, kept in this browser">
      Credentials
    </button>
  );
}

export function CredentialsDialog() {
  const api = useEditorApi();
  const open = useStore(world, (s) => s.panel === "credentials");
  const storage = browserStorage();
  const [saved, setSaved] = useState(() => loadCredentials(storage));
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("bearer");
  const [fields, setFields] = useState<{ [key: string]: string }>({});
  const [hosts, setHosts] = useState("");
  const [problem, setProblem] = useState("");
  if (!open) return null;

  const store = (next: typeof saved) => {
    saveCredentials(storage, next);
    setSaved(next);
    sendCredentials(api);
  };
  const add = () => {
    const list = hosts.split(/[\s,]+/).filter(Boolean);
    const missing = TYPES[kind].find((f) => !fields[f]);
    if (!name.trim()) return setProblem("Give the credential a name (the name http nodes use).");
    if (missing) return setProblem(`Fill in ${missing}.`);
    if (kind === "header" && !HEADER_NAME.test(fields.name)) return setProblem("The header name can hold letters, digits and !#$%&'*+.^_`|~- only.");
    if (!list.length) return setProblem("Name at least one host the credential may be sent to.");
    const credential = { type: kind, ...Object.fromEntries(TYPES[kind].map((f) => [f, fields[f]])), hosts: list } as Credential;
    store({ ...saved, [name.trim()]: credential });
    setName("");
    setFields({});
    setHosts("");
    setProblem("");
  };
  const remove = (key: string) => {
    const next = { ...saved };
    delete next[key];
    store(next);
  };

  return (
    <div className="fx-dialog fx-side-panel" role="dialog" aria-label="Credentials" data-testid="credentials-dialog">
      <h2>Credentials</h2>
      <p className="fx-muted">Kept in this browser only; an http node names one, and it is sent only to its hosts.</p>
      <ul className="fx-list">
        {Object.entries(saved).map(([key, c]) => (
          <li key={key} data-credential={key}>
            <strong>{key}</strong> {c.type} · {c.hosts.join(", ")} · secret saved
            <button type="button" aria-label={`Remove credential ${key}`} onClick={() => remove(key)}>
              Remove
            </button>
          </li>
        ))}
        {!Object.keys(saved).length && <li className="fx-muted">No credentials yet.</li>}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="credential-name" />
        </label>
        <label>
          Type{" "}
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="credential-type">
            {Object.keys(TYPES).map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        {TYPES[kind].map((f) => (
          <label key={f}>
            {f}{" "}
            <input
              type={SECRET.has(f) ? "password" : "text"}
              autoComplete="off"
              value={fields[f] ?? ""}
              onChange={(e) => setFields({ ...fields, [f]: e.target.value })}
              data-testid={f === "name" ? "credential-name-field" : `credential-${f}`} // the credential's own name is credential-name
            />
          </label>
        ))}
        <label>
          Hosts <input value={hosts} onChange={(e) => setHosts(e.target.value)} placeholder="api.example.com, *.example.com" data-testid="credential-hosts" />
        </label>
        {problem && <p className="fx-bad" role="alert">{problem}</p>}
        <button type="submit">Save credential</button>
        <button type="button" onClick={() => world.setState({ panel: null })}>
          Close
        </button>
      </form>
    </div>
  );
}
