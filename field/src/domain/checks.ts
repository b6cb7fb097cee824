/**
 * The checks a note's entries pass before anything is written: the domain
 * rules of `./rules/note-input.ts` (the port of `shared`'s, run against
 * docs/schema/rule-cases.json) at the device's own UTC offset, and what
 * only the form knows — a start and an end that were typed, a service
 * code, and (to sign) the four parts of the narrative. Each problem names
 * its field, in plain words.
 */

import type { NoteInput } from "./participant.js";
import { checkNoteInput, deviceOffset, problemWords, type Setting, SETTINGS } from "./rules/note-input.js";

export { type Setting, SETTINGS };

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

const sentence = (words: string) => `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;

/** What is wrong with `input`, field by field (empty: nothing). The date
 * is judged at the UTC offset `offsetOf` gives for the start (the
 * device's). A draft may leave the narrative for later; a note to be
 * signed may not. */
export function checkNote(
  input: NoteInput,
  { signing = false, offsetOf = deviceOffset }: { signing?: boolean; offsetOf?: (at: Date) => number } = {},
): NoteProblem[] {
  const problems: NoteProblem[] = [];
  const start = input.encounterAt.getTime();
  const end = input.encounterEndAt.getTime();
  if (Number.isNaN(start)) problems.push({ field: "encounterAt", message: "The start time is missing." });
  if (Number.isNaN(end)) problems.push({ field: "encounterEndAt", message: "The end time is missing." });
  // Without both times the rules cannot judge the date or the end; the
  // setting they judge all the same.
  const rules = checkNoteInput(
    {
      serviceDate: input.serviceDate,
      start: Number.isNaN(start) ? 0 : start,
      end: Number.isNaN(start) || Number.isNaN(end) ? Number.MAX_SAFE_INTEGER : end,
      setting: input.setting,
    },
    Number.isNaN(start) ? null : offsetOf(input.encounterAt),
  );
  for (const e of rules) {
    if (Number.isNaN(start) && e.problem === "date-disagrees-with-start") continue;
    if (e.field === "utcOffset") {
      problems.push({ field: "encounterAt", message: sentence(`this phone's time zone is not a real one: ${problemWords(e.problem)}`) });
    } else {
      problems.push({ field: e.field, message: sentence(problemWords(e.problem)) });
    }
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
