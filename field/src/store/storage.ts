/**
 * automerge-repo's storage, encrypted: each chunk is sealed under the data
 * key before it reaches IndexedDB, and opened on the way back. Keys
 * (document ids, chunk kinds and hashes) are stored as they are; they
 * name no person.
 */

import type { Chunk, StorageAdapterInterface, StorageKey } from "@automerge/automerge-repo/slim";
import { open, seal } from "./crypto.js";
import * as idb from "./idb.js";

const join = (key: StorageKey) => key.join("/");

/** Whether stored key `name` is under `prefix`, part by part. */
const under = (name: string, prefix: string) => prefix === "" || name === prefix || name.startsWith(`${prefix}/`);

export class EncryptedStorage implements StorageAdapterInterface {
  private closed = false;
  /** Documents purged while the app runs: the repo may still try to save
   * an empty copy of one after deleting it, and must not. */
  private readonly gone = new Set<string>();

  constructor(private readonly key: CryptoKey) {}

  /** Stops every read and write: the store is being wiped, and a save
   * still queued in the repo must not write a chunk back. */
  close(): void {
    this.closed = true;
  }

  /** Deletes every chunk of document `id`, and refuses to store it again
   * until the app restarts. */
  async drop(id: string): Promise<void> {
    this.gone.add(id);
    await this.removeRange([id]);
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    if (this.closed) return undefined;
    const name = join(key);
    const sealed = await idb.get<Uint8Array>("chunks", name);
    return sealed === undefined ? undefined : open(this.key, name, sealed);
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    if (this.closed || this.gone.has(key[0] ?? "")) return;
    const name = join(key);
    await idb.put("chunks", name, await seal(this.key, name, data));
  }

  async remove(key: StorageKey): Promise<void> {
    if (this.closed) return;
    await idb.remove("chunks", join(key));
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    if (this.closed) return [];
    const p = join(prefix);
    const found = (await idb.range<Uint8Array>("chunks", p)).filter(([name]) => under(name, p));
    return Promise.all(
      found.map(async ([name, sealed]) => ({ key: name.split("/"), data: await open(this.key, name, sealed) })),
    );
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    if (this.closed) return;
    const p = join(prefix);
    const found = (await idb.range<Uint8Array>("chunks", p)).filter(([name]) => under(name, p));
    await idb.removeKeys(
      "chunks",
      found.map(([name]) => name),
    );
  }
}
