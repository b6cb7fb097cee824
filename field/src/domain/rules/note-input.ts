/**
 * The checked inputs of a progress note, ported from
 * `shared/src/doc/rules/note_input.rs` (docs/schema/rule-cases.json holds
 * the two to the same answers): the service date is the start's local date
 * at the writer's UTC offset (or, zone unknown, in some real zone from
 * UTC−12:00 to UTC+14:00), the end is not before the start (equal: a
 * contact with no billable time), the setting comes from the vocabulary.
 * Pure: the offset is passed in.
 */

/** Places of service, the vocabulary of `setting`. */
export const SETTINGS = ["community", "home", "clinic", "telehealth", "hospital", "other"] as const;
export type Setting = (typeof SETTINGS)[number];

/** The westernmost and easternmost real UTC offsets, in minutes. */
export const MIN_OFFSET_MINUTES = -12 * 60;
export const MAX_OFFSET_MINUTES = 14 * 60;

const DAY_MS = 86_400_000;

/** The fields of a note these rules look at (times in ms). */
export interface RuleNoteInput {
  serviceDate: string;
  start: number;
  end: number;
  setting: string;
}

/** The codes of docs/schema/rule-cases.json. */
export type NoteRuleProblem =
  | "date-disagrees-with-start"
  | "not-a-date"
  | "end-before-start"
  | "not-in-vocabulary"
  | "offset-out-of-range";

/** A refused note input: the field (its key in the note) and the problem. */
export interface NoteInputError {
  field: "utcOffset" | "serviceDate" | "encounterEndAt" | "setting";
  problem: NoteRuleProblem;
}

/** The day number (days since the epoch) of `YYYY-MM-DD`, or null when it
 * is no date the Rust rules accept (years 1900 to 9999, a real day). */
function dayOf(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1) return null;
  const at = new Date(Date.UTC(y, mo - 1, d));
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return null;
  return Math.floor(at.getTime() / DAY_MS);
}

/** Whether `serviceDate` fits `start` at `offset` minutes east of UTC (null:
 * the zone is unknown, any real one will do); null when it does. */
export function serviceDateProblem(serviceDate: string, start: number, offset: number | null): NoteRuleProblem | null {
  const service = dayOf(serviceDate);
  if (service === null) return "not-a-date";
  const [west, east] = offset === null ? [MIN_OFFSET_MINUTES, MAX_OFFSET_MINUTES] : [offset, offset];
  const day = (minutes: number) => Math.floor((start + minutes * 60_000) / DAY_MS);
  return service >= day(west) && service <= day(east) ? null : "date-disagrees-with-start";
}

/** Every problem of `input` at `offset` (null: zone unknown), in field order:
 * UTC offset (when it is no real zone's, the date is not judged), service
 * date, end, setting. Empty: acceptable. */
export function checkNoteInput(input: RuleNoteInput, offset: number | null): NoteInputError[] {
  const out: NoteInputError[] = [];
  if (offset !== null && (offset < MIN_OFFSET_MINUTES || offset > MAX_OFFSET_MINUTES)) {
    out.push({ field: "utcOffset", problem: "offset-out-of-range" });
  } else {
    const problem = serviceDateProblem(input.serviceDate, input.start, offset);
    if (problem) out.push({ field: "serviceDate", problem });
  }
  if (input.end < input.start) out.push({ field: "encounterEndAt", problem: "end-before-start" });
  if (!(SETTINGS as readonly string[]).includes(input.setting)) {
    out.push({ field: "setting", problem: "not-in-vocabulary" });
  }
  return out;
}

/** What is wrong, in plain words, without the field's key. */
export function problemWords(problem: NoteRuleProblem): string {
  switch (problem) {
    case "date-disagrees-with-start":
      return "the service date must be the date the encounter started";
    case "not-a-date":
      return "expected a date YYYY-MM-DD";
    case "end-before-start":
      return "the end must not be before the start";
    case "not-in-vocabulary":
      return `expected one of ${SETTINGS.join(", ")}`;
    case "offset-out-of-range":
      return "the UTC offset must be between -12:00 and +14:00";
  }
}

/** The refusal as the Rust `Display` gives it: `setting: expected one of …`. */
export function noteMessage(e: NoteInputError): string {
  return `${e.field}: ${problemWords(e.problem)}`;
}

/** The device's UTC offset at `at`, in minutes east of UTC. */
export function deviceOffset(at: Date): number {
  return -at.getTimezoneOffset();
}
