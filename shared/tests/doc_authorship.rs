//! The authorship and append-only rules (`doc::authorship`): what a writer
//! may claim in a note, review, accompaniment log or follow-up, and what
//! nobody may rewrite or delete.

#![allow(clippy::unwrap_used)]

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::authorship::{Writer, check_write};
use alongside_shared::doc::edit::accompaniment::{
    Step, add_follow_up, create_accompaniment, stamp_step, tick_follow_up,
};
use alongside_shared::doc::edit::participant::{Signing, add_note, add_review, submit_note};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::{DocKind, Touched};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use support::{at, draft_note, full_follow_up, full_review, id, participant_doc};

const PEER: Writer<'static> = Writer {
    user_id: "peer-1",
    device_id: Some("phone-1"),
};
const COLLEAGUE: Writer<'static> = Writer {
    user_id: "peer-2",
    device_id: Some("phone-2"),
};
const SUPERVISOR: Writer<'static> = Writer {
    user_id: "sup-1",
    device_id: None,
};

/// Runs `edit` on `doc` and checks it as `writer` would be checked.
fn write(
    doc: &mut AutoCommit,
    kind: DocKind,
    writer: Writer<'_>,
    edit: impl FnOnce(&mut AutoCommit),
) -> Result<(), String> {
    let before = doc.get_heads();
    edit(doc);
    doc.commit();
    let touched = Touched::since(doc, &before);
    check_write(doc, &before, &touched, kind, writer).map_err(|e| e.0)
}

fn note_map(doc: &AutoCommit, note: u128) -> automerge::ObjId {
    let (_, notes) = doc.get(ROOT, "notes").unwrap().unwrap();
    let (_, n) = doc
        .get(&notes, id(note).to_string().as_str())
        .unwrap()
        .unwrap();
    n
}

fn submitted_doc() -> AutoCommit {
    let mut doc = participant_doc();
    let heads = doc.get_heads();
    submit_note(
        &mut doc,
        id(2),
        Signing {
            by: "peer-1",
            at: at(60),
            heads: &heads,
        },
    )
    .unwrap();
    doc.commit();
    doc
}

#[test]
fn a_new_note_names_its_writer_and_device() {
    let mut doc = participant_doc();
    let ok = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
        add_note(d, id(5), &draft_note("Walked to the food bank.")).unwrap();
    });
    assert_eq!(ok, Ok(()));
    let forged_author = write(&mut doc.fork(), DocKind::Participant, COLLEAGUE, |d| {
        add_note(d, id(5), &draft_note("Walked to the food bank.")).unwrap();
    });
    assert!(forged_author.unwrap_err().contains("authorId"));
    let other_device = Writer {
        user_id: "peer-1",
        device_id: Some("tablet-1"),
    };
    let forged_device = write(&mut doc, DocKind::Participant, other_device, |d| {
        add_note(d, id(5), &draft_note("Walked to the food bank.")).unwrap();
    });
    assert!(forged_device.unwrap_err().contains("deviceId"));
}

#[test]
fn a_signed_note_in_someone_elses_name_is_refused() {
    let mut doc = participant_doc();
    // peer-2 writes a note claiming to be peer-1, signed by peer-1.
    let forged = write(&mut doc, DocKind::Participant, COLLEAGUE, |d| {
        let mut note = draft_note("Said the participant was fine.");
        note.status = alongside_shared::doc::vocab::NoteStatus::Submitted;
        add_note(d, id(6), &note).unwrap();
        let heads = d.get_heads();
        submit_note(
            d,
            id(6),
            Signing {
                by: "peer-1",
                at: at(70),
                heads: &heads,
            },
        )
        .unwrap();
    });
    assert!(forged.is_err());
    // Her own note, signed by someone else, is refused too.
    let mut doc = participant_doc();
    let wrong_signer = write(&mut doc, DocKind::Participant, COLLEAGUE, |d| {
        let mut note = draft_note("Walked to the food bank.");
        note.author_id = "peer-2".into();
        note.device_id = "phone-2".into();
        add_note(d, id(6), &note).unwrap();
        let heads = d.get_heads();
        submit_note(
            d,
            id(6),
            Signing {
                by: "peer-1",
                at: at(70),
                heads: &heads,
            },
        )
        .unwrap();
    });
    assert!(wrong_signer.unwrap_err().contains("signature"));
}

