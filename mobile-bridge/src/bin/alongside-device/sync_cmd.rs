//! `sync`: one [`SyncClient::sync_now`] between the store and the server it
//! enrolled with, its report printed for a person (or `--json`), and its
//! outcome kept in the store for `status`.
//!
//! Nothing is lost whatever happens: every document the server sends is
//! stored as it arrives, local changes stay until the server's heads cover
//! them, and a sync that is cut (the process killed, the connection
//! dropped) is simply started again. A revoked device deletes its
//! documents (the sync client does that), forgets its token and refuses to
//! sync from then on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alongside_mobile_bridge::api::Device;
use alongside_mobile_bridge::store::MetaKey;
use alongside_mobile_bridge::sync::{SyncClient, SyncConfig, SyncError};
use anyhow::Context;
use serde_json::json;

use crate::context::Ctx;
use crate::failure::{Failure, INCOMPLETE};
use crate::online::{Account, read_ca, runtime};
use crate::report::ReportView;

/// `sync` options.
#[derive(clap::Args)]
pub struct Args {
    /// Give up after this many seconds (what was stored stays stored).
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

/// Runs `sync`.
pub fn run(args: Args, mut ctx: Ctx) -> anyhow::Result<()> {
    let account = Account::require(&ctx.device, ctx.server.as_deref())?;
    let ca = read_ca(ctx.ca_file.as_deref())?;
    let mut config = SyncConfig::new(
        account.server.sync(),
        account.token.clone(),
        format!("alongside-device-{}", account.device_id),
    );
    config.caseload_index = account.caseload_index;
    config.app_version = Some(crate::online::CLI_VERSION.to_owned());
    config.extra_ca_pem = ca;
    config.timeout = Duration::from_secs(args.timeout_secs.max(1));

    let started = ctx.device.clock().now_ms();
    ctx.device
        .store_mut()
        .set_meta(MetaKey::LastSyncAttemptAt, &started.to_string())?;
    let json = ctx.json;
    let shared = Arc::new(Mutex::new(ctx.device));
    let client = SyncClient::new(config, shared.clone());
    let result = runtime()?.block_on(client.sync_now());
    drop(client);
    let mut device = shared
        .lock()
        .map_err(|_| anyhow::anyhow!("the store lock was poisoned during the sync"))?;
    let ended = device.clock().now_ms();

    match result {
        Ok(report) => {
            let view = ReportView::new(&report);
            let outcome = json!({ "ok": view.ok, "at": ended, "report": &view });
            remember(&mut device, &outcome, Some(ended))?;
            Ctx::print_with(json, &view, || view.text())?;
            if view.ok {
                Ok(())
            } else {
                let mut failure = Failure::new(
                    "incomplete",
                    INCOMPLETE,
                    format!(
                        "the sync finished, but {} problem(s) were left (see above); what is \
                         not in sync stays on this device and is offered again next time",
                        view.errors.len()
                    ),
                );
                failure.reported = true;
                Err(failure.into())
            }
        }
        Err(error) => {
            let failure = Failure::from_sync(&error, &account.server);
            let outcome = json!({
                "ok": false,
                "at": ended,
                "error": failure.kind,
                "message": failure.message,
            });
            remember(&mut device, &outcome, None)?;
            if let SyncError::Revoked { .. } = error {
                stop_for_good(&mut device, ended)?;
            }
            Err(failure.into())
        }
    }
}

/// Keeps the outcome for `status` (and the time of a completed sync).
fn remember(
    device: &mut Device,
    outcome: &serde_json::Value,
    completed_at: Option<i64>,
) -> anyhow::Result<()> {
    let outcome = outcome.to_string();
    let completed_at = completed_at.map(|ms| ms.to_string());
    let mut values = vec![(MetaKey::LastSyncResult, Some(outcome.as_str()))];
    if let Some(at) = &completed_at {
        values.push((MetaKey::LastSyncAt, Some(at.as_str())));
    }
    device
        .store_mut()
        .set_metas(&values)
        .context("recording the sync's outcome")
}

/// A revoked device forgets its token and never syncs again.
fn stop_for_good(device: &mut Device, at: i64) -> anyhow::Result<()> {
    let at = at.to_string();
    device
        .store_mut()
        .set_metas(&[
            (MetaKey::RevokedAt, Some(at.as_str())),
            (MetaKey::DeviceToken, None),
        ])
        .context("recording the revocation")
}
