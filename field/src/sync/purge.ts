/**
 * Access ending, on this phone.
 *
 * - **A record reassigned away**: the caseload index lists it under
 *   `purge`. Before the copy is deleted, the purge is recorded with the
 *   server (`POST /api/v1/purges`), carrying the changes the server never
 *   acknowledged, which it keeps in quarantine for an administrator. If the
 *   server cannot be told (offline, quarantine full), the copy stays and
 *   the next connection tries again: nothing is deleted unrecorded.
 * - **The device revoked** (`401` with `Alongside-Purge: revoked`): the
 *   token no longer records anything, so the whole store is deleted at
 *   once, as the device library does.
 */

import * as A from "@automerge/automerge/slim";
import { recordPurge } from "../api.js";
import * as idb from "../store/idb.js";

/** The ids the index lists under `purge` and not again as a record or log. */
export function toPurge(index: { participants?: object; accompaniments?: object; purge?: object }): string[] {
  const listed = new Set([...Object.keys(index.participants ?? {}), ...Object.keys(index.accompaniments ?? {})]);
  return Object.keys(index.purge ?? {}).filter((id) => !listed.has(id));
}

/** The changes of `doc` the server lacks, given the heads it said it has
 * (`null`: it said nothing, so everything), as base64; null if none. */
export function unsynced(doc: A.Doc<unknown>, serverHeads: string[] | null): string | null {
  const known = serverHeads !== null && A.hasHeads(doc, serverHeads);
  const since = known ? serverHeads : [];
  if (A.getChanges(since.length ? A.view(doc, since) : A.init(), doc).length === 0) return null;
  const bytes = since.length ? A.saveSince(doc, since) : A.save(doc);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Records the purge of `id` (with what the server lacks); true once the
 * server has it, so the copy may go. */
export async function handOver(token: string, id: string, pending: string | null): Promise<boolean> {
  const answer = await recordPurge(token, `automerge:${id}`, pending);
  return answer.kind === "fine";
}

/** Deletes every trace of the device's data (revoked). */
export async function wipeEverything(): Promise<void> {
  await idb.wipe();
}
