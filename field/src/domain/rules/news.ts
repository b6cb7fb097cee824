/**
 * Review news, ported from `shared/src/doc/rules/news.rs`: what a sync
 * brought a worker about their notes — a supervisor approved one, or asked
 * for changes. Rust compares the reviews before a sync with those after;
 * the app compares them with the reviews it already told the worker of
 * (`known`), so news not yet seen survives a lock. Every new review of a
 * note the worker wrote is news, one item per note (the latest review
 * wins); a record the app never held before has no news (its reviews are
 * history). An item whose note has moved on since (`domain/review.ts`: the
 * worker already revised or amended it) is no longer news. Pure.
 */

import type { ParticipantDoc } from "../../generated/schema.js";
import { reviewOf } from "../review.js";
import { str } from "../values.js";

/** One piece of review news about a note. */
export interface ReviewNews {
  noteId: string;
  reviewId: string;
  state: "approved" | "changes-requested";
  participant: string;
  /** The note's service date, `YYYY-MM-DD`. */
  serviceDate: string;
  comment: string;
  at: number;
}

/** The same user id, however its letters are cased. */
const sameUser = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

/** The ids of every review in `doc`. */
export function reviewIds(doc: ParticipantDoc): string[] {
  return Object.keys(doc.reviews ?? {});
}

/** The review news in `doc` beyond the reviews `known` (null: the record
 * was not held before, so none) for the notes `author` (a user id) wrote,
 * oldest review first. */
export function reviewNews(doc: ParticipantDoc, known: readonly string[] | null, author: string): ReviewNews[] {
  if (known === null) return [];
  const participant = String(doc.profile?.displayName ?? "");
  const latest = new Map<string, ReviewNews>();
  for (const [reviewId, review] of Object.entries(doc.reviews ?? {})) {
    if (known.includes(reviewId)) continue;
    const noteId = str(review.noteId);
    const note = noteId ? doc.notes?.[noteId] : undefined;
    const state = str(review.state);
    if (!noteId || !note || !sameUser(str(note.authorId), author)) continue;
    if (state !== "approved" && state !== "changes-requested") continue;
    const comment = String(review.comment ?? "");
    const item: ReviewNews = {
      noteId,
      reviewId,
      state,
      participant,
      serviceDate: str(note.serviceDate) ?? "",
      comment,
      at: review.at.getTime(),
    };
    const before = latest.get(noteId);
    if (!before || item.at > before.at || (item.at === before.at && item.reviewId > before.reviewId)) {
      latest.set(noteId, item);
    }
  }
  // Still news only while the note stands where the review put it.
  return [...latest.values()]
    .filter((n) => reviewOf(doc, n.noteId).standing === n.state)
    .sort((a, b) => a.at - b.at || a.reviewId.localeCompare(b.reviewId));
}

const notes = (n: number) => (n === 1 ? "1 note" : `${n} notes`);

/** One line: `1 note needs changes, 2 notes approved`, or null without news. */
export function headline(news: readonly ReviewNews[]): string | null {
  const changes = news.filter((n) => n.state === "changes-requested").length;
  const approved = news.filter((n) => n.state === "approved").length;
  const parts = [
    changes ? `${notes(changes)} ${changes === 1 ? "needs" : "need"} changes` : null,
    approved ? `${notes(approved)} approved` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(", ") : null;
}
