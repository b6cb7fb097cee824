//! Who may claim what in a document: the authorship and append-only rules
//! every writer is held to (device sync, the console, any server-side
//! edit), checked on a write after it is merged in memory and before it is
//! kept.
//!
//! A document says who wrote a note, who signed it, who reviewed it, who
//! stamped a step of an accompanied appointment and who ticked a
//! follow-up. Those claims are only worth something if nobody can make
//! them for somebody else, or rewrite them later:
//! - a new note names its writer as `authorId` and the writer's device as
//!   `deviceId`; `signature.by` is always the author, and only the author
//!   signs; `authorId`, `deviceId` and `createdAt` never change; a
//!   signature and `submittedAt`, once made, are never removed and only the
//!   author replaces them (their two devices may submit at once);
//! - a submitted note never goes back to draft, and a note that was
//!   submitted, signed or reviewed is never deleted; a draft is discarded
//!   by its author only;
//! - a review names the writer as `reviewerId` and is never changed or
//!   deleted;
//! - an accompaniment log names its writer as `peerId` when it is created,
//!   and `peerId` and `createdAt` never change; a step's time is stamped
//!   with the stamping writer in `<step>By`; a follow-up's `createdBy` and
//!   `doneBy` name the writer who added and ticked it;
//! - a goal's `createdBy`, when given, is the writer, and never changes.
//!
//! Who may type in a note is not limited here: a covering colleague or the
//! author's second device edits the text, and each edit stays attributed to
//! its device through the actor binding the server keeps.
//!
//! Reads are of the merged document at the heads before the write and now,
//! limited to what the write touched ([`Touched`]).

use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use super::schema::DocKind;
use super::touched::Touched;

/// Who is writing: the authenticated user and, for device writes, the
/// authenticated device.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    /// The user's id.
    pub user_id: &'a str,
    /// The device's id; `None` for a write made by the server on the user's
    /// behalf (the console).
    pub device_id: Option<&'a str>,
}

/// A write that claims what its writer may not claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthorshipError(pub String);

fn refuse(text: impl Into<String>) -> AuthorshipError {
    AuthorshipError(text.into())
}

/// Checks the parts of `doc` that the write since `before` touched (an
/// empty `before` means the write created the document) against the rules
/// above, for a document of `kind` written by `writer`.
pub fn check_write(
    doc: &AutoCommit,
    before: &[ChangeHash],
    touched: &Touched,
    kind: DocKind,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let view = Views { doc, before };
    match kind {
        DocKind::Participant => {
            for key in view.touched_entries(touched, "notes") {
                note(&view, &key, writer)?;
            }
            for key in view.touched_entries(touched, "reviews") {
                review(&view, &key, writer)?;
            }
            for key in view.touched_entries(touched, "goals") {
                goal(&view, &key, writer)?;
            }
            Ok(())
        }
        DocKind::Accompaniment => {
            accompaniment(&view, touched, writer)?;
            for key in view.touched_entries(touched, "followUps") {
                follow_up(&view, &key, writer)?;
            }
            Ok(())
        }
        DocKind::CaseloadIndex => Ok(()),
    }
}

/// The document as it was before the write (`Then`) and as it is (`Now`).
#[derive(Clone, Copy)]
enum At {
    Then,
    Now,
}

struct Views<'a> {
    doc: &'a AutoCommit,
    before: &'a [ChangeHash],
}

