//! What the audit trail costs (not a test; prints figures):
//!
//! - appends per second through the `Auditor` (batched writer) and through
//!   `Db::append_audit` one record per transaction;
//! - the latency one audit record adds to a transaction: `begin; append(1);
//!   commit` against the reference `begin; commit`, measured alternately
//!   in the same run.
//!
//! `cargo bench -p alongside-tests --bench audit_append` (a private
//! Postgres is started as for the tests, or `DATABASE_URL` is used).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alongside_server::audit::{AuditAction, AuditOutcome, AuditRecord, Auditor, AuditorSettings};
use alongside_server::db::Db;
use alongside_server::db::audit::append;
use alongside_tests::pg::test_database;
use uuid::Uuid;

fn record(i: usize) -> AuditRecord {
    AuditRecord::new(AuditAction::DocumentRead, AuditOutcome::Allowed)
        .user(Uuid::from_u128(7), "peer7")
        .device(Uuid::from_u128(70))
        .document(Uuid::from_u128(i as u128 % 50))
        .ip("192.0.2.1".parse().unwrap())
        .detail("sent on sync")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let database = test_database();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = Db::connect_lazy(&database.url, 8).unwrap();
        db.migrate().await.unwrap();

        // Through the Auditor, from 8 producers.
        let total = 40_000;
        let (auditor, writer) = Auditor::start(db.clone(), AuditorSettings::default());
        let started = Instant::now();
        let mut tasks = Vec::new();
        for p in 0..8 {
            let auditor = auditor.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..total / 8 {
                    auditor.record(record(p * total + i)).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        auditor.flush().await.unwrap();
        let elapsed = started.elapsed();
        writer.finish().await;
        println!(
            "auditor: {total} records in {:.2} s = {:.0} appends/s",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64()
        );

        // One record per transaction, sequentially.
        let n = 1000;
        let started = Instant::now();
        for i in 0..n {
            db.append_audit(&[record(i)]).await.unwrap();
        }
        let elapsed = started.elapsed();
        println!(
            "append_audit, 1 record per transaction: {:.0} appends/s",
            n as f64 / elapsed.as_secs_f64()
        );

        // Added latency inside a transaction, against a reference
        // transaction measured alternately in the same run.
        let rounds = 2000;
        let mut with_append = Vec::with_capacity(rounds);
        let mut reference = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let t = Instant::now();
            let tx = db.begin().await.unwrap();
            Db::commit(tx).await.unwrap();
            reference.push(t.elapsed());

            let t = Instant::now();
            let mut tx = db.begin().await.unwrap();
            append(&mut tx, &[record(i)]).await.unwrap();
            Db::commit(tx).await.unwrap();
            with_append.push(t.elapsed());
        }
        reference.sort();
        with_append.sort();
        for (name, p) in [("p50", 0.5), ("p99", 0.99)] {
            let r = percentile(&reference, p);
            let a = percentile(&with_append, p);
            println!(
                "transaction {name}: empty {:.3} ms, with one audit append {:.3} ms \
                 (+{:.3} ms, {:.2}x the reference)",
                r.as_secs_f64() * 1e3,
                a.as_secs_f64() * 1e3,
                (a.as_secs_f64() - r.as_secs_f64()) * 1e3,
                a.as_secs_f64() / r.as_secs_f64()
            );
        }
        let report = alongside_server::audit::verify(&db).await.unwrap();
        let started = Instant::now();
        let again = alongside_server::audit::verify(&db).await.unwrap();
        println!(
            "verify: {} rows in {:.2} s ({:.0} rows/s), intact: {}",
            again.rows,
            started.elapsed().as_secs_f64(),
            again.rows as f64 / started.elapsed().as_secs_f64(),
            report.is_intact() && again.is_intact()
        );
        db.close().await;
    });
}
