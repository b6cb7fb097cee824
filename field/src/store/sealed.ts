/**
 * Small JSON values kept sealed under the data key in the `meta` store
 * (what the app remembers beside the documents: which records wait for
 * the server, which logs it created offline). Sealed like every chunk, so
 * nothing of them is readable without the PIN.
 */

import { open, seal } from "./crypto.js";
import * as idb from "./idb.js";

/** The value kept under `name`, or `fallback` when there is none. */
export async function load<T>(dataKey: CryptoKey, name: string, fallback: T): Promise<T> {
  const sealed = await idb.get<Uint8Array>("meta", name);
  if (!sealed) return fallback;
  return JSON.parse(new TextDecoder().decode(await open(dataKey, name, sealed))) as T;
}

/** Keeps `value` under `name`; resolves once it is on disk. */
export async function save(dataKey: CryptoKey, name: string, value: unknown): Promise<void> {
  await idb.put("meta", name, await seal(dataKey, name, new TextEncoder().encode(JSON.stringify(value))));
}
