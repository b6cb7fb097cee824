//! `alongside-load`: a shift-change storm against an automerge-repo sync
//! server. N devices each write M participant records with K notes offline,
//! then all reconnect at once; the report gives wall time, documents synced
//! per second, connect→converged percentiles per device, payload bytes both
//! ways and the server's memory. See [`alongside_tests::load`].
//!
//! ```text
//! alongside-load --url ws://127.0.0.1:3030/sync --devices 200 --docs 20 --edits 10 \
//!     --server-pid 1234 --json
//! ```
//!
//! Against an Alongside server, which needs a device token per connection,
//! give the server's database with `--database-url`: one peer user with one
//! enrolled device is created there per simulated device before the storm.
//!
//! Exits 0 when every device converged, 1 when some did not (the report is
//! printed either way), 2 on bad arguments.

use std::process::ExitCode;
use std::time::Duration;

use alongside_tests::load::{self, Config, Target};
use clap::Parser;

/// Shift-change storm: many devices with offline edits reconnect at once.
#[derive(Debug, Parser)]
#[command(name = "alongside-load", version)]
struct Args {
    /// The server's WebSocket URL (loopback only), e.g. ws://127.0.0.1:3030/sync.
    #[arg(long)]
    url: String,
    /// Devices to play.
    #[arg(long, default_value_t = 20)]
    devices: usize,
    /// Participant records each device wrote offline.
    #[arg(long, default_value_t = 5)]
    docs: usize,
    /// Offline edits (progress notes of ~200 bytes, one change each) per record.
    #[arg(long, default_value_t = 5)]
    edits: usize,
    /// Most devices connected at once (default: all).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Give up on devices not converged this long after the storm starts.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Device token, sent as `Authorization: Bearer <token>` by every device.
    #[arg(long, conflicts_with = "database_url")]
    token: Option<String>,
    /// The Alongside server's database: enrol one peer user and device per
    /// simulated device there first, each device sending its own token.
    #[arg(long)]
    database_url: Option<String>,
    /// The server's pid: report its resident memory (VmRSS, VmHWM).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Another process to add to the server's memory (e.g. Postgres); repeatable.
    #[arg(long)]
    extra_pid: Vec<u32>,
    /// Announce devices as ephemeral peers (no storage id), so the server
    /// keeps no sync state for them.
    #[arg(long)]
    ephemeral: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = Config {
        target: Target {
            url: args.url,
            token: args.token,
            ephemeral: args.ephemeral,
        },
        credentials: Vec::new(),
        devices: args.devices,
        docs: args.docs,
        edits: args.edits,
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout_secs),
        pids: args.server_pid.into_iter().chain(args.extra_pid).collect(),
    };
    if let Err(e) = load::check(&config) {
        eprintln!("alongside-load: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("alongside-load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(db_url) = &args.database_url {
        match runtime.block_on(load::enroll::enroll_devices(db_url, config.devices)) {
            Ok(credentials) => config.credentials = credentials,
            Err(e) => {
                eprintln!("alongside-load: enrolling devices: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let report = match runtime.block_on(load::run(&config)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("alongside-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("alongside-load: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!("{report}");
    }
    // Devices still closing their sockets are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(2));
    if report.all_converged() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
