//! The [`Auditor`]: audit events from request handlers and the sync
//! shards, written in batches by one writer task.
//!
//! Callers hand records to a bounded channel; the writer takes up to
//! [`AuditorSettings::batch_max`] records (or what arrives within
//! [`AuditorSettings::batch_wait`] of the first) and appends them in one
//! transaction. When the database fails it retries the same batch with
//! backoff, logging every failure at `error`; meanwhile the channel fills
//! and [`Auditor::record`] waits (back-pressure) — records are not dropped.
//! [`Auditor::record_blocking`] does the same from a thread outside the
//! runtime (the sync shards). [`Auditor::try_record`] never waits and
//! returns the record when it cannot be queued, after logging it; the
//! server does not use it, since a dropped record is a read or write
//! nobody can account for. [`AuditWriter::finish`] drains the channel on
//! shutdown; only if the database stays down past
//! [`AuditorSettings::shutdown_give_up`] are the remaining records written
//! to the log, in full, instead.
//!
//! Events that must commit with a write go through
//! [`crate::db::audit::append`] inside that write's transaction instead.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{error, warn};

use super::record::AuditRecord;
use crate::db::Db;

/// How the writer batches and retries.
#[derive(Debug, Clone)]
pub struct AuditorSettings {
    /// Records that can wait in the channel before `record` waits.
    pub capacity: usize,
    /// Most records in one transaction.
    pub batch_max: usize,
    /// How long to gather a batch after its first record.
    pub batch_wait: Duration,
    /// First retry delay after a database error (doubling).
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// On shutdown, how long to keep retrying before logging what is left.
    pub shutdown_give_up: Duration,
}

impl Default for AuditorSettings {
    fn default() -> Self {
        Self {
            capacity: 8192,
            batch_max: 256,
            batch_wait: Duration::from_millis(50),
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
            shutdown_give_up: Duration::from_secs(10),
        }
    }
}

/// Why a record was not queued.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The channel is full (only from [`Auditor::try_record`]).
    #[error("audit queue full")]
    Full(Box<AuditRecord>),
    /// The writer has stopped (shutdown).
    #[error("audit writer stopped")]
    Closed(Box<AuditRecord>),
    /// The writer stopped before confirming a flush.
    #[error("audit writer stopped before the flush")]
    Stopped,
}

enum Command {
    Record(AuditRecord),
    Flush(oneshot::Sender<()>),
    Close(oneshot::Sender<()>),
}

/// A handle to queue audit records; cheap to clone.
#[derive(Clone, Debug)]
pub struct Auditor {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Record(r) => f.debug_tuple("Record").field(r).finish(),
            Command::Flush(_) => f.write_str("Flush"),
            Command::Close(_) => f.write_str("Close"),
        }
    }
}

/// The writer task; [`AuditWriter::finish`] drains and stops it.
#[derive(Debug)]
pub struct AuditWriter {
    tx: mpsc::Sender<Command>,
    task: JoinHandle<()>,
    closing: Arc<OnceLock<Instant>>,
}

impl Auditor {
    /// Starts the writer on the current runtime.
    pub fn start(db: Db, settings: AuditorSettings) -> (Auditor, AuditWriter) {
        let (tx, rx) = mpsc::channel(settings.capacity.max(1));
        let closing = Arc::new(OnceLock::new());
        let task = tokio::spawn(write_loop(db, settings, rx, closing.clone()));
        let writer = AuditWriter {
            tx: tx.clone(),
            task,
            closing,
        };
        (Auditor { tx }, writer)
    }

    /// Queues `record`, waiting while the queue is full.
    pub async fn record(&self, record: AuditRecord) -> Result<(), AuditError> {
        self.tx
            .send(Command::Record(record))
            .await
            .map_err(|e| match e.0 {
                Command::Record(r) => {
                    error!(record = ?r, "audit record not written: the audit writer has stopped");
                    AuditError::Closed(Box::new(r))
                }
                _ => AuditError::Stopped,
            })
    }

    /// Queues `record` from a thread outside the runtime (a sync shard),
    /// blocking the thread while the queue is full: back-pressure, never a
    /// dropped record. Must not be called from an async task.
    pub fn record_blocking(&self, record: AuditRecord) -> Result<(), AuditError> {
        self.tx
            .blocking_send(Command::Record(record))
            .map_err(|e| match e.0 {
                Command::Record(r) => {
                    error!(record = ?r, "audit record not written: the audit writer has stopped");
                    AuditError::Closed(Box::new(r))
                }
                _ => AuditError::Stopped,
            })
    }

    /// Queues `record` without waiting. On failure the record is logged at
    /// `error` and handed back.
    pub fn try_record(&self, record: AuditRecord) -> Result<(), AuditError> {
        self.tx
            .try_send(Command::Record(record))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(Command::Record(r)) => {
                    error!(record = ?r, "audit record not queued: the audit queue is full");
                    AuditError::Full(Box::new(r))
                }
                mpsc::error::TrySendError::Closed(Command::Record(r)) => {
                    error!(record = ?r, "audit record not queued: the audit writer has stopped");
                    AuditError::Closed(Box::new(r))
                }
                _ => AuditError::Stopped,
            })
    }

    /// Waits until every record queued before this call is committed.
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Command::Flush(done))
            .await
            .map_err(|_| AuditError::Stopped)?;
        wait.await.map_err(|_| AuditError::Stopped)
    }
}

