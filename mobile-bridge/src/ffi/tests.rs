//! The FFI object without a server: opening with a wrong key (typed, and
//! nothing lost), inputs refused at the boundary, and a sync that cannot
//! reach its server keeping every pending change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::api::Enrolment;
use crate::store::MetaKey;

pub(super) fn path(dir: &tempfile::TempDir) -> String {
    dir.path().join("phone.db").to_string_lossy().into_owned()
}

/// Enrols `device` without a server round trip (as the enrol calls do
/// after the server answered), pointing it at `server`.
pub(super) fn enrol_offline(device: &AlongsideDevice, server: &str) {
    let mut d = device.device.lock().unwrap();
    d.store_mut()
        .set_metas(&[
            (MetaKey::ServerUrl, Some(server)),
            (MetaKey::DeviceToken, Some("als_not_a_real_token")),
        ])
        .unwrap();
    d.enrol(&Enrolment {
        user_id: "u-1".into(),
        user_name: Some("Pia".into()),
        device_id: "d-1".into(),
        caseload_index: None,
    })
    .unwrap();
}

#[test]
fn a_wrong_key_is_typed_and_destroys_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = vec![7u8; 32];
    let device = AlongsideDevice::open(path(&dir), key.clone()).unwrap();
    enrol_offline(&device, "http://127.0.0.1:9");
    let participant = device.create_participant("Zoë".into()).unwrap();
    drop(device);

    let wrong = AlongsideDevice::open(path(&dir), vec![8u8; 32]);
    assert!(matches!(wrong, Err(BridgeError::WrongKey)), "{wrong:?}");
    let short = AlongsideDevice::open(path(&dir), vec![7u8; 31]);
    assert!(
        matches!(&short, Err(BridgeError::InvalidInput { field, .. }) if field == "key"),
        "{short:?}"
    );

    let device = AlongsideDevice::open(path(&dir), key).unwrap();
    let caseload = device.caseload().unwrap();
    assert_eq!(caseload.len(), 1);
    assert_eq!(caseload[0].id, participant);
    assert_eq!(caseload[0].display_name, "Zoë");
    let me = device.identity().unwrap().unwrap();
    assert_eq!(me.user_id, "u-1");
    assert_eq!(me.server_url.as_deref(), Some("http://127.0.0.1:9"));
}

#[test]
fn utf16_positions_and_unknown_ids_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![1u8; 32]).unwrap();
    assert!(matches!(
        device.create_participant("x".into()),
        Err(BridgeError::NotEnrolled)
    ));
    enrol_offline(&device, "http://127.0.0.1:9");
    let p = device.create_participant("Ana".into()).unwrap();
    let note = device
        .add_note(
            p.clone(),
            NewNote {
                service_date: None,
                start: None,
                end: None,
                setting: None,
                service_code: None,
                intervention: "a😀b".into(),
                purpose: String::new(),
                response: String::new(),
                plan: String::new(),
                part2: false,
                utc_offset_minutes: None,
            },
        )
        .unwrap();
    // "a" is one code unit and 😀 two: 3 is between 😀 and "b".
    let text = device
        .edit_note(
            p.clone(),
            note.clone(),
            NoteField::Intervention,
            TextEdit::Splice {
                at: 3,
                delete: 0,
                insert: "é".into(),
            },
        )
        .unwrap();
    assert_eq!(text, "a😀éb");
    let split = device.edit_note(
        p.clone(),
        note.clone(),
        NoteField::Intervention,
        TextEdit::Splice {
            at: 2,
            delete: 0,
            insert: "x".into(),
        },
    );
    assert!(
        matches!(
            split,
            Err(BridgeError::TextRange {
                position: 2,
                length: 0
            })
        ),
        "{split:?}"
    );
    assert_eq!(device.note(p.clone(), note).unwrap().intervention, "a😀éb");
    let unknown = alongside_shared::wire::DocumentId::from_uuid(uuid::Uuid::new_v4());
    let missing = device.notes(unknown.to_string());
    assert!(
        matches!(missing, Err(BridgeError::UnknownParticipant { .. })),
        "{missing:?}"
    );
}

#[test]
fn a_sync_that_cannot_connect_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![2u8; 32]).unwrap();
    assert!(matches!(device.sync_now(), Err(BridgeError::NotEnrolled)));
    // Port 9 (discard) on loopback: nothing listens there.
    enrol_offline(&device, "http://127.0.0.1:9");
    device.create_participant("Ana".into()).unwrap();
    let before = device.status().unwrap();
    assert_eq!(before.pending_documents, 1);
    let failed = device.sync_now();
    assert!(
        matches!(failed, Err(BridgeError::Connection { .. })),
        "{failed:?}"
    );
    let after = device.status().unwrap();
    assert_eq!(after, before, "a failed sync changes nothing");
    assert_eq!(after.last_sync_at, None);
}

#[test]
fn an_enrolment_the_store_refuses_records_neither_server_nor_token() {
    use super::enrol::SignedIn;
    use crate::sync::ServerUrl;

    let dir = tempfile::tempdir().unwrap();
    let device = AlongsideDevice::open(path(&dir), vec![3u8; 32]).unwrap();
    let signed_in = |device_id: &str| SignedIn {
        server: ServerUrl::parse("https://alongside.example").unwrap(),
        token: "als_token".into(),
        user_id: "u-1".into(),
        user_name: "Pia".into(),
        device_id: device_id.into(),
        caseload_index: alongside_shared::wire::DocumentId::from_uuid(uuid::Uuid::new_v4())
            .to_string(),
    };
    // An empty device id is refused by the identity's checks, which run
    // in the same transaction as the server and token are written.
    let refused = device.record(signed_in(""));
    assert!(
        matches!(&refused, Err(BridgeError::InvalidInput { field, .. }) if field == "device_id"),
        "{refused:?}"
    );
    {
        let d = device.device.lock().unwrap();
        assert_eq!(d.store().meta(MetaKey::ServerUrl).unwrap(), None);
        assert_eq!(d.store().meta(MetaKey::DeviceToken).unwrap(), None);
    }
    assert!(device.identity().unwrap().is_none());

    let me = device.record(signed_in("d-1")).unwrap();
    assert_eq!(me.server_url.as_deref(), Some("https://alongside.example"));
    let d = device.device.lock().unwrap();
    assert_eq!(
        d.store().meta(MetaKey::DeviceToken).unwrap().as_deref(),
        Some("als_token")
    );
}
