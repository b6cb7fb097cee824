use super::*;
use crate::api::{ApiError, NewNote};
use crate::storage::StorageError;

const PHRASE: &str = "Marguerite mentioned the blue heron by the canal";

#[test]
fn an_edit_survives_a_device_that_is_never_closed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.db");
    let key = StoreKey::generate().expect("key");
    let mut d = device_at(&path, &key, clock());
    d.enrol(&enrolment()).expect("enrol");
    let p = d.create_participant("Hana").expect("participant");
    let n = d
        .add_note(
            &p,
            &NewNote {
                intervention: PHRASE.into(),
                ..NewNote::default()
            },
        )
        .expect("note");
    std::mem::forget(d); // killed: nothing closed or flushed
    let again = device_at(&path, &key, clock());
    assert_eq!(again.note(&p, &n).expect("note").intervention, PHRASE);
    assert_eq!(
        again.identity().map(|i| i.device_id.as_str()),
        Some("phone-1")
    );
    assert_eq!(again.status().expect("status").pending.len(), 1);
}

#[test]
fn a_wrong_key_is_refused_and_the_data_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.db");
    let key = StoreKey::generate().expect("key");
    let p = {
        let mut d = device_at(&path, &key, clock());
        d.enrol(&enrolment()).expect("enrol");
        d.create_participant("Ivo").expect("participant")
    };
    let wrong = StoreKey::generate().expect("key");
    assert!(matches!(
        Device::open(&path, &wrong, clock()),
        Err(ApiError::Storage(StorageError::WrongKey))
    ));
    let d = device_at(&path, &key, clock());
    assert_eq!(d.caseload().expect("caseload")[0].id, p);
}

#[test]
fn the_store_file_holds_no_note_text_in_the_clear() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("device.db");
    let key = StoreKey::generate().expect("key");
    {
        let mut d = device_at(&path, &key, clock());
        d.enrol(&enrolment()).expect("enrol");
        let p = d.create_participant("Jules Verdier").expect("participant");
        d.add_note(
            &p,
            &NewNote {
                intervention: PHRASE.into(),
                ..NewNote::default()
            },
        )
        .expect("note");
        d.store_mut()
            .compact(&p.parse().expect("id"))
            .expect("compact");
    }
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        bytes.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
    }
    for needle in [
        "blue heron",
        "Marguerite",
        "Jules Verdier",
        "Alex Peer",
        "peer-a",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle:?} is in the clear"
        );
    }
}