impl Views<'_> {
    fn get(&self, obj: &ObjId, key: &str, at: At) -> Option<(Value<'_>, ObjId)> {
        match at {
            At::Then if self.before.is_empty() => None,
            At::Then => self.doc.get_at(obj, key, self.before).ok().flatten(),
            At::Now => self.doc.get(obj, key).ok().flatten(),
        }
    }

    fn keys(&self, obj: &ObjId, at: At) -> Vec<String> {
        match at {
            At::Then if self.before.is_empty() => Vec::new(),
            At::Then => self.doc.keys_at(obj, self.before).collect(),
            At::Now => self.doc.keys(obj).collect(),
        }
    }

    fn map(&self, obj: &ObjId, key: &str, at: At) -> Option<ObjId> {
        match self.get(obj, key, at)? {
            (Value::Object(ObjType::Map), id) => Some(id),
            _ => None,
        }
    }

    /// A field as comparable text: a string or text object's content, any
    /// other scalar's rendering, a list's items joined.
    fn field(&self, obj: &ObjId, key: &str, at: At) -> Option<String> {
        let (value, id) = self.get(obj, key, at)?;
        Some(match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => s.to_string(),
                ScalarValue::Null => return None,
                other => other.to_string(),
            },
            Value::Object(ObjType::Text) => match at {
                At::Then => self.doc.text_at(&id, self.before).ok()?,
                At::Now => self.doc.text(&id).ok()?,
            },
            Value::Object(ObjType::List) => {
                let len = match at {
                    At::Then => self.doc.length_at(&id, self.before),
                    At::Now => self.doc.length(&id),
                };
                let items: Vec<String> = (0..len)
                    .filter_map(|i| {
                        let item = match at {
                            At::Then => self.doc.get_at(&id, i, self.before),
                            At::Now => self.doc.get(&id, i),
                        };
                        match item.ok().flatten() {
                            Some((Value::Scalar(s), _)) => Some(s.to_string()),
                            _ => None,
                        }
                    })
                    .collect();
                items.join(",")
            }
            Value::Object(kind) => format!("({kind:?} {id})"),
        })
    }

    /// The entry keys of root collection `collection` the write touched:
    /// those named, or every entry then and now when the collection itself
    /// was replaced.
    fn touched_entries(&self, touched: &Touched, collection: &str) -> Vec<String> {
        let mut keys: Vec<String> = touched
            .entries
            .get(collection)
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default();
        if touched.root_keys.contains(collection) {
            for at in [At::Then, At::Now] {
                if let Some(map) = self.map(&ROOT, collection, at) {
                    keys.extend(self.keys(&map, at));
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Entry `key` of root collection `collection`, then or now.
    fn entry(&self, collection: &str, key: &str, at: At) -> Option<ObjId> {
        let map = self.map(&ROOT, collection, at)?;
        self.map(&map, key, at)
    }
}

/// Whether two user or device ids are the same (UUIDs compare as UUIDs, so
/// case does not matter).
fn same_id(a: &str, b: &str) -> bool {
    match (uuid::Uuid::parse_str(a), uuid::Uuid::parse_str(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn is(value: Option<&str>, id: &str) -> bool {
    value.is_some_and(|v| same_id(v, id))
}

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

fn note(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
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

fn review(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
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

fn goal(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
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

/// The steps of an accompaniment: the time and who stamped it.
const STEPS: [(&str, &str); 5] = [
    ("departedAt", "departedBy"),
    ("arrivedAt", "arrivedBy"),
    ("startedAt", "startedBy"),
    ("endedAt", "endedBy"),
    ("returnedAt", "returnedBy"),
];

fn accompaniment(
    view: &Views<'_>,
    touched: &Touched,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let created = view.before.is_empty();
    if created {
        if !is(
            view.field(&ROOT, "peerId", At::Now).as_deref(),
            writer.user_id,
        ) {
            return Err(refuse(
                "a new accompaniment log's peerId must be its writer",
            ));
        }
    } else {
        for key in ["peerId", "createdAt"] {
            if touched.root_keys.contains(key)
                && view.field(&ROOT, key, At::Then) != view.field(&ROOT, key, At::Now)
            {
                return Err(refuse(format!(
                    "an accompaniment log's {key} never changes"
                )));
            }
        }
    }
    for (time, by) in STEPS {
        let time_changed = view.field(&ROOT, time, At::Then) != view.field(&ROOT, time, At::Now);
        let by_now = view.field(&ROOT, by, At::Now);
        let by_changed = view.field(&ROOT, by, At::Then) != by_now;
        if time_changed {
            let stamped = view.field(&ROOT, time, At::Now).is_some();
            let ok = match &by_now {
                Some(who) => same_id(who, writer.user_id),
                None => !stamped,
            };
            if !ok {
                return Err(refuse(format!(
                    "{time} must be stamped with its writer in {by}"
                )));
            }
        } else if by_changed {
            return Err(refuse(format!("{by} changes only with {time}")));
        }
    }
    Ok(())
}

fn follow_up(view: &Views<'_>, key: &str, writer: Writer<'_>) -> Result<(), AuthorshipError> {
    let then = view.entry("followUps", key, At::Then);
    let Some(now) = view.entry("followUps", key, At::Now) else {
        return Ok(());
    };
    let created_by = view.field(&now, "createdBy", At::Now);
    match &then {
        None => {
            if created_by
                .as_deref()
                .is_some_and(|by| !same_id(by, writer.user_id))
            {
                return Err(refuse("a new follow-up's createdBy must be its writer"));
            }
        }
        Some(then) => {
            if view.field(then, "createdBy", At::Then) != created_by
                || view.field(then, "createdAt", At::Then) != view.field(&now, "createdAt", At::Now)
            {
                return Err(refuse("a follow-up's createdBy and createdAt never change"));
            }
        }
    }
    let done = |obj: &ObjId, at| {
        (
            view.field(obj, "done", at),
            view.field(obj, "doneAt", at),
            view.field(obj, "doneBy", at),
        )
    };
    let (done_now, done_at_now, done_by_now) = done(&now, At::Now);
    let (done_then, done_at_then, done_by_then) = match &then {
        Some(then) => done(then, At::Then),
        None => (None, None, None),
    };
    let ticked = done_now != done_then || done_at_now != done_at_then;
    let is_done = done_now.as_deref() == Some("true");
    if ticked {
        let ok = match &done_by_now {
            Some(who) => same_id(who, writer.user_id),
            None => !is_done,
        };
        if !ok {
            return Err(refuse("a follow-up is ticked with its writer in doneBy"));
        }
    } else if done_by_now != done_by_then {
        return Err(refuse("doneBy changes only when the follow-up is ticked"));
    }
    Ok(())
}
