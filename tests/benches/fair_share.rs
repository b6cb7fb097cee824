//! A bystander's sync while another peer floods the node (issue 13; not a
//! test, prints figures). The bystander (one connection) writes a short edit
//! into its own record and waits for the server to acknowledge it, over and
//! over; its round trips are measured with nobody else on the node (the
//! reference) and while an attacker holds its user's connections and sends
//! heavy but valid frames on each (new records of ~2 MB of text, each
//! applied, validated and stored) — alternately, in the same run. Also
//! reported: the server's peak memory and the node's own peak of bytes
//! waiting for the driver.
//!
//! `cargo bench -p alongside-tests --bench fair_share` (a private Postgres
//! is started as for the tests, or `DATABASE_URL` is used).
//! `ALONGSIDE_BENCH_ATTACKERS` (8 connections), `ALONGSIDE_BENCH_FRAMES`
//! (6 frames each), `ALONGSIDE_BENCH_RECORD_KB` (2000 KB of text per
//! record), `ALONGSIDE_BENCH_SHARDS` (16 sync shards) and
//! `ALONGSIDE_BENCH_ROUNDS` (3 of each phase) tune it. During
//! the flood the bystander syncs until the flood is over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::bench::setting;
use alongside_tests::client::{RawClient, Reply, open};
use alongside_tests::console::record;
use alongside_tests::load::rss::status_field;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// The bystander: one record, one connection, one sync state.
struct Bystander {
    client: RawClient,
    id: DocumentId,
    doc: AutoCommit,
    state: sync::State,
}

impl Bystander {
    /// One edit, sent and acknowledged: the round trip.
    async fn round_trip(&mut self, n: usize) -> Duration {
        let started = Instant::now();
        replace_text(
            &mut self.doc,
            ParticipantText::DisplayName,
            &format!("Rosa {n}"),
        )
        .unwrap();
        self.doc.commit();
        let heads = self.doc.get_heads();
        let deadline = Instant::now() + Duration::from_secs(120);
        if let Some(m) = self.doc.sync().generate_sync_message(&mut self.state) {
            let frame = self.client.doc_message(self.id, m.encode(), false);
            self.client.send(&frame).await;
        }
        loop {
            assert!(Instant::now() < deadline, "the bystander's sync stalled");
            match self.client.next(Duration::from_secs(60)).await {
                Reply::Message(Message::Sync(m)) if m.document_id == self.id => {
                    let message = sync::Message::decode(&m.data).unwrap();
                    let acknowledged = message.heads == heads;
                    self.doc
                        .sync()
                        .receive_sync_message(&mut self.state, message)
                        .unwrap();
                    if acknowledged {
                        return started.elapsed();
                    }
                    if let Some(reply) = self.doc.sync().generate_sync_message(&mut self.state) {
                        let frame = self.client.doc_message(self.id, reply.encode(), false);
                        self.client.send(&frame).await;
                    }
                }
                Reply::Message(_) | Reply::Silence => {}
                other => panic!("the bystander's connection failed: {other:?}"),
            }
        }
    }

    /// `rounds` round trips; their durations.
    async fn measure(&mut self, rounds: usize, from: usize) -> Vec<Duration> {
        let mut out = Vec::new();
        for n in 0..rounds {
            out.push(self.round_trip(from + n).await);
        }
        out
    }
}

