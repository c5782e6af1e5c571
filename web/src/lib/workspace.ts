// The workspace API of `nodefox serve DIR` (docs/protocol.md), for the editor: the page asks
// for the per-start token once, then sends it on every call. Without a workspace (a plain
// `nodefox serve`, or any static server) `connect` gives null and the editor keeps its
// workflows in the browser (browserList.ts).

export type Session = {
  version: string;
  token: string;
  triggers: boolean;
  workspace: null | { name: string; files: string };
};

export type Entry = { name: string; file: string; modified: string; nodes: number | null; etag: string; size: number; problem?: string };

export type ExecutionStatus = "queued" | "running" | "ok" | "error" | "failed";
export const EXECUTION_STATUSES: ExecutionStatus[] = ["queued", "running", "ok", "error", "failed"];

export type ExecutionRow = {
  id: number;
  workflow: string;
  hash: string;
  trigger: string;
  queued: string;
  started: string | null;
  finished: string | null;
  status: ExecutionStatus;
  error: string | null;
};

/** A run result as `nodefox run` prints it (the canonical part). */
export type RunResult = {
  status: string;
  now?: string;
  order?: string[];
  nodes: { [id: string]: { status: string; outputs?: { [port: string]: unknown[] }; error?: { message: string; path?: string } } };
};

export type Execution = ExecutionRow & { input: unknown[] | null; result: RunResult | null };

/** A refusal from the API: its status, message and, for a 409, the file's current ETag. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly etag: string | null = null,
  ) {
    super(message);
  }
}

const TOKEN_HEADER = "X-NodeFox-Token";

export class WorkspaceApi {
  constructor(readonly session: Session) {}

  /** The server's session, or null when this page's server has no workspace API. */
  static async connect(): Promise<WorkspaceApi | null> {
    try {
      const response = await fetch("/api/session", { cache: "no-store" });
      if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return null;
      const session = (await response.json()) as Session;
      return typeof session?.token === "string" ? new WorkspaceApi(session) : null;
    } catch {
      return null;
    }
  }

  get hasWorkspace(): boolean {
    return this.session.workspace !== null;
  }

  private async call(method: string, path: string, options: { body?: unknown; ifMatch?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { [TOKEN_HEADER]: this.session.token };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    const response = await fetch(path, {
      method,
      headers,
      cache: "no-store",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) {
      let message = `${method} ${path}: ${response.status}`;
      let etag: string | null = null;
      try {
        const body = await response.json();
        message = body.error ?? message;
        etag = body.etag ?? null;
      } catch {
        /* no JSON body: the status says it */
      }
      throw new ApiError(response.status, message, etag);
    }
    return response;
  }

  private static path(name: string) {
    return `/api/workflows/${encodeURIComponent(name)}`;
  }

  async list(): Promise<Entry[]> {
    return (await (await this.call("GET", "/api/workflows")).json()).workflows;
  }

  /** The file's document (parsed) and ETag, and its bytes' text (for the execution's hash). */
  async read(name: string): Promise<{ doc: unknown; etag: string; text: string }> {
    const response = await this.call("GET", WorkspaceApi.path(name));
    const text = await response.text();
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, `${name}.json is not valid JSON: ${(error as Error).message}`);
    }
    return { doc, etag: response.headers.get("ETag") ?? "", text };
  }

  async create(name: string, document?: unknown): Promise<string> {
    return (await (await this.call("POST", "/api/workflows", { body: document === undefined ? { name } : { name, document } })).json()).etag;
  }

  /** Save over the version `etag` names (null: only if the file does not exist yet). */
  async save(name: string, document: unknown, etag: string | null): Promise<string> {
    return (await (await this.call("PUT", WorkspaceApi.path(name), { body: document, ifMatch: etag })).json()).etag;
  }

  async remove(name: string, etag?: string | null): Promise<void> {
    await this.call("DELETE", WorkspaceApi.path(name), { ifMatch: etag });
  }

  async duplicate(name: string, newName: string): Promise<string> {
    return (await (await this.call("POST", `${WorkspaceApi.path(name)}/duplicate`, { body: { name: newName } })).json()).etag;
  }

  async rename(name: string, newName: string, etag?: string | null): Promise<string> {
    return (await (await this.call("POST", `${WorkspaceApi.path(name)}/rename`, { body: { name: newName }, ifMatch: etag })).json()).etag;
  }

  async executions(filter: { workflow?: string; status?: string; limit?: number } = {}): Promise<ExecutionRow[]> {
    const query = new URLSearchParams();
    if (filter.workflow) query.set("workflow", filter.workflow);
    if (filter.status) query.set("status", filter.status);
    query.set("limit", String(filter.limit ?? 100));
    return (await (await this.call("GET", `/api/executions?${query}`)).json()).executions;
  }

  async execution(id: number): Promise<Execution> {
    return (await this.call("GET", `/api/executions/${id}`)).json();
  }
}

/** JSON with object keys sorted: two documents that differ only in key order compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** sha256 of a text's UTF-8 bytes, as hex (what an execution's `hash` is of its file). */
export async function sha256(text: string): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A workflow name the workspace takes (workspace.py's rule), or why not. */
export function nameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/.test(name) || name.includes("..") || name.endsWith(".json"))
    return "use letters, digits, space, _, - and ., starting with a letter or digit (at most 100 characters, no .. or .json)";
  return null;
}
