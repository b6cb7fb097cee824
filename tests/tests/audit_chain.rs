//! The audit trail against a real Postgres: concurrent appends (direct and
//! through the `Auditor`) keep one linear chain; tampering as a database
//! superuser — an altered detail, a deleted middle row, a deleted last row —
//! makes the real `admin audit verify` exit non-zero naming the row; and the
//! table refuses UPDATE, DELETE and TRUNCATE in normal operation.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};
use std::time::Duration;

use alongside_server::audit::{
    AuditAction, AuditOutcome, AuditRecord, Auditor, AuditorSettings, verify,
};
use alongside_server::db::Db;
use alongside_server::db::audit::{AuditFilter, append};
use alongside_server::pg::find_tool;
use alongside_tests::pg::{TestDatabase, test_database};
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn migrated(database: &TestDatabase) -> Db {
    let db = Db::connect_lazy(&database.url, 8).unwrap();
    db.migrate().await.unwrap();
    db
}

fn record(i: usize, document: Uuid) -> AuditRecord {
    AuditRecord::new(AuditAction::DocumentRead, AuditOutcome::Allowed)
        .user(
            Uuid::from_u128(i as u128 % 3 + 1),
            &format!("user{}", i % 3),
        )
        .device(Uuid::from_u128(1000 + i as u128 % 5))
        .document(document)
        .ip("192.0.2.7".parse().unwrap())
        .detail(format!(
            "event {i}: tab\there, newline\nthere, quote ' \" and ünïcödé"
        ))
}

/// Runs one statement as the test's database user (a superuser).
fn psql(url: &str, sql: &str) -> Output {
    let psql = find_tool("psql").expect("psql from the PostgreSQL binaries");
    Command::new(psql)
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-Atc", sql])
        .output()
        .unwrap()
}

