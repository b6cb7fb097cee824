//! The rules of a participant record: who writes, signs, submits and
//! discards a note and what of it never changes, that reviews are the
//! reviewer's and never change, and who a goal was created by.

use automerge::{ObjId, ROOT};

use super::views::{At, Views};
use super::{AuthorshipError, Writer, is, refuse, same_id};

/// What a note claims, read at one moment.
struct NoteClaims {
    author: Option<String>,
    device: Option<String>,
    created: Option<String>,
    status: Option<String>,
    submitted: Option<String>,
    signature: Option<Signature>,
}

#[derive(PartialEq, Eq)]
struct Signature {
    by: Option<String>,
    at: Option<String>,
    heads: Option<String>,
}

fn note_claims(view: &Views<'_>, note: &ObjId, at: At) -> NoteClaims {
    let signature = view.map(note, "signature", at).map(|sig| Signature {
        by: view.field(&sig, "by", at),
        at: view.field(&sig, "at", at),
        heads: view.field(&sig, "heads", at),
    });
    NoteClaims {
        author: view.field(note, "authorId", at),
        device: view.field(note, "deviceId", at),
        created: view.field(note, "createdAt", at),
        status: view.field(note, "status", at),
        submitted: view.field(note, "submittedAt", at),
        signature,
    }
}

pub(super) fn note(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
    let then = view
        .entry("notes", key, At::Then)
        .map(|n| note_claims(view, &n, At::Then));
    let now = view
        .entry("notes", key, At::Now)
        .map(|n| note_claims(view, &n, At::Now));
    match (then, now) {
        (None, None) => Ok(()),
        (None, Some(now)) => new_note(&now, writer),
        (Some(then), None) => deleted_note(view, key, &then, writer),
        (Some(then), Some(now)) => changed_note(&then, &now, writer),
    }
}

fn new_note(now: &NoteClaims, writer: Writer<'_>) -> Result<(), AuthorshipError> {
    if !is(now.author.as_deref(), writer.user_id) {
        return Err(refuse("a new note's authorId must be its writer"));
    }
    if let Some(device) = writer.device_id
        && !is(now.device.as_deref(), device)
    {
        return Err(refuse(
            "a new note's deviceId must be the device that wrote it",
        ));
    }
    signature_by_author(now)
}

fn signature_by_author(now: &NoteClaims) -> Result<(), AuthorshipError> {
    match (&now.signature, &now.author) {
        (None, _) => Ok(()),
        (Some(sig), Some(author)) if is(sig.by.as_deref(), author) => Ok(()),
        _ => Err(refuse("a note's signature must be by its author")),
    }
}

fn changed_note(
    then: &NoteClaims,
    now: &NoteClaims,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    if then.author != now.author || then.device != now.device || then.created != now.created {
        return Err(refuse(
            "a note's authorId, deviceId and createdAt never change",
        ));
    }
    let by_author = then
        .author
        .as_deref()
        .is_some_and(|a| same_id(a, writer.user_id));
    if then.signature != now.signature {
        if now.signature.is_none() {
            return Err(refuse("a note's signature is never removed"));
        }
        if !by_author {
            return Err(refuse("only a note's author signs it"));
        }
    }
    if then.submitted != now.submitted {
        if now.submitted.is_none() {
            return Err(refuse("a submitted note stays submitted"));
        }
        if !by_author {
            return Err(refuse("only a note's author submits it"));
        }
    }
    if then.status.as_deref() == Some("submitted") && now.status.as_deref() != Some("submitted") {
        return Err(refuse("a submitted note stays submitted"));
    }
    signature_by_author(now)
}

fn deleted_note(
    view: &Views<'_>,
    key: &str,
    then: &NoteClaims,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let signed = then.signature.is_some()
        || then.submitted.is_some()
        || then.status.as_deref() != Some("draft");
    if signed || reviewed(view, key) {
        return Err(refuse(
            "a note that was submitted, signed or reviewed is never deleted",
        ));
    }
    if !is(then.author.as_deref(), writer.user_id) {
        return Err(refuse("only its author discards a draft note"));
    }
    Ok(())
}

/// Whether any review made before the write names note `key`.
fn reviewed(view: &Views<'_>, key: &str) -> bool {
    let Some(reviews) = view.map(&ROOT, "reviews", At::Then) else {
        return false;
    };
    view.keys(&reviews, At::Then).iter().any(|r| {
        view.map(&reviews, r, At::Then)
            .and_then(|review| view.field(&review, "noteId", At::Then))
            .is_some_and(|note| note.eq_ignore_ascii_case(key))
    })
}

pub(super) fn review(
    view: &Views<'_>,
    key: &str,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let then = view.entry("reviews", key, At::Then);
    let now = view.entry("reviews", key, At::Now);
    match (then, now) {
        (None, None) => Ok(()),
        (None, Some(now)) => {
            if is(
                view.field(&now, "reviewerId", At::Now).as_deref(),
                writer.user_id,
            ) {
                Ok(())
            } else {
                Err(refuse("a review's reviewerId must be its writer"))
            }
        }
        (Some(_), None) => Err(refuse("a review is never deleted")),
        (Some(then), Some(now)) => {
            let fields = ["noteId", "state", "comment", "reviewerId", "at", "heads"];
            if fields
                .iter()
                .any(|f| view.field(&then, f, At::Then) != view.field(&now, f, At::Now))
            {
                Err(refuse("a review is never changed"))
            } else {
                Ok(())
            }
        }
    }
}

pub(super) fn goal(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
    let then = view.entry("goals", key, At::Then);
    let now = view.entry("goals", key, At::Now);
    let (Some(now), then) = (now, then) else {
        return Ok(());
    };
    let by_now = view.field(&now, "createdBy", At::Now);
    match then {
        None => match by_now {
            Some(by) if !same_id(&by, writer.user_id) => {
                Err(refuse("a new goal's createdBy must be its writer"))
            }
            _ => Ok(()),
        },
        Some(then) => {
            if view.field(&then, "createdBy", At::Then) != by_now {
                Err(refuse("a goal's createdBy never changes"))
            } else {
                Ok(())
            }
        }
    }
}
