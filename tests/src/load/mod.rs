//! The load generator behind the `alongside-load` binary: a shift-change
//! storm against any automerge-repo-compatible sync server.
//!
//! [`run`] plays N devices. Each first writes M participant records with K
//! notes each while offline ([`workload`]); then all of them reconnect at
//! once (at most `concurrency` at a time), each driving a sans-IO
//! [`Hub`](alongside_shared::sync::Hub) over its own WebSocket until the
//! server confirms every document ([`device`]). The [`Report`] gives wall
//! time, documents synced per second, per-device connect→converged
//! percentiles, payload bytes both ways and, given its pids, the server's
//! memory ([`rss`]).
//!
//! Only loopback targets are accepted, every wait is bounded by the run's
//! deadline, and the generator stops by itself.

pub mod device;
pub mod enroll;
pub mod report;
pub mod rss;
pub mod workload;

#[cfg(test)]
mod selftest;

use std::sync::Arc;
use std::time::Duration;

use alongside_shared::sync::Limits;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};

pub use device::{DeviceResult, Target, is_loopback_url};
pub use report::{Latency, Report, RunShape, ServerMemory};

/// Largest run accepted, in documents (devices × docs).
pub const MAX_DOCUMENTS: usize = 1_000_000;

/// An enrolled device's token and who it writes as.
#[derive(Clone, Debug)]
pub struct Credential {
    /// The device token.
    pub token: String,
    /// Its user and device.
    pub author: workload::Author,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where and how devices connect.
    pub target: Target,
    /// One device token and its identity per device (device `d` sends
    /// `credentials[d].token` and writes notes as its author), for servers
    /// that enrol devices; when empty every device sends `target.token`
    /// and writes as [`workload::Author::placeholder`]. See
    /// [`enroll::enroll_devices`].
    pub credentials: Vec<Credential>,
    /// Devices to play.
    pub devices: usize,
    /// Documents per device.
    pub docs: usize,
    /// Offline edits per document.
    pub edits: usize,
    /// Most devices connected at once (`None`: all).
    pub concurrency: Option<usize>,
    /// Deadline for the storm, from its start.
    pub timeout: Duration,
    /// Server processes whose memory to report.
    pub pids: Vec<u32>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The target is not on this machine.
    #[error("refusing {0}: only ws:// URLs on loopback (127.0.0.0/8, ::1, localhost)")]
    NotLoopback(String),
    /// Nonsensical sizes.
    #[error("bad shape: {0}")]
    Shape(String),
    /// Writing the offline documents failed.
    #[error("preparing documents: {0}")]
    Prepare(String),
}

/// Checks a configuration before anything runs.
pub fn check(config: &Config) -> Result<(), LoadError> {
    if !is_loopback_url(&config.target.url) {
        return Err(LoadError::NotLoopback(config.target.url.clone()));
    }
    if config.devices == 0 || config.docs == 0 {
        return Err(LoadError::Shape(
            "--devices and --docs must be at least 1".into(),
        ));
    }
    if config.devices.saturating_mul(config.docs) > MAX_DOCUMENTS {
        return Err(LoadError::Shape(format!(
            "at most {MAX_DOCUMENTS} documents in all"
        )));
    }
    if config.edits > 100_000 {
        return Err(LoadError::Shape("at most 100000 edits per document".into()));
    }
    if !config.credentials.is_empty() && config.credentials.len() != config.devices {
        return Err(LoadError::Shape(format!(
            "{} device tokens for {} devices",
            config.credentials.len(),
            config.devices
        )));
    }
    if config.concurrency == Some(0) {
        return Err(LoadError::Shape("--concurrency must be at least 1".into()));
    }
    Ok(())
}

