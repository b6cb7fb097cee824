//! Background sync: a task that runs [`SyncClient::sync_now`] on a schedule
//! and on demand, backs off exponentially (with jitter, capped) after
//! failures, stops for good when retrying cannot help (revoked, refused
//! token, bad configuration), and stops cleanly when asked — even in the
//! middle of a sync, which is safe because everything a sync stores is
//! stored durably as it arrives and the next sync starts over.
//!
//! Two ways to follow it: [`BackgroundSync::status`] / `subscribe` (a watch
//! channel: the latest status only, for a screen), or the receiver of
//! [`BackgroundSync::start_with_events`] (every outcome, in order, for a
//! listener that must not miss a report; the FFI's listener uses it).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
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

/// One outcome of background sync, sent in order to the receiver of
/// [`BackgroundSync::start_with_events`].
#[derive(Debug)]
pub enum SyncEvent {
    /// A sync completed.
    Synced(Box<SyncReport>),
    /// A sync failed; the next attempt is in `retry_in`.
    Failed {
        /// Why.
        error: SyncError,
        /// Failures in a row.
        failures: u32,
        /// Delay before the next attempt.
        retry_in: Duration,
    },
    /// Background sync stopped; no event follows.
    Stopped(StopReason),
}

/// Where the task tells what happened: the status watch and, when asked
/// for, the event channel (a closed receiver is ignored).
struct Reporter {
    status: watch::Sender<SyncStatus>,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
}

impl Reporter {
    fn status(&self, status: SyncStatus) {
        self.status.send_replace(status);
    }

    fn event(&self, event: SyncEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }
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
        Self::spawn(client, schedule, None)
    }

    /// [`start`](Self::start), also sending every outcome, in order, to
    /// the returned receiver (it ends after [`SyncEvent::Stopped`], or
    /// without it if the task is dropped with its runtime).
    pub fn start_with_events<S: DeviceStore + 'static>(
        client: Arc<SyncClient<S>>,
        schedule: Schedule,
    ) -> (Self, mpsc::UnboundedReceiver<SyncEvent>) {
        let (events, receiver) = mpsc::unbounded_channel();
        (Self::spawn(client, schedule, Some(events)), receiver)
    }

    fn spawn<S: DeviceStore + 'static>(
        client: Arc<SyncClient<S>>,
        schedule: Schedule,
        events: Option<mpsc::UnboundedSender<SyncEvent>>,
    ) -> Self {
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let (status_tx, status) = watch::channel(SyncStatus::Idle);
        let reporter = Reporter {
            status: status_tx,
            events,
        };
        let task = tokio::spawn(run(client, schedule, wake.clone(), stopped, reporter));
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
    report: Reporter,
) {
    let mut failures = 0u32;
    loop {
        report.status(SyncStatus::Syncing);
        let result = tokio::select! {
            result = client.sync_now() => result,
            _ = stopped.changed() => break,
        };
        let wait = match result {
            Ok(done) => {
                failures = 0;
                report.status(SyncStatus::Synced(Box::new(done.clone())));
                report.event(SyncEvent::Synced(Box::new(done)));
                schedule.interval
            }
            Err(error) => match stop_reason(&error) {
                Some(reason) => {
                    report.status(SyncStatus::Stopped(reason.clone()));
                    report.event(SyncEvent::Stopped(reason));
                    return;
                }
                None => {
                    failures = failures.saturating_add(1);
                    let retry_in = schedule.backoff.delay(failures, rand::random::<f64>());
                    report.status(SyncStatus::Failed {
                        error: error.to_string(),
                        failures,
                        retry_in,
                    });
                    report.event(SyncEvent::Failed {
                        error,
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
    report.status(SyncStatus::Stopped(StopReason::Requested));
    report.event(SyncEvent::Stopped(StopReason::Requested));
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
