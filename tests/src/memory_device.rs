//! In-process devices for sync-client tests: a
//! [`SyncClient`](alongside_mobile_bridge::sync::SyncClient) over an
//! in-memory store, set up for an account, and the steps tests repeat
//! (add a participant, sync and insist on no errors, sync through a busy
//! server). A device knows who its token belongs to, because the server
//! holds every new note to naming its writer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alongside_mobile_bridge::storage::DeviceStore;
use alongside_mobile_bridge::sync::{
    MemoryStore, ServerUrl, SyncClient, SyncConfig, SyncError, SyncReport, who_am_i,
};
use alongside_server::db::Db;
use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::wire::DocumentId;

use crate::accounts::Account;
use crate::load::workload::{Author, participant};
use crate::server::TestServer;

/// A device syncing an in-memory store, and who it writes as.
#[derive(Clone)]
pub struct Device {
    client: Arc<SyncClient<MemoryStore>>,
    author: Author,
}

impl std::ops::Deref for Device {
    type Target = SyncClient<MemoryStore>;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl Device {
    /// The user and device its token belongs to.
    pub fn author(&self) -> &Author {
        &self.author
    }

    /// The sync client, to share (with background sync).
    pub fn client(&self) -> Arc<SyncClient<MemoryStore>> {
        Arc::clone(&self.client)
    }
}

/// A device of `account` (token `token`) with an empty store, once the
/// server shares the account's caseload index with it.
pub async fn device(server: &TestServer, db: &Db, account: &Account, token: &str) -> Device {
    let index = db
        .caseload_index_of(account.user_id)
        .await
        .unwrap()
        .expect("the user has an index");
    let mut config = SyncConfig::new(
        server.sync_url(),
        token,
        format!("{}-{}", account.username, &token[..6]),
    );
    config.caseload_index = Some(DocumentId::from_uuid(index));
    config.timeout = Duration::from_secs(60);
    let me = who_am_i(
        &ServerUrl::parse(&format!("http://{}", server.addr)).expect("the server's URL"),
        None,
        token,
    )
    .await
    .expect("the token names a device");
    let device = Device {
        client: Arc::new(SyncClient::new(
            config,
            Arc::new(Mutex::new(MemoryStore::new())),
        )),
        author: Author {
            user_id: me.user_id,
            device_id: me.device_id,
        },
    };
    // The server learns of a new account through a notification; until
    // then it shares nothing with it. Wait until the device holds its
    // (empty) caseload index.
    let index = DocumentId::from_uuid(index);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !holds(&device, &index) {
        assert!(
            Instant::now() < deadline,
            "the server never shared the index"
        );
        let _ = device.sync_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    device
}

/// Adds a new participant record (with `notes` notes) to the device's store.
pub fn add_participant(device: &Device, notes: usize) -> DocumentId {
    let mut offline = participant(&device.author, 0, 0, notes).unwrap();
    device
        .store()
        .lock()
        .unwrap()
        .insert(offline.id, &mut offline.doc);
    offline.id
}

/// Whether the device holds `id`.
pub fn holds(device: &Device, id: &DocumentId) -> bool {
    device.store().lock().unwrap().load(id).unwrap().is_some()
}

/// Syncs once; the sync must succeed without errors.
pub async fn sync_ok(device: &Device) -> SyncReport {
    let report = device.sync_now().await.expect("sync");
    assert!(report.errors.is_empty(), "sync errors: {report:#?}");
    report
}

/// Syncs without errors, waiting out a server that answers 503 (its pool
/// is busy, e.g. with a flood of new documents).
pub async fn sync_patiently(device: &Device) -> SyncReport {
    for _ in 0..60 {
        match device.sync_now().await {
            Err(SyncError::Http(503)) => tokio::time::sleep(Duration::from_millis(500)).await,
            other => {
                let report = other.expect("sync");
                assert!(report.errors.is_empty(), "{report:#?}");
                return report;
            }
        }
    }
    panic!("the server stayed busy");
}

/// Renames participant `id` on `device` (a local edit).
pub fn rename(device: &Device, id: &DocumentId, name: &str) {
    device
        .store()
        .lock()
        .expect("store lock")
        .edit(id, |doc| {
            replace_text(doc, ParticipantText::DisplayName, name).expect("rename");
        })
        .expect("edit")
        .expect("held");
}

/// A device like `device` but syncing every held document (the reference).
pub fn without_feed(device: &Device) -> Device {
    let mut config = device.config().clone();
    config.use_change_feed = false;
    Device {
        client: Arc::new(SyncClient::new(config, device.store().clone())),
        author: device.author.clone(),
    }
}

/// Syncs until a sync changes nothing on either side (the server updates
/// the caseload index just after new records arrive).
pub async fn settle(device: &Device) {
    for _ in 0..10 {
        let report = sync_patiently(device).await;
        if report.documents_sent == 0 && report.documents_received == 0 {
            return;
        }
    }
    panic!("the device never settled");
}
