//! Fixtures shared by the `doc_*` integration tests (included with
//! `#[path = "doc_support.rs"] mod support;`): fully populated typed values
//! and ready-made documents. Ids and times are fixed so failures reproduce.

#![allow(dead_code)]

use std::collections::BTreeMap;

use alongside_shared::doc::accompaniment::{Accompaniment, Appointment, FollowUp};
use alongside_shared::doc::caseload::{
    CaseloadAccompaniment, CaseloadIndex, CaseloadParticipant, PurgedDocument,
};
use alongside_shared::doc::edit::participant::{add_goal, add_note, create_participant};
use alongside_shared::doc::participant::{
    Goal, Narrative, Note, Participant, Profile, Review, Signature,
};
use alongside_shared::doc::vocab::{
    AccompanimentStatus, AppointmentKind, GoalStatus, NoteStatus, ReviewState, Transport,
};
use alongside_shared::doc::{CalendarDate, Timestamp};
use automerge::{ActorId, AutoCommit};
use autosurgeon::Text;
use uuid::Uuid;

/// A fixed UUID from a small number.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | n)
}

/// A fixed instant: 2025-03-04T10:00:00Z plus `minutes`.
pub fn at(minutes: i64) -> Timestamp {
    Timestamp::from_millis(1_741_082_400_000 + minutes * 60_000)
}

/// A valid change hash in hex, from a byte.
pub fn hex_head(b: u8) -> String {
    format!("{b:02x}").repeat(32)
}

/// An AutoCommit with a distinct, fixed actor.
pub fn replica(n: u8) -> AutoCommit {
    AutoCommit::new().with_actor(ActorId::from(vec![n; 16]))
}

/// A fork of `doc` with a distinct, fixed actor.
pub fn fork(doc: &mut AutoCommit, n: u8) -> AutoCommit {
    doc.fork().with_actor(ActorId::from(vec![n; 16]))
}

/// A profile with every optional field set.
pub fn full_profile() -> Profile {
    Profile {
        display_name: Text::with_value("Alex R."),
        preferred_name: Some(Text::with_value("Lex")),
        pronouns: Some("they/them".into()),
        preferred_language: Some("en-GB".into()),
    }
}

/// An active goal with `text`.
pub fn goal(text: &str) -> Goal {
    Goal {
        text: Text::with_value(text),
        status: GoalStatus::Active,
        created_at: at(0),
        created_by: Some("peer-1".into()),
    }
}

/// A draft note with the optional fields left out.
pub fn draft_note(intervention: &str) -> Note {
    Note {
        author_id: "peer-1".into(),
        device_id: "phone-1".into(),
        service_date: CalendarDate::from_ymd(2025, 3, 4).expect("date"),
        encounter_at: at(0),
        encounter_end_at: at(45),
        setting: "community".into(),
        service_code: "H0038".into(),
        goal_ids: BTreeMap::new(),
        narrative: Narrative {
            intervention: Text::with_value(intervention),
            purpose: Text::with_value("Practise using the bus to reach the clinic."),
            response: Text::with_value("Alex said they felt calmer by the second stop."),
            plan: Text::with_value("Meet again on Friday to ride the route alone."),
        },
        status: NoteStatus::Draft,
        created_at: at(50),
        author_name: None,
        credentials: None,
        participant_comment: None,
        part2: None,
        submitted_at: None,
        signature: None,
        updated_at: None,
        accompaniment_id: None,
    }
}

/// A note with every optional field set, linked to `goal_id`.
pub fn full_note(goal_id: Uuid) -> Note {
    Note {
        goal_ids: BTreeMap::from([(goal_id, true)]),
        status: NoteStatus::Submitted,
        author_name: Some("Jo Peer".into()),
        credentials: Some("CPRS".into()),
        participant_comment: Some(Text::with_value("It helped to plan it together.")),
        part2: Some(false),
        submitted_at: Some(at(60)),
        signature: Some(Signature {
            by: "peer-1".into(),
            at: at(60),
            heads: vec![hex_head(0xab)],
        }),
        updated_at: Some(at(55)),
        accompaniment_id: Some("2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk".into()),
        ..draft_note("Rode the 42 bus with Alex to the clinic.")
    }
}

