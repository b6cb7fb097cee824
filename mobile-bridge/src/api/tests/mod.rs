//! Tests of the typed API: each operation, UTF-16 positions, refusals,
//! kill-safety, the key, and no clear text on disk.

mod accompany;
mod caseload;
mod enrol;
mod notes;
mod safety;

use std::path::Path;
use std::sync::Arc;

use super::{Device, Enrolment};
use crate::clock::{ManualClock, SharedClock};
use crate::store::StoreKey;

/// 2024-05-02T09:00:00Z.
pub(super) const T0: i64 = 1_714_640_400_000;

pub(super) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(T0))
}

pub(super) fn enrolment() -> Enrolment {
    Enrolment {
        user_id: "peer-a".into(),
        user_name: Some("Alex Peer".into()),
        device_id: "phone-1".into(),
        caseload_index: None,
    }
}

pub(super) fn device_in_memory(clock: Arc<ManualClock>) -> Device {
    let key = StoreKey::generate().expect("key");
    let shared: SharedClock = clock;
    let mut d = Device::open_in_memory(&key, shared).expect("open");
    d.enrol(&enrolment()).expect("enrol");
    d
}

pub(super) fn device_at(path: &Path, key: &StoreKey, clock: Arc<ManualClock>) -> Device {
    let shared: SharedClock = clock;
    Device::open(path, key, shared).expect("open")
}
