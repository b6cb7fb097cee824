//! The command line of `alongside-server`: parses flags, sets up logging,
//! resolves the database (a URL, or the private cluster) and runs the chosen
//! subcommand. Shared by the real binary and the test suite's copy of it.

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::admin::Lifetime;
use crate::auth::throttle::LoginLimits;
use crate::config::{Cli, Command, DatabaseArgs, LoginArgs, ProjectionAction, ServeArgs};
use crate::console::ConsoleSettings;
use crate::db::Db;
use crate::embedded::Embedded;
use crate::http::api::ApiState;
use crate::http::client_addr::TrustedProxies;
use crate::sync::SyncSettings;
use crate::tls::{ServeListener, TlsListener, TlsSettings};
use alongside_shared::sync::DecodeLimits;

/// Runs the command line; the binary's `main`.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // `serve` logs to stdout; one-shot commands log to stderr, keeping stdout
    // for what scripts read (an admin command's last line is its secret).
    let to_stdout = matches!(cli.command, Command::Serve(_) | Command::Demo(_));
    let writer = move || -> Box<dyn std::io::Write> {
        if to_stdout {
            Box::new(std::io::stdout())
        } else {
            Box::new(std::io::stderr())
        }
    };
    if cli.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args, false).await?,
            Command::Demo(args) => serve(args, true).await?,
            Command::Migrate(args) => {
                let (url, cluster) = database(&args).await?;
                let db = Db::connect_lazy(&url, 2)?;
                let result = db.migrate().await;
                db.close().await;
                if let Some(cluster) = cluster {
                    cluster.stop().await;
                }
                result?;
                println!("migrations applied");
            }
            Command::Admin(args) => {
                let (url, cluster) = database(&args.database).await?;
                let db = Db::connect_lazy(&url, 2)?;
                let result = async {
                    db.migrate().await?;
                    crate::admin::command::run(&db, args.command).await
                }
                .await;
                db.close().await;
                if let Some(cluster) = cluster {
                    cluster.stop().await;
                }
                result?;
            }
            Command::Projection {
                action: ProjectionAction::Rebuild(args),
            } => {
                let (url, cluster) = database(&args).await?;
                let db = Db::connect_lazy(&url, 2)?;
                let result = async {
                    db.migrate().await?;
                    crate::store::rebuild_projection(&db).await
                }
                .await;
                db.close().await;
                if let Some(cluster) = cluster {
                    cluster.stop().await;
                }
                println!("projected {} documents", result?);
            }
            Command::DevCert(args) => {
                let (cert, key) = crate::tls::dev_cert::write(&args.out, &args.hosts, args.force)?;
                println!("certificate: {}", cert.display());
                println!("private key: {}", key.display());
                println!(
                    "serve with: alongside-server serve --tls-cert {} --tls-key {}",
                    cert.display(),
                    key.display()
                );
            }
        }
        Ok(())
    })
}

