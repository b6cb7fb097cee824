//! The accounts SQL and administration library against a real Postgres:
//! names are unique, memberships and lifetimes are stored as asked, rotation
//! and revocation change what a token hash finds, and the sign-in throttle
//! hands out slots up to its limit (also to concurrent callers), counts,
//! locks and clears.

#![allow(clippy::unwrap_used)]

use alongside_server::admin::{self, AdminError, Lifetime, NewUser};
use alongside_server::auth::{Role, token};
use alongside_server::db::Db;
use alongside_server::db::throttle::{AttemptKey, Reservation};
use alongside_tests::accounts::{Account, admin_db};
use alongside_tests::pg::test_database;

#[tokio::test(flavor = "multi_thread")]
async fn accounts_devices_and_the_throttle() {
    let database = test_database();
    let db = admin_db(&database.url).await;

    // Names are unique; unknown teams and users are named in the error.
    let team = admin::add_team(&db, "south").await.unwrap();
    assert!(matches!(
        admin::add_team(&db, "south").await,
        Err(AdminError::TeamExists(_))
    ));
    let peer = |name: &str, team: Option<&str>| NewUser {
        username: name.into(),
        role: Role::Peer,
        display_name: None,
        password: Some("pw".into()),
        team: team.map(str::to_owned),
    };
    let carol = admin::add_user(&db, peer("carol", Some("south")))
        .await
        .unwrap();
    assert_eq!(carol.team, Some(team));
    assert!(carol.generated_password.is_none());
    assert!(matches!(
        admin::add_user(&db, peer("carol", None)).await,
        Err(AdminError::UserExists(_))
    ));
    assert!(matches!(
        admin::add_user(&db, peer("dan", Some("nowhere"))).await,
        Err(AdminError::NoSuchTeam(_))
    ));
    assert!(matches!(
        admin::add_user(&db, peer("has space", None)).await,
        Err(AdminError::Invalid { .. })
    ));
    assert!(matches!(
        admin::enroll_device(&db, "nobody", "phone", Lifetime::default()).await,
        Err(AdminError::NoSuchUser(_))
    ));
    assert_eq!(db.teams_of(carol.id).await.unwrap(), vec![team]);
    assert_eq!(
        db.team_members_with_role(team, "peer").await.unwrap(),
        vec![carol.id]
    );
    let stored = db.user_by_name("carol").await.unwrap().unwrap();
    assert_eq!(stored.caseload_index, carol.caseload_index);
    assert_eq!(stored.display_name, "carol");

    // A token hash finds its device until it is rotated or revoked.
    let enrolled = admin::enroll_device(&db, "carol", "phone", Lifetime::default())
        .await
        .unwrap();
    let found = db
        .device_by_token_hash(&token::hash(&enrolled.token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.device_id, enrolled.device_id);
    assert_eq!(
        (found.username.as_str(), found.role.as_str()),
        ("carol", "peer")
    );
    assert!(!found.expired && !found.revoked && !found.user_disabled);
    let rotated = admin::rotate_device_token(&db, enrolled.device_id, Lifetime::days(1))
        .await
        .unwrap();
    assert!(
        db.device_by_token_hash(&token::hash(&enrolled.token))
            .await
            .unwrap()
            .is_none()
    );
    admin::revoke_device(&db, enrolled.device_id).await.unwrap();
    let found = db
        .device_by_token_hash(&token::hash(&rotated.token))
        .await
        .unwrap()
        .unwrap();
    assert!(found.revoked);
    assert!(matches!(
        admin::rotate_device_token(&db, enrolled.device_id, Lifetime::default()).await,
        Err(AdminError::NoSuchDevice(_))
    ));
    assert!(matches!(
        admin::revoke_device(&db, uuid::Uuid::new_v4()).await,
        Err(AdminError::NoSuchDevice(_))
    ));

    // Test accounts come with a working device.
    let erin = Account::supervisor(&database.url, "erin", "south").await;
    let found = db
        .device_by_token_hash(&token::hash(&erin.token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.role, "supervisor");
    assert_eq!(
        admin::list_devices(&db, Some("erin")).await.unwrap().len(),
        1
    );
    assert_eq!(admin::list_devices(&db, None).await.unwrap().len(), 2);

    // The throttle hands out slots up to the limit, counts failures, locks
    // at the limit, and clears.
    let key = "user:carol";
    let carol = |max_failures| [AttemptKey { key, max_failures }];
    assert_eq!(db.throttle(key).await.unwrap(), None);
    for n in 1..3 {
        assert_eq!(
            db.reserve_login_attempt(&carol(3), 900).await.unwrap(),
            Reservation::Granted
        );
        let state = db.login_attempt_failed(key, 3, 900).await.unwrap();
        assert_eq!(
            (state.failures, state.in_flight, state.locked),
            (n, 0, false)
        );
    }
    // The third slot is taken: no fourth while it is being checked.
    assert_eq!(
        db.reserve_login_attempt(&carol(3), 900).await.unwrap(),
        Reservation::Granted
    );
    assert_eq!(
        db.reserve_login_attempt(&carol(3), 900).await.unwrap(),
        Reservation::Refused {
            key: key.to_owned(),
            locked_secs: None
        }
    );
    let state = db.login_attempt_failed(key, 3, 900).await.unwrap();
    assert_eq!(
        (state.failures, state.in_flight, state.locked),
        (3, 0, true)
    );
    match db.reserve_login_attempt(&carol(3), 900).await.unwrap() {
        Reservation::Refused {
            locked_secs: Some(secs),
            ..
        } => assert!((1..=900).contains(&secs), "{secs}"),
        other => panic!("locked: {other:?}"),
    }
    assert!(db.clear_throttle(key).await.unwrap());
    assert_eq!(db.throttle(key).await.unwrap(), None);

    // A success clears the account; a slot released without a verdict
    // counts nothing; a row with nothing left is gone.
    db.reserve_login_attempt(&carol(3), 900).await.unwrap();
    db.login_attempt_failed(key, 3, 900).await.unwrap();
    db.reserve_login_attempt(&carol(3), 900).await.unwrap();
    db.login_attempt_ended(key, true).await.unwrap();
    assert_eq!(db.throttle(key).await.unwrap(), None);
    db.reserve_login_attempt(&carol(3), 900).await.unwrap();
    db.login_attempt_failed(key, 3, 900).await.unwrap();
    db.reserve_login_attempt(&carol(3), 900).await.unwrap();
    db.login_attempt_ended(key, false).await.unwrap();
    let state = db.throttle(key).await.unwrap().unwrap();
    assert_eq!((state.failures, state.in_flight), (1, 0));

    // Failures outside the window start a new count.
    db.reserve_login_attempt(&carol(3), 900).await.unwrap();
    db.login_attempt_failed(key, 3, 900).await.unwrap();
    db.reserve_login_attempt(&carol(3), -1).await.unwrap();
    let state = db.throttle(key).await.unwrap().unwrap();
    assert_eq!((state.failures, state.in_flight), (0, 1));
    db.login_attempt_failed(key, 3, 900).await.unwrap();

    // Several keys are reserved together or not at all: a full address
    // takes nothing from the account.
    let both = [
        AttemptKey {
            key: "user:dan",
            max_failures: 5,
        },
        AttemptKey {
            key: "addr:192.0.2.1",
            max_failures: 1,
        },
    ];
    assert_eq!(
        db.reserve_login_attempt(&both, 900).await.unwrap(),
        Reservation::Granted
    );
    assert!(matches!(
        db.reserve_login_attempt(&both, 900).await.unwrap(),
        Reservation::Refused { key, .. } if key == "addr:192.0.2.1"
    ));
    assert_eq!(db.throttle("user:dan").await.unwrap().unwrap().in_flight, 1);

    // Many reservations at once, from many connections: exactly the limit
    // get a slot.
    let many = Db::connect_lazy(&database.url, 16).unwrap();
    let tries: Vec<_> = (0..64)
        .map(|_| {
            let many = many.clone();
            tokio::spawn(async move {
                let key = [AttemptKey {
                    key: "addr:198.51.100.1",
                    max_failures: 7,
                }];
                many.reserve_login_attempt(&key, 900).await.unwrap()
            })
        })
        .collect();
    let mut granted = 0;
    for t in tries {
        if t.await.unwrap() == Reservation::Granted {
            granted += 1;
        }
    }
    assert_eq!(granted, 7);
    many.close().await;
    db.close().await;
}
