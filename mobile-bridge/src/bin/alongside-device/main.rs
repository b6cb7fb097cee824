//! `alongside-device`: a phone in a terminal, for demos, tests and load
//! generation. It opens an encrypted device store (`--store`, with the key
//! in `--key-file`, created with 0600 permissions on first use) and runs
//! one command against it. Output is for people; `--json` prints one JSON
//! value for scripts.
//!
//! Online: `--server URL enroll` (username and password, or a provisioned
//! token), `sync` and `status`; `--ca-file PEM` trusts a development
//! server's self-signed certificate. Failures of online commands exit with
//! the codes listed in [`failure`].
//!
//! One file per command group. To add a group: write a module with a
//! `#[derive(clap::Subcommand)] pub enum Cmd` and `pub fn run(cmd, &mut Ctx)
//! -> anyhow::Result<()>`, then add it to [`Command`] and its arm in
//! [`dispatch`].

mod accompany;
mod args;
mod context;
mod enroll;
mod failure;
mod followup;
mod identity;
mod note;
mod offline;
mod online;
mod report;
mod status;
mod sync_cmd;

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
    #[command(flatten)]
    Online(online::Cmd),
    /// Who this device is, what is waiting to sync, and the last sync.
    Status(status::Args),
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

/// Runs `command`; online commands take the device (the sync client
/// shares it), the others borrow it.
fn dispatch(command: Command, mut ctx: Ctx) -> anyhow::Result<()> {
    match command {
        Command::Online(cmd) => online::run(cmd, ctx),
        Command::Offline(cmd) => offline::run(cmd, &mut ctx),
        Command::Status(args) => status::run(args, &mut ctx),
        Command::Identity(cmd) => identity::run(cmd, &mut ctx),
        Command::Note(cmd) => note::run(cmd, &mut ctx),
        Command::Accompany(cmd) => accompany::run(cmd, &mut ctx),
        Command::Followup(cmd) => followup::run(cmd, &mut ctx),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let result = Ctx::open(&cli.global).and_then(|ctx| dispatch(cli.command, ctx));
    let Err(e) = result else {
        return std::process::ExitCode::SUCCESS;
    };
    let failure = e.downcast_ref::<failure::Failure>();
    let (kind, code, reported) = match failure {
        Some(f) => (f.kind, f.code, f.reported),
        None => ("error", 1, false),
    };
    if json && !reported {
        println!(
            "{}",
            serde_json::json!({ "error": format!("{e:#}"), "kind": kind })
        );
    }
    eprintln!("error: {e:#}");
    std::process::ExitCode::from(code)
}
