//! Whether a write a peer sent may be merged.
//!
//! Called through the hub's policy hook after the changes are applied in
//! memory and before anything is persisted. A write is refused when:
//! - the document does not validate against its schema afterwards (a new
//!   document in full; an existing one in what the write touched);
//! - it changes a document's `@type`, or creates a caseload index;
//! - a peer writes a review (reviews are written by the server on a
//!   supervisor's behalf) or moves an accompaniment log to another
//!   participant;
//! - a new accompaniment log references a participant the writer may not
//!   write (one not known yet is refused "not yet": the hub holds the log
//!   back until the record arrives or its wait ends);
//! - it breaks the authorship rules every writer is held to
//!   ([`alongside_shared::doc::authorship`]): a note, log, step or
//!   follow-up claimed for someone else, or a signed or reviewed note
//!   rewritten or deleted;
//! - it changes a note's service date, times or setting so that they break
//!   the domain rules ([`alongside_shared::doc::rules::write`]): a setting
//!   outside the vocabulary, an end before the start, a service date no
//!   real zone gives the start. Only what the write changed is judged, so
//!   old notes with free-text settings stay editable.
//!
//! Accompaniment steps merged out of order are accepted: two devices
//! stamping concurrently is honest work, and refusing the merge would
//! quarantine it. Readers (the console) show such a log as out of order
//! ([`alongside_shared::doc::rules::out_of_order`]) instead of minutes.
//!
//! An accepted new document is claimed: the caller records its class, so
//! that access to it is decided from that moment on.

use std::str::FromStr;

use alongside_shared::doc::authorship::{self, Writer};
use alongside_shared::doc::rules;
use alongside_shared::doc::{DocKind, Touched, ValidationError, validate, validate_touched};
use alongside_shared::sync::{Access, Refusal, Write};
use alongside_shared::wire::DocumentId;
use automerge::{ROOT, ReadDoc};
use uuid::Uuid;

use super::table::{AccessTable, DocClass};
use crate::auth::Principal;

/// Reviews live under this root key of a participant record.
const REVIEWS: &str = "reviews";
/// An accompaniment log's link to its participant record.
const PARTICIPANT_ID: &str = "participantId";

/// What the write rules need to know of other documents: the class of a
/// document, and whether a principal may write one. Asked while a write
/// is checked; an implementation must not hold a lock across calls, since
/// checking a large write takes a while.
pub trait Classes {
    /// The class of `document`, if known.
    fn class(&self, document: Uuid) -> Option<DocClass>;
    /// Whether `principal` may read and write `document`.
    fn may_write(&self, principal: &Principal, document: Uuid) -> bool;
}

impl Classes for AccessTable {
    fn class(&self, document: Uuid) -> Option<DocClass> {
        AccessTable::class(self, document)
    }

    fn may_write(&self, principal: &Principal, document: Uuid) -> bool {
        self.access(principal, document) == Access::ReadWrite
    }
}

/// Checks `write` to `document` by `principal`. Returns the class to
/// record when the write creates a document.
pub fn check(
    table: &impl Classes,
    principal: &Principal,
    document: Uuid,
    write: Write<'_>,
) -> Result<Option<DocClass>, Refusal> {
    match table.class(document) {
        None => create(table, principal, write).map(Some),
        Some(class) => update(class, principal, write).map(|()| None),
    }
}

/// Holds the write to the authorship rules, as `principal` on its device.
fn authorship(
    principal: &Principal,
    doc: &automerge::AutoCommit,
    before: &[automerge::ChangeHash],
    touched: &Touched,
    kind: DocKind,
) -> Result<(), Refusal> {
    let user = principal.user_id.to_string();
    let device = principal.device_id.map(|d| d.to_string());
    let writer = Writer {
        user_id: &user,
        device_id: device.as_deref(),
    };
    authorship::check_write(doc, before, touched, kind, writer).map_err(|e| Refusal::new(e.0))
}