/// `serve`, or `demo` (which seeds the demo team first and prints how to
/// sign in).
async fn serve(args: ServeArgs, demo: bool) -> anyhow::Result<()> {
    // Refuse a plain non-loopback bind and bad TLS files before
    // starting anything.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let mut tls = TlsSettings::from_files(cert, key)?;
            tls.handshake_timeout = Duration::from_secs(args.tls_handshake_timeout_secs.max(1));
            Some(tls)
        }
        _ => {
            crate::tls::check_plain_http(args.bind, args.insecure_http)?;
            if !args.bind.ip().is_loopback() {
                tracing::warn!(
                    bind = %args.bind,
                    "serving plain HTTP on a non-loopback address (--insecure-http): \
                     TLS must be terminated by a proxy in front of this server"
                );
            }
            None
        }
    };
    let (url, cluster) = database(&args.database).await?;
    let db = Db::connect_lazy(&url, args.database.db_max_connections)?;
    let tcp = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let local = tcp.local_addr()?;
    let metrics_listener = match args.metrics_bind {
        Some(addr) => {
            if !addr.ip().is_loopback() {
                tracing::warn!(
                    %addr,
                    "serving /metrics on a non-loopback address: it has no \
                     authentication, keep that network private"
                );
            }
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr} for /metrics"))?;
            Some(listener)
        }
        None => None,
    };
    let secure = tls.is_some();
    let listener = match tls {
        Some(tls) => ServeListener::Tls(TlsListener::new(tcp, tls)?),
        None => ServeListener::Plain(tcp),
    };
    if demo {
        let seeded = async {
            db.migrate().await?;
            crate::demo::seed(&db, alongside_shared::time::now_ms())
                .await
                .map_err(anyhow::Error::from)
        }
        .await;
        let credentials = match seeded {
            Ok(c) => c,
            Err(e) => {
                if let Some(cluster) = cluster {
                    cluster.stop().await;
                }
                return Err(e.context("seeding the demo team"));
            }
        };
        let scheme = if secure { "https" } else { "http" };
        let host = if local.ip().is_unspecified() {
            "localhost".to_owned()
        } else {
            local.to_string()
        };
        let console_url = format!("{scheme}://{host}/");
        println!("{}", crate::demo::banner(&console_url, &credentials));
    }
    let mut limits = alongside_shared::sync::Limits {
        max_frame_bytes: args.max_frame_bytes,
        idle_evict_ms: args.idle_evict_secs.saturating_mul(1000),
        decode: DecodeLimits {
            max_inflated_bytes: args.max_inflated_bytes,
            max_rows: args.max_decoded_rows,
        },
        ..Default::default()
    };
    limits.handshake_timeout_ms = 10_000;
    let settings = SyncSettings {
        node: uuid::Uuid::new_v4().simple().to_string(),
        limits,
        cache_budget_bytes: args.cache_budget_bytes,
        compact_after_chunks: args.compact_after_chunks,
        cover_check: std::time::Duration::from_secs(args.cover_check_secs),
        quarantine_quota_bytes: args.quarantine_quota_bytes,
        max_inflight_bytes_per_connection: args.max_inflight_bytes_per_connection,
        max_connections_per_user: args.max_connections_per_user,
        max_connections_per_device: args.max_connections_per_device,
        max_frames_in_flight_per_user: args.max_frames_in_flight_per_user,
        shards: usize::from(args.sync_shards),
        max_document_ops: args.max_document_ops,
        ..SyncSettings::default()
    };
    let mut api = api_state(&args.login);
    api.decode = settings.limits.decode;
    api.quarantine_quota_bytes = settings.quarantine_quota_bytes;
    let console = ConsoleSettings::with_idle_minutes(args.console_idle_mins, secure);
    let result = crate::app::run(
        db,
        listener,
        settings,
        api,
        console,
        metrics_listener,
        shutdown_signal(),
    )
    .await;
    if let Some(cluster) = cluster {
        cluster.stop().await;
    }
    result?;
    Ok(())
}

/// The API's limits from the `serve` flags.
fn api_state(args: &LoginArgs) -> ApiState {
    let mut api = ApiState::new(
        LoginLimits {
            account_max_failures: args.login_max_failures,
            address_max_failures: args.login_address_max_failures,
            window_secs: args.login_window_secs,
            lockout_secs: args.login_lockout_secs,
        },
        Lifetime::days(args.device_token_days),
    );
    api.trusted_proxies = TrustedProxies(args.trusted_proxies.clone());
    api.idle_lock_minutes = args.device_idle_lock_mins;
    api
}

/// The configured database, or the private cluster under the data dir:
/// started here, or adopted when a server already runs there (then the
/// returned handle's `stop` leaves it running).
async fn database(args: &DatabaseArgs) -> anyhow::Result<(String, Option<Embedded>)> {
    match &args.database_url {
        Some(url) => Ok((url.clone(), None)),
        None => {
            let embedded = Embedded::start(&args.data_dir).await?;
            Ok((embedded.url().to_owned(), Some(embedded)))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
    // Leave a moment for the log line before sockets close.
    tokio::time::sleep(Duration::from_millis(10)).await;
}
