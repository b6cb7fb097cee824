//! The driver's side of access control: claims and bindings established
//! by commits, refused writes sent to quarantine, access changes announced
//! by other processes, and denials answered no faster than a missing
//! document.

use std::collections::HashSet;
use std::sync::Arc;

use alongside_shared::sync::{ConnId, Event};
use alongside_shared::wire::DocumentId;
use tracing::warn;
use uuid::Uuid;

use super::fetch::fetch;
use super::{Driver, Internal};
use crate::access::DocClass;
use crate::access::caseload::IndexEdit;
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::db::access::{AccessSnapshot, DocumentAccessRow, QuarantinedWrite, WriteGuard};
use crate::metrics::Metrics;
use crate::sync::policy::ConnPeer;
use crate::sync::{Input, Outbound};

/// Output for a connection held back behind a denial.
pub(super) enum Held {
    /// A denial whose probe has not finished.
    Marker,
    /// A frame or close to send once earlier denials are answered.
    Out(Outbound),
}

/// What a persist batch establishes besides its chunks, and who wrote it.
pub(in crate::sync) struct Batch {
    pub(super) guard: WriteGuard,
    /// The class of a document the batch creates.
    pub(super) claim: Option<DocClass>,
    /// Writers and what each sent (for the quarantine if refused).
    pub(super) writers: Vec<(ConnId, ConnPeer, Vec<u8>)>,
    /// Name shown in the caseload, for a new participant record.
    pub(super) display_name: Option<String>,
}

/// The access row a claim commits.
pub(super) fn claim_row(document: DocumentId, claim: DocClass) -> Option<DocumentAccessRow> {
    let (owner, participant) = match claim {
        DocClass::Participant { owner } | DocClass::CaseloadIndex { owner } => (Some(owner), None),
        DocClass::Accompaniment { participant } => (None, Some(participant)),
        DocClass::Orphan => return None,
    };
    Some(DocumentAccessRow {
        document: document.to_uuid(),
        kind: claim.kind()?.to_owned(),
        owner,
        participant,
    })
}

/// An audit record about what `peer` did.
pub(super) fn record(peer: &ConnPeer, action: AuditAction, outcome: AuditOutcome) -> AuditRecord {
    let p = &peer.principal;
    let mut record = AuditRecord::new(action, outcome).user(p.user_id, &p.username);
    if let Some(device) = p.device_id {
        record = record.device(device);
    }
    if let Some(addr) = peer.addr {
        record = record.address(addr);
    }
    record
}

impl Driver {
    /// A persist committed: its bindings are known, and a new document is
    /// listed in the caseload index of each peer who writes it.
    pub(super) fn committed(&mut self, document: DocumentId, batch: Batch) {
        self.access.actors_mut().learn(batch.guard.bindings);
        let Some(claim) = batch.claim else {
            return;
        };
        let id = document.to_uuid();
        // A new log is listed for everyone who writes its record: the
        // assigned peer and the colleagues covering it.
        let (writers, edit) = match claim {
            DocClass::Participant { owner } => (
                vec![owner],
                IndexEdit::Participant {
                    document: id,
                    display_name: batch.display_name.unwrap_or_default(),
                },
            ),
            DocClass::Accompaniment { participant } => (
                self.access.table().writers_of(id),
                IndexEdit::Accompaniment {
                    document: id,
                    participant,
                },
            ),
            DocClass::CaseloadIndex { .. } | DocClass::Orphan => return,
        };
        for writer in writers {
            self.index_writer.queue(writer, edit.clone());
        }
    }

    /// Storage refused a batch (actor bound elsewhere, document claimed
    /// elsewhere): quarantine what each writer sent, refuse the first
    /// writer, forget the document's unstored state.
    pub(super) fn refused(&mut self, document: DocumentId, batch: Batch, reason: String) {
        warn!(%document, %reason, "write refused by storage");
        let conn = batch.writers.first().map(|(c, _, _)| *c);
        for (_, peer, data) in batch.writers {
            self.quarantine(document, Some(peer), reason.clone(), data);
        }
        self.handle(Event::WriteRefused {
            document,
            conn,
            reason,
        });
    }

    pub(super) fn quarantine(
        &self,
        document: DocumentId,
        peer: Option<ConnPeer>,
        reason: String,
        data: Vec<u8>,
    ) {
        Metrics::inc(&self.metrics.rejected);
        warn!(%document, %reason, "write refused");
        let audited = match &peer {
            Some(peer) => record(peer, AuditAction::WriteQuarantined, AuditOutcome::Denied),
            None => AuditRecord::new(AuditAction::WriteQuarantined, AuditOutcome::Denied),
        }
        .document(document.to_uuid());
        let write = QuarantinedWrite {
            document: document.to_uuid(),
            user: peer.as_ref().map(|p| p.principal.user_id),
            device: peer.as_ref().and_then(|p| p.principal.device_id),
            address: peer
                .as_ref()
                .and_then(|p| p.addr)
                .map(|a| a.ip().to_string()),
            reason,
            data,
        };
        let db = self.db.clone();
        let audit = self.audit.clone();
        let quota = self.settings.quarantine_quota_bytes;
        // The audit row says what became of the bytes: kept in a
        // quarantine row, or not kept because the device's quota is full
        // (or the database failed).
        tokio::spawn(async move {
            let kept = match db.quarantine(&write, quota).await {
                Ok(Some(id)) => format!("kept as quarantine row {id}"),
                Ok(None) => "not kept: the device's quarantine quota is full".to_owned(),
                Err(e) => {
                    warn!(%document, error = %e, "cannot store a quarantined write");
                    "not kept: the database failed".to_owned()
                }
            };
            let bytes = write.data.len();
            let _ = audit
                .record(audited.detail(format!("{}; {bytes} bytes {kept}", write.reason)))
                .await;
        });
    }

