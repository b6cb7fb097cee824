/**
 * Times as a worker sees them: entered and shown in the device's own time
 * zone, stored as UTC instants (Dates, Automerge timestamps). Billing
 * units follow the server's projection (`billing_units`): whole 15-minute
 * units, at least one for an encounter that lasted, none for an empty or
 * inverted one.
 */

/** Minutes in one billing unit (HCPCS H0038 is billed in 15-minute units). */
export const UNIT_MINUTES = 15;

const two = (n: number) => String(n).padStart(2, "0");

/** The local calendar date of `at`, `YYYY-MM-DD`. */
export function localDate(at: Date): string {
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** The local time of day of `at`, `HH:MM`. */
export function localTime(at: Date): string {
  return `${two(at.getHours())}:${two(at.getMinutes())}`;
}

/** The instant of local `date` (`YYYY-MM-DD`) at local `time` (`HH:MM`),
 * or null when either is not one. */
export function atLocal(date: string, time: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const at = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  return Number.isNaN(at.getTime()) || localDate(at) !== date ? null : at;
}

/** The local date and time of `at`, `YYYY-MM-DDTHH:MM` (the value of a
 * `datetime-local` input). */
export function localDateTime(at: Date): string {
  return `${localDate(at)}T${localTime(at)}`;
}

/** The instant of a `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds
 * ignored), or null when it is not one. */
export function atLocalDateTime(value: string): Date | null {
  const [date, time] = value.split("T");
  return date && time ? atLocal(date, time.slice(0, 5)) : null;
}

/** Billing units for an encounter from `start` to `end`. */
export function billingUnits(start: Date, end: Date): number {
  const minutes = Math.floor((end.getTime() - start.getTime()) / 60_000);
  if (minutes <= 0) return 0;
  return Math.max(1, Math.floor(minutes / UNIT_MINUTES));
}

/** "9:05 AM"-style local time, in the device's own format. */
export function showTime(at: Date): string {
  return at.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
}

/** A local date shown in the device's own format. */
export function showDate(at: Date): string {
  return at.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}
