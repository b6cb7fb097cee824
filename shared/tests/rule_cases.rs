//! Every case of `docs/schema/rule-cases.json` through the shared domain
//! rules (`alongside_shared::doc::rules`). The field app's TypeScript
//! domain module runs the same file, so the two languages cannot drift
//! apart unnoticed. The format is in `docs/schema/README.md`.

use std::path::PathBuf;

use alongside_shared::doc::Timestamp;
use alongside_shared::doc::edit::accompaniment::Step;
use alongside_shared::doc::rules::{NoteInput, StepTimes, Zone, check_note_input, check_stamp};
use serde_json::{Value, json};

fn cases() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/rule-cases.json");
    let text = std::fs::read_to_string(&path).expect("read rule-cases.json");
    serde_json::from_str(&text).expect("rule-cases.json is JSON")
}

fn list<'a>(cases: &'a Value, key: &str) -> &'a [Value] {
    cases[key]
        .as_array()
        .map(Vec::as_slice)
        .expect("a list of cases")
}

fn step(key: &str) -> Step {
    Step::from_key(key).unwrap_or_else(|| panic!("{key:?} is not a step key"))
}

fn int(case: &Value, key: &str) -> i64 {
    case[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{}: {key} is not an integer", case["name"]))
}

#[test]
fn step_order_cases() {
    let cases = cases();
    let all = list(&cases, "stepCases");
    assert!(all.len() >= 10, "the step cases are there");
    let mut failed = Vec::new();
    for case in all {
        let mut times = StepTimes::default();
        for (key, at) in case["stamps"].as_object().expect("stamps") {
            times.set(step(key), at.as_i64());
        }
        let late = case["late"].as_bool().expect("late");
        let result = check_stamp(
            &times,
            step(case["step"].as_str().expect("step")),
            Timestamp(int(case, "at")),
            late,
            Timestamp(int(case, "now")),
        );
        let got = match result {
            Ok(()) => json!({ "ok": true }),
            Err(e) => json!({ "error": {
                "step": e.step.key(),
                "problem": e.problem.code(),
                "other": e.other.map(Step::key),
            } }),
        };
        if got != case["expect"] {
            failed.push(format!(
                "{}: expected {}, got {got}",
                case["name"], case["expect"]
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "step cases failed:\n{}",
        failed.join("\n")
    );
}

#[test]
fn note_input_cases() {
    let cases = cases();
    let all = list(&cases, "noteCases");
    assert!(all.len() >= 10, "the note cases are there");
    let mut failed = Vec::new();
    for case in all {
        let zone = match case["offset"].as_i64() {
            Some(m) => Zone::Offset(i32::try_from(m).expect("an offset in minutes")),
            None => Zone::Unknown,
        };
        let input = NoteInput {
            service_date: case["serviceDate"].as_str().expect("serviceDate"),
            start: Timestamp(int(case, "start")),
            end: Timestamp(int(case, "end")),
            setting: case["setting"].as_str().expect("setting"),
        };
        let errors = check_note_input(&input, zone);
        let got = if errors.is_empty() {
            json!({ "ok": true })
        } else {
            let errors: Vec<Value> = errors
                .iter()
                .map(|e| json!({ "field": e.field, "problem": e.problem.code() }))
                .collect();
            json!({ "errors": errors })
        };
        if got != case["expect"] {
            failed.push(format!(
                "{}: expected {}, got {got}",
                case["name"], case["expect"]
            ));
        }
        // Every message names its field.
        for e in &errors {
            assert!(e.to_string().starts_with(e.field), "{e}");
        }
    }
    assert!(
        failed.is_empty(),
        "note cases failed:\n{}",
        failed.join("\n")
    );
}
