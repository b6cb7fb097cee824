use alongside_shared::doc::edit::NarrativePart;

use super::*;
use crate::api::{ApiError, NewNote, NoteText, TextEdit};

fn note() -> NewNote {
    NewNote {
        service_date: Some("2024-05-02".into()),
        start: Some(T0),
        end: Some(T0 + 50 * 60_000),
        intervention: "Walked to the café together".into(),
        purpose: "Practise the route".into(),
        response: "Calm, chatty".into(),
        plan: "Try the bus next week".into(),
        ..NewNote::default()
    }
}

#[test]
fn a_note_is_added_read_listed_and_counted_in_the_caseload() {
    let mut d = device_in_memory(clock());
    let p = d.create_participant("  Ana Souza ").expect("participant");
    let n = d.add_note(&p, &note()).expect("note");
    let v = d.note(&p, &n).expect("read");
    assert_eq!(v.intervention, "Walked to the café together");
    assert_eq!(v.status, "draft");
    assert_eq!(v.author_id, "peer-a");
    assert_eq!(v.device_id, "phone-1");
    assert_eq!(v.units, 3);
    assert_eq!(v.service_code, "H0038");
    assert_eq!(d.notes(&p).expect("notes").len(), 1);
    let caseload = d.caseload().expect("caseload");
    assert_eq!(caseload.len(), 1);
    assert_eq!(caseload[0].display_name, "Ana Souza");
    assert_eq!(caseload[0].notes, 1);
    assert!(caseload[0].pending && caseload[0].held && !caseload[0].indexed);
}

#[test]
fn splices_count_utf16_units_through_emoji_and_accents() {
    let mut d = device_in_memory(clock());
    let p = d.create_participant("Zoë").expect("participant");
    let n = d.add_note(&p, &note()).expect("note");
    let field = NoteText::Narrative(NarrativePart::Response);
    d.edit_note_text(&p, &n, field, &TextEdit::Replace("Ré 😀 sí".into()))
        .expect("replace");
    // "Ré 😀 sí": R é ␠ (😀 = 2 units) ␠ s í  → "sí" starts at unit 6.
    let after = d
        .edit_note_text(
            &p,
            &n,
            field,
            &TextEdit::Splice {
                at: 6,
                delete: 2,
                insert: "yes 👍".into(),
            },
        )
        .expect("splice");
    assert_eq!(after, "Ré 😀 yes 👍");
    // Replace the emoji (units 3..5) with a word.
    let after = d
        .edit_note_text(
            &p,
            &n,
            field,
            &TextEdit::Splice {
                at: 3,
                delete: 2,
                insert: "ok".into(),
            },
        )
        .expect("splice");
    assert_eq!(after, "Ré ok yes 👍");
    // Half a surrogate pair and past the end are refused, nothing changes.
    let chunks = d.store().chunk_count(&p.parse().expect("id"));
    for (at, delete) in [(11, 1), (99, 0), (0, 99)] {
        let r = d.edit_note_text(
            &p,
            &n,
            field,
            &TextEdit::Splice {
                at,
                delete,
                insert: "x".into(),
            },
        );
        assert!(
            matches!(r, Err(ApiError::TextRange { .. })),
            "{at},{delete}: {r:?}"
        );
    }
    assert_eq!(d.note(&p, &n).expect("read").response, "Ré ok yes 👍");
    assert_eq!(d.store().chunk_count(&p.parse().expect("id")), chunks);
}

#[test]
fn submitting_signs_and_needs_an_intervention() {
    let c = clock();
    let mut d = device_in_memory(c.clone());
    let p = d.create_participant("Ben").expect("participant");
    let empty = d
        .add_note(
            &p,
            &NewNote {
                intervention: " ".into(),
                ..note()
            },
        )
        .expect("note");
    assert!(matches!(
        d.submit_note(&p, &empty),
        Err(ApiError::InvalidInput {
            field: "intervention",
            ..
        })
    ));
    let n = d.add_note(&p, &note()).expect("note");
    c.advance(60_000);
    let v = d.submit_note(&p, &n).expect("submit");
    assert_eq!(v.status, "submitted");
    assert_eq!(v.submitted_at, Some(T0 + 60_000));
    assert_eq!(v.signed_by.as_deref(), Some("peer-a"));
}

