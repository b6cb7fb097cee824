//! What a reconnect costs with N documents held (`docs/sync-protocol.md`; not a test,
//! prints figures): the device's sync with the server's change feed
//! against the plain full sync of every held document (the reference, what
//! an automerge-repo peer does), measured alternately in the same run
//! against the real server process and Postgres.
//!
//! Scenarios: nothing changed; 3 documents changed on this device; 3
//! changed on another device of the same user. Each is repeated and the
//! median time reported with the messages and bytes of one sync (they do
//! not vary between repeats).
//!
//! `cargo bench -p alongside-tests --bench reconnect` (a private Postgres
//! is started as for the tests, or `DATABASE_URL` is used);
//! `ALONGSIDE_BENCH_DOCS` sets N (500), `ALONGSIDE_BENCH_REPEATS` the
//! repeats (5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use alongside_mobile_bridge::sync::SyncReport;
use alongside_server::db::Db;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::bench::setting;
use alongside_tests::memory_device::{
    Device, add_participant, device, rename, settle, sync_ok, sync_patiently, without_feed,
};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// One scenario's runs.
#[derive(Default)]
struct Runs {
    times: Vec<Duration>,
    last: Option<SyncReport>,
}

impl Runs {
    fn add(&mut self, report: SyncReport) {
        self.times.push(report.duration);
        self.last = Some(report);
    }

    fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        t[t.len() / 2]
    }

    fn row(&self, what: &str) -> String {
        let r = self.last.as_ref().expect("at least one run");
        format!(
            "| {what} | {} / {} | {:.1} / {:.1} KB | {} / {} | {:.0} ms |",
            r.messages_sent,
            r.messages_received,
            r.bytes_sent as f64 / 1000.0,
            r.bytes_received as f64 / 1000.0,
            r.documents_sent,
            r.documents_received,
            self.median().as_secs_f64() * 1000.0
        )
    }
}

/// Changes 3 documents (on `here` or on `elsewhere`, which then syncs)
/// and reconnects `client`, which must move exactly those 3.
async fn three_changed(
    client: &Device,
    here: &Device,
    elsewhere: Option<&Device>,
    docs: &[DocumentId],
    tag: &str,
) -> SyncReport {
    for id in docs {
        rename(elsewhere.unwrap_or(here), id, tag);
    }
    if let Some(other) = elsewhere {
        sync_ok(other).await;
    }
    let report = sync_ok(client).await;
    let moved = if elsewhere.is_some() {
        report.documents_received
    } else {
        report.documents_sent
    };
    assert_eq!(moved, 3, "{tag}: {report:?}");
    report
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let n = setting("ALONGSIDE_BENCH_DOCS", 500);
    let repeats = setting("ALONGSIDE_BENCH_REPEATS", 5).max(1);
    let database = test_database();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = TestServer::start(SERVER, &database.url, &[]);
        let db = Db::connect_lazy(&database.url, 2).unwrap();
        let alice = Account::peer(&database.url, "alice", "team-a").await;
        let (_, tablet_token) = alice
            .enroll(&database.url, "alice-tablet", Default::default())
            .await;
        let phone = device(&server, &db, &alice, &alice.token).await;
        let ids: Vec<DocumentId> = (0..n).map(|_| add_participant(&phone, 3)).collect();
        sync_patiently(&phone).await;
        settle(&phone).await;
        let tablet = device(&server, &db, &alice, &tablet_token).await;
        settle(&tablet).await;
        let reference = without_feed(&phone);

        let mut rows: Vec<(&str, Runs, Runs)> = ["nothing changed", "3 changed on this device", "3 changed on another device"]
            .into_iter()
            .map(|what| (what, Runs::default(), Runs::default()))
            .collect();
        let mut next = 0;
        for round in 0..repeats {
            for (scenario, (_, reference_runs, feed_runs)) in rows.iter_mut().enumerate() {
                for (feed, client, runs) in [
                    (false, &reference, &mut *reference_runs),
                    (true, &phone, &mut *feed_runs),
                ] {
                    let tag = format!("round {round} scenario {scenario} feed {feed}");
                    let report = match scenario {
                        0 => sync_ok(client).await,
                        _ => {
                            let docs: Vec<DocumentId> =
                                (0..3).map(|i| ids[(next + i) % n]).collect();
                            next += 3;
                            let elsewhere = (scenario == 2).then_some(&tablet);
                            three_changed(client, &phone, elsewhere, &docs, &tag).await
                        }
                    };
                    runs.add(report);
                }
            }
        }

        println!(
            "reconnect with {n} documents held, median of {repeats} (messages, bytes and documents of one sync)\n"
        );
        println!("| reconnect | messages sent / received | bytes sent / received | documents up / down | time |");
        println!("|---|---|---|---|---|");
        for (what, reference_runs, feed_runs) in &rows {
            println!("{}", reference_runs.row(&format!("reference, {what}")));
            println!("{}", feed_runs.row(&format!("change feed, {what}")));
        }
        println!();
        for (what, reference_runs, feed_runs) in &rows {
            let (r, f) = (
                reference_runs.last.as_ref().unwrap(),
                feed_runs.last.as_ref().unwrap(),
            );
            println!(
                "{what}: the feed sends {:.1}% of the reference's messages and {:.1}% of its bytes, in {:.1}% of its time",
                100.0 * f.messages_sent as f64 / r.messages_sent.max(1) as f64,
                100.0 * (f.bytes_sent + f.bytes_received) as f64
                    / (r.bytes_sent + r.bytes_received).max(1) as f64,
                100.0 * feed_runs.median().as_secs_f64() / reference_runs.median().as_secs_f64(),
            );
        }
        db.close().await;
    });
}
