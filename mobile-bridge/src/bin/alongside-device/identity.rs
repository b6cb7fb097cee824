//! `identity set|show`: who this device is. Real devices learn it by
//! enrolling with the server; this sets it offline for demos and tests.

use alongside_mobile_bridge::api::Enrolment;
use clap::Subcommand;

use crate::context::Ctx;

/// `identity ...`.
#[derive(Subcommand)]
pub enum Cmd {
    /// Sets the user and device ids (and the caseload index, if known).
    Set {
        /// User id.
        #[arg(long)]
        user: String,
        /// Device id.
        #[arg(long)]
        device: String,
        /// The user's name, as notes are signed.
        #[arg(long)]
        name: Option<String>,
        /// Document id of the user's caseload index.
        #[arg(long)]
        caseload_index: Option<String>,
    },
    /// Shows who this device is.
    Show,
}

/// Runs an identity command.
pub fn run(cmd: Cmd, ctx: &mut Ctx) -> anyhow::Result<()> {
    let identity = match cmd {
        Cmd::Set {
            user,
            device,
            name,
            caseload_index,
        } => ctx.device.enrol(&Enrolment {
            user_id: user,
            user_name: name,
            device_id: device,
            caseload_index,
        })?,
        Cmd::Show => ctx
            .device
            .identity()
            .cloned()
            .ok_or(alongside_mobile_bridge::api::ApiError::NotEnrolled)?,
    };
    ctx.print(&identity, || {
        format!(
            "user {} ({}) on device {}, actor {}",
            identity.user_id,
            identity.user_name.as_deref().unwrap_or("no name"),
            identity.device_id,
            identity.actor
        )
    })
}