#[test]
fn bad_input_is_refused_with_a_typed_error() {
    let mut d = device_in_memory(clock());
    assert!(matches!(
        d.create_participant("   "),
        Err(ApiError::InvalidInput { field: "name", .. })
    ));
    let p = d.create_participant("Cleo").expect("participant");
    let bad_date = NewNote {
        service_date: Some("2024-02-30".into()),
        ..note()
    };
    assert!(matches!(
        d.add_note(&p, &bad_date),
        Err(ApiError::InvalidInput {
            field: "service_date",
            ..
        })
    ));
    let backwards = NewNote {
        end: Some(T0 - 1),
        ..note()
    };
    assert!(matches!(
        d.add_note(&p, &backwards),
        Err(ApiError::InvalidInput { field: "end", .. })
    ));
    assert!(matches!(
        d.add_note("nope", &note()),
        Err(ApiError::InvalidInput {
            field: "participant",
            ..
        })
    ));
    let unknown = alongside_shared::wire::DocumentId::from_bytes([9; 16]).to_string();
    assert!(matches!(
        d.add_note(&unknown, &note()),
        Err(ApiError::UnknownParticipant(_))
    ));
    let other = uuid::Uuid::new_v4().to_string();
    assert!(matches!(d.note(&p, &other), Err(ApiError::UnknownNote(_))));
    assert!(matches!(
        d.edit_note_text(
            &p,
            &other,
            NoteText::ParticipantComment,
            &TextEdit::Replace("x".into())
        ),
        Err(ApiError::UnknownNote(_))
    ));
    assert!(matches!(
        d.submit_note(&p, &other),
        Err(ApiError::UnknownNote(_))
    ));
    assert!(NoteText::parse("body").is_err());
    let huge = "x".repeat(crate::api::MAX_TEXT_CHARS + 1);
    assert!(
        d.add_note(
            &p,
            &NewNote {
                plan: huge,
                ..note()
            }
        )
        .is_err()
    );
    assert_eq!(d.notes(&p).expect("notes").len(), 0);
}

#[test]
fn nothing_works_before_enrolment() {
    let key = StoreKey::generate().expect("key");
    let mut d = Device::open_in_memory(&key, clock()).expect("open");
    assert!(matches!(
        d.create_participant("Dee"),
        Err(ApiError::NotEnrolled)
    ));
    assert!(
        d.enrol(&Enrolment {
            user_id: "".into(),
            ..enrolment()
        })
        .is_err()
    );
    assert!(
        d.enrol(&Enrolment {
            caseload_index: Some("x".into()),
            ..enrolment()
        })
        .is_err()
    );
}

#[test]
fn supervisor_reviews_are_read_back() {
    use alongside_shared::doc::Timestamp;
    use alongside_shared::doc::edit::participant::add_review;
    use alongside_shared::doc::participant::Review;
    use alongside_shared::doc::vocab::ReviewState;

    let mut d = device_in_memory(clock());
    let p = d.create_participant("Eve").expect("participant");
    let n = d.add_note(&p, &note()).expect("note");
    let nid = uuid::Uuid::parse_str(&n).expect("uuid");
    // A supervisor's review arrives as changes from the server.
    let pid = p.parse().expect("id");
    let mut remote = crate::storage::DeviceStore::load(d.store(), &pid)
        .expect("load")
        .expect("held");
    let before = remote.get_heads();
    let review = Review {
        note_id: nid,
        state: ReviewState::ChangesRequested,
        comment: autosurgeon::Text::with_value("Please add the plan's date"),
        reviewer_id: "sup-1".into(),
        at: Timestamp::from_millis(T0 + 1),
        heads: vec![],
        reviewer_name: Some("Sam Sup".into()),
    };
    add_review(&mut remote, uuid::Uuid::new_v4(), &review).expect("review");
    let bytes = remote.save_after(&before);
    crate::storage::DeviceStore::append(d.store_mut(), &pid, &bytes).expect("append");
    let reviews = d.reviews(&p, Some(&n)).expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].state, "changes-requested");
    assert_eq!(reviews[0].comment, "Please add the plan's date");
    assert_eq!(d.note(&p, &n).expect("note").reviews, reviews);
}

#[test]
fn note_inputs_are_checked_naming_the_field_before_anything_is_written() {
    let mut d = device_in_memory(clock());
    let p = d.create_participant("Ivy").expect("participant");
    let refused = |d: &mut Device, n: NewNote| match d.add_note(&p, &n) {
        Err(ApiError::InvalidInput { field, reason }) => (field, reason),
        other => panic!("{other:?}"),
    };
    let (field, reason) = refused(
        &mut d,
        NewNote {
            setting: Some("the park".into()),
            ..note()
        },
    );
    assert_eq!(field, "setting");
    assert!(reason.contains("community, home, clinic"), "{reason}");
    let (field, _) = refused(
        &mut d,
        NewNote {
            end: Some(T0 - 1),
            ..note()
        },
    );
    assert_eq!(field, "end");
    // 09:00 UTC on the 2nd is the 1st at UTC−10:00.
    let (field, _) = refused(
        &mut d,
        NewNote {
            utc_offset_minutes: Some(-600),
            ..note()
        },
    );
    assert_eq!(field, "service_date");
    assert!(
        d.notes(&p).expect("notes").is_empty(),
        "nothing was written"
    );
    let west = d
        .add_note(
            &p,
            &NewNote {
                service_date: None,
                utc_offset_minutes: Some(-600),
                ..note()
            },
        )
        .expect("the default date is the local one");
    assert_eq!(d.note(&p, &west).expect("note").service_date, "2024-05-01");
    let list = d.notes(&p).expect("notes");
    assert_eq!(list[0].review_state, "draft");
}
