//! Background sync over the FFI: [`AlongsideDevice::start_background_sync`]
//! runs [`crate::sync::BackgroundSync`] on the object's runtime — a sync at
//! once, then every `interval_secs` after a success, exponential backoff
//! with jitter after a failure (1 s doubling to 5 min), a stop for good
//! when retrying cannot help (revoked, token refused, bad configuration)
//! — and tells a [`SyncListener`] the app implements what happened.
//! [`AlongsideDevice::sync_soon`] asks for a sync now,
//! [`AlongsideDevice::stop_background_sync`] stops it.
//!
//! It shares the object's one sync client with `sync_now`, so a sync never
//! runs twice at once: `sync_now` during a background sync is
//! [`BridgeError::Busy`], and a background attempt during a `sync_now` is
//! reported to `on_failed` as `Busy` and retried shortly.
//!
//! # Threading
//!
//! The syncs run on the object's runtime thread; the listener is called on
//! one thread of its own (`alongside-sync-listener`, one per start), never
//! on the caller's or the UI thread, one call at a time and in order. A
//! listener may call back into the device (read its status, even stop
//! background sync); the app must hop to its UI thread itself (Kotlin
//! `withContext(Dispatchers.Main)`, Swift `DispatchQueue.main.async` or
//! `@MainActor`). A slow listener delays only later callbacks, never a
//! sync. A listener that throws loses that one callback, nothing else.
//! Once `on_stopped` has been called no further call comes from that
//! start.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::device::{AlongsideDevice, lock};
use super::error::BridgeError;
use super::records::SyncReport;
use crate::api::Device;
use crate::sync::{BackgroundSync, Backoff, Schedule, StopReason, SyncEvent, SyncStatus};

/// The longest interval accepted: a day.
const MAX_INTERVAL_SECS: u64 = 24 * 60 * 60;

/// What the app implements to follow background sync (a Kotlin interface,
/// a Swift protocol, a Python class). Calls arrive one at a time, in
/// order, on the bridge's own `alongside-sync-listener` thread, never on
/// the UI thread; a listener may call back into the device.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// A sync completed (the device's `last_sync_at` is already updated).
    fn on_synced(&self, report: SyncReport);
    /// A sync failed, for the `failures`th time in a row; the next attempt
    /// is in `retry_in_secs` (sooner after `sync_soon`). Nothing was lost.
    fn on_failed(&self, error: BridgeError, failures: u32, retry_in_secs: f64);
    /// Background sync stopped; nothing follows. Start it again after
    /// dealing with `reason` (sign in again, ...).
    fn on_stopped(&self, reason: SyncStopReason);
}

/// Why background sync stopped.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStopReason {
    /// `stop_background_sync` was called, background sync was started
    /// again, or enrolment or the trusted certificate changed.
    Requested,
    /// The device was revoked and its documents deleted: tell the user.
    Revoked,
    /// The server no longer accepts the device's token: sign in again.
    Unauthorized,
    /// Retrying cannot help (for example a bad configuration).
    Fatal {
        /// What is wrong.
        detail: String,
    },
}

impl From<StopReason> for SyncStopReason {
    fn from(r: StopReason) -> Self {
        match r {
            StopReason::Requested => Self::Requested,
            StopReason::Revoked => Self::Revoked,
            StopReason::Unauthorized => Self::Unauthorized,
            StopReason::Fatal(detail) => Self::Fatal { detail },
        }
    }
}

/// A started background sync and the thread calling its listener.
pub(super) struct Running {
    sync: BackgroundSync,
    listener: Option<JoinHandle<()>>,
}

