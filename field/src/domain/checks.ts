/**
 * The checks a note's entries pass before anything is written, the same
 * rules `shared` applies for every client (docs/schema/rule-cases.json
 * holds the cases both languages run): a real service date that is the
 * start's local date, an end after the start, a setting from the
 * vocabulary, a service code, and (to sign) the four parts of the narrative. Each
 * problem names its field.
 */

import type { NoteInput } from "./participant.js";
import { localDate } from "./time.js";
import { isCalendarDate } from "./values.js";

/** Places of service. */
export const SETTINGS = ["community", "home", "clinic", "telehealth", "hospital", "other"] as const;
export type Setting = (typeof SETTINGS)[number];

export const SETTING_LABELS: Record<Setting, string> = {
  community: "Community",
  home: "Home",
  clinic: "Clinic",
  telehealth: "Telehealth",
  hospital: "Hospital",
  other: "Other",
};

/** A field of a note, as the problems name them. */
export type NoteFieldName =
  | "serviceDate"
  | "encounterAt"
  | "encounterEndAt"
  | "setting"
  | "serviceCode"
  | "narrative.purpose"
  | "narrative.intervention"
  | "narrative.response"
  | "narrative.plan";

export interface NoteProblem {
  field: NoteFieldName;
  message: string;
}

/** What is wrong with `input`, field by field (empty: nothing). Dates are
 * judged in the zone whose local date `dateOf` gives (the device's). A
 * draft may leave the narrative for later; a note to be signed may not. */
export function checkNote(
  input: NoteInput,
  { signing = false, dateOf = localDate }: { signing?: boolean; dateOf?: (at: Date) => string } = {},
): NoteProblem[] {
  const problems: NoteProblem[] = [];
  const valid = (d: Date) => !Number.isNaN(d.getTime());
  if (!isCalendarDate(input.serviceDate)) {
    problems.push({ field: "serviceDate", message: "The service date is not a date." });
  }
  if (!valid(input.encounterAt)) {
    problems.push({ field: "encounterAt", message: "The start time is missing." });
  } else if (isCalendarDate(input.serviceDate) && dateOf(input.encounterAt) !== input.serviceDate) {
    problems.push({ field: "serviceDate", message: "The service date is not the day the encounter started." });
  }
  if (!valid(input.encounterEndAt)) {
    problems.push({ field: "encounterEndAt", message: "The end time is missing." });
  } else if (valid(input.encounterAt) && input.encounterEndAt.getTime() <= input.encounterAt.getTime()) {
    problems.push({ field: "encounterEndAt", message: "The end is not after the start." });
  }
  if (!(SETTINGS as readonly string[]).includes(input.setting)) {
    problems.push({ field: "setting", message: `The setting is not one of ${SETTINGS.join(", ")}.` });
  }
  if (!input.serviceCode.trim()) {
    problems.push({ field: "serviceCode", message: "The service code is missing." });
  }
  for (const part of ["purpose", "intervention", "response", "plan"] as const) {
    if (signing && !input.narrative[part].trim()) {
      problems.push({ field: `narrative.${part}`, message: `The ${part} is empty.` });
    }
  }
  return problems;
}
