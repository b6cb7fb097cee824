/**
 * Writes of an `alongside/participant` record: create it, add goals and
 * notes, edit a note's fields and narrative, submit and sign. Each
 * function changes only what it is about, inside one `change` callback,
 * and follows docs/schema the way `shared/src/doc/edit/participant.rs`
 * does (the conformance test holds the two to the same validator).
 */

import { updateText } from "@automerge/automerge/slim";
import type { ParticipantDoc, ParticipantGoalsStatus } from "../generated/schema.js";
import { scalar, str, type Writer } from "./values.js";

export type Note = ParticipantDoc["notes"][string];
export type Goal = ParticipantDoc["goals"][string];
export type NarrativePart = "purpose" | "intervention" | "response" | "plan";

/** The profile a new record starts with. */
export interface NewProfile {
  displayName: string;
  preferredName?: string;
  pronouns?: string;
  preferredLanguage?: string;
}

/** Fills an empty document as a new participant record. Optional texts
 * are created empty with their parent, so concurrent typing on two
 * devices lands in one Text. */
export function createParticipant(d: ParticipantDoc, profile: NewProfile): void {
  d["@type"] = scalar("alongside/participant");
  d.schema = 1;
  d.profile = {
    displayName: profile.displayName,
    preferredName: profile.preferredName ?? "",
    pronouns: profile.pronouns === undefined ? null : scalar(profile.pronouns),
    preferredLanguage:
      profile.preferredLanguage === undefined ? null : scalar(profile.preferredLanguage),
  };
  d.goals = {};
  d.notes = {};
  d.reviews = {};
}

/** Adds goal `id` in the participant's own words. */
export function addGoal(d: ParticipantDoc, id: string, text: string, by: Writer, at: Date): void {
  d.goals[id] = { text, status: scalar("active"), createdAt: at, createdBy: scalar(by.userId) };
}

export function setGoalStatus(d: ParticipantDoc, id: string, status: ParticipantGoalsStatus): void {
  const goal = d.goals[id];
  if (!goal) throw new Error("no such goal");
  goal.status = scalar(status);
}

/** What a worker enters for a billable note (checked by `checkNote`). */
export interface NoteInput {
  serviceDate: string;
  encounterAt: Date;
  encounterEndAt: Date;
  setting: string;
  serviceCode: string;
  goalIds: string[];
  narrative: Record<NarrativePart, string>;
  participantComment: string;
  part2: boolean;
  credentials?: string;
  authorName?: string;
  accompanimentId?: string;
}

/** Adds note `id` as a draft written by `by` on this device. */
export function addNote(d: ParticipantDoc, id: string, input: NoteInput, by: Writer, at: Date): void {
  const goalIds: Record<string, true> = {};
  for (const goal of input.goalIds) goalIds[goal] = true;
  d.notes[id] = {
    authorId: scalar(by.userId),
    deviceId: scalar(by.deviceId),
    createdAt: at,
    serviceDate: scalar(input.serviceDate),
    encounterAt: input.encounterAt,
    encounterEndAt: input.encounterEndAt,
    setting: scalar(input.setting),
    serviceCode: scalar(input.serviceCode),
    goalIds,
    narrative: { ...input.narrative },
    participantComment: input.participantComment,
    part2: input.part2,
    status: scalar("draft"),
    credentials: input.credentials === undefined ? null : scalar(input.credentials),
    authorName: input.authorName === undefined ? null : scalar(input.authorName),
    accompanimentId: input.accompanimentId === undefined ? null : scalar(input.accompanimentId),
  };
}

function note(d: ParticipantDoc, id: string): Note {
  const found = d.notes[id];
  if (!found) throw new Error("no such note");
  return found;
}

/** Brings note `id` to `input`: changed scalars are set, texts are edited
 * by difference (so a concurrent edit elsewhere keeps its words), goal
 * links added and removed. Fields the note already has unchanged are not
 * written at all. */
export function updateNote(d: ParticipantDoc, id: string, input: NoteInput, at: Date): void {
  const n = note(d, id);
  const scalars: [keyof Note, string][] = [
    ["serviceDate", input.serviceDate],
    ["setting", input.setting],
    ["serviceCode", input.serviceCode],
  ];
  for (const [key, value] of scalars) {
    if (str(n[key] as never) !== value) (n as Record<string, unknown>)[key] = scalar(value);
  }
  if (n.encounterAt.getTime() !== input.encounterAt.getTime()) n.encounterAt = input.encounterAt;
  if (n.encounterEndAt.getTime() !== input.encounterEndAt.getTime()) {
    n.encounterEndAt = input.encounterEndAt;
  }
  if ((n.part2 ?? false) !== input.part2) n.part2 = input.part2;
  for (const part of ["purpose", "intervention", "response", "plan"] as const) {
    if (n.narrative[part] !== input.narrative[part]) {
      updateText(d, ["notes", id, "narrative", part], input.narrative[part]);
    }
  }
  if ((n.participantComment ?? "") !== input.participantComment) {
    if (typeof n.participantComment === "string") {
      updateText(d, ["notes", id, "participantComment"], input.participantComment);
    } else {
      n.participantComment = input.participantComment;
    }
  }
  const wanted = new Set(input.goalIds);
  for (const goal of Object.keys(n.goalIds)) if (!wanted.has(goal)) delete n.goalIds[goal];
  for (const goal of wanted) if (!(goal in n.goalIds)) n.goalIds[goal] = true;
  n.updatedAt = at;
}

/** Submits note `id`, signed by its author over `heads` (the record's
 * heads just before). A signature is a new map, so two never mix. */
export function submitNote(
  d: ParticipantDoc,
  id: string,
  by: Writer,
  at: Date,
  heads: string[],
): void {
  const n = note(d, id);
  if (str(n.authorId) !== by.userId) throw new Error("only the note's author signs it");
  n.status = scalar("submitted");
  n.submittedAt = at;
  n.signature = { by: scalar(by.userId), at, heads: heads.map(scalar) };
}
