//! `note add|edit|submit|show|list`.

use std::fmt::Write;

use alongside_mobile_bridge::api::{NewNote, NoteText, NoteView, TextEdit};
use alongside_shared::time::clock;
use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use crate::args::{fmt_opt, fmt_time, parse_splice, parse_time};
use crate::context::Ctx;

/// `note ...`.
#[derive(Subcommand)]
pub enum Cmd {
    /// Adds a draft note.
    Add {
        /// Participant document id.
        #[arg(long)]
        participant: String,
        /// What you did.
        #[arg(long, default_value = "")]
        intervention: String,
        /// Why.
        #[arg(long, default_value = "")]
        purpose: String,
        /// How the participant responded.
        #[arg(long, default_value = "")]
        response: String,
        /// Plan and next steps.
        #[arg(long, default_value = "")]
        plan: String,
        /// Date of service, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        service_date: Option<String>,
        /// Start: ms or YYYY-MM-DDTHH:MM (UTC). Default: now.
        #[arg(long, value_parser = parse_time)]
        start: Option<i64>,
        /// End: ms or YYYY-MM-DDTHH:MM (UTC). Default: now.
        #[arg(long, value_parser = parse_time)]
        end: Option<i64>,
        /// Place of service (default community).
        #[arg(long)]
        setting: Option<String>,
        /// Service or billing code (default H0038).
        #[arg(long)]
        code: Option<String>,
        /// The note holds 42 CFR Part 2 content.
        #[arg(long)]
        part2: bool,
        /// Your UTC offset at the start, in minutes east of UTC (default 0):
        /// the service date must be the start's date there.
        #[arg(long, allow_negative_numbers = true)]
        utc_offset: Option<i32>,
    },
    /// Edits a text field: the whole text, or one splice in UTF-16 units.
    Edit {
        /// Participant document id.
        #[arg(long)]
        participant: String,
        /// Note id.
        #[arg(long)]
        note: String,
        /// intervention, purpose, response, plan or participant-comment.
        #[arg(long)]
        field: String,
        /// The new text (only the difference is applied).
        #[arg(long, conflicts_with = "splice")]
        text: Option<String>,
        /// AT,DELETE,INSERT in UTF-16 code units.
        #[arg(long, value_parser = parse_splice)]
        splice: Option<TextEdit>,
    },
    /// Submits (signs) a note.
    Submit {
        /// Participant document id.
        #[arg(long)]
        participant: String,
        /// Note id.
        #[arg(long)]
        note: String,
    },
    /// Shows a note with its reviews.
    Show {
        /// Participant document id.
        #[arg(long)]
        participant: String,
        /// Note id.
        #[arg(long)]
        note: String,
    },
    /// Lists a participant's notes.
    List {
        /// Participant document id.
        #[arg(long)]
        participant: String,
    },
}

/// Runs a note command.
pub fn run(cmd: Cmd, ctx: &mut Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Add {
            participant,
            intervention,
            purpose,
            response,
            plan,
            service_date,
            start,
            end,
            setting,
            code,
            part2,
            utc_offset,
        } => {
            let note = NewNote {
                service_date,
                start,
                end,
                setting,
                service_code: code,
                intervention,
                purpose,
                response,
                plan,
                part2,
                utc_offset_minutes: utc_offset,
            };
            let id = ctx.device.add_note(&participant, &note)?;
            ctx.print(&json!({ "id": id }), || format!("note {id} added"))
        }
        Cmd::Edit {
            participant,
            note,
            field,
            text,
            splice,
        } => {
            let edit = match (text, splice) {
                (Some(t), None) => TextEdit::Replace(t),
                (None, Some(s)) => s,
                _ => bail!("give --text or --splice"),
            };
            let field = NoteText::parse(&field)?;
            let text = ctx
                .device
                .edit_note_text(&participant, &note, field, &edit)?;
            ctx.print(&json!({ "text": text }), || text.clone())
        }
        Cmd::Submit { participant, note } => {
            let view = ctx.device.submit_note(&participant, &note)?;
            ctx.print(&view, || format!("note {} submitted", view.id))
        }
        Cmd::Show { participant, note } => {
            let view = ctx.device.note(&participant, &note)?;
            ctx.print(&view, || show(&view))
        }
        Cmd::List { participant } => {
            let list = ctx.device.notes(&participant)?;
            ctx.print(&list, || {
                list.iter()
                    .map(|n| {
                        format!(
                            "{}  {}  {:17}  {}",
                            n.id, n.service_date, n.review_state, n.headline
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

fn show(n: &NoteView) -> String {
    let mut s = format!(
        "Note {} ({}) — {} {}–{} UTC, {} unit(s), {} / {}\n",
        n.id,
        n.review_state,
        n.service_date,
        clock(n.start),
        clock(n.end),
        n.units,
        n.setting,
        n.service_code
    );
    for (label, text) in [
        ("Intervention", &n.intervention),
        ("Purpose", &n.purpose),
        ("Response", &n.response),
        ("Plan", &n.plan),
        ("Participant's comment", &n.participant_comment),
    ] {
        if !text.is_empty() {
            let _ = writeln!(s, "{label}: {text}");
        }
    }
    let _ = write!(
        s,
        "By {} on {}; submitted {}",
        n.author_name.as_deref().unwrap_or(&n.author_id),
        n.device_id,
        fmt_opt(n.submitted_at)
    );
    for r in &n.reviews {
        let _ = write!(
            s,
            "\nReview ({}) by {} at {}: {}",
            r.state,
            r.reviewer_name.as_deref().unwrap_or(&r.reviewer_id),
            fmt_time(r.at),
            r.comment
        );
    }
    s
}
