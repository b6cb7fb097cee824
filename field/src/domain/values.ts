/**
 * How values are stored (docs/schema/README.md): scalar strings for ids,
 * enums and dates; Automerge Text for narrative; Dates for timestamps.
 * Writers go through `scalar`; readers through `str`, which also accepts
 * a short Text from another writer.
 */

import { ImmutableString } from "@automerge/automerge/slim";
import type { Scalar } from "../generated/schema.js";

/** A scalar string value, as the schema's `"x-automerge": "string"` wants. */
export function scalar(value: string): Scalar {
  return new ImmutableString(value);
}

/** A scalar string as read back (ImmutableString or Text), or null. */
export function str(value: Scalar | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : value.val;
}

/** A new lowercase hyphenated UUID, the key of every collection entry. */
export function newId(): string {
  return crypto.randomUUID();
}

/** A calendar date, `YYYY-MM-DD`, checked to be a real day. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Who is writing: the signed-in user and this device (the server holds
 * every new note, step and follow-up to naming them). */
export interface Writer {
  userId: string;
  deviceId: string;
}
