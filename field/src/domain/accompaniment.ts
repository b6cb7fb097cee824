/**
 * Writes of an `alongside/accompaniment` log: create it for a record, stamp
 * each step of the day as it happens or, missed, entered late with the time
 * it happened (both held to the step rules of `./rules/steps.ts`), set
 * what came of it, add and tick follow-ups. Follows docs/schema as
 * `shared/src/doc/edit/accompaniment.rs` does; each stamp and tick names
 * who made it, as the server requires.
 */

import type { AccompanimentAppointmentKind, AccompanimentDoc } from "../generated/schema.js";
import { checkStamp, type Step, type StepOrderError, stepMessage, STEPS, type StepTimes } from "./rules/steps.js";
import { scalar, str, type Writer } from "./values.js";

export { type Step, STEPS } from "./rules/steps.js";

/** What a worker enters for a new log. */
export interface NewAccompaniment {
  participantId: string;
  kind: AccompanimentAppointmentKind;
  place: string;
  provider: string;
  scheduledAt?: Date;
}

export function createAccompaniment(
  d: AccompanimentDoc,
  input: NewAccompaniment,
  by: Writer,
  at: Date,
): void {
  d["@type"] = scalar("alongside/accompaniment");
  d.schema = 1;
  d.participantId = scalar(input.participantId);
  d.peerId = scalar(by.userId);
  d.appointment = {
    kind: scalar(input.kind),
    place: input.place,
    provider: scalar(input.provider),
    scheduledAt: input.scheduledAt ?? null,
  };
  d.purpose = "";
  d.outcome = "";
  d.barriers = "";
  d.followUps = {};
  d.status = scalar("planned");
  d.createdAt = at;
}

/** The step's time, if stamped. */
export function stampOf(d: AccompanimentDoc, step: Step): Date | null {
  return (d[`${step}At`] as Date | null | undefined) ?? null;
}

/** When the step's time was entered, if it was entered late (a missed
 * step); null for a step stamped as it happened. */
export function enteredAtOf(d: AccompanimentDoc, step: Step): Date | null {
  return (d[`${step}EnteredAt`] as Date | null | undefined) ?? null;
}

/** The stamped times of the log's steps, as the rules read them. */
export function stepTimes(d: AccompanimentDoc): StepTimes {
  const times: StepTimes = {};
  for (const step of STEPS) {
    const at = stampOf(d, step);
    if (at instanceof Date) times[step] = at.getTime();
  }
  return times;
}

/** A step the rules refused: the message names both steps; `refusal`
 * says which and why. */
export class StepRefused extends Error {
  constructor(readonly refusal: StepOrderError) {
    super(stepMessage(refusal));
  }
}

/** Why `step` cannot be recorded at `at` (`late`: entered afterwards with
 * the time it happened; `now`: the device's clock), or null. */
export function stepRefusal(d: AccompanimentDoc, step: Step, at: Date, late: boolean, now: Date): StepOrderError | null {
  return checkStamp(stepTimes(d), step, at.getTime(), late, now.getTime());
}

/** Stamps `step` now (`now`, the device's clock) by `by`, removing any
 * "entered late" mark; moves the log along its status. Throws
 * `StepRefused` when a later step is stamped or the clock is behind an
 * earlier one. */
export function stampStep(d: AccompanimentDoc, step: Step, by: Writer, now: Date): void {
  const refusal = stepRefusal(d, step, now, false, now);
  if (refusal) throw new StepRefused(refusal);
  d[`${step}At`] = now;
  d[`${step}By`] = scalar(by.userId);
  if (`${step}EnteredAt` in d) delete d[`${step}EnteredAt`];
  advance(d, step);
}

/** Enters missed step `step` afterwards, at `at` (when it happened),
 * by `by`, marked entered late at `now`. Throws `StepRefused` unless `at`
 * lies between the stamped neighbours and is not in the future. */
export function enterStepLate(d: AccompanimentDoc, step: Step, by: Writer, at: Date, now: Date): void {
  const refusal = stepRefusal(d, step, at, true, now);
  if (refusal) throw new StepRefused(refusal);
  d[`${step}At`] = at;
  d[`${step}By`] = scalar(by.userId);
  d[`${step}EnteredAt`] = now;
  advance(d, step);
}

function advance(d: AccompanimentDoc, step: Step): void {
  const status = str(d.status);
  if (step === "returned" || step === "ended") {
    if (status !== "cancelled") d.status = scalar("completed");
  } else if (status === "planned") {
    d.status = scalar("in-progress");
  }
}

/** Adds follow-up `id`. */
export function addFollowUp(
  d: AccompanimentDoc,
  id: string,
  text: string,
  by: Writer,
  at: Date,
  dueOn?: string,
): void {
  d.followUps[id] = {
    text,
    done: false,
    createdAt: at,
    createdBy: scalar(by.userId),
    dueOn: dueOn === undefined ? null : scalar(dueOn),
    doneAt: null,
    doneBy: null,
  };
}

/** Ticks follow-up `id` off, or back on. */
export function tickFollowUp(
  d: AccompanimentDoc,
  id: string,
  done: boolean,
  by: Writer,
  at: Date,
): void {
  const item = d.followUps[id];
  if (!item) throw new Error("no such follow-up");
  item.done = done;
  item.doneAt = done ? at : null;
  item.doneBy = done ? scalar(by.userId) : null;
}
