//! `followup add|done`.

use clap::Subcommand;
use serde_json::json;

use crate::context::Ctx;

/// `followup ...`.
#[derive(Subcommand)]
pub enum Cmd {
    /// Adds a follow-up to an accompaniment.
    Add {
        /// Accompaniment document id.
        #[arg(long)]
        accompaniment: String,
        /// What needs doing.
        #[arg(long)]
        text: String,
        /// Due date, YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
    },
    /// Ticks a follow-up done (now).
    Done {
        /// Accompaniment document id.
        #[arg(long)]
        accompaniment: String,
        /// Follow-up id.
        #[arg(long)]
        id: String,
    },
}

/// Runs a follow-up command.
pub fn run(cmd: Cmd, ctx: &mut Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Add {
            accompaniment,
            text,
            due,
        } => {
            let id = ctx
                .device
                .add_follow_up(&accompaniment, &text, due.as_deref())?;
            ctx.print(&json!({ "id": id }), || format!("follow-up {id} added"))
        }
        Cmd::Done { accompaniment, id } => {
            let view = ctx.device.tick_follow_up(&accompaniment, &id)?;
            ctx.print(&view, || crate::accompany::show(&view))
        }
    }
}
