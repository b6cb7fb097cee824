//! `POST /participants/{document}/notes/{note}/review`: approve a note, or
//! request changes with a comment. The form carries the session's CSRF
//! token (403 without it) and the document heads the page showed, which
//! the review records ([`super::write`]). A bad form gets a page that says
//! what was wrong, repeats the comment typed, and changes nothing.

use std::net::SocketAddr;

use alongside_shared::doc::vocab::ReviewState;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleState;
use super::form::ConsoleForm;
use super::page::ConsoleError;
use super::participant::parse_document;
use super::queue::participant_href;
use super::session::Supervisor;
use super::time;
use super::write::{NewReview, WriteError, write_review};
use crate::audit::console as audited;
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

/// The review form.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewForm {
    csrf: Option<String>,
    decision: Option<String>,
    comment: Option<String>,
    heads: Option<String>,
}

/// A checked review form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Approve or request changes.
    pub state: ReviewState,
    /// The comment, trimmed.
    pub comment: String,
    /// The heads the page showed (hex).
    pub heads: Vec<String>,
}

fn echo(comment: &str) -> String {
    if comment.trim().is_empty() {
        String::new()
    } else {
        format!(" Your comment, to copy: “{}”.", comment.trim())
    }
}

/// Checks the decision, comment and heads of a review form.
pub fn check(
    decision: Option<&str>,
    comment: Option<&str>,
    heads: Option<&str>,
) -> Result<Decision, ConsoleError> {
    let comment = comment.unwrap_or_default();
    let state = match decision.map(str::trim) {
        Some("approve") => ReviewState::Approved,
        Some("request-changes") => ReviewState::ChangesRequested,
        _ => {
            return Err(ConsoleError::BadRequest(format!(
                "Choose Approve or Request changes.{}",
                echo(comment)
            )));
        }
    };
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ConsoleError::BadRequest(format!(
            "The comment is longer than {MAX_COMMENT_CHARS} characters.{}",
            echo(comment)
        )));
    }
    let trimmed = comment.trim().to_owned();
    if state == ReviewState::ChangesRequested && trimmed.is_empty() {
        return Err(ConsoleError::BadRequest(
            "Say what should change: a request for changes needs a comment.".into(),
        ));
    }
    let heads: Vec<String> = heads
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    let well_formed = |h: &String| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    if heads.is_empty() || heads.len() > 64 || !heads.iter().all(well_formed) {
        return Err(ConsoleError::BadRequest(format!(
            "The form does not say which version of the record you reviewed; reload the page.{}",
            echo(comment)
        )));
    }
    Ok(Decision {
        state,
        comment: trimmed,
        heads,
    })
}

/// `POST /participants/{document}/notes/{note}/review`.
pub async fn submit(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
    Path((document, note)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm<ReviewForm>,
) -> Result<Response, ConsoleError> {
    who.check_csrf(form.csrf.as_deref())?;
    let document = parse_document(&document).ok_or(ConsoleError::NotFound)?;
    let note = Uuid::parse_str(&note).map_err(|_| ConsoleError::NotFound)?;
    if !state
        .db
        .supervisor_sees_participant(who.user_id, document)
        .await?
    {
        audited::denied(&state.audit, who.viewer(), addr, document, "review").await;
        return Err(ConsoleError::NotFound);
    }
    let decision = check(
        form.decision.as_deref(),
        form.comment.as_deref(),
        form.heads.as_deref(),
    )?;
    let audit = AuditRecord::new(AuditAction::WriteAccepted, AuditOutcome::Allowed)
        .user(who.user_id, &who.username)
        .address(addr)
        .document(document)
        .detail(format!(
            "console review of note {note}: {}",
            decision.state.as_str()
        ));
    let review = NewReview {
        note,
        state: decision.state,
        comment: decision.comment.clone(),
        reviewer: who.user_id,
        reviewer_name: who.display_name.clone(),
        seen_heads: decision.heads,
        at: time::now_ms(),
    };
    match write_review(&state.db, document, &review, audit).await {
        Ok(id) => {
            tracing::info!(%document, %note, review = %id, by = %who.username, "review written");
            let href = format!(
                "{}?reviewed={note}#note-{note}",
                participant_href(document, None)
            );
            Ok(Redirect::to(&href).into_response())
        }
        Err(WriteError::NotFound) => Err(ConsoleError::NotFound),
        Err(WriteError::UnknownHeads) => Err(ConsoleError::BadRequest(format!(
            "The page you reviewed is not a version of this record; reload it and review again.{}",
            echo(&decision.comment)
        ))),
        Err(WriteError::Db(e)) => Err(e.into()),
        Err(WriteError::Document(e)) => Err(ConsoleError::Internal(format!("{document}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_forms_are_checked() {
        let head = "ab".repeat(32);
        let ok = check(Some("approve"), Some("  "), Some(&head)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.state, ReviewState::Approved);
        assert_eq!(ok.comment, "");
        assert_eq!(ok.heads, vec![head.clone()]);
        assert!(check(Some("request-changes"), Some(" "), Some(&head)).is_err());
        let changes = check(Some("request-changes"), Some(" add the plan "), Some(&head))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changes.comment, "add the plan");
        assert!(check(Some("delete"), None, Some(&head)).is_err());
        assert!(check(Some("approve"), None, Some("zz")).is_err());
        assert!(check(Some("approve"), None, None).is_err());
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        match check(Some("approve"), Some(&long), Some(&head)) {
            Err(ConsoleError::BadRequest(why)) => {
                assert!(why.contains(&long), "echoes the comment")
            }
            other => panic!("{other:?}"),
        }
    }
}