#[test]
fn authorship_and_signatures_are_never_rewritten() {
    let mut doc = submitted_doc();
    for field in ["authorId", "deviceId"] {
        let changed = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
            let n = note_map(d, 2);
            d.put(&n, field, "peer-2").unwrap();
        });
        assert!(changed.unwrap_err().contains("never change"), "{field}");
    }
    let created = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
        let n = note_map(d, 2);
        d.put(&n, "createdAt", at(1)).unwrap();
    });
    assert!(created.is_err());
    let resigned = write(&mut doc.fork(), DocKind::Participant, COLLEAGUE, |d| {
        let n = note_map(d, 2);
        let (_, sig) = d.get(&n, "signature").unwrap().unwrap();
        d.put(&sig, "by", "peer-2").unwrap();
    });
    assert!(resigned.is_err());
    let unsigned = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
        let n = note_map(d, 2);
        d.delete(&n, "signature").unwrap();
    });
    assert!(unsigned.unwrap_err().contains("never removed"));
    let unsubmitted = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
        let n = note_map(d, 2);
        d.put(&n, "status", "draft").unwrap();
    });
    assert!(unsubmitted.unwrap_err().contains("stays submitted"));
}

#[test]
fn a_colleague_and_a_second_device_may_still_edit_the_text() {
    let mut doc = submitted_doc();
    for writer in [
        COLLEAGUE,
        Writer {
            user_id: "peer-1",
            device_id: Some("tablet-1"),
        },
    ] {
        let edit = write(&mut doc, DocKind::Participant, writer, |d| {
            replace_text(
                d,
                ParticipantText::Narrative(id(2), NarrativePart::Plan),
                "Meet on Friday; bring the bus pass.",
            )
            .unwrap();
        });
        assert_eq!(edit, Ok(()));
    }
}

#[test]
fn the_authors_two_devices_may_submit_at_once() {
    let mut phone = participant_doc();
    let mut tablet = support::fork(&mut phone, 9);
    let heads = phone.get_heads();
    for doc in [&mut phone, &mut tablet] {
        submit_note(
            doc,
            id(2),
            Signing {
                by: "peer-1",
                at: at(61),
                heads: &heads,
            },
        )
        .unwrap();
        doc.commit();
    }
    let merged = write(&mut phone, DocKind::Participant, PEER, |d| {
        d.merge(&mut tablet).unwrap();
    });
    assert_eq!(merged, Ok(()));
}

#[test]
fn submitted_signed_or_reviewed_notes_are_never_deleted() {
    let mut doc = submitted_doc();
    let deleted = write(&mut doc.fork(), DocKind::Participant, PEER, |d| {
        let (_, notes) = d.get(ROOT, "notes").unwrap().unwrap();
        d.delete(&notes, id(2).to_string().as_str()).unwrap();
    });
    assert!(deleted.unwrap_err().contains("never deleted"));
    let wiped = write(&mut doc, DocKind::Participant, PEER, |d| {
        d.put_object(ROOT, "notes", automerge::ObjType::Map)
            .unwrap();
    });
    assert!(wiped.unwrap_err().contains("never deleted"));

    // A draft: its author may discard it, nobody else.
    let mut draft = participant_doc();
    let by_colleague = write(&mut draft.fork(), DocKind::Participant, COLLEAGUE, |d| {
        let (_, notes) = d.get(ROOT, "notes").unwrap().unwrap();
        d.delete(&notes, id(2).to_string().as_str()).unwrap();
    });
    assert!(by_colleague.unwrap_err().contains("author"));
    let by_author = write(&mut draft.fork(), DocKind::Participant, PEER, |d| {
        let (_, notes) = d.get(ROOT, "notes").unwrap().unwrap();
        d.delete(&notes, id(2).to_string().as_str()).unwrap();
    });
    assert_eq!(by_author, Ok(()));
    // A reviewed draft stays.
    let mut review = full_review(id(2));
    review.reviewer_id = "sup-1".into();
    let reviewed = write(&mut draft, DocKind::Participant, SUPERVISOR, |d| {
        add_review(d, id(30), &review).unwrap();
    });
    assert_eq!(reviewed, Ok(()));
    let gone = write(&mut draft, DocKind::Participant, PEER, |d| {
        let (_, notes) = d.get(ROOT, "notes").unwrap().unwrap();
        d.delete(&notes, id(2).to_string().as_str()).unwrap();
    });
    assert!(gone.unwrap_err().contains("never deleted"));
}

