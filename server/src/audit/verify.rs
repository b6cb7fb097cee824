//! Checking the stored chain: [`verify`] reads every row in seq order, a
//! page at a time, recomputes each hash and compares the end with
//! `audit_head`.
//!
//! What each kind of tampering looks like:
//! - an altered row: its recomputed hash differs from the stored one
//!   ([`ProblemKind::HashMismatch`]);
//! - a deleted row: a gap in seq ([`ProblemKind::Missing`]), and the next
//!   row's `prev_hash` no longer matches;
//! - a row inserted or moved: its `prev_hash` does not match the row before
//!   it ([`ProblemKind::BrokenLink`]) or its seq is out of place;
//! - a truncated tail: the last row is before the head's seq, or the head's
//!   hash is not the last row's ([`ProblemKind::TailMissing`],
//!   [`ProblemKind::HeadMismatch`]).
//!
//! The walk goes on after a problem, relinking on the stored hashes, so one
//! report lists every bad row (up to [`MAX_PROBLEMS`]).

use std::fmt;

use super::chain::{GENESIS, chain_hash};
use super::record::AuditEvent;
use crate::db::audit::AuditHead;
use crate::db::{Db, DbError};

/// Rows read per query.
pub const PAGE: i64 = 2000;
/// Problems kept in a report.
pub const MAX_PROBLEMS: usize = 100;

/// What is wrong at a seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The row's contents do not hash to its stored hash (altered).
    HashMismatch,
    /// The row's `prev_hash` is not the previous row's hash.
    BrokenLink,
    /// Rows with these seqs are absent (deleted); `through` is inclusive.
    Missing {
        /// The last missing seq.
        through: i64,
    },
    /// The row's seq is not after the previous row's (reordered).
    OutOfOrder,
    /// The chain ends before the seq `audit_head` records (tail deleted).
    TailMissing {
        /// What the head says.
        head_seq: i64,
    },
    /// `audit_head` does not describe the last row (head rewritten, or rows
    /// added past it).
    HeadMismatch {
        /// What the head says.
        head_seq: i64,
    },
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The first seq concerned.
    pub seq: i64,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        match &self.kind {
            ProblemKind::HashMismatch => write!(
                f,
                "seq {seq}: contents do not match the stored hash (row altered)"
            ),
            ProblemKind::BrokenLink => write!(
                f,
                "seq {seq}: prev_hash is not the hash of the row before (a row before it was removed, inserted or altered)"
            ),
            ProblemKind::Missing { through } if *through == seq => {
                write!(f, "seq {seq}: row missing (deleted)")
            }
            ProblemKind::Missing { through } => {
                write!(f, "seq {seq}..={through}: rows missing (deleted)")
            }
            ProblemKind::OutOfOrder => write!(f, "seq {seq}: out of order"),
            ProblemKind::TailMissing { head_seq } => write!(
                f,
                "seq {seq}: row missing: the chain ends before the head (seq {head_seq}); its tail was deleted"
            ),
            ProblemKind::HeadMismatch { head_seq } => write!(
                f,
                "seq {seq}: the head (seq {head_seq}) does not record the last row; the head or the rows after it were altered"
            ),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows read.
    pub rows: u64,
    /// The last row's seq (0 if none).
    pub last_seq: i64,
    /// The head as stored.
    pub head: AuditHead,
    /// Problems, in seq order; empty when the chain is intact.
    pub problems: Vec<Problem>,
    /// Problems found beyond [`MAX_PROBLEMS`].
    pub more_problems: u64,
}

impl Report {
    /// Whether the chain is intact.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first problem, naming the first bad seq.
    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// The chain check, fed rows in seq order; independent of the database.
#[derive(Debug)]
pub struct Verifier {
    prev_seq: i64,
    prev_hash: Vec<u8>,
    rows: u64,
    problems: Vec<Problem>,
    more_problems: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A check of a chain from its start.
    pub fn new() -> Self {
        Self {
            prev_seq: 0,
            prev_hash: GENESIS.to_vec(),
            rows: 0,
            problems: Vec::new(),
            more_problems: 0,
        }
    }

    /// The last seq seen (for paging).
    pub fn last_seq(&self) -> i64 {
        self.prev_seq
    }

    /// Checks the next row.
    pub fn feed(&mut self, row: &AuditEvent) {
        self.rows += 1;
        if row.seq <= self.prev_seq {
            self.problem(row.seq, ProblemKind::OutOfOrder);
        } else if row.seq > self.prev_seq.saturating_add(1) {
            self.problem(
                self.prev_seq.saturating_add(1),
                ProblemKind::Missing {
                    through: row.seq.saturating_sub(1),
                },
            );
        }
        let computed = chain_hash(&row.prev_hash, &row.fields());
        if computed.as_slice() != row.hash.as_slice() {
            self.problem(row.seq, ProblemKind::HashMismatch);
        }
        if row.prev_hash != self.prev_hash {
            // A gap already explains a broken link; report it only alone.
            let gap_reported = self.problems.last().is_some_and(|p| {
                matches!(p.kind, ProblemKind::Missing { through } if through == row.seq.saturating_sub(1))
            });
            if !gap_reported {
                self.problem(row.seq, ProblemKind::BrokenLink);
            }
        }
        self.prev_seq = self.prev_seq.max(row.seq);
        self.prev_hash = row.hash.clone();
    }