    /// Access to a document changed somewhere: fetch its row (when the
    /// notice did not carry it), update the table, re-check the sessions
    /// of it and of its accompaniment logs.
    pub(super) fn access_row(&mut self, document: DocumentId, row: Option<DocumentAccessRow>) {
        let Some(row) = row else {
            let db = self.db.clone();
            let input = self.input.clone();
            tokio::spawn(async move {
                match db.document_access(document.to_uuid()).await {
                    Ok(Some(row)) => {
                        let _ = input.send(Input::Internal(Internal::AccessRow {
                            document,
                            row: Some(row),
                        }));
                    }
                    Ok(None) => {}
                    Err(e) => warn!(%document, error = %e, "cannot read a changed access row"),
                }
            });
            return;
        };
        let id = document.to_uuid();
        let class = DocClass::from_row(&row);
        let affected: Vec<Uuid> = {
            let mut table = self.access.table_mut();
            if table.class(id) == Some(class) {
                // This node's own claim coming back, or nothing new.
                return;
            }
            table.set_class(id, class);
            std::iter::once(id)
                .chain(table.accompaniments_of(id))
                .collect()
        };
        for id in affected {
            let document = DocumentId::from_uuid(id);
            if self.router.shard_of(&document) == self.shard {
                self.handle(Event::AccessChanged { document });
            } else {
                self.router.to_document(
                    &document,
                    Input::Internal(Internal::AccessChanged { document }),
                );
            }
        }
    }

    /// Users or teams changed: reload them into the node's table, then
    /// have every shard re-check its documents and connections.
    pub(super) fn accounts(&mut self, snapshot: AccessSnapshot) {
        let db = self.db.clone();
        let access = Arc::clone(&self.access);
        let router = self.router.clone();
        let loaded = async move {
            if !snapshot.users.is_empty() {
                return Some(snapshot);
            }
            match db.access_snapshot(false).await {
                Ok(snapshot) if !snapshot.users.is_empty() => Some(snapshot),
                Ok(_) => None,
                Err(e) => {
                    warn!(error = %e, "cannot reload accounts");
                    None
                }
            }
        };
        tokio::spawn(async move {
            let Some(snapshot) = loaded.await else {
                return;
            };
            access.table_mut().replace_users(&snapshot);
            let dead: Arc<HashSet<Uuid>> = Arc::new(snapshot.dead_devices.into_iter().collect());
            router.to_all(|| {
                Input::Internal(Internal::AccountsChanged {
                    dead: Arc::clone(&dead),
                })
            });
        });
    }

    /// The node's table holds reloaded accounts: close the connections of
    /// revoked devices, re-check every document in memory.
    pub(super) fn accounts_changed(&mut self, dead: &HashSet<Uuid>) {
        let revoked: Vec<ConnId> = self
            .principals
            .iter()
            .filter(|(_, p)| p.principal.device_id.is_some_and(|d| dead.contains(&d)))
            .map(|(conn, _)| *conn)
            .collect();
        for conn in revoked {
            if self.shard == 0 {
                warn!(conn = conn.0, "device revoked; closing its connection");
            }
            self.send(conn, Outbound::Close);
        }
        let resident: Vec<DocumentId> = self.hub.resident_documents().copied().collect();
        for document in resident {
            self.handle(Event::AccessChanged { document });
        }
    }

    /// A peer was denied a document, or told from memory that it does not
    /// exist: hold back what follows for its connection (the
    /// `doc-unavailable`) until the database has done the same work as the
    /// load of a document that does not exist. Every `doc-unavailable` to
    /// a request thus waits for one fresh read, and neither a denial nor a
    /// repeated miss is answered from a cache: the answer takes as long
    /// either way and timing does not reveal existence.
    pub(super) fn deny(&mut self, conn: ConnId) {
        Metrics::inc(&self.metrics.unavailable_probes);
        self.held.entry(conn).or_default().push_back(Held::Marker);
        let db = self.db.clone();
        let input = self.input.clone();
        tokio::spawn(async move {
            let nowhere = DocumentId::from_uuid(Uuid::new_v4());
            let _ = fetch(&db, nowhere).await;
            let _ = input.send(Input::Internal(Internal::Release { conn }));
        });
    }

    /// The oldest denial of `conn` is answered: send what was held behind
    /// it, up to the next denial.
    pub(super) fn release(&mut self, conn: ConnId) {
        let Some(queue) = self.held.get_mut(&conn) else {
            return;
        };
        if matches!(queue.front(), Some(Held::Marker)) {
            queue.pop_front();
        }
        let mut ready = Vec::new();
        while let Some(Held::Out(_)) = queue.front() {
            if let Some(Held::Out(message)) = queue.pop_front() {
                ready.push(message);
            }
        }
        if queue.is_empty() {
            self.held.remove(&conn);
        }
        for message in ready {
            self.deliver(conn, message);
        }
    }
}