#[test]
fn reviews_name_their_writer_and_are_append_only() {
    let mut doc = submitted_doc();
    let forged = write(&mut doc.fork(), DocKind::Participant, SUPERVISOR, |d| {
        let mut review = full_review(id(2));
        review.reviewer_id = "sup-2".into();
        add_review(d, id(30), &review).unwrap();
    });
    assert!(forged.unwrap_err().contains("reviewerId"));
    let mut review = full_review(id(2));
    review.reviewer_id = "sup-1".into();
    let ok = write(&mut doc, DocKind::Participant, SUPERVISOR, |d| {
        add_review(d, id(30), &review).unwrap();
    });
    assert_eq!(ok, Ok(()));
    let changed = write(&mut doc.fork(), DocKind::Participant, SUPERVISOR, |d| {
        let (_, reviews) = d.get(ROOT, "reviews").unwrap().unwrap();
        let (_, r) = d
            .get(&reviews, id(30).to_string().as_str())
            .unwrap()
            .unwrap();
        d.put(&r, "state", "approved").unwrap();
    });
    assert!(changed.unwrap_err().contains("never changed"));
    let deleted = write(&mut doc, DocKind::Participant, SUPERVISOR, |d| {
        let (_, reviews) = d.get(ROOT, "reviews").unwrap().unwrap();
        d.delete(&reviews, id(30).to_string().as_str()).unwrap();
    });
    assert!(deleted.unwrap_err().contains("never deleted"));
}

fn log_doc() -> AutoCommit {
    let mut doc = support::replica(3);
    let log = alongside_shared::doc::accompaniment::Accompaniment::planned(
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk",
        "peer-1",
        support::appointment(),
        at(0),
    );
    create_accompaniment(&mut doc, &log).unwrap();
    doc.commit();
    doc
}

#[test]
fn an_accompaniment_log_names_who_started_and_stamped_it() {
    let mut fresh = AutoCommit::new();
    let log = alongside_shared::doc::accompaniment::Accompaniment::planned(
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk",
        "peer-1",
        support::appointment(),
        at(0),
    );
    let forged = write(&mut fresh, DocKind::Accompaniment, COLLEAGUE, |d| {
        create_accompaniment(d, &log).unwrap();
    });
    assert!(forged.unwrap_err().contains("peerId"));

    let mut doc = log_doc();
    let moved = write(&mut doc.fork(), DocKind::Accompaniment, PEER, |d| {
        d.put(ROOT, "peerId", "peer-2").unwrap();
    });
    assert!(moved.unwrap_err().contains("never changes"));
    let stamped = write(&mut doc, DocKind::Accompaniment, COLLEAGUE, |d| {
        stamp_step(d, Step::Arrived, at(30), "peer-2").unwrap();
    });
    assert_eq!(
        stamped,
        Ok(()),
        "a covering colleague stamps in her own name"
    );
    let forged_stamp = write(&mut doc.fork(), DocKind::Accompaniment, COLLEAGUE, |d| {
        stamp_step(d, Step::Ended, at(90), "peer-1").unwrap();
    });
    assert!(forged_stamp.unwrap_err().contains("endedBy"));
    let unsigned_stamp = write(&mut doc.fork(), DocKind::Accompaniment, PEER, |d| {
        d.put(ROOT, "endedAt", at(90)).unwrap();
    });
    assert!(unsigned_stamp.is_err());
    let rewritten = write(&mut doc, DocKind::Accompaniment, PEER, |d| {
        d.put(ROOT, "arrivedBy", "peer-1").unwrap();
    });
    assert!(rewritten.unwrap_err().contains("arrivedBy"));
}

#[test]
fn a_follow_up_names_who_added_and_ticked_it() {
    let mut doc = log_doc();
    let mut item = full_follow_up();
    item.done = false;
    item.done_at = None;
    item.done_by = None;
    item.created_by = Some("peer-2".into());
    let forged = write(&mut doc.fork(), DocKind::Accompaniment, PEER, |d| {
        add_follow_up(d, id(20), &item).unwrap();
    });
    assert!(forged.unwrap_err().contains("createdBy"));
    item.created_by = Some("peer-1".into());
    let added = write(&mut doc, DocKind::Accompaniment, PEER, |d| {
        add_follow_up(d, id(20), &item).unwrap();
    });
    assert_eq!(added, Ok(()));
    let forged_tick = write(&mut doc.fork(), DocKind::Accompaniment, COLLEAGUE, |d| {
        tick_follow_up(d, id(20), at(100), "peer-1").unwrap();
    });
    assert!(forged_tick.unwrap_err().contains("doneBy"));
    let ticked = write(&mut doc, DocKind::Accompaniment, COLLEAGUE, |d| {
        tick_follow_up(d, id(20), at(100), "peer-2").unwrap();
    });
    assert_eq!(ticked, Ok(()));
}