impl AuditWriter {
    /// Writes everything queued, stops the writer and waits for it. Records
    /// queued after this are refused with [`AuditError::Closed`].
    pub async fn finish(self) {
        // Tell a writer stuck retrying that the give-up clock runs now; it
        // must get through the queue to see the close.
        let _ = self.closing.set(Instant::now());
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
        drop(self.tx);
        if let Err(e) = self.task.await {
            error!(error = %e, "audit writer task failed");
        }
    }
}

async fn write_loop(
    db: Db,
    settings: AuditorSettings,
    mut rx: mpsc::Receiver<Command>,
    closing: Arc<OnceLock<Instant>>,
) {
    let batch_max = settings.batch_max.max(1);
    let mut batch: Vec<AuditRecord> = Vec::with_capacity(batch_max);
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let Some(first) = rx.recv().await else {
            return;
        };
        let mut close = None;
        let mut cut = take(first, &mut batch, &mut waiters, &mut close);
        let deadline = Instant::now() + settings.batch_wait;
        while !cut && batch.len() < batch_max {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(command)) => cut = take(command, &mut batch, &mut waiters, &mut close),
                Ok(None) | Err(_) => break,
            }
        }
        if let Some(done) = close {
            // Refuse new records, then write what was queued before or
            // raced in with the close.
            rx.close();
            while let Some(command) = rx.recv().await {
                let mut ignored = None;
                take(command, &mut batch, &mut waiters, &mut ignored);
                if let Some(late) = ignored {
                    waiters.push(late);
                }
            }
            for chunk in batch.chunks(batch_max) {
                write(&db, &settings, chunk, &closing).await;
            }
            for waiter in waiters.drain(..).chain(std::iter::once(done)) {
                let _ = waiter.send(());
            }
            return;
        }
        write(&db, &settings, &batch, &closing).await;
        batch.clear();
        for waiter in waiters.drain(..) {
            let _ = waiter.send(());
        }
    }
}

/// Adds `command` to the batch; true when the batch must be cut now.
fn take(
    command: Command,
    batch: &mut Vec<AuditRecord>,
    waiters: &mut Vec<oneshot::Sender<()>>,
    close: &mut Option<oneshot::Sender<()>>,
) -> bool {
    match command {
        Command::Record(record) => {
            batch.push(record);
            false
        }
        Command::Flush(done) => {
            waiters.push(done);
            true
        }
        Command::Close(done) => {
            *close = Some(done);
            true
        }
    }
}

/// Appends `batch`, retrying until it commits; once shutdown has begun,
/// only until `shutdown_give_up` after it began, then logs every record.
async fn write(
    db: &Db,
    settings: &AuditorSettings,
    batch: &[AuditRecord],
    closing: &OnceLock<Instant>,
) {
    if batch.is_empty() {
        return;
    }
    let given_up = || {
        closing
            .get()
            .is_some_and(|since| since.elapsed() >= settings.shutdown_give_up)
    };
    let mut delay = settings.retry_initial;
    let mut attempt = 0u32;
    loop {
        if given_up() {
            for record in batch {
                error!(record = ?record, "AUDIT RECORD LOST at shutdown: database unavailable");
            }
            return;
        }
        attempt += 1;
        match db.append_audit(batch).await {
            Ok(_) => {
                if attempt > 1 {
                    warn!(
                        records = batch.len(),
                        attempt, "audit records written after retrying"
                    );
                }
                return;
            }
            Err(e) => {
                error!(
                    error = %e,
                    records = batch.len(),
                    attempt,
                    "AUDIT RECORDS NOT YET WRITTEN; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(settings.retry_max);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::audit::{AuditAction, AuditOutcome};

    fn record() -> AuditRecord {
        AuditRecord::new(AuditAction::DocumentRead, AuditOutcome::Allowed).detail("test")
    }

    #[tokio::test]
    async fn a_full_queue_pushes_back_and_shutdown_gives_up_loudly() {
        // Nothing listens on port 1: every append fails.
        let db = Db::connect_lazy("postgres://nobody@127.0.0.1:1/none", 1).unwrap();
        let settings = AuditorSettings {
            capacity: 2,
            batch_max: 1,
            batch_wait: Duration::from_millis(1),
            retry_initial: Duration::from_millis(10),
            retry_max: Duration::from_millis(10),
            shutdown_give_up: Duration::ZERO,
        };
        let (auditor, writer) = Auditor::start(db, settings);
        let mut full = false;
        for _ in 0..50 {
            match auditor.try_record(record()) {
                Ok(()) => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(AuditError::Full(r)) => {
                    assert_eq!(*r, record().at(r.at_micros));
                    full = true;
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(full, "the queue never filled");
        assert!(
            tokio::time::timeout(Duration::from_millis(100), auditor.record(record()))
                .await
                .is_err(),
            "record() waits while the queue is full"
        );
        // A thread outside the runtime (a sync shard) waits too, and goes
        // on when the writer stops and hands the record back.
        let blocked = auditor.clone();
        let shard = std::thread::spawn(move || blocked.record_blocking(record()));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!shard.is_finished(), "record_blocking waits while full");
        tokio::time::timeout(Duration::from_secs(60), writer.finish())
            .await
            .unwrap();
        assert!(matches!(
            shard.join().unwrap(),
            Ok(()) | Err(AuditError::Closed(_))
        ));
        assert!(matches!(
            auditor.try_record(record()),
            Err(AuditError::Closed(_))
        ));
        assert!(matches!(
            auditor.record(record()).await,
            Err(AuditError::Closed(_))
        ));
        assert!(matches!(auditor.flush().await, Err(AuditError::Stopped)));
    }
}
