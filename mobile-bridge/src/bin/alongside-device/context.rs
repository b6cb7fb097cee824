//! Global options, opening the device (store + key file), and printing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alongside_mobile_bridge::api::Device;
use alongside_mobile_bridge::clock::{self, ManualClock, SharedClock};
use alongside_mobile_bridge::store::{KEY_LEN, StoreKey};
use anyhow::{Context, bail};
use serde::Serialize;

/// Options every command takes.
#[derive(clap::Args)]
pub struct Global {
    /// The device's store file.
    #[arg(
        long,
        env = "ALONGSIDE_DEVICE_STORE",
        global = true,
        default_value = "device.db"
    )]
    pub store: PathBuf,
    /// File holding the 32-byte store key (created, 0600, if missing).
    #[arg(
        long,
        env = "ALONGSIDE_DEVICE_KEY_FILE",
        global = true,
        default_value = "device.key"
    )]
    pub key_file: PathBuf,
    /// The server (`https://host[:port]`) to enroll with; other online
    /// commands use the one the device enrolled with, and refuse another.
    #[arg(long, env = "ALONGSIDE_DEVICE_SERVER", global = true)]
    pub server: Option<String>,
    /// A PEM certificate to trust besides the public roots, for a
    /// development server with a self-signed certificate. Not stored:
    /// give it to each online command.
    #[arg(long, env = "ALONGSIDE_DEVICE_CA_FILE", global = true)]
    pub ca_file: Option<PathBuf>,
    /// Print one JSON value instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Pretend the time is this (ms since the epoch): for tests and demos.
    #[arg(long, env = "ALONGSIDE_DEVICE_NOW", global = true, hide = true)]
    pub now: Option<i64>,
}

/// What a command runs with.
pub struct Ctx {
    /// The device.
    pub device: Device,
    /// Print JSON.
    pub json: bool,
    /// `--server`, if given.
    pub server: Option<String>,
    /// `--ca-file`, if given.
    pub ca_file: Option<PathBuf>,
}

impl Ctx {
    /// Opens the store named by the global options.
    pub fn open(g: &Global) -> anyhow::Result<Self> {
        let key = read_or_create_key(&g.key_file)?;
        let clock: SharedClock = match g.now {
            Some(ms) => Arc::new(ManualClock::new(ms)),
            None => clock::system(),
        };
        let device = Device::open(&g.store, &key, clock)
            .with_context(|| format!("opening {}", g.store.display()))?;
        Ok(Self {
            device,
            json: g.json,
            server: g.server.clone(),
            ca_file: g.ca_file.clone(),
        })
    }

    /// Prints `value` as JSON, or `text` for a person.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        Self::print_with(self.json, value, text)
    }

    /// Prints `value` as JSON when `json`, else `text` for a person.
    pub fn print_with<T: Serialize>(
        json: bool,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        if json {
            serde_json::to_writer(&mut out, value)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", text())?;
        }
        Ok(())
    }
}

fn read_or_create_key(path: &Path) -> anyhow::Result<StoreKey> {
    match std::fs::read(path) {
        Ok(bytes) => StoreKey::from_slice(&bytes)
            .with_context(|| format!("{} must hold exactly {KEY_LEN} bytes", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = StoreKey::generate()?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(key.as_bytes())?;
            file.sync_all()?;
            Ok(key)
        }
        Err(e) => bail!("reading {}: {e}", path.display()),
    }
}
