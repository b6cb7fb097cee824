//! The review queue: every note of the supervisor's teams classified by
//! where it stands in review ([`ReviewStanding`]), oldest first, filtered
//! by peer (the note's author) and standing. By default it shows what
//! needs the supervisor: notes awaiting a first review, notes amended
//! after approval, and notes revised after changes were requested.
//!
//! Whether a reviewed note changed since its review is decided from the
//! document (the note's content at the review's heads against now,
//! [`super::record::changed_since`]), not from device clocks; the database
//! only narrows which documents need that look.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::page::{ConsoleError, Section, layout, respond};
use super::session::Supervisor;
use super::{record, time};
use crate::audit::console as audited;
use crate::db::Db;
use crate::db::console::QueueRow;
use crate::store::codec;
use alongside_shared::wire::DocumentId;

/// Where a note stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStanding {
    /// Not submitted yet.
    Draft,
    /// Submitted, never reviewed.
    Awaiting,
    /// Changes requested; the worker has not changed it since.
    ChangesRequested,
    /// Changes requested and the note changed since: back for review.
    Revised,
    /// Approved and unchanged since.
    Approved,
    /// Approved, then edited: back for review, with the diff.
    Amended,
}

impl ReviewStanding {
    /// Every standing, in the order filters list them.
    pub const ALL: [ReviewStanding; 6] = [
        ReviewStanding::Awaiting,
        ReviewStanding::Amended,
        ReviewStanding::Revised,
        ReviewStanding::ChangesRequested,
        ReviewStanding::Approved,
        ReviewStanding::Draft,
    ];

    /// The name in URLs, JSON and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStanding::Draft => "draft",
            ReviewStanding::Awaiting => "awaiting",
            ReviewStanding::ChangesRequested => "changes-requested",
            ReviewStanding::Revised => "revised",
            ReviewStanding::Approved => "approved",
            ReviewStanding::Amended => "amended",
        }
    }

    /// As shown.
    pub fn label(self) -> &'static str {
        match self {
            ReviewStanding::Draft => "Draft",
            ReviewStanding::Awaiting => "Awaiting review",
            ReviewStanding::ChangesRequested => "Changes requested",
            ReviewStanding::Revised => "Revised after changes requested",
            ReviewStanding::Approved => "Approved",
            ReviewStanding::Amended => "Amended after approval",
        }
    }

    /// The standing named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the supervisor has something to do.
    pub fn needs_review(self) -> bool {
        matches!(
            self,
            ReviewStanding::Awaiting | ReviewStanding::Amended | ReviewStanding::Revised
        )
    }
}

/// A note and its standing.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// The note's row.
    pub row: QueueRow,
    /// Where it stands.
    pub standing: ReviewStanding,
}

/// Every note of `supervisor`'s teams, classified, oldest first.
pub async fn classified(db: &Db, supervisor: Uuid) -> Result<Vec<QueueEntry>, ConsoleError> {
    let rows = db.console_notes(supervisor).await?;
    // Load each document that may have changed since a review once.
    let mut docs: HashMap<Uuid, Option<automerge::AutoCommit>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let standing = match &row.review {
            None if row.status == "submitted" => ReviewStanding::Awaiting,
            None => ReviewStanding::Draft,
            Some(review) => {
                let changed = row.changed_since_review && {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        docs.entry(row.document)
                    {
                        let doc = match db.load(row.document).await? {
                            Some(stored) => codec::load(&stored).ok(),
                            None => None,
                        };
                        slot.insert(doc);
                    }
                    match docs.get_mut(&row.document).and_then(Option::as_mut) {
                        Some(doc) => record::changed_since(doc, row.note_id, &review.heads),
                        None => false,
                    }
                };
                match (review.state.as_str(), changed) {
                    ("approved", false) => ReviewStanding::Approved,
                    ("approved", true) => ReviewStanding::Amended,
                    (_, false) => ReviewStanding::ChangesRequested,
                    (_, true) => ReviewStanding::Revised,
                }
            }
        };
        out.push(QueueEntry { row, standing });
    }
    Ok(out)
}

/// The queue's filters (`GET /queue?peer=…&state=…`).
#[derive(Debug, Default, Deserialize)]
pub struct QueueFilter {
    /// A peer's user id, or empty for everyone.
    pub peer: Option<String>,
    /// A standing, `needs-review` (the default) or `all`.
    pub state: Option<String>,
}

/// A parsed filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    /// Only notes by this author.
    pub peer: Option<Uuid>,
    /// Only this standing; `None` with `all` false: what needs review.
    pub standing: Option<ReviewStanding>,
    /// Every standing.
    pub all: bool,
}

