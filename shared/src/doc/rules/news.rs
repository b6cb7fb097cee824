//! Review news: what a sync brought a worker about their notes — a
//! supervisor approved one, or asked for changes with a comment.
//!
//! [`review_news`] compares a participant document before a sync (its
//! heads then) with the document now: every review that is new, of a note
//! the worker wrote, is news, one item per note (the latest review wins).
//! Reviews are never changed or deleted (see [`crate::doc::authorship`]), so
//! new review entries are all there is to find. Pure: no clock, no I/O.

use std::collections::BTreeMap;
use std::fmt;

use automerge::{AutoCommit, ChangeHash, ROOT};
use uuid::Uuid;

use crate::doc::authorship::views::{At, Views};
use crate::doc::edit::ParticipantText;
use crate::doc::edit::text::read_text;
use crate::doc::read::{read_note, read_review};
use crate::doc::timestamp::Timestamp;
use crate::doc::vocab::ReviewState;

/// One piece of review news about a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewNews {
    /// The reviewed note.
    pub note_id: Uuid,
    /// The review.
    pub review_id: Uuid,
    /// The supervisor's decision.
    pub state: ReviewState,
    /// The participant's display name.
    pub participant: String,
    /// The note's service date, `YYYY-MM-DD`.
    pub service_date: String,
    /// The supervisor's comment (may be empty).
    pub comment: String,
    /// The reviewer's name, or user id.
    pub reviewer: String,
    /// When the review was made.
    pub at: Timestamp,
}

impl fmt::Display for ReviewNews {
    /// `note needs changes: Rosa 2026-11-20 — Please add the plan`, or
    /// `note approved: Rosa 2026-11-20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.state {
            ReviewState::Approved => "note approved",
            ReviewState::ChangesRequested => "note needs changes",
        };
        write!(f, "{what}: {} {}", self.participant, self.service_date)?;
        if !self.comment.trim().is_empty() {
            write!(f, " — {}", self.comment.trim())?;
        }
        Ok(())
    }
}

/// The review news in `doc` since `before` for the notes `author` (a user
/// id) wrote, oldest review first. A document that was not held before
/// (`before` empty) has no news: its reviews are history, not news.
pub fn review_news(doc: &AutoCommit, before: &[ChangeHash], author: &str) -> Vec<ReviewNews> {
    if before.is_empty() {
        return Vec::new();
    }
    let view = Views { doc, before };
    let Some(now) = view.map(&ROOT, "reviews", At::Now) else {
        return Vec::new();
    };
    let old: Vec<String> = view
        .map(&ROOT, "reviews", At::Then)
        .map(|then| view.keys(&then, At::Then))
        .unwrap_or_default();
    let participant = read_text(doc, ParticipantText::DisplayName).unwrap_or_default();
    let mut latest: BTreeMap<Uuid, ReviewNews> = BTreeMap::new();
    for key in view.keys(&now, At::Now) {
        if old.contains(&key) {
            continue;
        }
        let Ok(review_id) = Uuid::parse_str(&key) else {
            continue;
        };
        let Ok(review) = read_review(doc, review_id) else {
            continue;
        };
        let Ok(note) = read_note(doc, review.note_id) else {
            continue;
        };
        if !crate::doc::authorship::same_user(&note.author_id, author) {
            continue;
        }
        let item = ReviewNews {
            note_id: review.note_id,
            review_id,
            state: review.state,
            participant: participant.clone(),
            service_date: note.service_date.to_string(),
            comment: review.comment.as_str().to_owned(),
            reviewer: review.reviewer_name.unwrap_or(review.reviewer_id),
            at: review.at,
        };
        let newer = latest
            .get(&item.note_id)
            .is_none_or(|l| (item.at, item.review_id) > (l.at, l.review_id));
        if newer {
            latest.insert(item.note_id, item);
        }
    }
    let mut out: Vec<ReviewNews> = latest.into_values().collect();
    out.sort_by_key(|n| (n.at, n.review_id));
    out
}

/// One line for a person: `1 note needs changes, 2 notes approved`, or
/// `None` without news.
pub fn headline(news: &[ReviewNews]) -> Option<String> {
    let count = |state| news.iter().filter(|n| n.state == state).count();
    let notes = |n: usize| {
        if n == 1 {
            "1 note".to_owned()
        } else {
            format!("{n} notes")
        }
    };
    let mut parts = Vec::new();
    let changes = count(ReviewState::ChangesRequested);
    if changes > 0 {
        let verb = if changes == 1 { "needs" } else { "need" };
        parts.push(format!("{} {verb} changes", notes(changes)));
    }
    let approved = count(ReviewState::Approved);
    if approved > 0 {
        parts.push(format!("{} approved", notes(approved)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
