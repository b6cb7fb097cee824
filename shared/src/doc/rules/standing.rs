//! Where a note stands in review, as the worker sees it: draft, submitted
//! (awaiting review), approved, changes requested, amended (edited after
//! approval: back for review) or revised (edited after changes were
//! requested: back for review).
//!
//! The latest review of the note decides (by its time, then its id), and
//! whether the note changed since is decided from the document — the note
//! at the review's heads against now, ignoring `updatedAt` — never from
//! device clocks, as the supervisor's console does. Heads the document does
//! not hold count as changed.

use automerge::{AutoCommit, ChangeHash, ObjId, ROOT, ReadDoc};
use uuid::Uuid;

use crate::doc::authorship::views::{At, Views};
use crate::doc::error::DocError;
use crate::doc::ids::heads_from_hex;
use crate::doc::participant::{Note, Review};
use crate::doc::read::{read_note, read_review};
use crate::doc::vocab::{NoteStatus, ReviewState};

/// Where a note stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteStanding {
    /// Not submitted.
    Draft,
    /// Submitted, not reviewed yet.
    Submitted,
    /// Approved, unchanged since.
    Approved,
    /// Sent back with a comment; not changed since.
    ChangesRequested,
    /// Approved, then edited: back for review.
    Amended,
    /// Changes requested, then edited: back for review.
    Revised,
}

impl NoteStanding {
    /// The name shown in lists and JSON: `draft`, `submitted`, `approved`,
    /// `changes-requested`, `amended`, `revised`.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoteStanding::Draft => "draft",
            NoteStanding::Submitted => "submitted",
            NoteStanding::Approved => "approved",
            NoteStanding::ChangesRequested => "changes-requested",
            NoteStanding::Amended => "amended",
            NoteStanding::Revised => "revised",
        }
    }
}

/// The latest review of note `note`, with its id.
pub fn latest_review(doc: &AutoCommit, note: Uuid) -> Result<Option<(Uuid, Review)>, DocError> {
    let view = Views { doc, before: &[] };
    let Some(reviews) = view.map(&ROOT, "reviews", At::Now) else {
        return Ok(None);
    };
    let mut latest: Option<(Uuid, Review)> = None;
    for key in view.keys(&reviews, At::Now) {
        let Ok(id) = Uuid::parse_str(&key) else {
            continue;
        };
        let review = read_review(doc, id)?;
        if review.note_id != note {
            continue;
        }
        let newer = latest
            .as_ref()
            .is_none_or(|(lid, l)| (review.at, id) > (l.at, *lid));
        if newer {
            latest = Some((id, review));
        }
    }
    Ok(latest)
}

/// Where note `note` stands.
pub fn note_standing(doc: &AutoCommit, note: Uuid) -> Result<NoteStanding, DocError> {
    let current = read_note(doc, note)?;
    standing_of(doc, note, &current)
}

/// Where note `note` (read as `current`) stands.
pub fn standing_of(doc: &AutoCommit, note: Uuid, current: &Note) -> Result<NoteStanding, DocError> {
    let Some((_, review)) = latest_review(doc, note)? else {
        return Ok(match current.status {
            NoteStatus::Draft => NoteStanding::Draft,
            NoteStatus::Submitted => NoteStanding::Submitted,
        });
    };
    let changed = changed_since(doc, note, &review.heads);
    Ok(match (review.state, changed) {
        (ReviewState::Approved, false) => NoteStanding::Approved,
        (ReviewState::Approved, true) => NoteStanding::Amended,
        (ReviewState::ChangesRequested, false) => NoteStanding::ChangesRequested,
        (ReviewState::ChangesRequested, true) => NoteStanding::Revised,
    })
}

/// Whether note `note` differs now from the note at `heads` (hex), leaving
/// out `updatedAt`.
pub fn changed_since(doc: &AutoCommit, note: Uuid, heads: &[String]) -> bool {
    let Some(heads) = heads_from_hex(heads) else {
        return true;
    };
    if heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return true;
    }
    render_note(doc, &heads, note, At::Then) != render_note(doc, &heads, note, At::Now)
}

fn render_note(doc: &AutoCommit, heads: &[ChangeHash], note: Uuid, at: At) -> Option<String> {
    let view = Views { doc, before: heads };
    let obj = view.entry("notes", &note.to_string(), at)?;
    let mut out = String::new();
    render(&view, &obj, at, &mut out);
    Some(out)
}

fn render(view: &Views<'_>, obj: &ObjId, at: At, out: &mut String) {
    let mut keys = view.keys(obj, at);
    keys.sort();
    for key in keys {
        if key == "updatedAt" {
            continue;
        }
        out.push_str(&key);
        out.push('=');
        match view.map(obj, &key, at) {
            Some(child) => {
                out.push('{');
                render(view, &child, at, out);
                out.push('}');
            }
            None => out.push_str(&view.field(obj, &key, at).unwrap_or_default()),
        }
        out.push('\u{1f}');
    }
}