impl QueueFilter {
    /// Parses the filter; a clear message for a bad value.
    pub fn parse(&self) -> Result<Filter, ConsoleError> {
        let peer = match self
            .peer
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(Uuid::parse_str(p).map_err(|_| {
                ConsoleError::BadRequest(format!("{p:?} is not a peer of your teams."))
            })?),
        };
        let (standing, all) = match self.state.as_deref().map(str::trim).unwrap_or("") {
            "" | "needs-review" => (None, false),
            "all" => (None, true),
            name => (
                Some(ReviewStanding::parse(name).ok_or_else(|| {
                    ConsoleError::BadRequest(format!("{name:?} is not a review state."))
                })?),
                false,
            ),
        };
        Ok(Filter {
            peer,
            standing,
            all,
        })
    }
}

impl Filter {
    /// Whether `entry` passes.
    pub fn admits(&self, entry: &QueueEntry) -> bool {
        let peer_ok = self
            .peer
            .is_none_or(|p| entry.row.author_id == p.to_string());
        let state_ok = match (self.standing, self.all) {
            (_, true) => true,
            (Some(s), false) => entry.standing == s,
            (None, false) => entry.standing.needs_review(),
        };
        peer_ok && state_ok
    }
}

/// `GET /queue`.
pub async fn page(
    State(state): State<super::ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
    Query(query): Query<QueueFilter>,
) -> Result<Response, ConsoleError> {
    let filter = query.parse()?;
    let peers = state.db.supervised_peers(who.user_id).await?;
    let entries: Vec<QueueEntry> = classified(&state.db, who.user_id)
        .await?
        .into_iter()
        .filter(|e| filter.admits(e))
        .collect();
    audited::viewed(&state.audit, who.viewer(), addr, None, "review queue").await;
    let selected_state = match (filter.standing, filter.all) {
        (_, true) => "all",
        (Some(s), _) => s.as_str(),
        (None, false) => "needs-review",
    };
    let body = html! {
        form.filters method="get" action="/queue" {
            div {
                label for="peer" { "Peer" }
                select #peer name="peer" {
                    option value="" { "Everyone" }
                    @for p in &peers {
                        option value=(p.id) selected[filter.peer == Some(p.id)] { (p.display_name) " (" (p.username) ")" }
                    }
                }
            }
            div {
                label for="state" { "Review state" }
                select #state name="state" {
                    option value="needs-review" selected[selected_state == "needs-review"] { "Needs review" }
                    @for s in ReviewStanding::ALL {
                        option value=(s.as_str()) selected[selected_state == s.as_str()] { (s.label()) }
                    }
                    option value="all" selected[selected_state == "all"] { "All notes" }
                }
            }
            button type="submit" { "Show" }
        }
        p { (entries.len()) " note(s), oldest first." }
        (table(&entries))
    };
    Ok(respond(layout(
        "Review queue",
        Some(&who),
        Section::Queue,
        body,
    )))
}

/// The URL of a participant's page, at `note`'s anchor when given.
pub fn participant_href(document: Uuid, note: Option<Uuid>) -> String {
    let id = DocumentId::from_uuid(document);
    match note {
        Some(note) => format!("/participants/{id}#note-{note}"),
        None => format!("/participants/{id}"),
    }
}

fn table(entries: &[QueueEntry]) -> Markup {
    html! {
        div.table-wrap {
            table #queue {
                caption.visually-hidden { "Notes" }
                thead { tr {
                    th scope="col" { "Submitted" }
                    th scope="col" { "Participant" }
                    th scope="col" { "Peer" }
                    th scope="col" { "Service date" }
                    th scope="col" { "State" }
                } }
                tbody {
                    @for e in entries {
                        tr data-note=(e.row.note_id) data-state=(e.standing.as_str()) {
                            td { (time::date_time(e.row.submitted_at)) }
                            td {
                                a href=(participant_href(e.row.document, Some(e.row.note_id))) { (e.row.participant_name) }
                                @if e.row.part2 { " " span.badge.part2 title="42 CFR Part 2: substance-use content" { "Part 2" } }
                            }
                            td { (e.row.author_name.as_deref().unwrap_or(&e.row.author_id)) }
                            td { (e.row.service_date) }
                            td { span class={ "badge " (e.standing.as_str()) } { (e.standing.label()) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_refuse_nonsense() {
        let f = QueueFilter::default()
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            f,
            Filter {
                peer: None,
                standing: None,
                all: false
            }
        );
        let f = QueueFilter {
            peer: None,
            state: Some("amended".into()),
        }
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.standing, Some(ReviewStanding::Amended));
        assert!(
            QueueFilter {
                peer: Some("bob".into()),
                state: None
            }
            .parse()
            .is_err()
        );
        assert!(
            QueueFilter {
                peer: None,
                state: Some("urgent".into())
            }
            .parse()
            .is_err()
        );
        for s in ReviewStanding::ALL {
            assert_eq!(ReviewStanding::parse(s.as_str()), Some(s));
        }
        assert!(ReviewStanding::Amended.needs_review());
        assert!(!ReviewStanding::Approved.needs_review());
    }
}
