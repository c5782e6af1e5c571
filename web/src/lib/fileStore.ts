// The editor's files (world.md "Files"), kept in the browser's IndexedDB so they survive a
// reload. Workflows name files ("orders.csv"); the worker writes these into the session's
// files folder before a run reads them (components/FilesPanel.tsx).

export type StoredFile = { name: string; size: number; modified: number; data: Uint8Array };

const DB = "nodefox-files";
const STORE = "files";

let opened: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "name" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB is not available"));
  });
  return opened;
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const database = await db();
  return new Promise<T>((resolve, reject) => {
    const tx = database.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? new Error("the file store failed"));
  });
}

/** Every stored file, by name. */
export async function listFiles(): Promise<StoredFile[]> {
  const files = await run<StoredFile[]>("readonly", (s) => s.getAll() as IDBRequest<StoredFile[]>);
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

export async function putFile(name: string, data: Uint8Array, modified = Date.now()): Promise<StoredFile> {
  const file = { name, size: data.byteLength, modified, data };
  await run("readwrite", (s) => s.put(file));
  return file;
}

export async function removeFile(name: string): Promise<void> {
  await run("readwrite", (s) => s.delete(name));
}

/** A name the engine accepts for a dropped file: its base name, no folders. */
export function storedName(name: string): string {
  return name.split(/[\\/]/).pop()!.trim() || "file";
}