/// Joins as `peer`, retrying while the busy server answers 503 (as a
/// device would).
async fn join_patiently(url: &str, token: &str, peer: &str) -> RawClient {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        match open(url, Some(&format!("Bearer {token}"))).await {
            Ok(ws) => {
                let mut client = RawClient::over(ws, peer);
                client.handshake().await;
                return client;
            }
            Err(e) if Instant::now() < deadline => {
                eprintln!("{peer}: {e:?}; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("{peer} never connected: {e:?}"),
        }
    }
}

/// Heavy, valid frames: each a new record of about `kb` KB of text (one
/// operation per character) by `author`.
fn heavy_frames(author: &Account, client: &RawClient, count: usize, kb: usize) -> Vec<Message> {
    const LINE: &str = "We walked to the clinic and talked on the way there. ";
    let text = LINE.repeat(kb * 1000 / LINE.len());
    (0..count)
        .map(|n| {
            let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
            let (mut doc, _) = record(&format!("Flood {n}"), author, &[text.as_str()]);
            let mut message = doc
                .sync()
                .generate_sync_message(&mut sync::State::new())
                .unwrap();
            message.changes = sync::ChunkList::from(vec![doc.save_after(&[])]);
            client.doc_message(id, message.encode(), false)
        })
        .collect()
}

fn percentile(times: &[Duration], p: f64) -> f64 {
    let mut t: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    t.sort_by(f64::total_cmp);
    let at = ((t.len() as f64 - 1.0) * p).round() as usize;
    t[at.min(t.len() - 1)]
}

fn main() {
    let attackers = setting("ALONGSIDE_BENCH_ATTACKERS", 8);
    let frames = setting("ALONGSIDE_BENCH_FRAMES", 6);
    let rounds = setting("ALONGSIDE_BENCH_ROUNDS", 3).max(1);
    let record_kb = setting("ALONGSIDE_BENCH_RECORD_KB", 2000).max(1);
    let database = test_database();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let shards = setting("ALONGSIDE_BENCH_SHARDS", 16).to_string();
        let server = TestServer::start(SERVER, &database.url, &["--sync-shards", &shards]);
        let bob = Account::peer(&database.url, "bob", "south").await;
        let mallory = Account::peer(&database.url, "mallory", "north").await;
        let url = server.sync_url();

        let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
        let (mut doc, _) = record("Rosa", &bob, &["Walked to the clinic."]);
        let mut client = RawClient::joined(&url, &bob.token, "bob-phone").await;
        assert_eq!(
            alongside_tests::syncer::push(&mut client, id, &mut doc)
                .await
                .name(),
            "synced"
        );
        let mut bystander = Bystander {
            client,
            id,
            doc,
            state: sync::State::new(),
        };
        bystander.measure(5, 0).await; // warm-up

        let mut quiet = Vec::new();
        let mut attacked = Vec::new();
        let mut flood_secs = Vec::new();
        let mut n = 100;
        for _ in 0..rounds {
            quiet.extend(bystander.measure(10, n).await);
            n += 10;
            // The attack: every connection mallory may hold, each sending
            // its frames as fast as the socket takes them.
            // Connections and frames are made first, so that the flood
            // starts at once.
            let mut armed = Vec::new();
            for a in 0..attackers {
                let flood = join_patiently(&url, &mallory.token, &format!("flood-{a}")).await;
                let heavy = heavy_frames(&mallory, &flood, frames, record_kb);
                armed.push((flood, heavy));
            }
            let mut floods = Vec::new();
            let started = Instant::now();
            for (mut flood, heavy) in armed {
                floods.push(tokio::spawn(async move {
                    for frame in &heavy {
                        flood.send(frame).await;
                    }
                    // Drain answers until every record is acknowledged or
                    // the server closes.
                    let mut acked = 0;
                    let deadline = Instant::now() + Duration::from_secs(300);
                    while acked < heavy.len() && Instant::now() < deadline {
                        match flood.next(Duration::from_secs(30)).await {
                            Reply::Message(Message::Sync(_)) => acked += 1,
                            Reply::Closed => break,
                            _ => {}
                        }
                    }
                }));
            }
            // The bystander keeps syncing for as long as the flood lasts
            // (at least ten round trips), so that its samples span the
            // whole attack, not just its start.
            let before = attacked.len();
            while attacked.len() < before + 10 || floods.iter().any(|f| !f.is_finished()) {
                attacked.push(bystander.round_trip(n).await);
                n += 1;
            }
            for f in floods {
                let _ = f.await;
            }
            flood_secs.push(started.elapsed().as_secs_f64());
        }
        let rss = status_field(server.pid(), "VmHWM").unwrap_or(0);
        let queued = server
            .metric("alongside_inbound_queued_bytes_peak")
            .unwrap_or(-1);
        println!(
            "bystander round trip; attack: {attackers} connections x {frames} frames of ~{record_kb} KB"
        );
        println!("| phase | samples | p50 | p90 | max |");
        println!("|---|---|---|---|---|");
        for (what, t) in [("alone (reference)", &quiet), ("during the flood", &attacked)] {
            println!(
                "| {what} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
                t.len(),
                percentile(t, 0.5),
                percentile(t, 0.9),
                percentile(t, 1.0)
            );
        }
        println!(
            "ratio p50 flood/alone: {:.1}x; each flood took {:?} s; server peak RSS {} MiB; peak bytes waiting for the driver {:.1} MiB",
            percentile(&attacked, 0.5) / percentile(&quiet, 0.5),
            flood_secs
                .iter()
                .map(|s| format!("{s:.1}"))
                .collect::<Vec<_>>(),
            rss >> 20,
            queued as f64 / 1048576.0
        );
    });
}