fn create(
    table: &impl Classes,
    principal: &Principal,
    write: Write<'_>,
) -> Result<DocClass, Refusal> {
    let kind = validate(&*write.doc).map_err(|e| invalid(&e))?;
    authorship(
        principal,
        write.doc,
        write.before,
        &Touched::whole(&*write.doc),
        kind,
    )?;
    note_rules(write.doc, write.before, &Touched::whole(&*write.doc), kind)?;
    match kind {
        DocKind::Participant => {
            if has_entries(write.doc, REVIEWS) {
                return Err(Refusal::new(
                    "reviews are written by supervisors through the server",
                ));
            }
            Ok(DocClass::Participant {
                owner: principal.user_id,
            })
        }
        DocKind::Accompaniment => {
            let participant = participant_of(write.doc)
                .ok_or_else(|| Refusal::new("participantId is not a document id"))?;
            const NOT_YOURS: &str = "participantId names no participant record you may write";
            if table.class(participant).is_none() {
                // Perhaps not here yet: a device that made the record and
                // its log offline may send the log first (their documents
                // can live in different sync shards, or nodes). The hub
                // holds the log back and asks again; unknown for good, it
                // is refused as any other.
                return Err(Refusal::not_yet(NOT_YOURS));
            }
            if !table.may_write(principal, participant) {
                return Err(Refusal::new(NOT_YOURS));
            }
            Ok(DocClass::Accompaniment { participant })
        }
        DocKind::CaseloadIndex => Err(Refusal::new("caseload indexes are kept by the server")),
    }
}

fn update(class: DocClass, principal: &Principal, write: Write<'_>) -> Result<(), Refusal> {
    let touched = Touched::since(write.doc, write.before);
    let kind = validate_touched(&*write.doc, &touched).map_err(|e| invalid(&e))?;
    let expected = match class {
        DocClass::Participant { .. } => DocKind::Participant,
        DocClass::Accompaniment { .. } => DocKind::Accompaniment,
        DocClass::CaseloadIndex { .. } | DocClass::Orphan => {
            return Err(Refusal::new("this document is read-only"));
        }
    };
    if kind != expected {
        return Err(Refusal::new("a document's @type cannot change"));
    }
    if touches(&touched, REVIEWS) && kind == DocKind::Participant {
        return Err(Refusal::new(
            "reviews are written by supervisors through the server",
        ));
    }
    if touches(&touched, PARTICIPANT_ID) && kind == DocKind::Accompaniment {
        return Err(Refusal::new(
            "an accompaniment log cannot move to another participant",
        ));
    }
    authorship(principal, write.doc, write.before, &touched, kind)?;
    note_rules(write.doc, write.before, &touched, kind)
}

/// Holds the notes the write changed to the zone-independent note rules.
fn note_rules(
    doc: &automerge::AutoCommit,
    before: &[automerge::ChangeHash],
    touched: &Touched,
    kind: DocKind,
) -> Result<(), Refusal> {
    if kind != DocKind::Participant {
        return Ok(());
    }
    rules::check_note_writes(doc, before, touched)
        .map_err(|(note, e)| Refusal::new(format!("notes.{note}.{e}")))
}

fn touches(touched: &Touched, key: &str) -> bool {
    touched.root_keys.contains(key) || touched.entries.contains_key(key)
}

fn has_entries(doc: &automerge::AutoCommit, key: &str) -> bool {
    match doc.get(ROOT, key) {
        Ok(Some((_, obj))) => doc.length(&obj) > 0 || doc.keys(&obj).next().is_some(),
        _ => false,
    }
}

/// The participant record an accompaniment log names: a bs58check id or an
/// `automerge:` URL.
fn participant_of(doc: &automerge::AutoCommit) -> Option<Uuid> {
    let text = match doc.get(ROOT, PARTICIPANT_ID).ok()?? {
        (automerge::Value::Scalar(s), _) => s.as_str()?.to_owned(),
        (automerge::Value::Object(automerge::ObjType::Text), id) => doc.text(&id).ok()?,
        _ => return None,
    };
    let bare = text.strip_prefix("automerge:").unwrap_or(&text);
    DocumentId::from_str(bare).ok().map(|id| id.to_uuid())
}