fn tamper(url: &str, sql: &str) {
    let out = psql(
        url,
        &format!("SET session_replication_role = replica; {sql}"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn admin(url: &str, args: &[&str]) -> Output {
    Command::new(SERVER)
        .args(["admin", "audit"])
        .args(args)
        .args(["--database-url", url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A database with a chain of `n` rows appended one by one.
fn chain_of(n: usize) -> (TestDatabase, Vec<Uuid>) {
    let database = test_database();
    let documents: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    runtime().block_on(async {
        let db = migrated(&database).await;
        for (i, doc) in documents.iter().enumerate() {
            db.append_audit(&[record(i, *doc)]).await.unwrap();
        }
        db.close().await;
    });
    (database, documents)
}

#[test]
fn concurrent_appends_and_the_auditor_keep_one_linear_chain() {
    let database = test_database();
    runtime().block_on(async {
        let db = migrated(&database).await;
        let (auditor, writer) = Auditor::start(db.clone(), AuditorSettings::default());
        let document = Uuid::new_v4();
        let mut tasks = Vec::new();
        for task in 0..6 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for batch in 0..20 {
                    let records: Vec<_> = (0..(batch % 4 + 1))
                        .map(|i| record(task * 100 + batch * 4 + i, document))
                        .collect();
                    let appended = db.append_audit(&records).await.unwrap();
                    assert_eq!(
                        appended.last_seq - appended.first_seq + 1,
                        records.len() as i64
                    );
                }
            }));
        }
        for task in 0..4 {
            let auditor = auditor.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..250 {
                    auditor
                        .record(record(task * 1000 + i, document))
                        .await
                        .unwrap();
                }
            }));
        }
        // Inside a caller's transaction: rolled back leaves nothing,
        // committed lands in the chain.
        let mut tx = db.begin().await.unwrap();
        append(&mut tx, &[record(1, document), record(2, document)])
            .await
            .unwrap();
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        append(&mut tx, &[record(3, document)]).await.unwrap();
        Db::commit(tx).await.unwrap();

        for task in tasks {
            task.await.unwrap();
        }
        auditor.flush().await.unwrap();
        writer.finish().await;
        assert!(
            auditor
                .try_record(record(0, document))
                .is_err_and(|e| e.to_string().contains("stopped")),
            "records after finish are refused, not lost silently"
        );

        let direct: i64 = (0..20).map(|b| b % 4 + 1).sum::<i64>() * 6;
        let expected = direct + 4 * 250 + 1;
        let report = verify(&db).await.unwrap();
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.rows as i64, expected);
        assert_eq!(report.head.seq, expected);

        let newest = db
            .audit_events(&AuditFilter {
                document: Some(document),
                limit: 5,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(newest.len(), 5);
        assert_eq!(newest[0].seq, expected, "newest first");
        assert!(newest.windows(2).all(|w| w[0].seq > w[1].seq));
        let by_user = db
            .audit_events(&AuditFilter {
                user: Some(Uuid::from_u128(1)),
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(!by_user.is_empty());
        assert!(
            by_user
                .iter()
                .all(|e| e.user_id == Some(Uuid::from_u128(1)))
        );
        db.close().await;
    });

    let out = admin(&database.url, &["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("intact"), "{}", text(&out));
}

#[test]
fn times_and_text_round_trip_exactly() {
    let database = test_database();
    runtime().block_on(async {
        let db = migrated(&database).await;
        let times = [
            0,
            1,
            -1_000_001,
            1_700_000_000_123_457,
            4_102_444_800_999_999,
        ];
        let records: Vec<_> = times
            .iter()
            .map(|&t| {
                AuditRecord::new(AuditAction::SignInFailed, AuditOutcome::Denied)
                    .detail("nul \0 dropped")
                    .at(t)
            })
            .collect();
        db.append_audit(&records).await.unwrap();
        let mut stored = db.audit_events(&AuditFilter::default()).await.unwrap();
        stored.reverse();
        let at: Vec<i64> = stored.iter().map(|e| e.at_micros).collect();
        assert_eq!(at, times);
        assert_eq!(stored[0].detail, "nul  dropped");
        assert!(verify(&db).await.unwrap().is_intact());
        db.close().await;
    });
}

#[test]
fn the_auditor_retries_until_the_database_accepts_and_loses_nothing() {
    let database = test_database();
    runtime().block_on(async {
        // Not migrated yet: every append fails until it is.
        let db = Db::connect_lazy(&database.url, 4).unwrap();
        let settings = AuditorSettings {
            retry_initial: Duration::from_millis(20),
            retry_max: Duration::from_millis(100),
            ..AuditorSettings::default()
        };
        let (auditor, writer) = Auditor::start(db.clone(), settings);
        let document = Uuid::new_v4();
        for i in 0..50 {
            auditor.record(record(i, document)).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        db.migrate().await.unwrap();
        auditor.flush().await.unwrap();
        writer.finish().await;
        let report = verify(&db).await.unwrap();
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.rows, 50);
        db.close().await;
    });
}

#[test]
fn an_altered_row_is_named_by_admin_audit_verify() {
    let (database, _) = chain_of(8);
    let out = admin(&database.url, &["verify"]);
    assert!(out.status.success(), "{}", text(&out));

    tamper(
        &database.url,
        "UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 4",
    );
    let out = admin(&database.url, &["verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken at seq 4"), "{}", text(&out));
    assert!(stderr.contains("altered"), "{}", text(&out));
}

#[test]
fn a_deleted_middle_row_is_named_by_admin_audit_verify() {
    let (database, _) = chain_of(8);
    tamper(&database.url, "DELETE FROM audit_events WHERE seq = 5");
    let out = admin(&database.url, &["verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken at seq 5"), "{}", text(&out));
    assert!(stderr.contains("missing"), "{}", text(&out));
}

#[test]
fn a_deleted_last_row_is_named_by_admin_audit_verify() {
    let (database, _) = chain_of(8);
    tamper(&database.url, "DELETE FROM audit_events WHERE seq = 8");
    let out = admin(&database.url, &["verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken at seq 8"), "{}", text(&out));
    assert!(stderr.contains("tail"), "{}", text(&out));
}

#[test]
fn a_row_relinked_after_a_deletion_is_still_found() {
    // Delete row 3 and renumber row 4 as 3: no gap, but the link breaks.
    let (database, _) = chain_of(6);
    tamper(
        &database.url,
        "DELETE FROM audit_events WHERE seq = 3; \
         UPDATE audit_events SET seq = 3 WHERE seq = 4; \
         UPDATE audit_events SET seq = 4 WHERE seq = 5; \
         UPDATE audit_events SET seq = 5 WHERE seq = 6; \
         UPDATE audit_head SET seq = 5",
    );
    let out = admin(&database.url, &["verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken at seq 3"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_trail_refuses_update_delete_and_truncate() {
    let (database, _) = chain_of(3);
    for sql in [
        "UPDATE audit_events SET detail = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 3",
        "TRUNCATE audit_events",
    ] {
        let out = psql(&database.url, sql);
        assert!(!out.status.success(), "{sql} was allowed");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("append-only"),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = admin(&database.url, &["verify"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn admin_audit_list_shows_a_documents_events_newest_first() {
    let (database, documents) = chain_of(4);
    let out = admin(
        &database.url,
        &["list", "--document", &documents[2].to_string()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("seq\t"));
    let columns: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(columns.len(), 10, "{stdout}");
    assert_eq!(columns[0], "3");
    assert_eq!(columns[2], "document_read");
    assert_eq!(columns[7], documents[2].to_string());
    assert!(columns[9].contains("tab\\there"), "{stdout}");

    // Reading the trail is itself audited: the list above is event 5.
    let out = admin(&database.url, &["list", "--limit", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let seqs: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(seqs, ["5", "4"]);
    assert_eq!(rows[0][2], "audit_read", "{stdout}");
    assert_eq!(rows[0][7], documents[2].to_string(), "{stdout}");
    assert!(rows[0][9].contains("audit list --document"), "{stdout}");
    // So is a verification, even of a broken chain.
    tamper(
        &database.url,
        "UPDATE audit_events SET detail = 'x' WHERE seq = 2",
    );
    let out = admin(&database.url, &["verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    let out = admin(&database.url, &["list", "--limit", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("audit_read") && stdout.contains("audit verify"),
        "{stdout}"
    );
}
