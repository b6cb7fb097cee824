use super::*;
use crate::api::{ApiError, NewAccompaniment, Step};

#[test]
fn an_accompanied_appointment_step_by_step() {
    let c = clock();
    let mut d = device_in_memory(c.clone());
    let p = d.create_participant("Fay").expect("participant");
    let a = d
        .start_accompaniment(
            &p,
            &NewAccompaniment {
                kind: Some("housing".into()),
                place: "Housing office, Main St".into(),
                provider: "Council".into(),
                purpose: "Tenancy review".into(),
                transport: Some("public-transport".into()),
                ..NewAccompaniment::default()
            },
        )
        .expect("start");
    let mut t = T0;
    for step in [Step::Arrived, Step::Seen, Step::Ended, Step::Returned] {
        t += 10 * 60_000;
        c.set(t);
        d.stamp(&a, step).expect("stamp");
    }
    d.set_outcome(&a, "Repairs agreed ✅").expect("outcome");
    d.set_barriers(&a, "Bus late").expect("barriers");
    let f = d
        .add_follow_up(&a, "Call landlord", Some("2024-05-09"))
        .expect("follow-up");
    let g = d.add_follow_up(&a, "Send letter", None).expect("follow-up");
    c.set(t + 1);
    let v = d.tick_follow_up(&a, &f).expect("tick");
    assert_eq!(v.departed_at, Some(T0));
    assert_eq!(v.arrived_at, Some(T0 + 600_000));
    assert_eq!(v.seen_at, Some(T0 + 1_200_000));
    assert_eq!(v.ended_at, Some(T0 + 1_800_000));
    assert_eq!(v.returned_at, Some(T0 + 2_400_000));
    assert_eq!(v.status, "completed");
    assert_eq!(v.kind, "housing");
    assert_eq!(v.outcome, "Repairs agreed ✅");
    assert_eq!(v.barriers, "Bus late");
    assert_eq!(v.participant_id, p);
    let done: Vec<_> = v
        .follow_ups
        .iter()
        .map(|f| (f.id.clone(), f.done))
        .collect();
    assert!(done.contains(&(f.clone(), true)) && done.contains(&(g, false)));
    assert_eq!(d.accompaniments(Some(&p)).expect("list").len(), 1);
}

#[test]
fn accompaniment_refusals() {
    let mut d = device_in_memory(clock());
    let p = d.create_participant("Gus").expect("participant");
    let bad_kind = NewAccompaniment {
        kind: Some("spa".into()),
        ..NewAccompaniment::default()
    };
    assert!(matches!(
        d.start_accompaniment(&p, &bad_kind),
        Err(ApiError::InvalidInput { field: "kind", .. })
    ));
    assert!(Step::parse("fly").is_err());
    // A participant id is not an accompaniment.
    assert!(matches!(
        d.stamp(&p, Step::Arrived),
        Err(ApiError::UnknownAccompaniment(_))
    ));
    let a = d
        .start_accompaniment(&p, &NewAccompaniment::default())
        .expect("start");
    assert!(matches!(
        d.add_follow_up(&a, "  ", None),
        Err(ApiError::InvalidInput { .. })
    ));
    let nobody = uuid::Uuid::new_v4().to_string();
    assert!(matches!(
        d.tick_follow_up(&a, &nobody),
        Err(ApiError::UnknownFollowUp(_))
    ));
}

#[test]
fn steps_go_in_order_and_a_missed_step_is_entered_late() {
    let c = clock();
    let mut d = device_in_memory(c.clone());
    let p = d.create_participant("Hal").expect("participant");
    let a = d
        .start_accompaniment(&p, &NewAccompaniment::default())
        .expect("start");
    c.set(T0 + 60 * 60_000);
    d.stamp(&a, Step::Returned).expect("return");
    // Arriving after returning would put arrival after return.
    let refused = d.stamp(&a, Step::Arrived).expect_err("refused");
    let ApiError::StepOrder(e) = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!(e.step.name(), "arrived");
    assert_eq!(e.other.map(|o| o.name()), Some("returned"));
    assert!(
        refused.to_string().contains("returned is already stamped"),
        "{refused}"
    );
    assert_eq!(
        d.accompaniment(&a).expect("log").arrived_at,
        None,
        "nothing stored"
    );
    // Entered late with the time it happened, it is marked so.
    let v = d
        .stamp_at(&a, Step::Arrived, Some(T0 + 20 * 60_000))
        .expect("entered late");
    assert_eq!(v.arrived_at, Some(T0 + 20 * 60_000));
    assert_eq!(v.entered_late, vec!["arrived".to_owned()]);
    assert_eq!(
        v.status, "completed",
        "entering a step late keeps the log complete"
    );
    assert_eq!(v.out_of_order, None);
    // Not outside its neighbours, nor in the future.
    for at in [T0 - 1, T0 + 61 * 60_000, T0 + 120 * 60_000] {
        assert!(matches!(
            d.stamp_at(&a, Step::Seen, Some(at)),
            Err(ApiError::StepOrder(_))
        ));
    }
}
