//! How the seed writes its documents the way devices do: each document is
//! a [`Draft`] whose edits are stored through the server's one write path
//! as changes of the device that "made" them, under a fresh actor each
//! time; reviews go through the console's writer, and a draft syncs down
//! what the database holds as a device would.

use std::collections::BTreeMap;

use alongside_shared::doc::accompaniment::{Accompaniment, Appointment, FollowUp};
use alongside_shared::doc::edit::AccompanimentText;
use alongside_shared::doc::edit::accompaniment::{
    Step, add_follow_up, create_accompaniment, set_status, stamp_step, tick_follow_up,
};
use alongside_shared::doc::edit::participant::{
    Signing, add_goal, add_note, create_participant, submit_note,
};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::participant::{Goal, Narrative, Note, Profile};
use alongside_shared::doc::vocab::{
    AccompanimentStatus, AppointmentKind, GoalStatus, NoteStatus, ReviewState,
};
use alongside_shared::doc::{CalendarDate, DocKind};
use alongside_shared::time::{DAY_MS, date};
use alongside_shared::wire::DocumentId;
use automerge::{ActorId, AutoCommit, ChangeHash};
use autosurgeon::Text;
use uuid::Uuid;

use super::accounts::Peer;
use super::clock::{HOUR, ts};
use super::{SUPERVISOR, SeedError};
use crate::access::caseload::{self, IndexEdit};
use crate::console::write::{self, NewReview};
use crate::db::Db;
use crate::db::access::DocumentAccessRow;
use crate::projection;
use crate::store::{self, codec};

/// A document being written by devices.
pub(super) struct Draft {
    pub(super) id: Uuid,
    pub(super) doc: AutoCommit,
    pub(super) stored: Vec<ChangeHash>,
    pub(super) claim: Option<DocumentAccessRow>,
}

pub(super) struct Seeder<'a> {
    pub(super) db: &'a Db,
    pub(super) now: i64,
}

