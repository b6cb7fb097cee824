//! Background sync: a task that runs [`SyncClient::sync_now`] on a schedule
//! and on demand, backs off exponentially (with jitter, capped) after
//! failures, stops for good when retrying cannot help (revoked, refused
//! token, bad configuration), and stops cleanly when asked — even in the
//! middle of a sync, which is safe because everything a sync stores is
//! stored durably as it arrives and the next sync starts over.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::client::SyncClient;
use super::error::SyncError;
use super::report::SyncReport;
use crate::storage::DeviceStore;

/// When background sync runs.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Time between syncs after a success.
    pub interval: Duration,
    /// Delays after failures.
    pub backoff: Backoff,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(300),
            backoff: Backoff::default(),
        }
    }
}

/// Why background sync stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// [`BackgroundSync::stop`] was called.
    Requested,
    /// The device was revoked and its documents deleted; tell the user.
    Revoked,
    /// The server refused the token; the user must sign in again.
    Unauthorized,
    /// Retrying cannot help (for example a bad configuration).
    Fatal(String),
}

/// What background sync is doing, for the app to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStatus {
    /// Not synced yet.
    Idle,
    /// A sync is running.
    Syncing,
    /// The last sync completed.
    Synced(Box<SyncReport>),
    /// The last sync failed; it is retried after `retry_in`.
    Failed {
        /// Why.
        error: String,
        /// Failures in a row.
        failures: u32,
        /// Delay before the next attempt.
        retry_in: Duration,
    },
    /// Background sync has stopped.
    Stopped(StopReason),
}

/// A running background sync. Dropping it without [`BackgroundSync::stop`]
/// stops the task at its next await.
pub struct BackgroundSync {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    status: watch::Receiver<SyncStatus>,
    task: Option<JoinHandle<()>>,
}

impl BackgroundSync {
    /// Starts syncing at once and then on `schedule`. Must be called within
    /// a tokio runtime.
    pub fn start<S: DeviceStore + 'static>(client: Arc<SyncClient<S>>, schedule: Schedule) -> Self {
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let (status_tx, status) = watch::channel(SyncStatus::Idle);
        let task = tokio::spawn(run(client, schedule, wake.clone(), stopped, status_tx));
        Self {
            wake,
            stop,
            status,
            task: Some(task),
        }
    }

    /// Asks for a sync now (after the current one, if one is running).
    pub fn sync_soon(&self) {
        self.wake.notify_one();
    }

    /// The current status.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Stops the task (abandoning a sync in progress) and waits for it.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for BackgroundSync {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn run<S: DeviceStore + 'static>(
    client: Arc<SyncClient<S>>,
    schedule: Schedule,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
    status: watch::Sender<SyncStatus>,
) {
    let mut failures = 0u32;
    loop {
        status.send_replace(SyncStatus::Syncing);
        let result = tokio::select! {
            result = client.sync_now() => result,
            _ = stopped.changed() => break,
        };
        let wait = match result {
            Ok(report) => {
                failures = 0;
                status.send_replace(SyncStatus::Synced(Box::new(report)));
                schedule.interval
            }
            Err(error) => match stop_reason(&error) {
                Some(reason) => {
                    status.send_replace(SyncStatus::Stopped(reason));
                    return;
                }
                None => {
                    failures = failures.saturating_add(1);
                    let retry_in = schedule.backoff.delay(failures, rand::random::<f64>());
                    status.send_replace(SyncStatus::Failed {
                        error: error.to_string(),
                        failures,
                        retry_in,
                    });
                    retry_in
                }
            },
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
            _ = stopped.changed() => break,
        }
    }
    status.send_replace(SyncStatus::Stopped(StopReason::Requested));
}

/// Errors after which retrying cannot help.
fn stop_reason(error: &SyncError) -> Option<StopReason> {
    match error {
        SyncError::Revoked { .. } => Some(StopReason::Revoked),
        SyncError::Unauthorized => Some(StopReason::Unauthorized),
        e if !e.is_retryable() => Some(StopReason::Fatal(e.to_string())),
        _ => None,
    }
}
