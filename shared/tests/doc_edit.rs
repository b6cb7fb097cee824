//! The editing helpers build valid documents, touch only what they change,
//! and refuse bad input with a `DocError` instead of panicking.

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::caseload::{CaseloadAccompaniment, CaseloadParticipant};
use alongside_shared::doc::edit::accompaniment::{
    AccompanimentField, Step, add_follow_up, clear_step, create_accompaniment, set_field,
    set_status, stamp_step, untick_follow_up,
};
use alongside_shared::doc::edit::caseload::{
    create_caseload_index, purge, put_accompaniment, put_participant, remove_participant,
};
use alongside_shared::doc::edit::participant::{
    NoteField, Signing, add_goal, add_note, add_review, create_participant, link_goal,
    set_goal_status, set_note_field, submit_note, unlink_goal,
};
use alongside_shared::doc::edit::text::{read_text, replace_text};
use alongside_shared::doc::edit::{AccompanimentText, ParticipantText};
use alongside_shared::doc::read::{
    read_accompaniment, read_caseload_index, read_goal, read_note, read_review,
};
use alongside_shared::doc::vocab::{AccompanimentStatus, GoalStatus, NoteStatus, Transport};
use alongside_shared::doc::{CalendarDate, DocError, DocKind, validate};
use automerge::{AutoCommit, ReadDoc};
use support::{at, id};

#[test]
fn a_participant_record_grows_through_the_helpers_and_stays_valid() {
    let mut doc = support::participant_doc();
    assert_eq!(validate(&doc), Ok(DocKind::Participant));

    link_goal(&mut doc, id(2), id(1)).expect("link");
    set_note_field(
        &mut doc,
        id(2),
        NoteField::ServiceDate(CalendarDate::from_ymd(2025, 3, 5).expect("date")),
    )
    .expect("field");
    set_note_field(&mut doc, id(2), NoteField::Credentials("CPRS".into())).expect("field");
    set_note_field(&mut doc, id(2), NoteField::Part2(true)).expect("field");
    set_note_field(&mut doc, id(2), NoteField::UpdatedAt(at(70))).expect("field");
    let heads = doc.get_heads();
    submit_note(
        &mut doc,
        id(2),
        Signing {
            by: "peer-1",
            at: at(75),
            heads: &heads,
        },
    )
    .expect("submit");
    add_review(&mut doc, id(3), &support::full_review(id(2))).expect("review");
    set_goal_status(&mut doc, id(1), GoalStatus::Achieved).expect("status");
    replace_text(
        &mut doc,
        ParticipantText::ReviewComment(id(3)),
        "Thanks, approved.",
    )
    .expect("text");
    assert_eq!(validate(&doc), Ok(DocKind::Participant));

    let note = read_note(&doc, id(2)).expect("note");
    assert_eq!(note.status, NoteStatus::Submitted);
    assert_eq!(note.goal_ids.get(&id(1)), Some(&true));
    assert_eq!(note.part2, Some(true));
    assert_eq!(note.submitted_at, Some(at(75)));
    let signature = note.signature.expect("signature");
    assert_eq!(
        signature.heads,
        alongside_shared::doc::ids::heads_to_hex(&heads)
    );
    assert_eq!(
        note.participant_comment.map(|t| t.as_str().to_owned()),
        Some(String::new())
    );
    assert_eq!(
        read_goal(&doc, id(1)).expect("goal").status,
        GoalStatus::Achieved
    );
    assert_eq!(
        read_review(&doc, id(3)).expect("review").comment.as_str(),
        "Thanks, approved."
    );

    assert!(unlink_goal(&mut doc, id(2), id(1)).expect("unlink"));
    assert!(!unlink_goal(&mut doc, id(2), id(1)).expect("unlink again"));
}

#[test]
fn helpers_refuse_bad_targets() {
    let mut doc = support::participant_doc();
    assert!(matches!(
        add_note(&mut doc, id(2), &support::draft_note("again")),
        Err(DocError::AlreadyExists { .. })
    ));
    let missing = set_note_field(
        &mut doc,
        id(99),
        NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
    )
    .expect_err("missing");
    assert_eq!(missing.to_string(), format!("notes.{}: not found", id(99)));
    assert!(matches!(
        link_goal(&mut doc, id(2), id(98)),
        Err(DocError::NotFound { .. })
    ));
    assert!(matches!(
        add_review(&mut doc, id(5), &support::full_review(id(97))),
        Err(DocError::NotFound { .. })
    ));
    assert!(matches!(
        create_participant(&mut doc, &support::full_profile()),
        Err(DocError::NotEmpty)
    ));
    // A document whose collection is the wrong type yields an error, not a panic.
    use automerge::transaction::Transactable;
    doc.put(automerge::ROOT, "notes", "oops").expect("put");
    let err = add_note(&mut doc, id(8), &support::draft_note("x")).expect_err("wrong type");
    assert_eq!(err.to_string(), "notes: expected map, found string");
    assert!(read_note(&doc, id(2)).is_err());
}

#[test]
fn a_hydrated_value_can_be_added_under_a_new_id_without_losing_text() {
    let mut doc = support::participant_doc();
    let copy = read_note(&doc, id(2)).expect("note");
    add_note(&mut doc, id(4), &copy).expect("add copy");
    let added = read_note(&doc, id(4)).expect("note");
    assert_eq!(
        added.narrative.intervention.as_str(),
        "Rode the bus with Alex to the clinic."
    );
}

#[test]
fn a_thousand_notes_through_the_helpers() {
    let mut doc = support::participant_doc();
    for n in 0..1000 {
        add_note(
            &mut doc,
            id(1000 + n),
            &support::draft_note("Weekly check-in."),
        )
        .expect("note");
    }
    doc.commit();
    assert_eq!(doc.length(note_map(&doc)), 1001);
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
}

