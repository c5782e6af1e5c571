// What this browser remembers about the world, never in an exported document
// (world.md): the hosts each workflow was allowed or denied, and the credentials.

export type Credential =
  | { type: "bearer"; token: string; hosts: string[] }
  | { type: "basic"; user: string; password: string; hosts: string[] }
  | { type: "header" | "query"; name: string; value: string; hosts: string[] };
export type Credentials = { [name: string]: Credential };

const PERMISSIONS_KEY = "nodefox.permissions";
const CREDENTIALS_KEY = "nodefox.credentials";

function read<T>(storage: Storage | null, key: string, fallback: T): T {
  try {
    const text = storage?.getItem(key);
    const value = text ? JSON.parse(text) : null;
    return value && typeof value === "object" ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

function write(storage: Storage | null, key: string, value: unknown) {
  try {
    storage?.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the answer holds for this page only */
  }
}

/** The answers given for one workflow: host -> allowed. A workflow is known by its key (the
 * editor's `hostsKey`): its entry in this browser's list or its workspace file, never its
 * name, which a stranger's file can copy. */
export type HostAnswers = { [host: string]: boolean };

/** The key of a workflow that came from elsewhere (a file, an example, a paste): a new one,
 * under which nothing was ever answered. */
export const freshHostsKey = () => `new:${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export function hostAnswers(storage: Storage | null, workflow: string): HostAnswers {
  return read<{ [workflow: string]: HostAnswers }>(storage, PERMISSIONS_KEY, {})[workflow] ?? {};
}

export function rememberHost(storage: Storage | null, workflow: string, host: string, allowed: boolean) {
  const all = read<{ [workflow: string]: HostAnswers }>(storage, PERMISSIONS_KEY, {});
  all[workflow] = { ...(all[workflow] ?? {}), [host]: allowed };
  write(storage, PERMISSIONS_KEY, all);
}

/** The hosts to send with set_permissions for this workflow. */
export const allowedHosts = (answers: HostAnswers) => Object.keys(answers).filter((h) => answers[h]).sort();

export function loadCredentials(storage: Storage | null): Credentials {
  return read<Credentials>(storage, CREDENTIALS_KEY, {});
}

export function saveCredentials(storage: Storage | null, credentials: Credentials) {
  write(storage, CREDENTIALS_KEY, credentials);
}

/** The page's storage, or null where it is disabled. */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
