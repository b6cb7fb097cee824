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
  constructor(private readonly key: CryptoKey) {}

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    const name = join(key);
    const sealed = await idb.get<Uint8Array>("chunks", name);
    return sealed === undefined ? undefined : open(this.key, name, sealed);
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    const name = join(key);
    await idb.put("chunks", name, await seal(this.key, name, data));
  }

  async remove(key: StorageKey): Promise<void> {
    await idb.remove("chunks", join(key));
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const p = join(prefix);
    const found = (await idb.range<Uint8Array>("chunks", p)).filter(([name]) => under(name, p));
    return Promise.all(
      found.map(async ([name, sealed]) => ({ key: name.split("/"), data: await open(this.key, name, sealed) })),
    );
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    const p = join(prefix);
    const found = (await idb.range<Uint8Array>("chunks", p)).filter(([name]) => under(name, p));
    await idb.removeKeys(
      "chunks",
      found.map(([name]) => name),
    );
  }
}
