use alongside_shared::doc::Timestamp;
use alongside_shared::doc::caseload::CaseloadParticipant;
use alongside_shared::doc::edit::caseload::{create_caseload_index, purge, put_participant};
use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;

use super::*;
use crate::storage::DeviceStore;

#[test]
fn the_caseload_merges_the_index_with_what_is_held() {
    let mut d = device_in_memory(clock());
    let held = d.create_participant("Ana").expect("participant");
    let gone = d.create_participant("Zed").expect("participant");
    let remote = DocumentId::from_bytes([3; 16]).to_string();
    let at = Timestamp::from_millis(T0);
    let mut index = AutoCommit::new();
    create_caseload_index(&mut index, "peer-a", at).expect("index");
    let entry = |name: &str| CaseloadParticipant {
        display_name: name.into(),
        assigned_at: at,
    };
    put_participant(&mut index, &held, &entry("Ana"), at).expect("put");
    put_participant(&mut index, &remote, &entry("Bea"), at).expect("put");
    purge(&mut index, &gone, "reassigned", at).expect("purge");
    let index_id = DocumentId::from_bytes([4; 16]);
    d.store_mut()
        .append(&index_id, &index.save())
        .expect("append");
    d.set_caseload_index(&index_id).expect("index id");

    let list = d.caseload().expect("caseload");
    let rows: Vec<_> = list
        .iter()
        .map(|e| (e.display_name.as_str(), e.held, e.indexed))
        .collect();
    assert_eq!(rows, vec![("Ana", true, true), ("Bea", false, true)]);
}
