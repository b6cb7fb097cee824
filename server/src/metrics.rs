//! Counters and gauges of the server, rendered in the Prometheus text format
//! at `/metrics` on the `--metrics-bind` listener
//! ([`crate::http::metrics_endpoint`]).

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The server's metrics. Cheap to update from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Open WebSocket connections.
    pub connections: AtomicI64,
    /// Frames received.
    pub frames_in: AtomicU64,
    /// Frames sent.
    pub frames_out: AtomicU64,
    /// Bytes received in frames.
    pub bytes_in: AtomicU64,
    /// Bytes sent in frames.
    pub bytes_out: AtomicU64,
    /// Frames refused (protocol errors, bad input).
    pub rejected: AtomicU64,
    /// Persist transactions committed.
    pub persists: AtomicU64,
    /// Persist transactions that failed.
    pub persist_failures: AtomicU64,
    /// Time spent in persist transactions, microseconds.
    pub persist_micros: AtomicU64,
    /// Documents loaded from the database.
    pub loads: AtomicU64,
    /// Storage probes run so that a `doc-unavailable` answered without a
    /// load (a denial, or a miss known from memory) waits as long as one
    /// answered after a load.
    pub unavailable_probes: AtomicU64,
    /// Documents held in memory.
    pub cached_documents: AtomicI64,
    /// Stored size of the documents held in memory, bytes.
    pub cached_bytes: AtomicI64,
    /// Compactions done.
    pub compactions: AtomicU64,
    /// Commits whose copy lacked another writer's changes, so the stored
    /// document was projected instead.
    pub stale_projections: AtomicU64,
    /// Bytes of received frames waiting for the sync driver, over all
    /// connections (each connection's share is bounded).
    pub inbound_queued_bytes: AtomicI64,
    /// The most `inbound_queued_bytes` has been since the start.
    pub inbound_queued_bytes_peak: AtomicI64,
    /// Upgrades refused because the user or device had too many
    /// connections open.
    pub connections_refused: AtomicU64,
    /// Passwords checked (Argon2id verifications run) for sign-ins.
    pub password_checks: AtomicU64,
    /// Sign-ins refused by the throttle, their password left unchecked.
    pub sign_ins_throttled: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 15] = [
            (
                "alongside_frames_received_total",
                "Frames received",
                &self.frames_in,
            ),
            (
                "alongside_frames_sent_total",
                "Frames sent",
                &self.frames_out,
            ),
            (
                "alongside_bytes_received_total",
                "Bytes received in frames",
                &self.bytes_in,
            ),
            (
                "alongside_bytes_sent_total",
                "Bytes sent in frames",
                &self.bytes_out,
            ),
            (
                "alongside_frames_rejected_total",
                "Frames refused",
                &self.rejected,
            ),
            (
                "alongside_persists_total",
                "Persist transactions committed",
                &self.persists,
            ),
            (
                "alongside_persist_failures_total",
                "Persist transactions failed",
                &self.persist_failures,
            ),
            (
                "alongside_persist_microseconds_total",
                "Time in persist transactions",
                &self.persist_micros,
            ),
            (
                "alongside_document_loads_total",
                "Documents loaded from the database",
                &self.loads,
            ),
            (
                "alongside_unavailable_probes_total",
                "Storage probes run before a doc-unavailable answered without a load",
                &self.unavailable_probes,
            ),
            (
                "alongside_compactions_total",
                "Document compactions",
                &self.compactions,
            ),
            (
                "alongside_stale_projections_total",
                "Commits projected from the stored document (another writer's changes were not merged yet)",
                &self.stale_projections,
            ),
            (
                "alongside_connections_refused_total",
                "WebSocket upgrades refused: the user or device had too many connections open",
                &self.connections_refused,
            ),
            (
                "alongside_password_checks_total",
                "Sign-in passwords checked",
                &self.password_checks,
            ),
            (
                "alongside_sign_ins_throttled_total",
                "Sign-ins refused by the throttle without a password check",
                &self.sign_ins_throttled,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let gauges: [(&str, &str, &AtomicI64); 5] = [
            (
                "alongside_connections",
                "Open WebSocket connections",
                &self.connections,
            ),
            (
                "alongside_cached_documents",
                "Documents held in memory",
                &self.cached_documents,
            ),
            (
                "alongside_cached_bytes",
                "What the documents held in memory count against the cache budget",
                &self.cached_bytes,
            ),
            (
                "alongside_inbound_queued_bytes",
                "Bytes of received frames waiting for the sync driver",
                &self.inbound_queued_bytes,
            ),
            (
                "alongside_inbound_queued_bytes_peak",
                "Most bytes of received frames that have waited for the sync driver at once",
                &self.inbound_queued_bytes_peak,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}
