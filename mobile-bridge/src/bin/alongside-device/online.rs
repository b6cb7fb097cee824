//! The commands that talk to the server (`enroll`, `sync`) and what they
//! share: the enrolment the store remembers ([`Account`]), the extra CA
//! certificate of `--ca-file`, the version the CLI reports
//! ([`CLI_VERSION`]), and a runtime to run the async client on.

use std::path::Path;

use alongside_mobile_bridge::api::Device;
use alongside_mobile_bridge::store::MetaKey;
use alongside_mobile_bridge::sync::ServerUrl;
use alongside_shared::wire::DocumentId;
use anyhow::Context;
use clap::Subcommand;

use crate::context::Ctx;
use crate::failure::{Failure, REVOKED};
use crate::{enroll, sync_cmd};

/// The app version the CLI reports when it enrols and syncs (the console
/// shows it per device).
pub const CLI_VERSION: &str = concat!("alongside-device/", env!("CARGO_PKG_VERSION"));

/// Largest `--ca-file` accepted.
const MAX_CA_BYTES: u64 = 1024 * 1024;

/// Online commands.
#[derive(Subcommand)]
pub enum Cmd {
    /// Enrols this device with the server given by --server: with a
    /// username and the password on stdin, or with a token an
    /// administrator provisioned.
    Enroll(enroll::Args),
    /// Syncs once with the server this device is enrolled with, and
    /// prints what was sent, received, merged and deleted.
    Sync(sync_cmd::Args),
}

/// Runs an online command.
pub fn run(cmd: Cmd, ctx: Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Enroll(args) => enroll::run(args, ctx),
        Cmd::Sync(args) => sync_cmd::run(args, ctx),
    }
}

/// What the store remembers of its enrolment, enough to sync.
pub struct Account {
    /// The server it enrolled with.
    pub server: ServerUrl,
    /// The device token (secret).
    pub token: String,
    /// This device's id.
    pub device_id: String,
    /// The user's caseload index, when known.
    pub caseload_index: Option<DocumentId>,
}

impl Account {
    /// The enrolment stored in `device`, refusing a revoked or unenrolled
    /// device, and a `--server` other than the one it enrolled with (its
    /// token is never sent to another server).
    pub fn require(device: &Device, given_server: Option<&str>) -> anyhow::Result<Self> {
        let store = device.store();
        if let Some(at) = store.meta(MetaKey::RevokedAt)? {
            let at = at.parse::<i64>().map(crate::args::fmt_time).unwrap_or(at);
            return Err(Failure::new(
                "revoked",
                REVOKED,
                format!(
                    "this device was revoked (the server said so at {at} UTC) and will not sync \
                     again; enrol a new store"
                ),
            )
            .into());
        }
        let (Some(url), Some(token), Some(identity)) = (
            store.meta(MetaKey::ServerUrl)?,
            store.meta(MetaKey::DeviceToken)?,
            device.identity(),
        ) else {
            return Err(Failure::not_enrolled().into());
        };
        let server = ServerUrl::parse(&url)
            .with_context(|| format!("the stored server URL {url:?} is damaged"))?;
        if let Some(given) = given_server {
            let given = ServerUrl::parse(given)?;
            if given != server {
                return Err(Failure::new(
                    "other_server",
                    1,
                    format!(
                        "this device is enrolled with {server}, not {given}; its token is only \
                         sent to the server it came from (use another --store for another \
                         server)"
                    ),
                )
                .into());
            }
        }
        let caseload_index = identity
            .caseload_index
            .as_deref()
            .map(|i| i.parse::<DocumentId>())
            .transpose()
            .map_err(|_| anyhow::anyhow!("the stored caseload index id is damaged"))?;
        Ok(Self {
            server,
            token,
            device_id: identity.device_id.clone(),
            caseload_index,
        })
    }
}

/// The PEM of `--ca-file`, if given.
pub fn read_ca(path: Option<&Path>) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let size = std::fs::metadata(path)
        .with_context(|| format!("--ca-file {}", path.display()))?
        .len();
    if size > MAX_CA_BYTES {
        anyhow::bail!(
            "--ca-file {} is {size} bytes; a CA certificate is far smaller",
            path.display()
        );
    }
    let pem = std::fs::read(path).with_context(|| format!("--ca-file {}", path.display()))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        anyhow::bail!(
            "--ca-file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(Some(pem))
}

/// A single-threaded runtime for one command's network calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
