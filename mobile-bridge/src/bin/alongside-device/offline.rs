//! Top-level offline commands: `caseload`, `participant add`.

use std::fmt::Write;

use clap::Subcommand;
use serde_json::json;

use crate::context::Ctx;

/// Offline commands without a group of their own.
#[derive(Subcommand)]
pub enum Cmd {
    /// The caseload: participants held here and listed by the index.
    Caseload,
    /// Participant records.
    #[command(subcommand)]
    Participant(Participant),
}

/// `participant ...`.
#[derive(Subcommand)]
pub enum Participant {
    /// Creates a participant record.
    Add {
        /// Display name.
        #[arg(long)]
        name: String,
    },
}

/// Runs one of these commands.
pub fn run(cmd: Cmd, ctx: &mut Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Caseload => {
            let list = ctx.device.caseload()?;
            ctx.print(&list, || {
                let mut s = String::new();
                if list.is_empty() {
                    s.push_str("(no participants)");
                }
                for p in &list {
                    let flags = [
                        (!p.held).then_some("not downloaded"),
                        p.pending.then_some("not synced"),
                    ];
                    let flags: Vec<_> = flags.into_iter().flatten().collect();
                    let _ = write!(s, "{}  {}  notes: {}", p.id, p.display_name, p.notes);
                    if !flags.is_empty() {
                        let _ = write!(s, "  [{}]", flags.join(", "));
                    }
                    s.push('\n');
                }
                s.trim_end().to_owned()
            })
        }
        Cmd::Participant(Participant::Add { name }) => {
            let id = ctx.device.create_participant(&name)?;
            ctx.print(&json!({ "id": id }), || format!("participant {id} created"))
        }
    }
}
