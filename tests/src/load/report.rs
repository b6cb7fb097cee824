//! The load generator's findings: figures summed over devices, latency
//! percentiles, the server's memory, and the two ways to print them (a short
//! text for people, JSON for scripts).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::Serialize;

use super::device::DeviceResult;
use super::rss::ProcessMemory;

/// Latency over devices, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Devices measured.
    pub count: usize,
    /// Median (nearest rank).
    pub p50_ms: f64,
    /// 99th percentile (nearest rank).
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

impl Latency {
    /// Percentiles of `samples` (nearest-rank); all zero when empty.
    pub fn of(samples: &[Duration]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p of samples at or below it.
            let n = ms.len();
            let idx = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            ms[idx]
        };
        Self {
            count: ms.len(),
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
            max_ms: ms[ms.len() - 1],
            mean_ms: ms.iter().sum::<f64>() / ms.len() as f64,
        }
    }
}

/// The server's memory during the run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServerMemory {
    /// Each watched process.
    pub processes: Vec<ProcessMemory>,
    /// Summed `VmRSS` before the storm, bytes.
    pub rss_before: u64,
    /// Largest summed `VmRSS` sampled during the storm (every 50 ms), bytes.
    pub rss_peak_sampled: u64,
    /// Summed `VmHWM` after the storm (each process's peak since it
    /// started), bytes. An upper bound of the peak of the sum.
    pub hwm_after: u64,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The server.
    pub url: String,
    /// Devices played.
    pub devices: usize,
    /// Documents per device.
    pub docs_per_device: usize,
    /// Offline edits (notes, one change each) per document.
    pub edits_per_doc: usize,
    /// Most devices connected at once.
    pub concurrency: usize,
    /// Seconds spent writing the offline documents (before the storm).
    pub prepare_secs: f64,
    /// Seconds from the storm's start until the last device finished.
    pub wall_secs: f64,
    /// Documents across all devices.
    pub docs_total: usize,
    /// Documents the server confirmed.
    pub docs_synced: usize,
    /// Documents confirmed per second of wall time.
    pub syncs_per_sec: f64,
    /// Devices whose every document was confirmed.
    pub devices_converged: usize,
    /// Devices that timed out or failed.
    pub devices_failed: usize,
    /// Connect → every document confirmed, per converged device.
    pub converge: Latency,
    /// Connect → handshake complete, per device that got that far.
    pub handshake: Latency,
    /// WebSocket payload bytes, devices → server.
    pub bytes_sent: u64,
    /// WebSocket payload bytes, server → devices.
    pub bytes_received: u64,
    /// Binary frames, devices → server.
    pub frames_sent: u64,
    /// Binary frames, server → devices.
    pub frames_received: u64,
    /// The server's memory, when pids were given.
    pub server_memory: Option<ServerMemory>,
    /// Distinct failure reasons with how many devices gave each.
    pub errors: BTreeMap<String, usize>,
}

/// The run's parameters, for [`Report::new`].
#[derive(Clone, Debug)]
pub struct RunShape {
    /// The server.
    pub url: String,
    /// Devices.
    pub devices: usize,
    /// Documents per device.
    pub docs: usize,
    /// Edits per document.
    pub edits: usize,
    /// Most devices at once.
    pub concurrency: usize,
    /// Time spent preparing.
    pub prepare: Duration,
}

impl Report {
    /// Sums device results into a report.
    pub fn new(shape: RunShape, results: &[DeviceResult], memory: Option<ServerMemory>) -> Self {
        let wall = results
            .iter()
            .map(|r| r.finished_at)
            .max()
            .unwrap_or_default();
        let docs_synced: usize = results.iter().map(|r| r.converged_docs).sum();
        let converged: Vec<Duration> = results.iter().filter_map(|r| r.converged).collect();
        let handshakes: Vec<Duration> = results.iter().filter_map(|r| r.handshake).collect();
        let mut errors = BTreeMap::new();
        for e in results.iter().filter_map(|r| r.error.as_ref()) {
            *errors.entry(e.clone()).or_insert(0) += 1;
        }
        let wall_secs = wall.as_secs_f64();
        Self {
            url: shape.url,
            devices: shape.devices,
            docs_per_device: shape.docs,
            edits_per_doc: shape.edits,
            concurrency: shape.concurrency,
            prepare_secs: shape.prepare.as_secs_f64(),
            wall_secs,
            docs_total: results.iter().map(|r| r.docs).sum(),
            docs_synced,
            syncs_per_sec: if wall_secs > 0.0 {
                docs_synced as f64 / wall_secs
            } else {
                0.0
            },
            devices_converged: converged.len(),
            devices_failed: results.len() - converged.len(),
            converge: Latency::of(&converged),
            handshake: Latency::of(&handshakes),
            bytes_sent: results.iter().map(|r| r.bytes_sent).sum(),
            bytes_received: results.iter().map(|r| r.bytes_received).sum(),
            frames_sent: results.iter().map(|r| r.frames_sent).sum(),
            frames_received: results.iter().map(|r| r.frames_received).sum(),
            server_memory: memory,
            errors,
        }
    }

