//! `accompany start|depart|arrive|seen|end|return|outcome|barriers|show`.

use alongside_mobile_bridge::api::{AccompanimentView, NewAccompaniment, Step};
use clap::Subcommand;
use serde_json::json;

use crate::args::{fmt_opt, parse_time};
use crate::context::Ctx;

/// `accompany ...`.
#[derive(Subcommand)]
pub enum Cmd {
    /// Sets off with a participant (creates the log, stamped departed now).
    Start {
        /// Participant document id.
        #[arg(long)]
        participant: String,
        /// Kind: medical, mental-health, housing, benefits, legal, court,
        /// employment, education, community, other.
        #[arg(long)]
        kind: Option<String>,
        /// Where.
        #[arg(long, default_value = "")]
        place: String,
        /// With whom.
        #[arg(long, default_value = "")]
        provider: String,
        /// Why the participant is going.
        #[arg(long, default_value = "")]
        purpose: String,
        /// Booked for: ms or YYYY-MM-DDTHH:MM (UTC).
        #[arg(long, value_parser = parse_time)]
        scheduled: Option<i64>,
        /// walk, public-transport, car, taxi, other.
        #[arg(long)]
        transport: Option<String>,
    },
    /// Corrects when you set off (with --at; marked entered late).
    Depart(StampArgs),
    /// Arrived (stamped now, or --at TIME: a missed step entered late).
    Arrive(StampArgs),
    /// The participant was seen (stamped now, or --at TIME).
    Seen(StampArgs),
    /// The appointment ended (stamped now, or --at TIME).
    End(StampArgs),
    /// Back (stamped now, or --at TIME; completes the log).
    Return(StampArgs),
    /// Sets what came of it.
    Outcome(TextArgs),
    /// Sets the barriers met.
    Barriers(TextArgs),
    /// Shows the log.
    Show(Target),
}

/// Which accompaniment.
#[derive(clap::Args)]
pub struct Target {
    /// Accompaniment document id.
    #[arg(long)]
    pub id: String,
}

/// Which accompaniment, and when the step happened if not now.
#[derive(clap::Args)]
pub struct StampArgs {
    /// Accompaniment document id.
    #[arg(long)]
    pub id: String,
    /// When it happened: ms or YYYY-MM-DDTHH:MM (UTC). Enters a missed
    /// step afterwards, marked entered late; it must fall between the
    /// steps stamped before and after it.
    #[arg(long, value_parser = parse_time)]
    pub at: Option<i64>,
}

/// An accompaniment and a text.
#[derive(clap::Args)]
pub struct TextArgs {
    /// Accompaniment document id.
    #[arg(long)]
    pub id: String,
    /// The text.
    #[arg(long)]
    pub text: String,
}

/// Runs an accompany command.
pub fn run(cmd: Cmd, ctx: &mut Ctx) -> anyhow::Result<()> {
    let view = match cmd {
        Cmd::Start {
            participant,
            kind,
            place,
            provider,
            purpose,
            scheduled,
            transport,
        } => {
            let new = NewAccompaniment {
                kind,
                place,
                provider,
                purpose,
                scheduled_at: scheduled,
                transport,
            };
            let id = ctx.device.start_accompaniment(&participant, &new)?;
            return ctx.print(&json!({ "id": id }), || {
                format!("accompaniment {id} started")
            });
        }
        Cmd::Depart(t) => ctx.device.stamp_at(&t.id, Step::Departed, t.at)?,
        Cmd::Arrive(t) => ctx.device.stamp_at(&t.id, Step::Arrived, t.at)?,
        Cmd::Seen(t) => ctx.device.stamp_at(&t.id, Step::Seen, t.at)?,
        Cmd::End(t) => ctx.device.stamp_at(&t.id, Step::Ended, t.at)?,
        Cmd::Return(t) => ctx.device.stamp_at(&t.id, Step::Returned, t.at)?,
        Cmd::Outcome(a) => ctx.device.set_outcome(&a.id, &a.text)?,
        Cmd::Barriers(a) => ctx.device.set_barriers(&a.id, &a.text)?,
        Cmd::Show(t) => ctx.device.accompaniment(&t.id)?,
    };
    ctx.print(&view, || show(&view))
}

/// The log for people.
pub fn show(a: &AccompanimentView) -> String {
    let mut lines = vec![
        format!(
            "Accompaniment {} ({}) — {} at {} with {}",
            a.id, a.status, a.kind, a.place, a.provider
        ),
        format!(
            "departed {} · arrived {} · seen {} · ended {} · returned {}",
            fmt_opt(a.departed_at),
            fmt_opt(a.arrived_at),
            fmt_opt(a.seen_at),
            fmt_opt(a.ended_at),
            fmt_opt(a.returned_at)
        ),
    ];
    if let Some(pair) = &a.out_of_order {
        lines.push(format!("steps out of order: {pair}"));
    }
    if !a.entered_late.is_empty() {
        lines.push(format!("entered late: {}", a.entered_late.join(", ")));
    }
    for (label, text) in [
        ("Purpose", &a.purpose),
        ("Outcome", &a.outcome),
        ("Barriers", &a.barriers),
    ] {
        if !text.is_empty() {
            lines.push(format!("{label}: {text}"));
        }
    }
    for f in &a.follow_ups {
        let due = f
            .due_on
            .as_deref()
            .map(|d| format!(" (due {d})"))
            .unwrap_or_default();
        lines.push(format!(
            "[{}] {} {}{}",
            if f.done { "x" } else { " " },
            f.id,
            f.text,
            due
        ));
    }
    lines.join("\n")
}