fn note_map(doc: &AutoCommit) -> automerge::ObjId {
    match doc.get(automerge::ROOT, "notes").expect("get") {
        Some((automerge::Value::Object(_), id)) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_accompanied_appointment_through_the_day() {
    let mut doc = support::replica(1);
    let planned = alongside_shared::doc::accompaniment::Accompaniment::planned(
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk",
        "peer-1",
        support::appointment(),
        at(0),
    );
    create_accompaniment(&mut doc, &planned).expect("create");
    assert_eq!(validate(&doc), Ok(DocKind::Accompaniment));

    set_field(&mut doc, AccompanimentField::Transport(Transport::Walk)).expect("transport");
    stamp_step(&mut doc, Step::Departed, at(60), "user-1").expect("step");
    set_status(&mut doc, AccompanimentStatus::InProgress).expect("status");
    stamp_step(&mut doc, Step::Arrived, at(80), "user-1").expect("step");
    stamp_step(&mut doc, Step::Started, at(90), "user-1").expect("step");
    stamp_step(&mut doc, Step::Ended, at(120), "user-1").expect("step");
    stamp_step(&mut doc, Step::Returned, at(150), "user-1").expect("step");
    assert!(clear_step(&mut doc, Step::Returned).expect("clear"));
    replace_text(
        &mut doc,
        AccompanimentText::Outcome,
        "Repair booked for Tuesday.",
    )
    .expect("text");
    add_follow_up(&mut doc, id(20), &support::full_follow_up()).expect("follow-up");
    untick_follow_up(&mut doc, id(20)).expect("untick");
    replace_text(
        &mut doc,
        AccompanimentText::FollowUp(id(20)),
        "Ring on Wednesday.",
    )
    .expect("text");
    set_field(&mut doc, AccompanimentField::NoteId(id(2).to_string())).expect("note link");
    set_status(&mut doc, AccompanimentStatus::Completed).expect("status");
    assert_eq!(validate(&doc), Ok(DocKind::Accompaniment));

    let log = read_accompaniment(&doc).expect("read");
    assert_eq!(log.started_at, Some(at(90)));
    assert_eq!(log.returned_at, None);
    assert_eq!(log.transport, Some(Transport::Walk));
    assert_eq!(log.outcome.as_str(), "Repair booked for Tuesday.");
    let follow_up = &log.follow_ups[&id(20)];
    assert!(!follow_up.done && follow_up.done_at.is_none());
    assert_eq!(
        read_text(&doc, AccompanimentText::Place).expect("place"),
        "Civic Centre, 2nd floor"
    );
}

#[test]
fn the_server_maintains_a_caseload_index() {
    let mut doc = support::replica(1);
    create_caseload_index(&mut doc, "peer-1", at(0)).expect("create");
    let entry = CaseloadParticipant {
        display_name: "Alex R.".into(),
        assigned_at: at(5),
    };
    put_participant(&mut doc, "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk", &entry, at(5)).expect("put");
    let acc = CaseloadAccompaniment {
        participant_id: "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk".into(),
    };
    put_accompaniment(&mut doc, "3fYh9hK8mJ2ZgkrF7N1bd2z3qLx", &acc, at(6)).expect("put");
    assert!(matches!(
        put_participant(&mut doc, "", &entry, at(7)),
        Err(DocError::InvalidKey { .. })
    ));
    assert_eq!(validate(&doc), Ok(DocKind::CaseloadIndex));
    assert!(remove_participant(&mut doc, "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk", at(8)).expect("remove"));
    let index = read_caseload_index(&doc).expect("read");
    assert!(index.participants.is_empty());
    assert_eq!(index.accompaniments.len(), 1);
    assert_eq!(index.updated_at, at(8));

    // Reassignment away: the devices are told to delete the documents.
    put_participant(&mut doc, "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk", &entry, at(9)).expect("put");
    purge(
        &mut doc,
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk",
        "reassigned",
        at(10),
    )
    .expect("purge");
    purge(
        &mut doc,
        "3fYh9hK8mJ2ZgkrF7N1bd2z3qLx",
        "reassigned",
        at(10),
    )
    .expect("purge");
    assert_eq!(validate(&doc), Ok(DocKind::CaseloadIndex));
    let index = read_caseload_index(&doc).expect("read");
    assert!(index.participants.is_empty() && index.accompaniments.is_empty());
    assert_eq!(index.purge.len(), 2);
    assert_eq!(
        index.purge["3fYh9hK8mJ2ZgkrF7N1bd2z3qLx"].reason,
        "reassigned"
    );
    // ... and assigned back: no longer to be purged.
    put_participant(&mut doc, "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk", &entry, at(11)).expect("put");
    let index = read_caseload_index(&doc).expect("read");
    assert_eq!(index.participants.len(), 1);
    assert_eq!(index.purge.len(), 1);
}

#[test]
fn helper_built_documents_carry_every_field_of_the_typed_fixtures() {
    let mut doc = support::replica(1);
    create_participant(&mut doc, &support::full_profile()).expect("create");
    add_goal(&mut doc, id(1), &support::goal("Cook a meal for friends.")).expect("goal");
    add_note(&mut doc, id(2), &support::full_note(id(1))).expect("note");
    add_review(&mut doc, id(3), &support::full_review(id(2))).expect("review");
    assert_eq!(validate(&doc), Ok(DocKind::Participant));
    let note = read_note(&doc, id(2)).expect("note");
    assert_eq!(
        note.accompaniment_id.as_deref(),
        Some("2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk")
    );
    assert_eq!(
        read_text(&doc, ParticipantText::PreferredName).expect("preferred"),
        "Lex"
    );
}
