//! `admin audit verify` and `admin audit list`: check the hash chain
//! ([`crate::audit::verify`]) and show events for a document or a user,
//! newest first, one tab-separated line each.

use std::fmt::Write as _;

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

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for microseconds since the epoch (UTC).
pub fn rfc3339_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_rfc3339_with_microseconds() {
        assert_eq!(rfc3339_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            rfc3339_micros(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(
            rfc3339_micros(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(rfc3339_micros(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn text_cannot_break_the_columns() {
        assert_eq!(escape("a\tb\nc\\"), "a\\tb\\nc\\\\");
    }
}
