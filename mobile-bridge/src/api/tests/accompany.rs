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
