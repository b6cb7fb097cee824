//! The demo team: a supervisor, three peers with two devices each (one of
//! them silent for three days), participant records with notes in every
//! review state — awaiting, approved, approved then amended, changes
//! requested, revised, draft, 42 CFR Part 2 — a field where two devices
//! wrote concurrently, and accompaniment logs with follow-ups.
//!
//! Documents are written the way the server stores a device's write: each
//! edit is a change under an actor bound to the device that "made" it,
//! appended with [`Db::persist`] (access row, projection and all), and
//! listed in the peer's caseload index. Reviews go through the console's
//! own writer. Times are relative to `now`; the accompaniments' to an
//! anchor that keeps them in one week and none in the future (see
//! [`accompaniment_anchor`]).

use std::collections::BTreeMap;

use alongside_shared::doc::accompaniment::{Accompaniment, Appointment, FollowUp};
use alongside_shared::doc::edit::accompaniment::{
    Step, add_follow_up, create_accompaniment, set_status, stamp_step, tick_follow_up,
};
use alongside_shared::doc::edit::participant::{
    NoteField, Signing, add_goal, add_note, create_participant, set_note_field, submit_note,
};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::edit::{AccompanimentText, NarrativePart, ParticipantText};
use alongside_shared::doc::participant::{Goal, Narrative, Note, Profile};
use alongside_shared::doc::vocab::{
    AccompanimentStatus, AppointmentKind, GoalStatus, NoteStatus, ReviewState,
};
use alongside_shared::doc::{CalendarDate, DocError, DocKind, Timestamp};
use alongside_shared::time::{DAY_MS, date};
use alongside_shared::wire::DocumentId;
use automerge::{ActorId, AutoCommit, ChangeHash};
use autosurgeon::Text;
use uuid::Uuid;

use crate::access::caseload::{self, CaseloadError, IndexEdit};
use crate::admin::{self, AdminError, Lifetime, NewUser};
use crate::auth::{Role, password};
use crate::console::time::week_start;
use crate::console::write::{self, NewReview, WriteError};
use crate::db::access::DocumentAccessRow;
use crate::db::{Db, DbError};
use crate::projection;
use crate::store::{self, codec};

/// The supervisor's username.
pub const SUPERVISOR: &str = "dana";
/// The peer whose password the demo prints (a device in a terminal).
pub const PEER: &str = "amir";
/// The demo team.
pub const TEAM: &str = "riverside";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Accounts could not be created.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// A caseload index could not be written.
    #[error(transparent)]
    Caseload(#[from] CaseloadError),
    /// A document edit failed.
    #[error("document edit: {0}")]
    Doc(String),
    /// A review could not be written.
    #[error(transparent)]
    Review(#[from] WriteError),
}

impl From<DocError> for SeedError {
    fn from(e: DocError) -> Self {
        SeedError::Doc(e.to_string())
    }
}

/// What the demo prints.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The supervisor's username.
    pub username: String,
    /// Their password (new on every run).
    pub password: String,
    /// A peer's username, to enrol a device in a terminal.
    pub peer_username: String,
    /// The peer's password (new on every run).
    pub peer_password: String,
    /// Whether the team was seeded now (false: it was already there).
    pub seeded: bool,
}

#[derive(Debug, Clone, Copy)]
struct Peer {
    id: Uuid,
    phone: Uuid,
    tablet: Uuid,
}

/// A document being written by devices.
struct Draft {
    id: Uuid,
    doc: AutoCommit,
    stored: Vec<ChangeHash>,
    claim: Option<DocumentAccessRow>,
}

struct Seeder<'a> {
    db: &'a Db,
    now: i64,
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

const HOUR: i64 = 3_600_000;

/// How far back the week's accompaniments reach from their anchor: the
/// earliest is planned 94 hours before it.
const WEEK_SPAN: i64 = 96 * HOUR;

/// When the demo's accompaniments of "this week" happened: now, once this
/// week has run long enough to hold them all; before that, the end of last
/// week. Either way they share one week (early in a week the console shows
/// them one "previous week" link away) and none lies in the future.
fn accompaniment_anchor(now: i64) -> i64 {
    let monday = week_start(now);
    if now - monday >= WEEK_SPAN {
        now
    } else {
        monday - 60_000
    }
}