    /// Compares the end of the chain with the head and returns the report.
    pub fn finish(mut self, head: AuditHead) -> Report {
        if head.seq > self.prev_seq {
            self.problem(
                self.prev_seq.saturating_add(1),
                ProblemKind::TailMissing { head_seq: head.seq },
            );
        } else if head.seq != self.prev_seq || head.hash != self.prev_hash {
            self.problem(
                head.seq.saturating_add(1).min(self.prev_seq),
                ProblemKind::HeadMismatch { head_seq: head.seq },
            );
        }
        Report {
            rows: self.rows,
            last_seq: self.prev_seq,
            head,
            problems: self.problems,
            more_problems: self.more_problems,
        }
    }

    fn problem(&mut self, seq: i64, kind: ProblemKind) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { seq, kind });
        } else {
            self.more_problems += 1;
        }
    }
}

/// Verifies the whole stored chain against `audit_head`, in one snapshot
/// of the database (appends may go on meanwhile).
pub async fn verify(db: &Db) -> Result<Report, DbError> {
    let mut reader = db.audit_reader().await?;
    let head = reader.head().await?;
    let mut verifier = Verifier::new();
    let mut after = i64::MIN;
    loop {
        let page = reader.page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            verifier.feed(row);
        }
    }
    reader.close().await?;
    Ok(verifier.finish(head))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::audit::chain::chain_hash;
    use crate::audit::record::{AuditAction, AuditOutcome, AuditRecord};

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let r = AuditRecord::new(AuditAction::DocumentRead, AuditOutcome::Allowed)
                    .detail(format!("row {seq}"))
                    .at(seq * 1000);
                let hash = chain_hash(&prev, &r.fields(seq)).to_vec();
                let event = AuditEvent {
                    seq,
                    at_micros: r.at_micros,
                    user_id: None,
                    username: None,
                    device_id: None,
                    document_id: None,
                    action: r.action.as_str().into(),
                    outcome: r.outcome.as_str().into(),
                    detail: r.detail.clone(),
                    address: None,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                event
            })
            .collect()
    }

    fn head_of(rows: &[AuditEvent]) -> AuditHead {
        rows.last().map_or(
            AuditHead {
                seq: 0,
                hash: GENESIS.to_vec(),
            },
            |r| AuditHead {
                seq: r.seq,
                hash: r.hash.clone(),
            },
        )
    }

    fn check(rows: &[AuditEvent], head: AuditHead) -> Report {
        let mut v = Verifier::new();
        rows.iter().for_each(|r| v.feed(r));
        v.finish(head)
    }

    #[test]
    fn an_intact_chain_and_an_empty_one_verify() {
        let rows = chain(5);
        let report = check(&rows, head_of(&rows));
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!((report.rows, report.last_seq), (5, 5));
        assert!(check(&[], head_of(&[])).is_intact());
    }

    #[test]
    fn an_altered_row_is_named() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows[2].detail = "edited".into();
        let report = check(&rows, head);
        assert_eq!(
            report.first_problem(),
            Some(&Problem {
                seq: 3,
                kind: ProblemKind::HashMismatch
            })
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn a_deleted_middle_row_is_named() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows.remove(1);
        let report = check(&rows, head);
        let first = report.first_problem().unwrap();
        assert_eq!(first.seq, 2);
        assert_eq!(first.kind, ProblemKind::Missing { through: 2 });
        assert!(first.to_string().contains("seq 2"), "{first}");
    }

    #[test]
    fn a_deleted_first_row_is_named() {
        let mut rows = chain(3);
        let head = head_of(&rows);
        rows.remove(0);
        assert_eq!(check(&rows, head).first_problem().unwrap().seq, 1);
    }

    #[test]
    fn a_truncated_tail_is_named() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows.truncate(3);
        let report = check(&rows, head);
        let first = report.first_problem().unwrap();
        assert_eq!(first.seq, 4);
        assert!(first.to_string().contains("tail"), "{first}");
    }

    #[test]
    fn a_swapped_pair_is_named() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        let (a, b) = (rows[1].seq, rows[2].seq);
        rows[1].seq = b;
        rows[2].seq = a;
        rows.swap(1, 2);
        let report = check(&rows, head);
        assert_eq!(report.first_problem().unwrap().seq, 2);
    }

    #[test]
    fn a_forged_row_with_a_correct_hash_breaks_the_next_link() {
        let mut rows = chain(4);
        let head = head_of(&rows);
        let forged = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Allowed).at(5);
        rows[1].action = forged.action.as_str().into();
        rows[1].hash = chain_hash(&rows[1].prev_hash, &rows[1].fields()).to_vec();
        let report = check(&rows, head);
        assert_eq!(
            report.first_problem(),
            Some(&Problem {
                seq: 3,
                kind: ProblemKind::BrokenLink
            })
        );
    }
}
