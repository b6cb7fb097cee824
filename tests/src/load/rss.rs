//! The server's memory, read from `/proc/PID/status`: resident set size now
//! (`VmRSS`) and its lifetime peak (`VmHWM`), for the server process and any
//! extra processes (e.g. Postgres backends) the caller names.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// One `kB` field of `/proc/PID/status`, in bytes; `None` if the process is
/// gone or the field is missing.
pub fn status_field(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_field(&text, field)
}

/// `field` (e.g. `VmHWM`) from the text of a `/proc/PID/status`, in bytes.
pub fn parse_status_field(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// Sum of `VmRSS` over `pids` (processes that are gone count 0).
pub fn rss_sum(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|p| status_field(*p, "VmRSS")).sum()
}

/// Memory of one watched process.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessMemory {
    /// The process id.
    pub pid: u32,
    /// `VmRSS` before the storm, bytes.
    pub rss_before: Option<u64>,
    /// `VmHWM` after the storm (peak since the process started), bytes.
    pub hwm_after: Option<u64>,
}

/// Samples the summed `VmRSS` of `pids` every `every` until `stop` changes
/// or `limit` passes; returns the largest sum seen.
pub async fn sample_peak(
    pids: Vec<u32>,
    every: Duration,
    limit: Instant,
    mut stop: watch::Receiver<bool>,
) -> u64 {
    let mut peak = rss_sum(&pids);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = ticks.tick() => peak = peak.max(rss_sum(&pids)),
            _ = stop.changed() => break,
            () = tokio::time::sleep_until(limit) => break,
        }
    }
    peak.max(rss_sum(&pids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kb_fields_as_bytes() {
        let status = "Name:\tnode\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   1000 kB\n";
        assert_eq!(parse_status_field(status, "VmHWM"), Some(123_456 * 1024));
        assert_eq!(parse_status_field(status, "VmRSS"), Some(1000 * 1024));
        assert_eq!(parse_status_field(status, "VmSwap"), None);
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(status_field(pid, "VmHWM").is_some_and(|b| b > 0));
        assert!(status_field(u32::MAX, "VmHWM").is_none());
    }
}