impl Seeder<'_> {
    /// Persists what `draft` gained since it was last stored, as written by
    /// `peer` on `device`, through the server's one write path (held to
    /// the rules a device write meets).
    async fn store(&self, draft: &mut Draft, peer: Uuid, device: Uuid) -> Result<(), SeedError> {
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

    fn note(
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

    fn submit(&self, draft: &mut Draft, peer: &Peer, note: Uuid, at: i64) -> Result<(), SeedError> {
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

    async fn participant(
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
    async fn submitted(
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

    async fn review(
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
    async fn sync_down(&self, draft: &mut Draft) -> Result<(), SeedError> {
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
    async fn accompaniment(
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

async fn user(
    db: &Db,
    username: &str,
    display: &str,
    role: Role,
    password: Option<String>,
) -> Result<Uuid, SeedError> {
    let added = admin::add_user(
        db,
        NewUser {
            username: username.to_owned(),
            role,
            display_name: Some(display.to_owned()),
            password: Some(password.unwrap_or_else(password::generate)),
            team: Some(TEAM.to_owned()),
        },
    )
    .await?;
    Ok(added.id)
}

async fn peer(db: &Db, username: &str, display: &str) -> Result<Peer, SeedError> {
    let id = user(db, username, display, Role::Peer, None).await?;
    let first = display.split(' ').next().unwrap_or(display);
    let phone = admin::enroll_device(
        db,
        username,
        &format!("{first}'s phone"),
        Lifetime::default(),
    )
    .await?
    .device_id;
    let tablet = admin::enroll_device(
        db,
        username,
        &format!("{first}'s tablet"),
        Lifetime::default(),
    )
    .await?
    .device_id;
    db.touch_device(phone, Some("127.0.0.1")).await?;
    db.set_device_last_seen(tablet, 5.0).await?;
    Ok(Peer { id, phone, tablet })
}

/// Seeds the demo team unless it is there; either way gives the
/// supervisor a new password and returns the credentials.
pub async fn seed(db: &Db, now: i64) -> Result<Credentials, SeedError> {
    let password = password::generate();
    let seeded = db.login_row(SUPERVISOR).await?.is_none();
    if seeded {
        seed_team(db, now, &password).await?;
    } else {
        set_password(db, SUPERVISOR, &password).await?;
    }
    let peer_password = password::generate();
    set_password(db, PEER, &peer_password).await?;
    Ok(Credentials {
        username: SUPERVISOR.into(),
        password,
        peer_username: PEER.into(),
        peer_password,
        seeded,
    })
}

/// Gives `username` a new password.
async fn set_password(db: &Db, username: &str, new: &str) -> Result<(), SeedError> {
    let hash = {
        let p = new.to_owned();
        tokio::task::spawn_blocking(move || password::hash(&p))
            .await
            .map_err(|e| SeedError::Doc(e.to_string()))?
            .map_err(AdminError::from)?
    };
    db.set_password_hash(username, &hash).await?;
    Ok(())
}

/// Adds the team, its accounts and devices, and their caseloads.
async fn seed_team(db: &Db, now: i64, password: &str) -> Result<(), SeedError> {
    match admin::add_team(db, TEAM).await {
        Ok(_) | Err(AdminError::TeamExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let dana = user(
        db,
        SUPERVISOR,
        "Dana Okafor",
        Role::Supervisor,
        Some(password.to_owned()),
    )
    .await?;
    let sup = (dana, "Dana Okafor");
    let amir = peer(db, PEER, "Amir Haddad").await?;
    let bea = peer(db, "bea", "Bea Lindqvist").await?;
    let carlos = peer(db, "carlos", "Carlos Mendes").await?;
    // Carlos's tablet has not synced for three days.
    db.set_device_last_seen(carlos.tablet, 72.0).await?;

    let s = Seeder { db, now };

    // Amir: Rosa — awaiting, approved, approved then amended.
    let mut rosa = s
        .participant(
            &amir,
            "Rosa Díaz",
            Some("she/her"),
            &["Move into my own flat by spring", "Get back to the choir"],
        )
        .await?;
    s.submitted(
        &mut rosa,
        &amir,
        amir.phone,
        70,
        [
            "Went with Rosa to the housing office and helped her fill in the application.",
            "Her goal of her own flat by spring.",
            "Rosa spoke up for herself at the counter and was proud of it.",
            "Call the housing officer together on Thursday.",
        ],
    )
    .await?;
    let approved = s
        .submitted(
            &mut rosa,
            &amir,
            amir.tablet,
            50,
            [
                "Coffee at the community café; talked through the week.",
                "Staying connected and planning the choir return.",
                "Rosa laughed a lot and said the week felt lighter.",
                "Look up choir rehearsal times together.",
            ],
        )
        .await?;
    let amended = s
        .submitted(
            &mut rosa,
            &amir,
            amir.phone,
            30,
            [
                "Walked to the GP surgery for Rosa's medication review.",
                "Keeping well so the move stays on track.",
                "Rosa asked the GP her own questions from her list.",
                "Pick up the prescription on Monday.",
            ],
        )
        .await?;
    s.review(&mut rosa, sup, approved, ReviewState::Approved, "", 20)
        .await?;
    s.review(
        &mut rosa,
        sup,
        amended,
        ReviewState::Approved,
        "Good, clear note.",
        20,
    )
    .await?;
    s.sync_down(&mut rosa).await?;
    // Amir edits the approved note afterwards: it goes back for review.
    set_note_field(&mut rosa.doc, amended, NoteField::Setting("clinic".into()))?;
    replace_text(
        &mut rosa.doc,
        ParticipantText::Narrative(amended, NarrativePart::Plan),
        "Pick up the prescription on Monday; Rosa will go on her own and text me after.",
    )?;
    set_note_field(
        &mut rosa.doc,
        amended,
        NoteField::UpdatedAt(ts(now - 2 * HOUR)),
    )?;
    s.store(&mut rosa, amir.id, amir.phone).await?;

    // Amir: Jamal — a draft and a 42 CFR Part 2 note awaiting review.
    let mut jamal = s
        .participant(
            &amir,
            "Jamal Wright",
            Some("he/him"),
            &["Stay in recovery one day at a time"],
        )
        .await?;
    let part2 = Uuid::new_v4();
    let mut note = s.note(
        &amir,
        amir.phone,
        26,
        [
            "Went with Jamal to his recovery group and waited outside.",
            "His goal to stay in recovery.",
            "Jamal said the group helped and he wants to go weekly.",
            "Meet before next week's group.",
        ],
    )?;
    note.part2 = Some(true);
    add_note(&mut jamal.doc, part2, &note)?;
    s.submit(&mut jamal, &amir, part2, now - 24 * HOUR)?;
    s.store(&mut jamal, amir.id, amir.phone).await?;
    let draft_note = s.note(&amir, amir.tablet, 3, ["Short check-in call.", "", "", ""])?;
    add_note(&mut jamal.doc, Uuid::new_v4(), &draft_note)?;
    s.store(&mut jamal, amir.id, amir.tablet).await?;

    // Bea: Mei — changes requested, and a revised note.
    let mut mei = s
        .participant(
            &bea,
            "Mei Chen",
            Some("she/her"),
            &["Feel confident using the bus on my own"],
        )
        .await?;
    let asked = s
        .submitted(
            &mut mei,
            &bea,
            bea.phone,
            60,
            [
                "Bus trip into town together.",
                "Independent travel.",
                "Mei was anxious at first.",
                "",
            ],
        )
        .await?;
    let revised = s
        .submitted(
            &mut mei,
            &bea,
            bea.phone,
            40,
            [
                "Practised the bus timetable app.",
                "Independent travel.",
                "Mei found the app easier than expected.",
                "Try the route alone next week.",
            ],
        )
        .await?;
    s.review(
        &mut mei,
        sup,
        asked,
        ReviewState::ChangesRequested,
        "Please add the plan: what did you agree for next time?",
        30,
    )
    .await?;
    s.review(
        &mut mei,
        sup,
        revised,
        ReviewState::ChangesRequested,
        "Say how Mei's anxiety showed and what helped.",
        30,
    )
    .await?;
    s.sync_down(&mut mei).await?;
    replace_text(
        &mut mei.doc,
        ParticipantText::Narrative(revised, NarrativePart::Response),
        "Mei found the app easier than expected; her breathing slowed once she had checked the next two buses.",
    )?;
    set_note_field(
        &mut mei.doc,
        revised,
        NoteField::UpdatedAt(ts(now - 4 * HOUR)),
    )?;
    s.store(&mut mei, bea.id, bea.tablet).await?;

    // Bea: Tom — awaiting, with a field two devices set at once.
    let mut tom = s
        .participant(&bea, "Tom Baker", None, &["Sort out my benefits"])
        .await?;
    let contested = s
        .submitted(
            &mut tom,
            &bea,
            bea.phone,
            20,
            [
                "Met Tom at the benefits office.",
                "Sort out his benefits claim.",
                "Tom stayed calm through a long wait.",
                "Follow up on the decision letter.",
            ],
        )
        .await?;
    let mut tablet_copy = Draft {
        id: tom.id,
        doc: tom.doc.fork().with_actor(ActorId::random()),
        stored: tom.stored.clone(),
        claim: None,
    };
    set_note_field(&mut tom.doc, contested, NoteField::Setting("home".into()))?;
    set_note_field(
        &mut tablet_copy.doc,
        contested,
        NoteField::Setting("other".into()),
    )?;
    s.store(&mut tom, bea.id, bea.phone).await?;
    s.store(&mut tablet_copy, bea.id, bea.tablet).await?;

    // Carlos: Lena — awaiting; his tablet is the stale device.
    let mut lena = s
        .participant(
            &carlos,
            "Lena Novak",
            Some("they/them"),
            &["Get through the court date"],
        )
        .await?;
    s.submitted(
        &mut lena,
        &carlos,
        carlos.phone,
        10,
        [
            "Went with Lena to the county court for their hearing.",
            "Getting through the court date.",
            "Lena said having someone there made it bearable.",
            "Check in tomorrow about the outcome letter.",
        ],
    )
    .await?;

    // Accompaniments of one week (and one the week before).
    let s = Seeder {
        db,
        now: accompaniment_anchor(now),
    };
    s.accompaniment(
        &amir,
        &rosa,
        AppointmentKind::Housing,
        "Civic Centre, 2nd floor",
        "Housing options team",
        70,
        "Application accepted; Rosa is on the list for a one-bedroom flat.",
        &[
            ("Call the housing officer on Thursday", false),
            ("Copy the ID documents", true),
        ],
    )
    .await?;
    s.accompaniment(
        &bea,
        &mei,
        AppointmentKind::Medical,
        "Hillside GP surgery",
        "Dr Patel",
        60,
        "Medication review done; no changes.",
        &[("Book the follow-up blood test", false)],
    )
    .await?;
    s.accompaniment(
        &carlos,
        &lena,
        AppointmentKind::Court,
        "County Court",
        "Family court",
        10,
        "Hearing adjourned to next month.",
        &[("Ask the solicitor for the new date", false)],
    )
    .await?;
    s.accompaniment(
        &carlos,
        &lena,
        AppointmentKind::Legal,
        "Legal advice centre",
        "Duty solicitor",
        8 * 24,
        "Advice given about the hearing.",
        &[],
    )
    .await?;

    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weeks_accompaniments_share_one_week_and_none_is_in_the_future() {
        // Every quarter hour of two weeks, from a Monday (2026-11-16).
        let monday = 1_794_787_200_000;
        assert_eq!(date(monday), "2026-11-16");
        let mut late_in_the_week = 0;
        for step in 0..(14 * 24 * 4) {
            let now = monday + step * 15 * 60_000;
            let anchor = accompaniment_anchor(now);
            assert!(anchor <= now);
            // The earliest created_at the demo writes (70 h trip, planned a
            // day before) is in the anchor's week.
            assert_eq!(week_start(anchor - 94 * HOUR), week_start(anchor), "{now}");
            // Never older than last week.
            assert!(week_start(now) - week_start(anchor) <= 7 * DAY_MS);
            if anchor == now {
                late_in_the_week += 1;
            }
        }
        // From Friday 00:00 on, they are this week's.
        assert_eq!(late_in_the_week, 2 * (3 * 24 * 4));
    }
}