impl Seeder<'_> {
    /// Persists what `draft` gained since it was last stored, as written by
    /// `peer` on `device`, through the server's one write path (held to
    /// the rules a device write meets).
    pub(super) async fn store(
        &self,
        draft: &mut Draft,
        peer: Uuid,
        device: Uuid,
    ) -> Result<(), SeedError> {
        draft.doc.commit();
        let kind = projection::document_kind(&draft.doc)
            .and_then(|name| DocKind::from_type_name(&name))
            .ok_or_else(|| SeedError::Doc("a seeded document has no kind".into()))?;
        let stored = draft.stored.clone();
        store::append(
            self.db,
            store::Write {
                document: draft.id,
                doc: &mut draft.doc,
                before: &stored,
                kind,
                author: store::Author::User {
                    user: peer,
                    device: Some(device),
                },
                claim: draft.claim.take(),
                audit: Vec::new(),
                announce_as: "demo",
                peer: Some(format!("demo-{device}")),
            },
        )
        .await
        .map_err(|e| SeedError::Doc(e.to_string()))?;
        draft.stored = draft.doc.get_heads();
        // The next edit is another session on some device: a fresh actor.
        draft.doc.set_actor(ActorId::random());
        Ok(())
    }

    pub(super) fn note(
        &self,
        peer: &Peer,
        device: Uuid,
        hours_ago: i64,
        text: [&str; 4],
    ) -> Result<Note, SeedError> {
        let start = self.now - hours_ago * HOUR;
        let service_date = CalendarDate::parse(&date(start))
            .ok_or_else(|| SeedError::Doc(format!("no date for {start}")))?;
        Ok(Note {
            author_id: peer.id.to_string(),
            device_id: device.to_string(),
            service_date,
            encounter_at: ts(start),
            encounter_end_at: ts(start + 50 * 60_000),
            setting: "community".into(),
            service_code: "H0038".into(),
            goal_ids: BTreeMap::new(),
            narrative: Narrative {
                intervention: Text::with_value(text[0]),
                purpose: Text::with_value(text[1]),
                response: Text::with_value(text[2]),
                plan: Text::with_value(text[3]),
            },
            status: NoteStatus::Draft,
            created_at: ts(start + 55 * 60_000),
            author_name: None,
            credentials: Some("CPRS".into()),
            participant_comment: None,
            part2: Some(false),
            submitted_at: None,
            signature: None,
            updated_at: None,
            accompaniment_id: None,
        })
    }

    pub(super) fn submit(
        &self,
        draft: &mut Draft,
        peer: &Peer,
        note: Uuid,
        at: i64,
    ) -> Result<(), SeedError> {
        let heads = draft.doc.get_heads();
        let by = peer.id.to_string();
        submit_note(
            &mut draft.doc,
            note,
            Signing {
                by: &by,
                at: ts(at),
                heads: &heads,
            },
        )?;
        Ok(())
    }

    pub(super) async fn participant(
        &self,
        peer: &Peer,
        name: &str,
        pronouns: Option<&str>,
        goals: &[&str],
    ) -> Result<Draft, SeedError> {
        let id = Uuid::new_v4();
        let mut doc = AutoCommit::new();
        let mut profile = Profile::new(name);
        profile.pronouns = pronouns.map(str::to_owned);
        create_participant(&mut doc, &profile)?;
        for text in goals {
            add_goal(
                &mut doc,
                Uuid::new_v4(),
                &Goal {
                    text: Text::with_value(*text),
                    status: GoalStatus::Active,
                    created_at: ts(self.now - 30 * DAY_MS),
                    created_by: Some(peer.id.to_string()),
                },
            )?;
        }
        let mut draft = Draft {
            id,
            doc,
            stored: Vec::new(),
            claim: Some(DocumentAccessRow {
                document: id,
                kind: "participant".into(),
                owner: Some(peer.id),
                participant: None,
            }),
        };
        self.store(&mut draft, peer.id, peer.phone).await?;
        caseload::update(
            self.db,
            peer.id,
            &[IndexEdit::Participant {
                document: id,
                display_name: name.to_owned(),
            }],
        )
        .await?;
        Ok(draft)
    }

    /// Adds and submits a note from `device`; its id.
    pub(super) async fn submitted(
        &self,
        draft: &mut Draft,
        peer: &Peer,
        device: Uuid,
        hours_ago: i64,
        text: [&str; 4],
    ) -> Result<Uuid, SeedError> {
        let id = Uuid::new_v4();
        let note = self.note(peer, device, hours_ago, text)?;
        add_note(&mut draft.doc, id, &note)?;
        self.submit(draft, peer, id, self.now - hours_ago * HOUR + HOUR)?;
        self.store(draft, peer.id, device).await?;
        Ok(id)
    }

    pub(super) async fn review(
        &self,
        draft: &mut Draft,
        supervisor: (Uuid, &str),
        note: Uuid,
        state: ReviewState,
        comment: &str,
        hours_ago: i64,
    ) -> Result<(), SeedError> {
        let review = NewReview {
            note,
            state,
            comment: comment.to_owned(),
            reviewer: supervisor.0,
            reviewer_name: supervisor.1.to_owned(),
            seen_heads: draft
                .doc
                .get_heads()
                .iter()
                .map(ToString::to_string)
                .collect(),
            at: self.now - hours_ago * HOUR,
        };
        let audit = crate::audit::AuditRecord::new(
            crate::audit::AuditAction::WriteAccepted,
            crate::audit::AuditOutcome::Allowed,
        )
        .user(supervisor.0, SUPERVISOR)
        .document(draft.id)
        .detail("demo review");
        write::write_review(self.db, draft.id, &review, audit).await?;
        Ok(())
    }

    /// Merges what the database holds (the reviews) into `draft`, as a
    /// device does when it syncs.
    pub(super) async fn sync_down(&self, draft: &mut Draft) -> Result<(), SeedError> {
        let Some(stored) = self.db.load(draft.id).await? else {
            return Ok(());
        };
        let mut server = codec::load(&stored).map_err(|e| SeedError::Doc(e.to_string()))?;
        draft
            .doc
            .merge(&mut server)
            .map_err(|e| SeedError::Doc(e.to_string()))?;
        draft.stored = draft.doc.get_heads();
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn accompaniment(
        &self,
        peer: &Peer,
        participant: &Draft,
        kind: AppointmentKind,
        place: &str,
        provider: &str,
        hours_ago: i64,
        outcome: &str,
        follow_ups: &[(&str, bool)],
    ) -> Result<(), SeedError> {
        let id = Uuid::new_v4();
        let start = self.now - hours_ago * HOUR;
        let log = Accompaniment::planned(
            &DocumentId::from_uuid(participant.id).to_string(),
            &peer.id.to_string(),
            Appointment {
                kind,
                place: Text::with_value(place),
                provider: provider.to_owned(),
                scheduled_at: Some(ts(start + 40 * 60_000)),
            },
            ts(start - DAY_MS),
        );
        let mut doc = AutoCommit::new();
        create_accompaniment(&mut doc, &log)?;
        let mut draft = Draft {
            id,
            doc,
            stored: Vec::new(),
            claim: Some(DocumentAccessRow {
                document: id,
                kind: "accompaniment".into(),
                owner: None,
                participant: Some(participant.id),
            }),
        };
        self.store(&mut draft, peer.id, peer.phone).await?;
        let steps = [
            (Step::Departed, 0),
            (Step::Arrived, 35),
            (Step::Started, 55),
            (Step::Ended, 95),
            (Step::Returned, 130),
        ];
        for (step, minutes) in steps {
            stamp_step(
                &mut draft.doc,
                step,
                ts(start + minutes * 60_000),
                &peer.id.to_string(),
            )?;
        }
        set_status(&mut draft.doc, AccompanimentStatus::Completed)?;
        replace_text(&mut draft.doc, AccompanimentText::Outcome, outcome)?;
        for (text, done) in follow_ups {
            let fid = Uuid::new_v4();
            add_follow_up(
                &mut draft.doc,
                fid,
                &FollowUp {
                    text: Text::with_value(*text),
                    due_on: CalendarDate::parse(&date(self.now + 7 * DAY_MS)),
                    done: false,
                    done_at: None,
                    done_by: None,
                    created_at: ts(start + 140 * 60_000),
                    created_by: Some(peer.id.to_string()),
                },
            )?;
            if *done {
                tick_follow_up(
                    &mut draft.doc,
                    fid,
                    ts(start + 150 * 60_000),
                    &peer.id.to_string(),
                )?;
            }
        }
        self.store(&mut draft, peer.id, peer.phone).await?;
        caseload::update(
            self.db,
            peer.id,
            &[IndexEdit::Accompaniment {
                document: id,
                participant: participant.id,
            }],
        )
        .await?;
        Ok(())
    }
}