/// Writes every device's offline documents and hands them to the device's
/// hub, spread over the machine's cores.
async fn prepare(config: &Config, run_id: &str) -> Result<Vec<device::Device>, LoadError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(config.devices);
    let mut set = JoinSet::new();
    for w in 0..workers {
        let (devices, docs, edits) = (config.devices, config.docs, config.edits);
        let authors: Vec<workload::Author> = config
            .credentials
            .iter()
            .map(|c| c.author.clone())
            .collect();
        let ephemeral = config.target.ephemeral;
        let run_id = run_id.to_string();
        let limits = Limits {
            handshake_timeout_ms: u64::try_from(config.timeout.as_millis()).unwrap_or(u64::MAX),
            ..Limits::default()
        };
        set.spawn_blocking(move || {
            (w..devices)
                .step_by(workers)
                .map(|d| {
                    let author = authors
                        .get(d)
                        .cloned()
                        .unwrap_or_else(|| workload::Author::placeholder(d));
                    let made = workload::device_documents(&author, d, docs, edits)
                        .map_err(|e| e.to_string())?;
                    let peer_id = format!("load-{run_id}-{d}");
                    let storage_id = (!ephemeral).then(|| format!("{peer_id}-storage"));
                    let device =
                        device::Device::offline(peer_id, storage_id, limits.clone(), made)?;
                    Ok((d, device))
                })
                .collect::<Result<Vec<_>, String>>()
        });
    }
    let mut out: Vec<Option<device::Device>> = (0..config.devices).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let made = joined
            .map_err(|e| LoadError::Prepare(e.to_string()))?
            .map_err(LoadError::Prepare)?;
        for (d, device) in made {
            out[d] = Some(device);
        }
    }
    out.into_iter()
        .map(|d| d.ok_or_else(|| LoadError::Prepare("a device was not prepared".into())))
        .collect()
}

/// Runs the storm and reports. Devices that fail are counted in the report,
/// not returned as errors.
pub async fn run(config: &Config) -> Result<Report, LoadError> {
    check(config)?;
    let concurrency = config
        .concurrency
        .unwrap_or(config.devices)
        .min(config.devices);

    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let prepare_start = Instant::now();
    let prepared = prepare(config, &run_id).await?;
    let prepare_time = prepare_start.elapsed();

    let rss_before: Vec<Option<u64>> = config
        .pids
        .iter()
        .map(|p| rss::status_field(*p, "VmRSS"))
        .collect();

    let start = Instant::now();
    let deadline = start + config.timeout;
    let (stop_sampler, stopped) = watch::channel(false);
    let sampler = (!config.pids.is_empty()).then(|| {
        tokio::spawn(rss::sample_peak(
            config.pids.clone(),
            Duration::from_millis(50),
            deadline + Duration::from_secs(5),
            stopped,
        ))
    });

    let permits = Arc::new(Semaphore::new(concurrency));
    let mut set = JoinSet::new();
    for (d, device) in prepared.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let mut target = config.target.clone();
        if let Some(credential) = config.credentials.get(d) {
            target.token = Some(credential.token.clone());
        }
        set.spawn(async move {
            let mut device = device;
            let n = device.document_count();
            match timeout_at(deadline, permits.acquire_owned()).await {
                Ok(Ok(_permit)) => device::run_device(&mut device, &target, start, deadline).await,
                _ => DeviceResult {
                    docs: n,
                    finished_at: start.elapsed(),
                    error: Some("timed out waiting for a connection slot".into()),
                    ..DeviceResult::default()
                },
            }
        });
    }
    let mut results = Vec::with_capacity(config.devices);
    while let Some(joined) = set.join_next().await {
        results.push(joined.unwrap_or_else(|e| DeviceResult {
            finished_at: start.elapsed(),
            error: Some(format!("device task failed: {e}")),
            ..DeviceResult::default()
        }));
    }

    let memory = match sampler {
        Some(sampler) => {
            let _ = stop_sampler.send(true);
            let peak = sampler.await.unwrap_or(0);
            let processes: Vec<rss::ProcessMemory> = config
                .pids
                .iter()
                .zip(rss_before)
                .map(|(pid, before)| rss::ProcessMemory {
                    pid: *pid,
                    rss_before: before,
                    hwm_after: rss::status_field(*pid, "VmHWM"),
                })
                .collect();
            Some(ServerMemory {
                rss_before: processes.iter().filter_map(|p| p.rss_before).sum(),
                rss_peak_sampled: peak,
                hwm_after: processes.iter().filter_map(|p| p.hwm_after).sum(),
                processes,
            })
        }
        None => None,
    };

    let shape = RunShape {
        url: config.target.url.clone(),
        devices: config.devices,
        docs: config.docs,
        edits: config.edits,
        concurrency,
        prepare: prepare_time,
    };
    Ok(Report::new(shape, &results, memory))
}
