/**
 * The vault: the data key, wrapped under the PIN, and the session (device
 * token and ids) sealed under the data key, in the `meta` store. A wrong
 * PIN is refused by the key's authentication tag; each one makes the
 * next attempt wait longer (2 s, 4 s, 8 s … at most 15 minutes), counted
 * in storage so a reload does not reset it, and nothing is ever deleted
 * for it.
 */

import type { Enrolment } from "../api.js";
import { type Bytes, ITERATIONS, newDataKey, open, pinKey, seal, unwrap, wrap } from "./crypto.js";
import * as idb from "./idb.js";

interface Wrapped {
  salt: Bytes;
  iterations: number;
  iv: Bytes;
  wrapped: ArrayBuffer;
}

interface Attempts {
  failures: number;
  notBefore: number;
}

const MAX_WAIT_MS = 15 * 60_000;

/** A PIN of 6 to 12 digits, or why not. */
export function pinProblem(pin: string): string | null {
  return /^\d{6,12}$/.test(pin) ? null : "A PIN is 6 to 12 digits.";
}

/** Whether this browser holds a vault (a device was enrolled here). */
export async function exists(): Promise<boolean> {
  return (await idb.get<Wrapped>("meta", "vault")) !== undefined;
}

/** Creates the vault for a new enrolment: a new data key under `pin`,
 * the session sealed under it. Returns the data key. */
export async function create(pin: string, session: Enrolment): Promise<CryptoKey> {
  const dataKey = await newDataKey();
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { iv, wrapped } = await wrap(dataKey, await pinKey(pin, salt, ITERATIONS));
  await idb.put("meta", "vault", { salt, iterations: ITERATIONS, iv, wrapped } satisfies Wrapped);
  await saveSession(dataKey, session);
  await idb.put("meta", "attempts", { failures: 0, notBefore: 0 } satisfies Attempts);
  return dataKey;
}

export async function saveSession(dataKey: CryptoKey, session: Enrolment): Promise<void> {
  const sealed = await seal(dataKey, "session", new TextEncoder().encode(JSON.stringify(session)));
  await idb.put("meta", "session", sealed);
}

/** Why unlocking failed: a wrong PIN (and how long to wait), or no vault. */
export class Locked extends Error {
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
  }
}

/** The milliseconds to wait before the next attempt (0: now). */
export async function waitMs(now = Date.now()): Promise<number> {
  const attempts = (await idb.get<Attempts>("meta", "attempts")) ?? { failures: 0, notBefore: 0 };
  return Math.max(0, attempts.notBefore - now);
}

/** Unlocks with `pin`: the data key and the session. */
export async function unlock(pin: string): Promise<{ dataKey: CryptoKey; session: Enrolment }> {
  const vault = await idb.get<Wrapped>("meta", "vault");
  if (!vault) throw new Locked("This device is not signed in.", 0);
  const attempts = (await idb.get<Attempts>("meta", "attempts")) ?? { failures: 0, notBefore: 0 };
  const now = Date.now();
  if (attempts.notBefore > now) {
    throw new Locked("Wait before trying again.", attempts.notBefore - now);
  }
  let dataKey: CryptoKey;
  try {
    dataKey = await unwrap(vault.wrapped, vault.iv, await pinKey(pin, vault.salt, vault.iterations));
  } catch {
    const failures = attempts.failures + 1;
    const wait = Math.min(MAX_WAIT_MS, 1000 * 2 ** failures);
    await idb.put("meta", "attempts", { failures, notBefore: now + wait } satisfies Attempts);
    throw new Locked("That PIN is not right.", wait);
  }
  // A full disk does not keep the worker out: the counter stays as it
  // was (a later wrong PIN waits longer), and the app says the storage is
  // full once it is open.
  await idb.put("meta", "attempts", { failures: 0, notBefore: 0 } satisfies Attempts).catch((e: unknown) => {
    if (!(e instanceof idb.StorageFull)) throw e;
  });
  const sealed = await idb.get<Uint8Array>("meta", "session");
  if (!sealed) throw new Locked("This device is not signed in.", 0);
  const session = JSON.parse(new TextDecoder().decode(await open(dataKey, "session", sealed))) as Enrolment;
  return { dataKey, session };
}
