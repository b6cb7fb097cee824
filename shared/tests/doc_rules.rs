//! The document-reading rules: review news after a sync, a note's review
//! standing, and the note rules a write is held to only where it changes
//! them.

#![allow(clippy::unwrap_used)]

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::Touched;
use alongside_shared::doc::edit::participant::{NoteField, add_review, set_note_field};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::ids::heads_to_hex;
use alongside_shared::doc::rules::{
    NoteStanding, check_note_writes, headline, note_standing, review_news,
};
use alongside_shared::doc::vocab::{ReviewState, Setting};
use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use support::{at, full_review, id, participant_doc};

#[test]
fn a_new_review_is_news_for_the_notes_author_and_moves_its_standing() {
    let mut doc = participant_doc();
    let note = id(2);
    assert_eq!(note_standing(&doc, note).unwrap(), NoteStanding::Draft);
    let before = doc.get_heads();
    let mut review = full_review(note);
    review.heads = heads_to_hex(&doc.get_heads());
    add_review(&mut doc, id(30), &review).unwrap();
    doc.commit();

    let news = review_news(&doc, &before, "peer-1");
    assert_eq!(news.len(), 1);
    assert_eq!(news[0].state, ReviewState::ChangesRequested);
    assert_eq!(
        news[0].to_string(),
        "note needs changes: Alex R. 2025-03-04 — Please add the time you left."
    );
    assert_eq!(headline(&news).as_deref(), Some("1 note needs changes"));
    assert!(review_news(&doc, &before, "someone-else").is_empty());
    assert!(
        review_news(&doc, &[], "peer-1").is_empty(),
        "a new document is history"
    );
    let now = doc.get_heads();
    assert!(review_news(&doc, &now, "peer-1").is_empty());

    assert_eq!(
        note_standing(&doc, note).unwrap(),
        NoteStanding::ChangesRequested
    );
    replace_text(
        &mut doc,
        ParticipantText::Narrative(note, NarrativePart::Plan),
        "Leave at 9.",
    )
    .unwrap();
    doc.commit();
    assert_eq!(note_standing(&doc, note).unwrap(), NoteStanding::Revised);

    let mut approval = full_review(note);
    approval.state = ReviewState::Approved;
    approval.at = at(200);
    approval.heads = heads_to_hex(&doc.get_heads());
    add_review(&mut doc, id(31), &approval).unwrap();
    doc.commit();
    assert_eq!(note_standing(&doc, note).unwrap(), NoteStanding::Approved);
    // Both reviews arrive in one sync: the latest is the news.
    let both = review_news(&doc, &before, "peer-1");
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].state, ReviewState::Approved);
    set_note_field(&mut doc, note, NoteField::Setting(Setting::Home)).unwrap();
    doc.commit();
    assert_eq!(note_standing(&doc, note).unwrap(), NoteStanding::Amended);
}

#[test]
fn note_rules_judge_only_what_a_write_changed() {
    let mut doc = participant_doc();
    let note = id(2);
    // An old note whose setting is free text.
    let (_, notes) = doc.get(ROOT, "notes").unwrap().unwrap();
    let (_, obj) = doc.get(&notes, note.to_string()).unwrap().unwrap();
    doc.put(&obj, "setting", "the park bench").unwrap();
    doc.commit();

    let check = |doc: &mut automerge::AutoCommit, before: &[automerge::ChangeHash]| {
        let touched = Touched::since(doc, before);
        check_note_writes(doc, before, &touched)
    };
    let before = doc.get_heads();
    replace_text(
        &mut doc,
        ParticipantText::Narrative(note, NarrativePart::Plan),
        "Meet Friday.",
    )
    .unwrap();
    doc.commit();
    assert_eq!(
        check(&mut doc, &before),
        Ok(()),
        "the narrative stays editable"
    );

    let before = doc.get_heads();
    doc.put(&obj, "setting", "the library").unwrap();
    doc.commit();
    let (which, e) = check(&mut doc, &before).unwrap_err();
    assert_eq!((which, e.field), (note, "setting"));

    let mut whole = participant_doc();
    let touched = Touched::whole(&whole);
    assert_eq!(check_note_writes(&whole, &[], &touched), Ok(()));
    set_note_field(&mut whole, note, NoteField::EncounterEndAt(at(-60))).unwrap();
    whole.commit();
    let touched = Touched::whole(&whole);
    let (_, e) = check_note_writes(&whole, &[], &touched).unwrap_err();
    assert_eq!(e.field, "encounterEndAt");
}