#[uniffi::export]
impl AlongsideDevice {
    /// Starts background sync: a sync now, then every `interval_secs`
    /// (1 s to a day) after a success, backing off after failures; every
    /// outcome goes to `listener`. Starting again replaces the running one
    /// (its listener hears `on_stopped(Requested)`). Not enrolled is
    /// [`BridgeError::NotEnrolled`].
    pub fn start_background_sync(
        &self,
        interval_secs: u64,
        listener: Arc<dyn SyncListener>,
    ) -> Result<(), BridgeError> {
        if !(1..=MAX_INTERVAL_SECS).contains(&interval_secs) {
            return Err(BridgeError::invalid(
                "interval_secs",
                format!("must be between 1 and {MAX_INTERVAL_SECS}"),
            ));
        }
        self.stop_background()?;
        let client = self.client()?;
        let schedule = Schedule {
            interval: Duration::from_secs(interval_secs),
            backoff: Backoff::default(),
        };
        let (sync, events) = {
            let _inside = self.runtime.enter();
            BackgroundSync::start_with_events(client, schedule)
        };
        let device = self.device.clone();
        let thread = std::thread::Builder::new()
            .name("alongside-sync-listener".into())
            .spawn(move || deliver(events, &device, listener.as_ref()));
        let thread = match thread {
            Ok(thread) => thread,
            Err(e) => {
                self.runtime.block_on(sync.stop());
                return Err(BridgeError::Internal {
                    detail: format!("cannot start the listener thread: {e}"),
                });
            }
        };
        let displaced = lock(&self.background)?.replace(Running {
            sync,
            listener: Some(thread),
        });
        // Two starts at once: the one that lost is stopped like any other.
        if let Some(old) = displaced {
            self.finish(old);
        }
        Ok(())
    }

    /// Asks background sync for a sync now (after the current one, if one
    /// is running). Returns whether background sync is running to do it.
    pub fn sync_soon(&self) -> Result<bool, BridgeError> {
        let running = lock(&self.background)?;
        Ok(match running.as_ref() {
            Some(r) if !matches!(r.sync.status(), SyncStatus::Stopped(_)) => {
                r.sync.sync_soon();
                true
            }
            _ => false,
        })
    }

    /// Stops background sync, abandoning a sync in progress (safe: what it
    /// stored stays stored, and the next sync starts over), and returns
    /// once the listener has had `on_stopped` — unless called from the
    /// listener itself, whose `on_stopped` then follows the current call.
    /// Nothing happens if it is not running.
    pub fn stop_background_sync(&self) -> Result<(), BridgeError> {
        self.stop_background()
    }
}

impl AlongsideDevice {
    /// Stops background sync, if started.
    pub(super) fn stop_background(&self) -> Result<(), BridgeError> {
        let running = lock(&self.background)?.take();
        if let Some(running) = running {
            self.finish(running);
        }
        Ok(())
    }

    /// Stops `running` and waits for its listener's last call (not when
    /// called on the listener's own thread, which would wait for itself).
    fn finish(&self, mut running: Running) {
        self.runtime.block_on(running.sync.stop());
        if let Some(thread) = running.listener.take()
            && thread.thread().id() != std::thread::current().id()
        {
            // A listener that panicked has already lost its calls.
            let _ = thread.join();
        }
    }
}

/// The listener thread: calls `listener` for each event until the stop
/// (or until the runtime goes, dropping the sender).
fn deliver(
    mut events: UnboundedReceiver<SyncEvent>,
    device: &Mutex<Device>,
    listener: &dyn SyncListener,
) {
    while let Some(event) = events.blocking_recv() {
        let last = matches!(event, SyncEvent::Stopped(_));
        let call = || match event {
            SyncEvent::Synced(report) => {
                record_sync(device);
                listener.on_synced((*report).into());
            }
            SyncEvent::Failed {
                error,
                failures,
                retry_in,
            } => listener.on_failed(error.into(), failures, retry_in.as_secs_f64()),
            SyncEvent::Stopped(reason) => listener.on_stopped(reason.into()),
        };
        // A foreign exception surfaces as a panic in the generated code:
        // that call is lost, later ones still come.
        let _ = catch_unwind(AssertUnwindSafe(call));
        if last {
            break;
        }
    }
}

/// Records that a sync completed now, as `sync_now` does. A failure to
/// store the time is left for the next sync to retry: the sync itself
/// stored everything it received.
fn record_sync(device: &Mutex<Device>) {
    if let Ok(mut device) = device.lock() {
        let now = device.clock().now_ms();
        let _ = device.store_mut().set_last_sync_at(now);
    }
}
