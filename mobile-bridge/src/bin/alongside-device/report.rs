//! A [`SyncReport`] as `sync` prints it: plain values for `--json` and a
//! few lines for a person.

use alongside_mobile_bridge::sync::SyncReport;
use alongside_shared::doc::rules::headline;
use serde::Serialize;

/// What one sync did.
#[derive(Serialize)]
pub struct ReportView {
    /// Whether everything is in sync (no problem was left).
    pub ok: bool,
    /// Documents the device sent changes for.
    pub documents_sent: usize,
    /// Documents the device received changes for.
    pub documents_received: usize,
    /// Documents where both sides had changes, now merged.
    pub conflicts_merged: usize,
    /// Documents the server holds in full.
    pub in_sync: usize,
    /// Documents deleted because access to them was lost.
    pub purged: Vec<String>,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Protocol messages sent.
    pub messages_sent: u64,
    /// Protocol messages received.
    pub messages_received: u64,
    /// Connections used.
    pub connections: u32,
    /// Wall time, ms.
    pub duration_ms: u64,
    /// Problems left (refused writes, documents not shared).
    pub errors: Vec<Issue>,
    /// `1 note needs changes, 2 notes approved`, when a review came in.
    pub news_headline: Option<String>,
    /// What changed in review for you, one item per note.
    pub news: Vec<NewsView>,
}

/// Review news about one of your notes.
#[derive(Serialize)]
pub struct NewsView {
    /// The participant document.
    pub participant_id: String,
    /// The note.
    pub note_id: String,
    /// `approved` or `changes-requested`.
    pub state: String,
    /// The supervisor's comment.
    pub comment: String,
    /// `note needs changes: Rosa 2026-11-20 — Please add the plan`.
    pub message: String,
}

/// One problem.
#[derive(Serialize)]
pub struct Issue {
    /// The document, when known.
    pub document: Option<String>,
    /// What happened.
    pub message: String,
}

impl ReportView {
    /// The view of `report`.
    pub fn new(report: &SyncReport) -> Self {
        let reviews: Vec<_> = report.news.iter().map(|n| n.review.clone()).collect();
        Self {
            ok: report.errors.is_empty(),
            documents_sent: report.documents_sent,
            documents_received: report.documents_received,
            conflicts_merged: report.conflicts_merged,
            in_sync: report.in_sync,
            purged: report.purged.iter().map(ToString::to_string).collect(),
            bytes_sent: report.bytes_sent,
            bytes_received: report.bytes_received,
            messages_sent: report.messages_sent,
            messages_received: report.messages_received,
            connections: report.connections,
            duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            errors: report
                .errors
                .iter()
                .map(|e| Issue {
                    document: e.document.map(|d| d.to_string()),
                    message: e.message.clone(),
                })
                .collect(),
            news_headline: headline(&reviews),
            news: report
                .news
                .iter()
                .map(|n| NewsView {
                    participant_id: n.document.to_string(),
                    note_id: n.review.note_id.to_string(),
                    state: n.review.state.to_string(),
                    comment: n.review.comment.clone(),
                    message: n.review.to_string(),
                })
                .collect(),
        }
    }

    /// The report for a person.
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "{}: sent {} document(s), received {}, merged {} edited on both sides; {} in sync",
            if self.ok {
                "synced"
            } else {
                "synced with problems"
            },
            self.documents_sent,
            self.documents_received,
            self.conflicts_merged,
            self.in_sync
        )];
        lines.push(format!(
            "{} B in {} message(s) out, {} B in {} message(s) in, {} connection(s), {} ms",
            self.bytes_sent,
            self.messages_sent,
            self.bytes_received,
            self.messages_received,
            self.connections,
            self.duration_ms
        ));
        if !self.purged.is_empty() {
            lines.push(format!(
                "deleted from this device (access ended): {}",
                self.purged.join(", ")
            ));
        }
        if let Some(headline) = &self.news_headline {
            lines.push(format!("{headline}:"));
            for n in &self.news {
                lines.push(format!("  {}", n.message));
            }
        }
        for e in &self.errors {
            lines.push(format!(
                "problem{}: {}",
                e.document
                    .as_deref()
                    .map(|d| format!(" with {d}"))
                    .unwrap_or_default(),
                e.message
            ));
        }
        lines.join("\n")
    }
}
