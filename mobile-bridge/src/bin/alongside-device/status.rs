//! `status`: who the device is, what is waiting to sync (documents whose
//! local heads the server has not acknowledged), and the last sync — its
//! time and outcome. Works offline; the token is shown only with
//! `--show-token`.

use std::fmt::Write;

use alongside_mobile_bridge::store::{DocumentStatus, MetaKey};
use serde::Serialize;
use serde_json::Value;

use crate::args::{fmt_opt, fmt_time};
use crate::context::Ctx;

/// `status` options.
#[derive(clap::Args)]
pub struct Args {
    /// Also print the device token (a secret: it lets anyone sync as this
    /// device).
    #[arg(long)]
    show_token: bool,
}

/// What `status` shows.
#[derive(Serialize)]
struct Status {
    enrolled: bool,
    revoked_at: Option<i64>,
    server: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    user_name: Option<String>,
    role: Option<String>,
    device_id: Option<String>,
    caseload_index: Option<String>,
    token_expires_at: Option<String>,
    documents: usize,
    pending: Vec<DocumentStatus>,
    pending_changes: u64,
    last_sync_at: Option<i64>,
    last_sync_attempt_at: Option<i64>,
    last_sync: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

/// Runs `status`.
pub fn run(args: Args, ctx: &mut Ctx) -> anyhow::Result<()> {
    let store = ctx.device.store();
    let counts = ctx.device.status()?;
    let identity = ctx.device.identity();
    let token = store.meta(MetaKey::DeviceToken)?;
    let millis =
        |key| -> anyhow::Result<Option<i64>> { Ok(store.meta(key)?.and_then(|v| v.parse().ok())) };
    let status = Status {
        enrolled: token.is_some(),
        revoked_at: millis(MetaKey::RevokedAt)?,
        server: store.meta(MetaKey::ServerUrl)?,
        user_id: identity.map(|i| i.user_id.clone()),
        username: store.meta(MetaKey::Username)?,
        user_name: identity.and_then(|i| i.user_name.clone()),
        role: store.meta(MetaKey::Role)?,
        device_id: identity.map(|i| i.device_id.clone()),
        caseload_index: identity.and_then(|i| i.caseload_index.clone()),
        token_expires_at: store.meta(MetaKey::TokenExpiresAt)?,
        documents: counts.documents,
        pending_changes: counts.pending_changes,
        pending: counts.pending,
        last_sync_at: counts.last_sync_at,
        last_sync_attempt_at: millis(MetaKey::LastSyncAttemptAt)?,
        last_sync: store
            .meta(MetaKey::LastSyncResult)?
            .and_then(|v| serde_json::from_str(&v).ok()),
        token: token.filter(|_| args.show_token),
    };
    ctx.print(&status, || text(&status))
}

fn text(s: &Status) -> String {
    let mut out = String::new();
    let who = match (&s.username, &s.user_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("user {id}"),
        (None, None) => "nobody".into(),
    };
    match (&s.device_id, &s.server, s.revoked_at) {
        (_, _, Some(at)) => {
            let _ = write!(
                out,
                "REVOKED at {} UTC: this device no longer syncs",
                fmt_time(at)
            );
        }
        (Some(device), Some(server), None) if s.enrolled => {
            let _ = write!(
                out,
                "{who} ({}) on device {device}, enrolled with {server}",
                s.role.as_deref().unwrap_or("role unknown")
            );
        }
        (Some(device), _, None) => {
            let _ = write!(out, "{who} on device {device}, not enrolled with a server");
        }
        (None, _, None) => out.push_str("not enrolled"),
    }
    let _ = write!(
        out,
        "\n{} document(s) held; {} with {} change(s) the server has not acknowledged",
        s.documents,
        s.pending.len(),
        s.pending_changes
    );
    let _ = write!(out, "\nlast completed sync: {}", fmt_opt(s.last_sync_at));
    if let Some(last) = &s.last_sync {
        let at = last.get("at").and_then(Value::as_i64);
        let outcome = if last.get("ok").and_then(Value::as_bool) == Some(true) {
            "ok".to_owned()
        } else if let Some(message) = last.get("message").and_then(Value::as_str) {
            format!("failed: {message}")
        } else {
            let problems = last
                .pointer("/report/errors")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("finished with {problems} problem(s)")
        };
        let _ = write!(out, "\nlast attempt: {} — {outcome}", fmt_opt(at));
    }
    for d in &s.pending {
        let _ = write!(
            out,
            "\n  {} {} ({} change(s))",
            d.id,
            d.kind.as_deref().unwrap_or("?"),
            d.pending_changes
        );
    }
    if let Some(token) = &s.token {
        let _ = write!(out, "\ntoken: {token}");
    }
    out
}
