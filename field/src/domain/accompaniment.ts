/**
 * Writes of an `alongside/accompaniment` log: create it for a record, stamp
 * each step of the day in order, set what came of it, add and tick
 * follow-ups. Follows docs/schema as `shared/src/doc/edit/accompaniment.rs`
 * does; each stamp and tick names who made it, as the server requires.
 */

import type { AccompanimentAppointmentKind, AccompanimentDoc } from "../generated/schema.js";
import { scalar, str, type Writer } from "./values.js";

/** The steps of an accompanied appointment, in the order they happen. */
export const STEPS = ["departed", "arrived", "started", "ended", "returned"] as const;
export type Step = (typeof STEPS)[number];

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

/** Why `step` cannot be stamped now, or null: a step goes after every
 * earlier one that is stamped and before every later one. */
export function stepRefusal(d: AccompanimentDoc, step: Step, at: Date): string | null {
  const index = STEPS.indexOf(step);
  for (const later of STEPS.slice(index + 1)) {
    const when = stampOf(d, later);
    if (when && when.getTime() < at.getTime()) {
      return `"${step}" cannot come after "${later}", stamped at ${when.toISOString()}`;
    }
  }
  for (const earlier of STEPS.slice(0, index)) {
    const when = stampOf(d, earlier);
    if (when && when.getTime() > at.getTime()) {
      return `"${step}" cannot come before "${earlier}", stamped at ${when.toISOString()}`;
    }
  }
  return null;
}

/** Stamps `step` at `at` (the device's time, or when it happened if it
 * is entered late) by `by`; moves the log along its status. Throws the
 * refusal when the step would be out of order. */
export function stampStep(d: AccompanimentDoc, step: Step, by: Writer, at: Date): void {
  const refusal = stepRefusal(d, step, at);
  if (refusal) throw new Error(refusal);
  d[`${step}At`] = at;
  d[`${step}By`] = scalar(by.userId);
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
