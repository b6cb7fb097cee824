/**
 * Where a note stands in review, as the console's queue decides it: from
 * the latest review of the note and whether the note changed since the
 * heads that review saw (the document, not device clocks, decides).
 */

import * as A from "@automerge/automerge/slim";
import type { ParticipantDoc } from "../generated/schema.js";
import { str } from "./values.js";

export type Standing = "draft" | "awaiting" | "changes-requested" | "revised" | "approved" | "amended";

export const STANDING_LABELS: Record<Standing, string> = {
  draft: "Draft",
  awaiting: "Awaiting review",
  "changes-requested": "Changes requested",
  revised: "Revised after changes requested",
  approved: "Approved",
  amended: "Amended after approval",
};

export interface Review {
  standing: Standing;
  /** The latest review's comment and reviewer, if any. */
  comment: string | null;
  reviewer: string | null;
  at: Date | null;
}

/** What the console compares of a note (`note_content`): what it says,
 * not when it was last touched or signed. */
function content(d: ParticipantDoc, id: string): string {
  const n = d.notes[id];
  if (!n) return "null";
  const text = (t: unknown) => (typeof t === "string" ? t : (str(t as never) ?? ""));
  return JSON.stringify([
    str(n.serviceDate),
    n.encounterAt.getTime(),
    n.encounterEndAt.getTime(),
    str(n.setting),
    str(n.serviceCode),
    Object.keys(n.goalIds).sort(),
    n.part2 ?? false,
    ...(["intervention", "purpose", "response", "plan"] as const).map((p) => text(n.narrative[p])),
    text(n.participantComment ?? ""),
  ]);
}

/** Where note `id` of `d` stands. */
export function reviewOf(d: ParticipantDoc, id: string): Review {
  const note = d.notes[id];
  const reviews = Object.values(d.reviews ?? {})
    .filter((r) => str(r.noteId) === id)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const latest = reviews.at(-1);
  if (!note) return { standing: "draft", comment: null, reviewer: null, at: null };
  if (!latest) {
    return { standing: str(note.status) === "submitted" ? "awaiting" : "draft", comment: null, reviewer: null, at: null };
  }
  // Heads this copy does not hold count as changed, as in the console:
  // a note is never silently taken as unchanged.
  let changed = true;
  try {
    const then = A.view(d as A.Doc<ParticipantDoc>, latest.heads.map((h) => str(h) ?? ""));
    changed = content(then, id) !== content(d, id);
  } catch {
    // Not all of the reviewed heads are here yet.
  }
  const approved = str(latest.state) === "approved";
  const standing: Standing = approved ? (changed ? "amended" : "approved") : changed ? "revised" : "changes-requested";
  return {
    standing,
    comment: typeof latest.comment === "string" ? latest.comment : str(latest.comment as never),
    reviewer: str(latest.reviewerName ?? null) ?? null,
    at: latest.at,
  };
}