/// A refusal naming the first few problems (paths and what is wrong; never
/// document content beyond the offending path).
fn invalid(errors: &[ValidationError]) -> Refusal {
    let shown: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
    let more = errors.len().saturating_sub(shown.len());
    let suffix = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    Refusal::new(format!(
        "document does not match its schema: {}{suffix}",
        shown.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::table::tests::world;
    use alongside_shared::doc::edit::ParticipantText;
    use alongside_shared::doc::edit::caseload::create_caseload_index;
    use alongside_shared::doc::edit::participant::create_participant;
    use alongside_shared::doc::edit::text::replace_text;
    use alongside_shared::doc::participant::{Profile, Review};
    use alongside_shared::doc::vocab::ReviewState;
    use alongside_shared::sync::ChangeMeta;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ChangeHash};

    /// Writes a review as a device would, bypassing the helper (which
    /// wants the note to exist).
    fn put_review(doc: &mut AutoCommit) {
        let reviews = match doc.get(automerge::ROOT, "reviews").expect("get") {
            Some((_, id)) => id,
            None => panic!("no reviews map"),
        };
        autosurgeon::reconcile_prop(doc, &reviews, Uuid::new_v4().to_string().as_str(), review())
            .expect("review");
    }

    fn review() -> Review {
        Review {
            note_id: Uuid::new_v4(),
            state: ReviewState::Approved,
            comment: "Good".into(),
            reviewer_id: "sup".into(),
            at: alongside_shared::doc::Timestamp::from_millis(0),
            heads: Vec::new(),
            reviewer_name: None,
        }
    }

    /// Runs the rules on `edit` applied to `doc` (whose current heads are
    /// "before").
    fn run(
        table: &AccessTable,
        who: &Principal,
        id: Uuid,
        doc: &mut AutoCommit,
        edit: impl FnOnce(&mut AutoCommit),
    ) -> Result<Option<DocClass>, Refusal> {
        let before: Vec<ChangeHash> = doc.get_heads();
        edit(doc);
        doc.commit();
        let changes = ChangeMeta::since(doc, &before);
        check(
            table,
            who,
            id,
            Write {
                doc,
                before: &before,
                changes: &changes,
            },
        )
    }

    #[test]
    fn a_peer_creates_a_valid_participant_record_and_owns_it() {
        let w = world();
        let id = Uuid::new_v4();
        let mut doc = AutoCommit::new();
        let claim = run(&w.table, &w.peer_b, id, &mut doc, |d| {
            create_participant(d, &Profile::new("Sam")).expect("create");
        });
        assert_eq!(
            claim,
            Ok(Some(DocClass::Participant {
                owner: w.peer_b.user_id
            }))
        );
    }

    #[test]
    fn new_documents_that_are_invalid_or_not_for_devices_are_refused() {
        let w = world();
        let mut doc = AutoCommit::new();
        let invalid = run(&w.table, &w.peer_a, Uuid::new_v4(), &mut doc, |d| {
            d.put(automerge::ROOT, "@type", "alongside/participant")
                .expect("put");
        });
        let reason = invalid.expect_err("refused").reason;
        assert!(
            reason.starts_with("document does not match its schema"),
            "{reason}"
        );

        let mut doc = AutoCommit::new();
        let reviewed = run(&w.table, &w.peer_a, Uuid::new_v4(), &mut doc, |d| {
            create_participant(d, &Profile::new("Sam")).expect("create");
            put_review(d);
        });
        assert!(reviewed.is_err(), "a peer cannot write a review");

        let mut doc = AutoCommit::new();
        let index = run(&w.table, &w.peer_a, Uuid::new_v4(), &mut doc, |d| {
            create_caseload_index(d, "x", alongside_shared::doc::Timestamp::from_millis(0))
                .expect("index");
        });
        assert!(index.is_err(), "devices do not create caseload indexes");
    }

    #[test]
    fn updates_may_not_touch_reviews_or_change_the_type() {
        let w = world();
        let mut doc = AutoCommit::new();
        create_participant(&mut doc, &Profile::new("Alex")).expect("create");
        doc.commit();
        let edit = run(&w.table, &w.peer_a, w.doc_a, &mut doc, |d| {
            replace_text(d, ParticipantText::DisplayName, "Alex R.").expect("edit");
        });
        assert_eq!(edit, Ok(None));
        let mut reviewed = doc.fork();
        let review = run(&w.table, &w.peer_a, w.doc_a, &mut reviewed, |d| {
            put_review(d);
        });
        assert!(review.expect_err("refused").reason.contains("reviews"));
        let mut retyped = doc.fork();
        let retype = run(&w.table, &w.peer_a, w.doc_a, &mut retyped, |d| {
            d.put(automerge::ROOT, "@type", "alongside/caseload-index")
                .expect("put");
        });
        assert!(retype.is_err());
        let index = run(&w.table, &w.peer_a, w.index_a, &mut doc.fork(), |d| {
            replace_text(d, ParticipantText::DisplayName, "x").expect("edit");
        });
        assert!(index.is_err(), "an index is read-only");
    }

    fn log_of(participant: Uuid, by: &Principal) -> impl FnOnce(&mut AutoCommit) {
        let log = alongside_shared::doc::accompaniment::Accompaniment::planned(
            &alongside_shared::wire::DocumentId::from_uuid(participant).to_string(),
            &by.user_id.to_string(),
            alongside_shared::doc::accompaniment::Appointment {
                kind: alongside_shared::doc::vocab::AppointmentKind::Housing,
                place: "Housing office".into(),
                provider: "Front desk".into(),
                scheduled_at: None,
            },
            alongside_shared::doc::Timestamp::from_millis(1_790_000_000_000),
        );
        move |d| {
            alongside_shared::doc::edit::accompaniment::create_accompaniment(d, &log).expect("log");
        }
    }

    #[test]
    fn a_new_log_waits_for_an_unknown_record_and_is_refused_for_someone_elses() {
        let w = world();
        let mine = run(
            &w.table,
            &w.peer_a,
            Uuid::new_v4(),
            &mut AutoCommit::new(),
            log_of(w.doc_a, &w.peer_a),
        );
        assert_eq!(
            mine,
            Ok(Some(DocClass::Accompaniment {
                participant: w.doc_a
            }))
        );
        let unknown = run(
            &w.table,
            &w.peer_a,
            Uuid::new_v4(),
            &mut AutoCommit::new(),
            log_of(Uuid::new_v4(), &w.peer_a),
        )
        .expect_err("not decidable yet");
        assert!(unknown.not_yet, "a record not here yet may still come");
        let theirs = run(
            &w.table,
            &w.peer_b,
            Uuid::new_v4(),
            &mut AutoCommit::new(),
            log_of(w.doc_a, &w.peer_b),
        )
        .expect_err("refused");
        assert!(!theirs.not_yet, "another's record is refused for good");
        assert_eq!(unknown.reason, theirs.reason, "the two read the same");
    }

    /// A participant record with one note by `peer` whose setting is the
    /// free text older clients wrote.
    fn record_with_free_text_setting(peer: &Principal) -> (AutoCommit, Uuid) {
        let mut doc = AutoCommit::new();
        create_participant(&mut doc, &Profile::new("Alex")).expect("create");
        let note = Uuid::new_v4();
        let start = 1_795_000_000_000;
        let value = alongside_shared::doc::participant::Note {
            author_id: peer.user_id.to_string(),
            device_id: peer.device_id.map(|d| d.to_string()).unwrap_or_default(),
            service_date: alongside_shared::doc::CalendarDate::parse("2026-11-18").expect("date"),
            encounter_at: alongside_shared::doc::Timestamp::from_millis(start),
            encounter_end_at: alongside_shared::doc::Timestamp::from_millis(start + 3_600_000),
            setting: "the park bench".into(),
            service_code: "H0038".into(),
            goal_ids: Default::default(),
            narrative: Default::default(),
            status: alongside_shared::doc::vocab::NoteStatus::Draft,
            created_at: alongside_shared::doc::Timestamp::from_millis(start),
            author_name: None,
            credentials: None,
            participant_comment: None,
            part2: None,
            submitted_at: None,
            signature: None,
            updated_at: None,
            accompaniment_id: None,
        };
        alongside_shared::doc::edit::participant::add_note(&mut doc, note, &value).expect("note");
        doc.commit();
        (doc, note)
    }

    #[test]
    fn old_free_text_settings_stay_editable_but_new_writes_use_the_vocabulary() {
        use alongside_shared::doc::edit::NarrativePart;
        use alongside_shared::doc::edit::participant::{NoteField, set_note_field};
        use alongside_shared::doc::vocab::Setting;
        let w = world();
        let (mut doc, note) = record_with_free_text_setting(&w.peer_a);
        let narrative = run(&w.table, &w.peer_a, w.doc_a, &mut doc.fork(), |d| {
            replace_text(
                d,
                ParticipantText::Narrative(note, NarrativePart::Plan),
                "Meet again Friday.",
            )
            .expect("edit");
        });
        assert_eq!(
            narrative,
            Ok(None),
            "an old note's narrative stays editable"
        );
        let free_text = run(&w.table, &w.peer_a, w.doc_a, &mut doc.fork(), |d| {
            d.put(note_obj(d, note), "setting", "the library")
                .expect("put");
        })
        .expect_err("a new free-text setting is refused");
        assert!(
            free_text
                .reason
                .starts_with(&format!("notes.{note}.setting: expected one of community")),
            "{}",
            free_text.reason
        );
        let vocabulary = run(&w.table, &w.peer_a, w.doc_a, &mut doc.fork(), |d| {
            set_note_field(d, note, NoteField::Setting(Setting::Home)).expect("set");
        });
        assert_eq!(vocabulary, Ok(None));
        let inverted = run(&w.table, &w.peer_a, w.doc_a, &mut doc.fork(), |d| {
            set_note_field(
                d,
                note,
                NoteField::EncounterEndAt(alongside_shared::doc::Timestamp::from_millis(0)),
            )
            .expect("set");
        })
        .expect_err("an end before the start is refused");
        assert!(
            inverted.reason.contains(".encounterEndAt: "),
            "{}",
            inverted.reason
        );
        let far = run(&w.table, &w.peer_a, w.doc_a, &mut doc.fork(), |d| {
            set_note_field(
                d,
                note,
                NoteField::ServiceDate(
                    alongside_shared::doc::CalendarDate::parse("2026-11-21").expect("date"),
                ),
            )
            .expect("set");
        })
        .expect_err("a date no zone gives the start is refused");
        assert!(far.reason.contains(".serviceDate: "), "{}", far.reason);
    }

    fn note_obj(doc: &AutoCommit, note: Uuid) -> automerge::ObjId {
        let Some((_, notes)) = doc.get(automerge::ROOT, "notes").expect("get") else {
            panic!("no notes");
        };
        let Some((_, obj)) = doc.get(&notes, note.to_string()).expect("get") else {
            panic!("no note");
        };
        obj
    }

    #[test]
    fn accompaniment_steps_merged_out_of_order_are_accepted() {
        use alongside_shared::doc::edit::accompaniment::{Step, stamp_step};
        let w = world();
        let mut doc = AutoCommit::new();
        log_of(w.doc_a, &w.peer_a)(&mut doc);
        doc.commit();
        let user = w.peer_a.user_id.to_string();
        let mut phone = doc.fork();
        stamp_step(
            &mut phone,
            Step::Returned,
            alongside_shared::doc::Timestamp(2_000),
            &user,
        )
        .expect("stamp");
        phone.commit();
        doc.merge(&mut phone).expect("merge");
        let late_arrival = run(&w.table, &w.peer_a, w.acc_a, &mut doc, |d| {
            stamp_step(
                d,
                Step::Arrived,
                alongside_shared::doc::Timestamp(3_000),
                &user,
            )
            .expect("stamp");
        });
        assert_eq!(
            late_arrival,
            Ok(None),
            "honest concurrent stamps are never quarantined"
        );
    }
}
