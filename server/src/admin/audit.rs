//! `admin audit verify` and `admin audit list`: check the hash chain
//! ([`crate::audit::verify`]) and show events for a document or a user,
//! newest first, one tab-separated line each.

use std::fmt::Write as _;

use alongside_shared::time::rfc3339_micros;
use clap::{Args, Subcommand};
use uuid::Uuid;

use crate::audit::{AuditEvent, Report, verify};
use crate::db::audit::AuditFilter;
use crate::db::{Db, DbError};

/// `admin audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash of the audit chain and compare its end with the
    /// head; exits non-zero naming the first bad row.
    Verify,
    /// List audit events, newest first.
    List(ListArgs),
}

/// `admin audit list` flags.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only events on this document.
    #[arg(long)]
    pub document: Option<Uuid>,
    /// Only events by this user (id).
    #[arg(long)]
    pub user: Option<Uuid>,
    /// Only events before this seq (to page back).
    #[arg(long)]
    pub before: Option<i64>,
    /// At most this many events.
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

/// What `admin audit` found.
#[derive(Debug)]
pub enum Outcome {
    /// Done; the text was printed.
    Done,
    /// Verification found problems; the message names the first bad seq.
    Broken(String),
}

/// What `command` reads, for its own audit event.
pub fn describe(command: &AuditCommand) -> String {
    match command {
        AuditCommand::Verify => "audit verify".into(),
        AuditCommand::List(args) => {
            let mut text = String::from("audit list");
            if let Some(document) = args.document {
                let _ = write!(text, " --document {document}");
            }
            if let Some(user) = args.user {
                let _ = write!(text, " --user {user}");
            }
            if let Some(before) = args.before {
                let _ = write!(text, " --before {before}");
            }
            let _ = write!(text, " --limit {}", args.limit);
            text
        }
    }
}

/// Runs `command` against `db` (migrated), printing to stdout.
pub async fn run(db: &Db, command: &AuditCommand) -> Result<Outcome, DbError> {
    match command {
        AuditCommand::Verify => {
            let report = verify(db).await?;
            print!("{}", render_report(&report));
            Ok(match report.first_problem() {
                None => Outcome::Done,
                Some(first) => {
                    Outcome::Broken(format!("audit chain broken at seq {}: {first}", first.seq))
                }
            })
        }
        AuditCommand::List(args) => {
            let events = db
                .audit_events(&AuditFilter {
                    document: args.document,
                    user: args.user,
                    before_seq: args.before,
                    limit: args.limit,
                })
                .await?;
            println!("seq\tat\taction\toutcome\tuser\tusername\tdevice\tdocument\taddress\tdetail");
            for event in &events {
                println!("{}", render_event(event));
            }
            Ok(Outcome::Done)
        }
    }
}

/// The verification report as printed.
pub fn render_report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "rows checked: {}", report.rows);
    let _ = writeln!(
        out,
        "head: seq {} hash {}",
        report.head.seq,
        hex(&report.head.hash)
    );
    if report.is_intact() {
        let _ = writeln!(
            out,
            "audit chain intact (keep the head hash elsewhere to detect a rewritten chain)"
        );
    } else {
        for problem in &report.problems {
            let _ = writeln!(out, "PROBLEM {problem}");
        }
        if report.more_problems > 0 {
            let _ = writeln!(out, "… and {} more problems", report.more_problems);
        }
    }
    out
}

/// One event as a tab-separated line (tabs and newlines in text escaped).
pub fn render_event(e: &AuditEvent) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    [
        e.seq.to_string(),
        rfc3339_micros(e.at_micros),
        escape(&e.action),
        escape(&e.outcome),
        opt(e.user_id.map(|u| u.to_string())),
        opt(e.username.as_deref().map(escape)),
        opt(e.device_id.map(|u| u.to_string())),
        opt(e.document_id.map(|u| u.to_string())),
        opt(e.address.as_deref().map(escape)),
        escape(&e.detail),
    ]
    .join("\t")
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_break_the_columns() {
        assert_eq!(escape("a\tb\nc\\"), "a\\tb\\nc\\\\");
    }
}
