//! `enroll`: signs this device in with the server and keeps what it needs
//! to sync (server URL, token, user, device, caseload index) in the
//! encrypted store. The token is never printed.
//!
//! With `--username` and `--password-stdin` it enrols a new device
//! (`POST /api/v1/devices`); with `--token` (provisioned by `alongside-server
//! admin device enroll`) it asks the server whom the token belongs to
//! (`GET /api/v1/me`). The identity is stored first and the credentials
//! second: a crash between them leaves an enrolment without a token, which
//! a new `enroll` completes.
//!
//! A store is one device: a store that is enrolled (or was revoked) is not
//! enrolled again as another device — its Automerge actor belongs to its
//! device on the server. A new token for the same device (after a
//! rotation) is accepted.

use std::io::Read;

use alongside_mobile_bridge::api::Enrolment;
use alongside_mobile_bridge::store::MetaKey;
use alongside_mobile_bridge::sync::{self, ServerUrl, SyncError};
use anyhow::{Context, bail};
use serde::Serialize;

use crate::context::Ctx;
use crate::failure::{Failure, REVOKED};
use crate::online::{read_ca, runtime};

/// Longest password or token read from stdin.
const MAX_SECRET_BYTES: u64 = 4096;

/// `enroll` options.
#[derive(clap::Args)]
pub struct Args {
    /// Sign in as this user (the password is read from stdin).
    #[arg(long, conflicts_with_all = ["token", "token_stdin"])]
    username: Option<String>,
    /// Read the password from stdin (its first line).
    #[arg(long, requires = "username")]
    password_stdin: bool,
    /// A device token provisioned by an administrator.
    #[arg(long, conflicts_with = "token_stdin")]
    token: Option<String>,
    /// Read the provisioned device token from stdin (its first line).
    #[arg(long)]
    token_stdin: bool,
    /// The name the server shows for this device (password enrolment).
    #[arg(long, default_value = "alongside-device")]
    device_name: String,
}

/// What enrolment learnt, as printed.
#[derive(Serialize)]
struct Enrolled {
    server: String,
    user_id: String,
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    device_id: String,
    caseload_index: String,
    token_expires_at: Option<String>,
}

/// Runs `enroll`.
pub fn run(args: Args, mut ctx: Ctx) -> anyhow::Result<()> {
    let Some(server) = ctx.server.as_deref() else {
        bail!("enroll needs the server: --server https://host[:port]");
    };
    let server = ServerUrl::parse(server)?;
    let store = ctx.device.store();
    if store.meta(MetaKey::RevokedAt)?.is_some() {
        return Err(Failure::new(
            "revoked",
            REVOKED,
            "this store's device was revoked; enrol with a new --store",
        )
        .into());
    }
    let enrolled_device = match store.meta(MetaKey::DeviceToken)? {
        Some(_) => ctx.device.identity().map(|i| i.device_id.clone()),
        None => None,
    };
    let ca = read_ca(ctx.ca_file.as_deref())?;
    let ca = ca.as_deref();
    let rt = runtime()?;
    let fail = |e: SyncError| anyhow::Error::from(Failure::from_sync(&e, &server));

    let (learnt, token) = match (args.username, args.token, args.token_stdin) {
        (Some(username), None, false) => {
            if !args.password_stdin {
                bail!("give the password on stdin with --password-stdin");
            }
            if let Some(device) = &enrolled_device {
                return Err(already(device, &server).into());
            }
            let password = read_secret("password")?;
            let new = rt
                .block_on(sync::enrol_as(
                    &server,
                    ca,
                    &username,
                    &password,
                    &args.device_name,
                    crate::online::CLI_VERSION,
                ))
                .map_err(fail)?;
            // The display name and role come from `me`; without them the
            // sign-in name is used.
            let me = rt.block_on(sync::who_am_i(&server, ca, &new.token)).ok();
            let learnt = Enrolled {
                server: server.to_string(),
                user_id: new.user_id,
                username: Some(username),
                display_name: me.as_ref().and_then(|m| m.display_name.clone()),
                role: me.map(|m| m.role),
                device_id: new.device_id,
                caseload_index: new.caseload_index,
                token_expires_at: Some(new.expires_at),
            };
            (learnt, new.token)
        }
        (None, token, from_stdin) => {
            let token = match (token, from_stdin) {
                (Some(t), false) => t.trim().to_owned(),
                (None, true) => read_secret("token")?,
                _ => bail!("give --username NAME --password-stdin, --token TOKEN or --token-stdin"),
            };
            if token.is_empty() || token.contains(char::is_whitespace) {
                bail!("the token is empty or holds spaces");
            }
            let me = rt
                .block_on(sync::who_am_i(&server, ca, &token))
                .map_err(fail)?;
            if let Some(device) = &enrolled_device
                && *device != me.device_id
            {
                return Err(already(device, &server).into());
            }
            let learnt = Enrolled {
                server: server.to_string(),
                user_id: me.user_id,
                username: Some(me.username),
                display_name: me.display_name,
                role: Some(me.role),
                device_id: me.device_id,
                caseload_index: me.caseload_index,
                token_expires_at: None,
            };
            (learnt, token)
        }
        _ => bail!("give --username NAME --password-stdin, --token TOKEN or --token-stdin"),
    };

    if let Some(previous) = ctx.device.identity()
        && previous.user_id != learnt.user_id
        && ctx.device.store().status()?.documents > 0
    {
        bail!(
            "this store holds documents of user {}; enrol user {} with a new --store",
            previous.user_id,
            learnt.user_id
        );
    }
    let values = [
        (MetaKey::ServerUrl, Some(learnt.server.as_str())),
        (MetaKey::DeviceToken, Some(token.as_str())),
        (MetaKey::Username, learnt.username.as_deref()),
        (MetaKey::Role, learnt.role.as_deref()),
        (MetaKey::TokenExpiresAt, learnt.token_expires_at.as_deref()),
    ];
    // One transaction: enrolled with this server and token, or not at all.
    ctx.device
        .enrol_with(
            &Enrolment {
                user_id: learnt.user_id.clone(),
                user_name: learnt
                    .display_name
                    .clone()
                    .or_else(|| learnt.username.clone()),
                device_id: learnt.device_id.clone(),
                caseload_index: Some(learnt.caseload_index.clone()),
            },
            &values,
        )
        .context("storing the enrolment")?;
    ctx.print(&learnt, || {
        format!(
            "enrolled: {} ({}) on device {} with {}; caseload index {}",
            learnt
                .username
                .as_deref()
                .unwrap_or(learnt.user_id.as_str()),
            learnt.role.as_deref().unwrap_or("role unknown"),
            learnt.device_id,
            learnt.server,
            learnt.caseload_index
        )
    })
}

fn already(device: &str, server: &ServerUrl) -> Failure {
    Failure::new(
        "already_enrolled",
        1,
        format!(
            "this store is already enrolled as device {device} with {server}; a store is one \
             device: use another --store (a rotated token of the same device is accepted with \
             --token)"
        ),
    )
}

/// The first line of stdin, without its line ending.
fn read_secret(what: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_SECRET_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("reading the {what} from stdin"))?;
    if text.len() as u64 > MAX_SECRET_BYTES {
        bail!("the {what} on stdin is longer than {MAX_SECRET_BYTES} bytes");
    }
    let line = text.lines().next().unwrap_or("").to_owned();
    if line.is_empty() {
        bail!("no {what} on stdin");
    }
    Ok(line)
}