    /// Whether every device converged.
    pub fn all_converged(&self) -> bool {
        self.devices_failed == 0
    }
}

/// Bytes in the largest unit that keeps the number at or above 1.
fn human(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} B")
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "alongside-load: {} devices x {} docs x {} edits against {} (concurrency {})",
            self.devices, self.docs_per_device, self.edits_per_doc, self.url, self.concurrency
        );
        let _ = writeln!(out, "  prepare (offline edits): {:.2} s", self.prepare_secs);
        let _ = writeln!(out, "  wall time:               {:.2} s", self.wall_secs);
        let _ = writeln!(
            out,
            "  documents synced:        {} / {}  ({:.1} syncs/s)",
            self.docs_synced, self.docs_total, self.syncs_per_sec
        );
        let _ = writeln!(
            out,
            "  devices converged:       {} / {}",
            self.devices_converged,
            self.devices_converged + self.devices_failed
        );
        let _ = writeln!(
            out,
            "  connect -> converged:    p50 {:.0} ms  p99 {:.0} ms  max {:.0} ms  mean {:.0} ms",
            self.converge.p50_ms, self.converge.p99_ms, self.converge.max_ms, self.converge.mean_ms
        );
        let _ = writeln!(
            out,
            "  connect -> handshake:    p50 {:.0} ms  p99 {:.0} ms",
            self.handshake.p50_ms, self.handshake.p99_ms
        );
        let _ = writeln!(
            out,
            "  wire (payload):          sent {} in {} frames, received {} in {} frames",
            human(self.bytes_sent),
            self.frames_sent,
            human(self.bytes_received),
            self.frames_received
        );
        if self.docs_total > 0 {
            let per_doc = |b: u64| human(b / self.docs_total as u64);
            let _ = writeln!(
                out,
                "  wire per document:       sent {}, received {}",
                per_doc(self.bytes_sent),
                per_doc(self.bytes_received)
            );
        }
        if let Some(m) = &self.server_memory {
            let pids: Vec<String> = m.processes.iter().map(|p| p.pid.to_string()).collect();
            let _ = writeln!(
                out,
                "  server RSS (pids {}):  before {}, sampled peak {}, VmHWM {}",
                pids.join(","),
                human(m.rss_before),
                human(m.rss_peak_sampled),
                human(m.hwm_after)
            );
        }
        for (error, count) in &self.errors {
            let _ = writeln!(out, "  failed ({count} devices): {error}");
        }
        f.write_str(out.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&samples);
        assert_eq!(l.count, 100);
        assert!((l.p50_ms - 50.0).abs() < 1e-9);
        assert!((l.p99_ms - 99.0).abs() < 1e-9);
        assert!((l.max_ms - 100.0).abs() < 1e-9);
        assert!((l.mean_ms - 50.5).abs() < 1e-9);
        let one = Latency::of(&[Duration::from_millis(7)]);
        assert!((one.p50_ms - 7.0).abs() < 1e-9 && (one.p99_ms - 7.0).abs() < 1e-9);
        assert_eq!(Latency::of(&[]), Latency::default());
    }

    #[test]
    fn sums_devices_and_counts_failures() {
        let ok = DeviceResult {
            docs: 2,
            converged_docs: 2,
            converged: Some(Duration::from_millis(100)),
            handshake: Some(Duration::from_millis(5)),
            finished_at: Duration::from_secs(2),
            bytes_sent: 10,
            bytes_received: 20,
            frames_sent: 1,
            frames_received: 2,
            error: None,
        };
        let failed = DeviceResult {
            converged_docs: 1,
            converged: None,
            finished_at: Duration::from_secs(4),
            error: Some("timed out".into()),
            ..ok.clone()
        };
        let shape = RunShape {
            url: "ws://127.0.0.1:1/".into(),
            devices: 2,
            docs: 2,
            edits: 1,
            concurrency: 2,
            prepare: Duration::ZERO,
        };
        let r = Report::new(shape, &[ok, failed], None);
        assert_eq!((r.docs_total, r.docs_synced), (4, 3));
        assert!((r.wall_secs - 4.0).abs() < 1e-9);
        assert!((r.syncs_per_sec - 0.75).abs() < 1e-9);
        assert_eq!((r.devices_converged, r.devices_failed), (1, 1));
        assert_eq!(r.errors.get("timed out"), Some(&1));
        assert_eq!((r.bytes_sent, r.frames_received), (20, 4));
        assert!(!r.all_converged());
    }
}
