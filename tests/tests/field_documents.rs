//! The field app's documents and the Rust validator cannot drift apart
//! (issue 15): the app's TypeScript types are generated from
//! `docs/schema` and current, the app type-checks, and documents written
//! by its domain module — a record with signed and draft notes, a log
//! through every step, a log with a missed step entered late, a note body
//! edited on two devices and merged — pass
//! `alongside_shared::doc::validate` and read back through the typed
//! readers with every word. The app's port of the domain rules passes
//! every case of `docs/schema/rule-cases.json`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use alongside_shared::doc::Timestamp;
use alongside_shared::doc::read::{read_accompaniment, read_participant};
use alongside_shared::doc::rules::{StepTimes, out_of_order};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{DocKind, validate};
use alongside_tests::field;
use automerge::AutoCommit;
use serde_json::Value;
use uuid::Uuid;

#[test]
fn the_apps_types_are_generated_from_the_current_schemas() {
    let out = field::node(&["scripts/gen-types.mjs", "--check"]);
    assert!(out.contains("current"), "{out}");
}

#[test]
fn the_app_type_checks() {
    field::tool("tsc", &["-p", "."]);
    field::tool("tsc", &["-p", "tests"]);
}

/// The app's TypeScript port of the domain rules gives the answer of every
/// case in `docs/schema/rule-cases.json` (as `shared/tests/rule_cases.rs`
/// does for the Rust rules), and the script fails on a case it gets wrong.
#[test]
fn the_apps_domain_rules_pass_every_rule_case() {
    let path = field::dir().join("../docs/schema/rule-cases.json");
    let cases: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let (steps, notes) = (
        cases["stepCases"].as_array().unwrap().len(),
        cases["noteCases"].as_array().unwrap().len(),
    );
    let out = field::node(&["scripts/rule-cases.mjs", path.to_str().unwrap()]);
    assert!(
        out.contains(&format!("{steps} step cases and {notes} note cases pass")),
        "{out}"
    );

    // A case with the wrong answer is caught: the test can fail.
    let mut broken = cases.clone();
    broken["stepCases"][0]["expect"] = serde_json::json!({ "ok": false });
    let scratch = tempfile::tempdir().unwrap();
    let wrong = scratch.path().join("rule-cases.json");
    std::fs::write(&wrong, serde_json::to_vec(&broken).unwrap()).unwrap();
    let failed = std::process::Command::new("node")
        .args(["scripts/rule-cases.mjs", wrong.to_str().unwrap()])
        .current_dir(field::dir())
        .output()
        .unwrap();
    assert!(!failed.status.success(), "a wrong case fails the run");
    let said = String::from_utf8_lossy(&failed.stderr);
    let first = cases["stepCases"][0]["name"].as_str().unwrap();
    assert!(said.contains(first), "the failure names the case: {said}");
}

fn load(dir: &std::path::Path, name: &str) -> AutoCommit {
    let bytes = std::fs::read(dir.join(format!("{name}.automerge"))).unwrap();
    AutoCommit::load(&bytes).unwrap()
}

#[test]
fn documents_written_by_the_app_pass_the_rust_validator() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    field::node(&["scripts/conformance.mjs", dir.to_str().unwrap()]);
    let expected: BTreeMap<String, Value> =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    assert_eq!(expected.len(), 4, "{expected:?}");

    let record = load(dir, "record");
    assert_eq!(validate(&record), Ok(DocKind::Participant));
    let read = read_participant(&record).unwrap();
    let want = &expected["record"];
    assert_eq!(read.profile.display_name.as_str(), want["displayName"]);
    assert_eq!(read.goals.len(), 1);
    for (id, status) in want["notes"].as_object().unwrap() {
        let note = &read.notes[&Uuid::parse_str(id).unwrap()];
        let wanted = if status == "submitted" {
            NoteStatus::Submitted
        } else {
            NoteStatus::Draft
        };
        assert_eq!(note.status, wanted, "note {id}");
        assert_eq!(note.setting, "community");
        assert_eq!(note.part2, Some(true));
        assert_eq!(note.goal_ids.len(), 1);
        if wanted == NoteStatus::Submitted {
            let signature = note.signature.as_ref().expect("signed");
            assert_eq!(signature.by, want["signedBy"]);
            assert!(!signature.heads.is_empty());
        }
    }

    let merged = load(dir, "merged");
    assert_eq!(validate(&merged), Ok(DocKind::Participant));
    let read = read_participant(&merged).unwrap();
    for (id, words) in expected["merged"]["words"].as_object().unwrap() {
        let body = read.notes[&Uuid::parse_str(id).unwrap()]
            .narrative
            .intervention
            .as_str()
            .to_owned();
        for word in words.as_array().unwrap() {
            assert!(body.contains(word.as_str().unwrap()), "{word} in {body:?}");
        }
    }

    let log = load(dir, "log");
    assert_eq!(validate(&log), Ok(DocKind::Accompaniment));
    let read = read_accompaniment(&log).unwrap();
    assert!(read.departed_at.is_some() && read.returned_at.is_some());
    assert_eq!(read.returned_by.as_deref(), read.departed_by.as_deref());
    let done = read.follow_ups.values().filter(|f| f.done).count();
    assert_eq!(done, 1);
    assert_eq!(expected["log"]["outOfOrderRefused"], true);

    // The missed arrival, refused now, entered late between its
    // neighbours and marked so; the end stamped now lost its mark.
    let late = load(dir, "late");
    assert_eq!(validate(&late), Ok(DocKind::Accompaniment));
    let want = &expected["late"];
    assert_eq!(want["refusedNow"], "later-step-stamped");
    let read = read_accompaniment(&late).unwrap();
    let ms = |t: Option<Timestamp>| t.map(|t| t.millis());
    assert_eq!(ms(read.arrived_at), want["arrivedAt"].as_i64());
    assert_eq!(
        ms(read.arrived_entered_at),
        want["arrivedEnteredAt"].as_i64()
    );
    assert_eq!(read.arrived_by.as_deref(), read.departed_by.as_deref());
    assert!(read.departed_at < read.arrived_at && read.arrived_at < read.started_at);
    assert_eq!(ms(read.ended_at), want["endedAt"].as_i64());
    assert_eq!(read.ended_entered_at, None, "stamped now, the mark is gone");
    assert_eq!(read.departed_entered_at, None);
    assert_eq!(out_of_order(&StepTimes::read(&late).unwrap()), None);
}
