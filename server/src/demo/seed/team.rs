//! What the demo team is: its accounts, and the participant records,
//! notes, reviews and accompaniment logs of each peer's caseload, in every
//! state the console shows.

use alongside_shared::doc::edit::participant::{NoteField, add_note, set_note_field};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::edit::{NarrativePart, ParticipantText};
use alongside_shared::doc::vocab::{AppointmentKind, ReviewState};
use automerge::ActorId;
use uuid::Uuid;

use super::accounts::{peer, user};
use super::clock::{HOUR, accompaniment_anchor, ts};
use super::writer::{Draft, Seeder};
use super::{PEER, SUPERVISOR, SeedError, TEAM};
use crate::admin::{self, AdminError};
use crate::auth::Role;
use crate::db::Db;

/// Adds the team, its accounts and devices, and their caseloads.
pub(super) async fn seed_team(db: &Db, now: i64, password: &str) -> Result<(), SeedError> {
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
    set_note_field(
        &mut rosa.doc,
        amended,
        NoteField::Setting(alongside_shared::doc::vocab::Setting::Clinic),
    )?;
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
    set_note_field(
        &mut tom.doc,
        contested,
        NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
    )?;
    set_note_field(
        &mut tablet_copy.doc,
        contested,
        NoteField::Setting(alongside_shared::doc::vocab::Setting::Other),
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
