//! Enrolment with the sync client's metadata in one transaction
//! ([`Device::enrol_with`]): all of it or nothing.

use super::*;
use crate::store::MetaKey;

const SERVER: &str = "https://alongside.example";
const TOKEN: &str = "als_secret";

fn server_and_token() -> [(MetaKey, Option<&'static str>); 2] {
    [
        (MetaKey::ServerUrl, Some(SERVER)),
        (MetaKey::DeviceToken, Some(TOKEN)),
    ]
}

#[test]
fn the_identity_and_the_metas_are_written_together() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.db");
    let key = StoreKey::generate().expect("key");
    {
        let mut d = device_at(&path, &key, clock());
        let me = d
            .enrol_with(&enrolment(), &server_and_token())
            .expect("enrol");
        assert_eq!(me.device_id, "phone-1");
    }
    let d = device_at(&path, &key, clock());
    assert_eq!(d.identity().map(|i| i.user_id.as_str()), Some("peer-a"));
    let store = d.store();
    assert_eq!(
        store.meta(MetaKey::ServerUrl).expect("meta").as_deref(),
        Some(SERVER)
    );
    assert_eq!(
        store.meta(MetaKey::DeviceToken).expect("meta").as_deref(),
        Some(TOKEN)
    );
}

#[test]
fn a_refused_enrolment_writes_none_of_the_metas() {
    let key = StoreKey::generate().expect("key");
    let mut d = Device::open_in_memory(&key, clock()).expect("open");
    let bad = Enrolment {
        device_id: " ".into(),
        ..enrolment()
    };
    assert!(d.enrol_with(&bad, &server_and_token()).is_err());
    assert!(d.identity().is_none());
    for k in [MetaKey::ServerUrl, MetaKey::DeviceToken, MetaKey::UserId] {
        assert_eq!(d.store().meta(k).expect("meta"), None, "{k:?} was written");
    }
}

#[test]
fn identity_keys_among_the_metas_do_not_override_the_enrolment() {
    let key = StoreKey::generate().expect("key");
    let mut d = Device::open_in_memory(&key, clock()).expect("open");
    let me = d
        .enrol_with(
            &enrolment(),
            &[
                (MetaKey::UserId, Some("someone-else")),
                (MetaKey::ServerUrl, Some(SERVER)),
            ],
        )
        .expect("enrol");
    assert_eq!(me.user_id, "peer-a");
    assert_eq!(
        d.store().meta(MetaKey::UserId).expect("meta").as_deref(),
        Some("peer-a")
    );
}
