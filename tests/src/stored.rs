//! What the server stored, read straight from the database: a document's
//! heads, its quarantined writes, a user's caseload index.

use std::time::{Duration, Instant};

use alongside_server::audit::AuditEvent;
use alongside_server::db::Db;
use alongside_server::db::audit::AuditFilter;
use alongside_server::store::codec;
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use uuid::Uuid;

/// How long to wait for something the server does after answering.
const PATIENCE: Duration = Duration::from_secs(15);

/// A stored document (empty if it is not stored).
pub async fn document(db: &Db, id: DocumentId) -> AutoCommit {
    match db.load(id.to_uuid()).await.expect("load") {
        Some(stored) => codec::load(&stored).expect("stored document loads"),
        None => AutoCommit::new(),
    }
}

/// Heads of a stored document (empty if it is not stored).
/// Also checks that the heads the persists recorded are the loaded
/// document's (when no write landed while it looked).
pub async fn heads(db: &Db, id: DocumentId) -> Vec<ChangeHash> {
    let recorded = || async {
        db.recorded_heads(id.to_uuid())
            .await
            .expect("recorded heads")
            .unwrap_or_default()
    };
    let before = recorded().await;
    let heads = document(db, id).await.get_heads();
    if recorded().await == before {
        let mut loaded: Vec<Vec<u8>> = heads.iter().map(|h| h.0.to_vec()).collect();
        loaded.sort();
        assert_eq!(before, loaded, "recorded heads of {id}");
    }
    heads
}

/// Waits until a refused write to `id` is in quarantine (stored right
/// after the refusal is answered); returns the reasons.
pub async fn quarantined(db: &Db, id: DocumentId) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let held = db.quarantined(id.to_uuid()).await.expect("quarantine");
        if !held.is_empty() {
            return held.into_iter().map(|(_, reason, _)| reason).collect();
        }
        assert!(Instant::now() < deadline, "nothing quarantined for {id}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `user`'s caseload index satisfies `check`; returns its id.
pub async fn until_index(
    db: &Db,
    user: Uuid,
    what: &str,
    check: impl Fn(&AutoCommit) -> bool,
) -> DocumentId {
    let index = db
        .caseload_index_of(user)
        .await
        .expect("read the user")
        .expect("the user exists");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(stored) = db.load(index).await.expect("load")
            && check(&codec::load(&stored).expect("index loads"))
        {
            return DocumentId::from_uuid(index);
        }
        assert!(Instant::now() < deadline, "index of {user} never {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the audit trail holds an event `action` on `document` (by
/// `user`, when given; the admin command line acts as nobody). The auditor
/// writes in batches, shortly after the fact.
pub async fn audited(
    db: &Db,
    user: Option<Uuid>,
    document: DocumentId,
    action: &str,
) -> AuditEvent {
    let deadline = Instant::now() + PATIENCE;
    let filter = AuditFilter {
        document: Some(document.to_uuid()),
        user,
        before_seq: None,
        limit: 1000,
    };
    loop {
        let events = db
            .audit_events(&filter)
            .await
            .expect("read the audit trail");
        if let Some(event) = events.into_iter().find(|e| e.action == action) {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "no {action} audited for {user:?} on {document}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
