//! Concurrent edits through the editing helpers keep every replica's intent:
//! no typed word lost, no entry lost, and replicas converge.

#[path = "doc_support.rs"]
mod support;

use alongside_shared::doc::edit::accompaniment::{
    add_follow_up, create_accompaniment, tick_follow_up,
};
use alongside_shared::doc::edit::participant::{Signing, add_note, note_ids, submit_note};
use alongside_shared::doc::edit::text::{read_text, replace_text, splice_text, splice_text_utf16};
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::read::{read_follow_up, read_note};
use alongside_shared::doc::{DocKind, validate};
use automerge::AutoCommit;
use support::{at, fork, id};

fn merge_both(a: &mut AutoCommit, b: &mut AutoCommit) {
    a.merge(b).expect("merge");
    b.merge(a).expect("merge");
}

#[test]
fn concurrent_word_edits_to_one_narrative_both_survive() {
    let mut phone = support::participant_doc();
    let plan = ParticipantText::Narrative(id(2), NarrativePart::Plan);
    replace_text(
        &mut phone,
        plan,
        "Meet on Friday at the library to plan the bus trip.",
    )
    .expect("text");
    let mut tablet = fork(&mut phone, 2);

    // Each device rewrites a different word, handing over the whole string.
    replace_text(
        &mut phone,
        plan,
        "Meet on Thursday at the library to plan the bus trip.",
    )
    .expect("text");
    replace_text(
        &mut tablet,
        plan,
        "Meet on Friday at the cafe to plan the bus trip.",
    )
    .expect("text");
    merge_both(&mut phone, &mut tablet);

    let merged = read_text(&phone, plan).expect("read");
    assert_eq!(merged, "Meet on Thursday at the cafe to plan the bus trip.");
    assert_eq!(read_text(&tablet, plan).expect("read"), merged);
    assert_eq!(validate(&phone), Ok(DocKind::Participant));
}

#[test]
fn concurrent_typing_into_the_same_spot_keeps_all_characters() {
    let mut phone = support::participant_doc();
    let field = ParticipantText::Narrative(id(2), NarrativePart::Response);
    replace_text(&mut phone, field, "Alex said .").expect("text");
    let mut tablet = fork(&mut phone, 2);
    splice_text(&mut phone, field, 10, 0, "yes").expect("splice");
    // The tablet counts in UTF-16, as the mobile FFI does.
    splice_text_utf16(&mut tablet, field, 10, 0, "\u{1F44D}").expect("splice");
    merge_both(&mut phone, &mut tablet);
    let merged = read_text(&phone, field).expect("read");
    assert!(
        merged == "Alex said yes\u{1F44D}." || merged == "Alex said \u{1F44D}yes.",
        "{merged}"
    );
}

#[test]
fn participant_comment_typed_on_two_devices_merges() {
    // add_note creates participantComment as empty text, so both devices
    // type into the same Text object instead of racing to create one.
    let mut phone = support::participant_doc();
    let mut tablet = fork(&mut phone, 2);
    let comment = ParticipantText::ParticipantComment(id(2));
    replace_text(&mut phone, comment, "Good day.").expect("text");
    replace_text(&mut tablet, comment, "Bus was late.").expect("text");
    merge_both(&mut phone, &mut tablet);
    let merged = read_text(&phone, comment).expect("read");
    assert!(
        merged.contains("Good day.") && merged.contains("Bus was late."),
        "{merged}"
    );
}

#[test]
fn notes_created_on_three_replicas_all_survive() {
    let mut base = support::participant_doc();
    let mut replicas: Vec<AutoCommit> = (10..13).map(|n| fork(&mut base, n)).collect();
    for (i, doc) in replicas.iter_mut().enumerate() {
        let note_id = id(100 + i as u128);
        add_note(doc, note_id, &support::draft_note(&format!("Visit {i}"))).expect("note");
    }
    let (first, rest) = replicas.split_at_mut(1);
    for other in rest.iter_mut() {
        first[0].merge(other).expect("merge");
    }
    let merged = &mut first[0];
    let mut ids = note_ids(merged).expect("ids");
    ids.sort();
    assert_eq!(ids, vec![id(2), id(100), id(101), id(102)]);
    for i in 0..3 {
        let note = read_note(merged, id(100 + i)).expect("note");
        assert_eq!(note.narrative.intervention.as_str(), format!("Visit {i}"));
    }
    assert_eq!(validate(merged), Ok(DocKind::Participant));
}

#[test]
fn concurrent_follow_up_ticks_converge() {
    let mut phone = support::replica(1);
    create_accompaniment(&mut phone, &support::full_accompaniment()).expect("create");
    let mut f = support::full_follow_up();
    f.done = false;
    f.done_at = None;
    add_follow_up(&mut phone, id(20), &f).expect("follow-up");
    let mut tablet = fork(&mut phone, 2);

    tick_follow_up(&mut phone, id(20), at(400), "user-1").expect("tick");
    tick_follow_up(&mut tablet, id(20), at(401), "user-1").expect("tick");
    merge_both(&mut phone, &mut tablet);

    let a = read_follow_up(&phone, id(20)).expect("read");
    let b = read_follow_up(&tablet, id(20)).expect("read");
    assert!(a.done && b.done);
    assert_eq!(a.done_at, b.done_at);
    assert!(matches!(a.done_at, Some(t) if t == at(400) || t == at(401)));
    assert_eq!(validate(&phone), Ok(DocKind::Accompaniment));
}

#[test]
fn concurrent_signatures_resolve_to_one_whole_signature() {
    let mut phone = support::participant_doc();
    let mut tablet = fork(&mut phone, 2);
    let phone_heads = phone.get_heads();
    submit_note(
        &mut phone,
        id(2),
        Signing {
            by: "peer-1",
            at: at(60),
            heads: &phone_heads,
        },
    )
    .expect("sign");
    replace_text(
        &mut tablet,
        ParticipantText::Narrative(id(2), NarrativePart::Plan),
        "Call Monday.",
    )
    .expect("text");
    let tablet_heads = tablet.get_heads();
    submit_note(
        &mut tablet,
        id(2),
        Signing {
            by: "peer-1",
            at: at(61),
            heads: &tablet_heads,
        },
    )
    .expect("sign");
    merge_both(&mut phone, &mut tablet);

    let signature = read_note(&phone, id(2))
        .expect("note")
        .signature
        .expect("signed");
    let phone_hex = alongside_shared::doc::ids::heads_to_hex(&phone_heads);
    let tablet_hex = alongside_shared::doc::ids::heads_to_hex(&tablet_heads);
    let whole = (signature.at == at(60) && signature.heads == phone_hex)
        || (signature.at == at(61) && signature.heads == tablet_hex);
    assert!(whole, "signature mixes two signings: {signature:?}");
    assert_eq!(validate(&phone), Ok(DocKind::Participant));
}
