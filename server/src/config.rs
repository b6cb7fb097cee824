//! Command-line flags and their `ALONGSIDE_*` environment equivalents.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::admin::command::AdminCommand;

/// The Alongside sync server.
#[derive(Debug, Parser)]
#[command(name = "alongside-server", version, about)]
pub struct Cli {
    /// Log as JSON lines.
    #[arg(long, env = "ALONGSIDE_LOG_JSON", global = true)]
    pub log_json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve sync, health, the JSON API and the supervisor console (and
    /// metrics on `--metrics-bind`).
    Serve(ServeArgs),
    /// Like `serve`, after seeding a demo team (once); prints the console's
    /// URL and the supervisor's credentials.
    Demo(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Administer accounts, assignments and the audit trail (scriptable;
    /// works while `serve` runs).
    Admin(AdminArgs),
    /// Maintain the projection (relational rows derived from documents).
    Projection {
        /// What to do with it.
        #[command(subcommand)]
        action: ProjectionAction,
    },
    /// Write a self-signed certificate and key (PEM) for development.
    DevCert(DevCertArgs),
}

/// `projection` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProjectionAction {
    /// Recompute every document's rows from the stored documents.
    Rebuild(DatabaseArgs),
}

/// `admin` flags and subcommand.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Database (the same as `serve`'s; these flags may follow the
    /// subcommand).
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// Where the database is. The flags are global, so they may be given after
/// a nested subcommand (`admin user add … --database-url …`).
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Postgres URL. Without one, a private cluster is run under
    /// `<data-dir>/postgres` from the system's PostgreSQL binaries (or the
    /// one a running server started there is used).
    #[arg(long, env = "ALONGSIDE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Folder for the server's own files (the private cluster).
    #[arg(
        long,
        env = "ALONGSIDE_DATA_DIR",
        default_value = "./.alongside",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Most database connections.
    #[arg(
        long,
        env = "ALONGSIDE_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,
}

/// Sign-in throttling and device tokens handed out by the API (`serve`
/// flags).
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Failed sign-ins of one account, within the window, that lock it.
    #[arg(
        long,
        env = "ALONGSIDE_LOGIN_MAX_FAILURES",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub login_max_failures: u32,
    /// Failed sign-ins from one client address, within the window, that lock
    /// the address.
    #[arg(
        long,
        env = "ALONGSIDE_LOGIN_ADDRESS_MAX_FAILURES",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub login_address_max_failures: u32,
    /// The window failures are counted in, seconds.
    #[arg(long, env = "ALONGSIDE_LOGIN_WINDOW_SECS", default_value_t = 15 * 60)]
    pub login_window_secs: u64,
    /// How long a lock lasts, seconds (`admin unlock` ends it sooner).
    #[arg(long, env = "ALONGSIDE_LOGIN_LOCKOUT_SECS", default_value_t = 15 * 60)]
    pub login_lockout_secs: u64,
    /// Days a device token issued or rotated through the API lives.
    #[arg(long, env = "ALONGSIDE_DEVICE_TOKEN_DAYS", default_value_t = 90)]
    pub device_token_days: i64,
    /// Minutes without input after which the field app locks (automatic
    /// logoff), from 1 to 60; told to devices when they enrol and by `GET
    /// /api/v1/me`.
    #[arg(
        long,
        env = "ALONGSIDE_DEVICE_IDLE_LOCK_MINS",
        default_value_t = crate::http::api::DEFAULT_IDLE_LOCK_MINUTES,
        value_parser = idle_lock_minutes
    )]
    pub device_idle_lock_mins: u32,
    /// A reverse proxy (address or network, e.g. 10.0.0.0/8; repeatable,
    /// comma-separated in the environment) whose `X-Forwarded-For` names
    /// the client, for sign-in throttling and the audit trail.
    #[arg(
        long = "trusted-proxy",
        env = "ALONGSIDE_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<crate::http::client_addr::Cidr>,
}

