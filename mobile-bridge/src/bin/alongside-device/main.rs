//! `alongside-device`: a phone in a terminal, for demos, tests and load
//! generation. It opens an encrypted device store (`--store`, with the key
//! in `--key-file`, created with 0600 permissions on first use) and runs
//! one command against it. Output is for people; `--json` prints one JSON
//! value for scripts.
//!
//! One file per command group. To add a group (e.g. `enroll` / `sync`):
//! write `online.rs` with a `#[derive(clap::Subcommand)] pub enum Cmd` and
//! `pub fn run(cmd, &mut Ctx) -> anyhow::Result<()>`, then add
//! `#[command(flatten)] Online(online::Cmd),` to [`Command`] and its arm in
//! [`dispatch`].

mod accompany;
mod args;
mod context;
mod followup;
mod identity;
mod note;
mod offline;

use clap::{Parser, Subcommand};

use context::{Ctx, Global};

#[derive(Parser)]
#[command(
    name = "alongside-device",
    version,
    about = "A worker's device in a terminal"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Every command group.
#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Offline(offline::Cmd),
    /// Who this device is (offline provisioning for demos and tests).
    #[command(subcommand)]
    Identity(identity::Cmd),
    /// Progress notes.
    #[command(subcommand)]
    Note(note::Cmd),
    /// Accompanied appointments, step by step.
    #[command(subcommand)]
    Accompany(accompany::Cmd),
    /// Follow-ups of an accompanied appointment.
    #[command(subcommand)]
    Followup(followup::Cmd),
}

fn dispatch(command: Command, ctx: &mut Ctx) -> anyhow::Result<()> {
    match command {
        Command::Offline(cmd) => offline::run(cmd, ctx),
        Command::Identity(cmd) => identity::run(cmd, ctx),
        Command::Note(cmd) => note::run(cmd, ctx),
        Command::Accompany(cmd) => accompany::run(cmd, ctx),
        Command::Followup(cmd) => followup::run(cmd, ctx),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let result = Ctx::open(&cli.global).and_then(|mut ctx| dispatch(cli.command, &mut ctx));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": format!("{e:#}") }));
            }
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
