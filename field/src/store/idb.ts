/**
 * The app's one IndexedDB database, `alongside-field`, as promises: the
 * `chunks` store (encrypted document chunks, keyed by their storage key
 * joined with "/") and the `meta` store (the vault, the encrypted
 * session, the PIN attempt counter). A write resolves only once its
 * transaction has committed, so "saved" means on disk.
 */

const NAME = "alongside-field";
export type StoreName = "chunks" | "meta";

let opened: Promise<IDBDatabase> | null = null;

/** The database, opened (and created) once per page. */
export function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("chunks");
      request.result.createObjectStore("meta");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error));
  });
  return opened;
}

/** IndexedDB refused a write for quota: nothing was written, nothing
 * written before is touched. The change stays in the open app's memory
 * (automerge-repo saves whatever it has not saved yet on the next write,
 * and the connection retries), and the message says so. */
export class StorageFull extends Error {
  constructor() {
    super(
      "Not saved on this phone: its storage is full. Everything saved before is kept. " +
        "This change is held while the app stays open and saved by itself once there is room: " +
        "free some space and keep the app open.",
    );
    this.name = "StorageFull";
  }
}

/** A quota or disk problem, in words; anything else as it came. */
export function storageError(error: DOMException | null): Error {
  if (error?.name === "QuotaExceededError") return new StorageFull();
  return new Error(error?.message ?? "The device's storage failed.");
}

async function run<T>(store: StoreName, mode: IDBTransactionMode, body: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode, { durability: "strict" });
    const request = body(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(storageError(tx.error));
    tx.onabort = () => reject(storageError(tx.error));
  });
}

export const get = <T>(store: StoreName, key: string) => run<T | undefined>(store, "readonly", (s) => s.get(key));
export const put = (store: StoreName, key: string, value: unknown) =>
  run(store, "readwrite", (s) => s.put(value, key)).then(() => undefined);
export const remove = (store: StoreName, key: string) => run(store, "readwrite", (s) => s.delete(key));

/** The keys and values whose key starts with `prefix` (as text). */
export async function range<T>(store: StoreName, prefix: string): Promise<[string, T][]> {
  const bounds = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  const [keys, values] = await Promise.all([
    run(store, "readonly", (s) => s.getAllKeys(bounds)),
    run(store, "readonly", (s) => s.getAll(bounds)),
  ]);
  return keys.map((k, i) => [String(k), values[i] as T]);
}

/** Deletes `keys`, in one transaction. */
export async function removeKeys(store: StoreName, keys: string[]): Promise<void> {
  const db = await database();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(store, "readwrite", { durability: "strict" });
    for (const key of keys) tx.objectStore(store).delete(key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(storageError(tx.error));
    tx.onabort = () => reject(storageError(tx.error));
  });
}

/** Deletes the whole database (a revoked device). */
export async function wipe(): Promise<void> {
  const db = await database();
  db.close();
  opened = null;
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(storageError(request.error));
  });
}