/// `serve` flags.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. Without TLS, only a loopback address unless
    /// `--insecure-http`.
    #[arg(long, env = "ALONGSIDE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// PEM certificate chain (leaf first): serve HTTPS and WSS. Needs
    /// `--tls-key`.
    #[arg(long, env = "ALONGSIDE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate. Needs `--tls-cert`.
    #[arg(long, env = "ALONGSIDE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Drop a TLS handshake that takes longer than this many seconds.
    #[arg(
        long,
        env = "ALONGSIDE_TLS_HANDSHAKE_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub tls_handshake_timeout_secs: u64,
    /// Serve `/metrics` (Prometheus, no authentication, plain HTTP) on
    /// this address, apart from `--bind`; without it metrics are not
    /// served. Keep it on loopback (e.g. 127.0.0.1:9464) or a private
    /// network.
    #[arg(long, env = "ALONGSIDE_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Serve plain HTTP on a non-loopback address: only behind a proxy
    /// that terminates TLS.
    #[arg(long, env = "ALONGSIDE_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Sign-in throttling and API device tokens.
    #[command(flatten)]
    pub login: LoginArgs,
    /// Largest protocol frame accepted, bytes.
    #[arg(long, env = "ALONGSIDE_MAX_FRAME_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Most bytes the changes of one sync message or purge may inflate to
    /// (automerge's deflated chunks and columns), checked before automerge
    /// decodes them.
    #[arg(long, env = "ALONGSIDE_MAX_INFLATED_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_inflated_bytes: u64,
    /// Most rows (operations, changes) the changes of one sync message or
    /// purge may describe, checked before automerge decodes them.
    #[arg(long, env = "ALONGSIDE_MAX_DECODED_ROWS", default_value_t = 4 * 1024 * 1024)]
    pub max_decoded_rows: u64,
    /// Most bytes of refused writes and purge hand-overs kept in quarantine
    /// per device; past it they are refused and not kept.
    #[arg(long, env = "ALONGSIDE_QUARANTINE_QUOTA_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub quarantine_quota_bytes: u64,
    /// Most bytes of one connection's received frames waiting for the sync
    /// driver; past it the socket is not read until the driver catches up.
    #[arg(long, env = "ALONGSIDE_MAX_INFLIGHT_BYTES_PER_CONNECTION", default_value_t = 32 * 1024 * 1024)]
    pub max_inflight_bytes_per_connection: usize,
    /// Most `/sync` connections one user may have open on a node.
    #[arg(long, env = "ALONGSIDE_MAX_CONNECTIONS_PER_USER", default_value_t = 16)]
    pub max_connections_per_user: usize,
    /// Most `/sync` connections one device may have open on a node.
    #[arg(
        long,
        env = "ALONGSIDE_MAX_CONNECTIONS_PER_DEVICE",
        default_value_t = 4
    )]
    pub max_connections_per_device: usize,
    /// Most frames of one user's connections being handled at once on a
    /// node; a user's further frames wait, unread, for one of them. Bounds
    /// how many of the node's sync shards one user's work can occupy.
    #[arg(long, env = "ALONGSIDE_MAX_FRAMES_IN_FLIGHT_PER_USER", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_frames_in_flight_per_user: u32,
    /// Sync shards per node: documents are split between this many sync
    /// drivers, each on a thread of its own, so that heavy work on one
    /// document does not hold up the others.
    #[arg(long, env = "ALONGSIDE_SYNC_SHARDS", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub sync_shards: u16,
    /// A write that leaves a document with more operations than this is
    /// refused (and quarantined).
    #[arg(long, env = "ALONGSIDE_MAX_DOCUMENT_OPS", default_value_t = 8 * 1024 * 1024)]
    pub max_document_ops: u64,
    /// Memory budget for cached documents, bytes.
    #[arg(long, env = "ALONGSIDE_CACHE_BUDGET_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub cache_budget_bytes: usize,
    /// Evict a cached document idle for this many seconds.
    #[arg(long, env = "ALONGSIDE_IDLE_EVICT_SECS", default_value_t = 60)]
    pub idle_evict_secs: u64,
    /// Check for covers past their end (`admin cover --until`) this often,
    /// in seconds.
    #[arg(long, env = "ALONGSIDE_COVER_CHECK_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub cover_check_secs: u64,
    /// Fold a document's chunks into its snapshot after this many.
    #[arg(long, env = "ALONGSIDE_COMPACT_AFTER_CHUNKS", default_value_t = 64)]
    pub compact_after_chunks: i64,
    /// Sign a console session out after this many minutes without a
    /// request (fractions allowed, e.g. 0.5).
    #[arg(
        long,
        env = "ALONGSIDE_CONSOLE_IDLE_MINS",
        default_value_t = 15.0,
        value_parser = positive_minutes
    )]
    pub console_idle_mins: f64,
}

/// A positive, finite number of minutes, at most a day.
fn positive_minutes(text: &str) -> Result<f64, String> {
    let minutes: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of minutes"))?;
    if minutes.is_finite() && minutes > 0.0 && minutes <= 24.0 * 60.0 {
        Ok(minutes)
    } else {
        Err("the idle timeout must be more than 0 and at most 1440 minutes".into())
    }
}

/// Whole minutes within [`crate::http::api::IDLE_LOCK_MINUTES`].
fn idle_lock_minutes(text: &str) -> Result<u32, String> {
    let range = crate::http::api::IDLE_LOCK_MINUTES;
    match text.trim().parse::<u32>() {
        Ok(minutes) if range.contains(&minutes) => Ok(minutes),
        _ => Err(format!(
            "the idle lock is a whole number of minutes from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// `dev-cert` flags.
#[derive(Debug, Clone, Args)]
pub struct DevCertArgs {
    /// Folder to write `cert.pem` and `key.pem` into.
    #[arg(long, default_value = "./.alongside/tls")]
    pub out: PathBuf,
    /// Host names or IP addresses the certificate is for (repeatable;
    /// default localhost, 127.0.0.1 and ::1).
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idle_lock(extra: &[&str]) -> Result<u32, clap::Error> {
        let args = [&["alongside-server", "serve"], extra].concat();
        match Cli::try_parse_from(args)?.command {
            Command::Serve(serve) => Ok(serve.login.device_idle_lock_mins),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn the_idle_lock_defaults_to_15_minutes_and_stays_within_an_hour() {
        assert_eq!(idle_lock(&[]).ok(), Some(15));
        assert_eq!(idle_lock(&["--device-idle-lock-mins", "1"]).ok(), Some(1));
        assert_eq!(idle_lock(&["--device-idle-lock-mins", "60"]).ok(), Some(60));
        for bad in ["0", "61", "-5", "2.5", "ten", ""] {
            let flag = format!("--device-idle-lock-mins={bad}");
            let refused = idle_lock(&[&flag]);
            let Err(error) = refused else {
                panic!("{bad:?} was accepted: {refused:?}");
            };
            assert!(
                error.to_string().contains("from 1 to 60"),
                "{bad:?}: {error}"
            );
        }
    }
}