/// A review of `note_id` with every optional field set.
pub fn full_review(note_id: Uuid) -> Review {
    Review {
        note_id,
        state: ReviewState::ChangesRequested,
        comment: Text::with_value("Please add the time you left."),
        reviewer_id: "sup-1".into(),
        at: at(120),
        heads: vec![hex_head(0x01), hex_head(0x02)],
        reviewer_name: Some("Sam Supervisor".into()),
    }
}

/// A participant with every optional field set and one entry per collection.
pub fn full_participant() -> Participant {
    let mut p = Participant::new(full_profile());
    p.goals
        .insert(id(1), goal("Get to my appointments on my own."));
    p.notes.insert(id(2), full_note(id(1)));
    p.reviews.insert(id(3), full_review(id(2)));
    p
}

/// A ticked follow-up with every optional field set.
pub fn full_follow_up() -> FollowUp {
    FollowUp {
        text: Text::with_value("Phone the housing office about the repair."),
        due_on: Some(CalendarDate::from_ymd(2025, 3, 11).expect("date")),
        done: true,
        done_at: Some(at(300)),
        done_by: Some("peer-1".into()),
        created_at: at(200),
        created_by: Some("peer-1".into()),
    }
}

/// A housing appointment with every optional field set.
pub fn appointment() -> Appointment {
    Appointment {
        kind: AppointmentKind::Housing,
        place: Text::with_value("Civic Centre, 2nd floor"),
        provider: "City Housing Office".into(),
        scheduled_at: Some(at(90)),
    }
}

/// An accompaniment with every optional field set and one follow-up.
pub fn full_accompaniment() -> Accompaniment {
    let mut a = Accompaniment::planned(
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk",
        "peer-1",
        appointment(),
        at(0),
    );
    a.departed_at = Some(at(60));
    a.arrived_at = Some(at(85));
    a.started_at = Some(at(95));
    a.ended_at = Some(at(130));
    a.returned_at = Some(at(160));
    for by in [
        &mut a.departed_by,
        &mut a.arrived_by,
        &mut a.started_by,
        &mut a.ended_by,
        &mut a.returned_by,
    ] {
        *by = Some("peer-1".into());
    }
    for entered in [
        &mut a.departed_entered_at,
        &mut a.arrived_entered_at,
        &mut a.started_entered_at,
        &mut a.ended_entered_at,
        &mut a.returned_entered_at,
    ] {
        *entered = Some(at(170));
    }
    a.transport = Some(Transport::PublicTransport);
    a.purpose = Text::with_value("Sort out the damp in the flat.");
    a.outcome = Text::with_value("Inspection booked.");
    a.barriers = Text::with_value("Lift out of order.");
    a.follow_ups.insert(id(10), full_follow_up());
    a.status = AccompanimentStatus::Completed;
    a.note_id = Some(id(2).to_string());
    a
}

/// A caseload index with one entry per collection.
pub fn full_caseload_index() -> CaseloadIndex {
    let mut c = CaseloadIndex::new("peer-1", at(0));
    c.participants.insert(
        "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk".into(),
        CaseloadParticipant {
            display_name: "Alex R.".into(),
            assigned_at: at(0),
        },
    );
    c.accompaniments.insert(
        "3fYh9hK8mJ2ZgkrF7N1bd2z3qLx".into(),
        CaseloadAccompaniment {
            participant_id: "2kQDw8kz5Z1ZyVjHcAM6bkBGTGUk".into(),
        },
    );
    c.purge.insert(
        "4gZk2mN7pQ3rS8tU1vW5xY9zA2b".into(),
        PurgedDocument {
            purged_at: at(0),
            reason: "reassigned".into(),
        },
    );
    c
}

/// A participant document made with the editing helpers: one goal
/// (`id(1)`) and one draft note (`id(2)`) linked to nothing.
pub fn participant_doc() -> AutoCommit {
    let mut doc = replica(1);
    create_participant(
        &mut doc,
        &alongside_shared::doc::participant::Profile::new("Alex R."),
    )
    .expect("create");
    add_goal(&mut doc, id(1), &goal("Get to my appointments on my own.")).expect("goal");
    add_note(
        &mut doc,
        id(2),
        &draft_note("Rode the bus with Alex to the clinic."),
    )
    .expect("note");
    doc.commit();
    doc
}
