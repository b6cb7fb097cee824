//! `kill -9` of the server during a burst of syncs from many devices: after a
//! restart every change any device saw acknowledged is in Postgres, and the
//! devices converge once they reconnect.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::time::Instant;

use alongside_server::admin::Lifetime;
use alongside_server::db::Db;
use alongside_shared::sync::Limits;
use alongside_tests::accounts::Account;
use alongside_tests::load::Target;
use alongside_tests::load::device::{Device, run_device};
use alongside_tests::load::workload::{Author, device_documents};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICES: usize = 32;

fn devices(authors: &[Author]) -> Vec<Device> {
    (0..DEVICES)
        .map(|d| {
            let docs = device_documents(&authors[d], d, 6, 6).unwrap();
            let peer = format!("crash-device-{d}");
            Device::offline(
                peer.clone(),
                Some(format!("{peer}-storage")),
                Limits::default(),
                docs,
            )
            .unwrap()
        })
        .collect()
}

/// One enrolled device (its token, and who it writes as) per simulated
/// device, all of one peer.
async fn enroll(db_url: &str) -> (Vec<String>, Vec<Author>) {
    let peer = Account::peer(db_url, "crash-peer", "team-a").await;
    let author = |device: uuid::Uuid| Author {
        user_id: peer.user_id.to_string(),
        device_id: device.to_string(),
    };
    let mut tokens = vec![peer.token.clone()];
    let mut authors = vec![author(peer.device_id)];
    for d in 1..DEVICES {
        let (device, token) = peer
            .enroll(db_url, &format!("crash-device-{d}"), Lifetime::default())
            .await;
        tokens.push(token);
        authors.push(author(device));
    }
    (tokens, authors)
}

/// Runs every device against `url` at once, each with its own token, each
/// for at most `for_at_most`.
async fn storm(
    devices: Vec<Device>,
    url: &str,
    tokens: &[String],
    for_at_most: Duration,
) -> Vec<Device> {
    let start = Instant::now();
    let deadline = start + for_at_most;
    let tasks: Vec<_> = devices
        .into_iter()
        .zip(tokens)
        .map(|(mut device, token)| {
            let target = Target {
                url: url.to_owned(),
                token: Some(token.clone()),
                ephemeral: false,
            };
            tokio::spawn(async move {
                run_device(&mut device, &target, start, deadline).await;
                device
            })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// Commits the server has made so far.
fn persists(server: &TestServer) -> u64 {
    server
        .metric("alongside_persists_total")
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_a_burst_loses_nothing_acknowledged() {
    let database = test_database();
    let mut server = TestServer::start(SERVER, &database.url, &[]);
    let url = server.sync_url();
    let (tokens, authors) = enroll(&database.url).await;

    // The storm starts; the server dies in the middle of it, once some
    // commits have happened.
    let prepared = devices(&authors);
    let storm_task = tokio::spawn({
        let url = url.clone();
        let tokens = tokens.clone();
        async move { storm(prepared, &url, &tokens, Duration::from_secs(20)).await }
    });
    let started = Instant::now();
    while persists(&server) < 12 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let devices = storm_task.await.unwrap();
    let acknowledged: Vec<_> = devices.iter().flat_map(Device::acknowledged).collect();
    let total: usize = devices.iter().map(Device::document_count).sum();
    eprintln!(
        "before the kill: {} of {total} documents acknowledged",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < total,
        "the kill came too late to test anything"
    );

    // Restart: everything acknowledged is stored.
    server.restart();
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    for (document, heads) in &acknowledged {
        let stored = db.change_hashes(document.to_uuid()).await.unwrap();
        for head in heads {
            assert!(
                stored.iter().any(|h| h.as_slice() == head.0.as_slice()),
                "acknowledged head {head} of {document} was lost"
            );
        }
    }

    // The devices reconnect and every document converges.
    let devices = storm(
        devices,
        &server.sync_url(),
        &tokens,
        Duration::from_secs(60),
    )
    .await;
    for device in &devices {
        assert_eq!(
            device.acknowledged().len(),
            device.document_count(),
            "a device did not converge"
        );
    }
    // The projection, kept by the merges, holds every note and equals a
    // rebuild from the stored documents.
    let live = db.projection_dump().await.unwrap();
    let notes = live.iter().filter(|row| row.starts_with("notes ")).count();
    assert_eq!(notes, DEVICES * 6 * 6, "every note is projected");
    alongside_server::store::rebuild_projection(&db)
        .await
        .unwrap();
    assert_eq!(db.projection_dump().await.unwrap(), live);

    for device in &devices {
        for (document, heads) in device.acknowledged() {
            let stored = db.change_hashes(document.to_uuid()).await.unwrap();
            for head in heads {
                assert!(stored.iter().any(|h| h.as_slice() == head.0.as_slice()));
            }
        }
    }
}
