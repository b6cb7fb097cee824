//! Whether the time to `doc-unavailable` tells a missing document from an
//! existing one the peer may not read (`docs/sync-protocol.md`: a forbidden document
//! is answered "exactly as if it did not exist"; not a test, prints
//! figures). A peer with a good token asks, alternately in the same run
//! against the real server process and Postgres, for
//!
//! - (a) one missing id, over and over;
//! - (b) one existing record of another team, over and over;
//! - (c) a missing id it never asked for before, and an existing record
//!   of another team it never asked for before.
//!
//! Each request's time runs from sending it to receiving its
//! `doc-unavailable`. Per class it prints p10/p50/p90, and per pair the
//! two-sample Kolmogorov–Smirnov D (the largest gap between the two
//! empirical distributions; 0 = the same) with its 5 % critical value, and
//! the accuracy of the best single-threshold classifier an attacker could
//! pick with hindsight on these very samples (50 % = a coin toss; it is
//! 0.5 + D/2).
//!
//! `cargo bench -p alongside-tests --bench unavailable_timing` (a private
//! Postgres is started as for the tests, or `DATABASE_URL` is used);
//! `ALONGSIDE_BENCH_REPEATS` sets the requests per class (300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use alongside_shared::wire::{DocumentId, Message};
use alongside_tests::accounts::Account;
use alongside_tests::bench::setting;
use alongside_tests::client::{RawClient, Reply};
use alongside_tests::console::record;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::syncer::push;
use automerge::AutoCommit;
use automerge::sync::{State, SyncDoc};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Sends a `request` for `id` and times it until its `doc-unavailable`.
async fn time_unavailable(client: &mut RawClient, id: DocumentId) -> Duration {
    let mut empty = AutoCommit::new();
    let first = empty
        .sync()
        .generate_sync_message(&mut State::new())
        .expect("a first message");
    let request = client.doc_message(id, first.encode(), true);
    let started = Instant::now();
    client.send(&request).await;
    loop {
        match client.next(Duration::from_secs(10)).await {
            Reply::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => {
                return started.elapsed();
            }
            Reply::Message(_) => continue,
            other => panic!("expected doc-unavailable for {id}, got {other:?}"),
        }
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The `p`-th percentile (nearest rank) of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Two-sample Kolmogorov–Smirnov D of sorted samples.
fn ks_d(a: &[f64], b: &[f64]) -> f64 {
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        let gap = (i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs();
        d = d.max(gap);
    }
    d
}

/// The D above which the two samples differ at the 5 % level.
fn ks_critical(n: usize, m: usize) -> f64 {
    let (n, m) = (n as f64, m as f64);
    1.358 * ((n + m) / (n * m)).sqrt()
}

struct Class {
    name: &'static str,
    samples: Vec<f64>,
}

impl Class {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            samples: Vec::new(),
        }
    }

    fn sorted(&self) -> Vec<f64> {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    fn row(&self) -> String {
        let s = self.sorted();
        format!(
            "| {} | {} | {:.0} µs | {:.0} µs | {:.0} µs |",
            self.name,
            s.len(),
            percentile(&s, 10.0),
            percentile(&s, 50.0),
            percentile(&s, 90.0)
        )
    }
}

fn compare(what: &str, missing: &Class, forbidden: &Class) -> String {
    let (a, b) = (missing.sorted(), forbidden.sorted());
    let d = ks_d(&a, &b);
    let critical = ks_critical(a.len(), b.len());
    let ratio = percentile(&b, 50.0) / percentile(&a, 50.0);
    format!(
        "| {what} | {ratio:.2} | {d:.3} | {critical:.3} | {:.1} % | {} |",
        100.0 * (0.5 + d / 2.0),
        if d > critical {
            "distinguishable"
        } else {
            "not distinguishable"
        }
    )
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let repeats = setting("ALONGSIDE_BENCH_REPEATS", 300).max(2);
    let database = test_database();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = TestServer::start(SERVER, &database.url, &[]);
        let url = server.sync_url();
        let alice = Account::peer(&database.url, "alice", "team-a").await;
        let bob = Account::peer(&database.url, "bob", "team-b").await;

        // Bob's records: one to ask for over and over, and one per
        // first-time request.
        let mut creator = RawClient::joined(&url, &bob.token, "bob-phone").await;
        let mut forbidden_ids = Vec::with_capacity(repeats + 1);
        for i in 0..=repeats {
            let id = DocumentId::from_uuid(Uuid::new_v4());
            let (mut doc, _) = record(&format!("Participant {i}"), &bob, &["first visit"]);
            let outcome = push(&mut creator, id, &mut doc).await;
            assert_eq!(outcome.name(), "synced", "record {i}: {outcome:?}");
            forbidden_ids.push(id);
        }
        drop(creator);
        // Bob's records are written; the server holds some of them in
        // memory, as it would in service.
        let repeated_forbidden = forbidden_ids.pop().unwrap();
        let repeated_missing = DocumentId::from_uuid(Uuid::new_v4());

        let mut attacker = RawClient::joined(&url, &alice.token, "alice-phone").await;
        // Once each, so that what follows is a repetition.
        time_unavailable(&mut attacker, repeated_missing).await;
        time_unavailable(&mut attacker, repeated_forbidden).await;

        let mut a = Class::new("(a) missing, repeated");
        let mut b = Class::new("(b) forbidden, repeated");
        let mut c_missing = Class::new("(c) missing, first time");
        let mut c_forbidden = Class::new("(c) forbidden, first time");
        for (round, fresh_forbidden) in forbidden_ids.into_iter().enumerate() {
            let fresh_missing = DocumentId::from_uuid(Uuid::new_v4());
            // Rotate the order so that no class always follows another.
            for k in 0..4 {
                let (class, id) = match (round + k) % 4 {
                    0 => (&mut a, repeated_missing),
                    1 => (&mut b, repeated_forbidden),
                    2 => (&mut c_missing, fresh_missing),
                    _ => (&mut c_forbidden, fresh_forbidden),
                };
                class
                    .samples
                    .push(micros(time_unavailable(&mut attacker, id).await));
            }
        }

        println!("time from request to doc-unavailable, {repeats} requests per class, alternating\n");
        println!("| class | n | p10 | p50 | p90 |");
        println!("|---|---|---|---|---|");
        for class in [&a, &b, &c_missing, &c_forbidden] {
            println!("{}", class.row());
        }
        println!();
        println!("| missing vs forbidden | p50 ratio | KS D | D at 5 % | best threshold accuracy | verdict |");
        println!("|---|---|---|---|---|---|");
        println!("{}", compare("repeated", &a, &b));
        println!("{}", compare("first time", &c_missing, &c_forbidden));
    });
}
