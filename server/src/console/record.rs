//! What the participant page reads from the merged Automerge document,
//! beyond the typed view: the content of a note as a reviewer judges it,
//! what changed in a note since the version a review saw, values that
//! Automerge set aside when it picked one of several concurrent writes
//! (`get_all`), and which change last touched a note (for its sync time).
//!
//! Pure functions over an `AutoCommit`; no I/O.

use std::collections::HashMap;

use alongside_shared::doc::ids::heads_from_hex;
use alongside_shared::doc::participant::Note;
use alongside_shared::doc::read::read_note;
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, Value};
use uuid::Uuid;

use super::time;

/// A field of a note whose value differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's label.
    pub field: &'static str,
    /// The value in the earlier version.
    pub before: String,
    /// The value now.
    pub after: String,
}

/// A field where concurrent writes left several values: the one shown and
/// the ones Automerge did not pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Where, as a path of keys (`profile.pronouns`, `notes.<id>.setting`).
    pub path: String,
    /// The value the document shows.
    pub shown: String,
    /// The other concurrent values.
    pub others: Vec<String>,
}

/// The fields of a note a reviewer judges, labelled, as display text.
/// Bookkeeping (signature, `updatedAt`, `submittedAt`) is left out, so a
/// re-signature alone is not an amendment.
pub fn note_content(note: &Note) -> Vec<(&'static str, String)> {
    let goals: Vec<String> = note.goal_ids.keys().map(Uuid::to_string).collect();
    vec![
        ("Service date", note.service_date.as_str().to_owned()),
        ("Start", time::date_time(note.encounter_at.millis())),
        ("End", time::date_time(note.encounter_end_at.millis())),
        ("Setting", note.setting.clone()),
        ("Service code", note.service_code.clone()),
        ("Goals addressed", goals.join(", ")),
        (
            "42 CFR Part 2",
            yes_no(note.part2.unwrap_or(false)).to_owned(),
        ),
        (
            "Intervention",
            note.narrative.intervention.as_str().to_owned(),
        ),
        ("Purpose", note.narrative.purpose.as_str().to_owned()),
        ("Response", note.narrative.response.as_str().to_owned()),
        ("Plan", note.narrative.plan.as_str().to_owned()),
        (
            "Participant's comment",
            note.participant_comment
                .as_ref()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        ),
    ]
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The fields that differ between `before` and `after`.
pub fn changes_between(before: &Note, after: &Note) -> Vec<FieldChange> {
    note_content(before)
        .into_iter()
        .zip(note_content(after))
        .filter(|((_, b), (_, a))| a != b)
        .map(|((field, before), (_, after))| FieldChange {
            field,
            before,
            after,
        })
        .collect()
}

/// Note `note` as it stood at `heads` (hex change hashes, as a review
/// records them). `None` when the heads are not all in the document or the
/// note did not exist then.
pub fn note_at(doc: &mut AutoCommit, note: Uuid, heads: &[String]) -> Option<Note> {
    let heads = heads_from_hex(heads)?;
    if heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return None;
    }
    let then = doc.fork_at(&heads).ok()?;
    read_note(&then, note).ok()
}

/// Whether note `note` differs now from the version at `heads` (a review's
/// heads). Heads the document does not hold count as changed, so that a
/// note is never silently taken as unchanged.
pub fn changed_since(doc: &mut AutoCommit, note: Uuid, heads: &[String]) -> bool {
    let Ok(now) = read_note(&*doc, note) else {
        return false;
    };
    match note_at(doc, note, heads) {
        Some(then) => !changes_between(&then, &now).is_empty(),
        None => true,
    }
}

fn display(doc: &AutoCommit, value: &Value<'_>, id: &ObjId) -> String {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            automerge::ScalarValue::Str(s) => s.to_string(),
            automerge::ScalarValue::Timestamp(ms) => time::date_time(*ms),
            other => other.to_string(),
        },
        Value::Object(ObjType::Text) => doc.text(id).unwrap_or_default(),
        Value::Object(kind) => format!("({kind:?})"),
    }
}

fn map_conflicts(doc: &AutoCommit, obj: &ObjId, path: &str, out: &mut Vec<Conflict>) {
    for key in doc.keys(obj) {
        let Ok(values) = doc.get_all(obj, key.as_str()) else {
            continue;
        };
        if values.len() < 2 {
            continue;
        }
        // `get` returns the winner; `get_all` every concurrent value.
        let winner = doc.get(obj, key.as_str()).ok().flatten();
        let shown = winner
            .as_ref()
            .map(|(v, id)| display(doc, v, id))
            .unwrap_or_default();
        let winner_id = winner.map(|(_, id)| id);
        let others = values
            .iter()
            .filter(|(_, id)| Some(id) != winner_id.as_ref())
            .map(|(v, id)| display(doc, v, id))
            .collect();
        out.push(Conflict {
            path: format!("{path}.{key}"),
            shown,
            others,
        });
    }
}

fn map_of(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

/// Every field of the record's profile, goals and notes (and the notes'
/// narratives) where concurrent writes left more than one value.
pub fn conflicts(doc: &AutoCommit) -> Vec<Conflict> {
    let mut out = Vec::new();
    let root = automerge::ROOT;
    if let Some(profile) = map_of(doc, &root, "profile") {
        map_conflicts(doc, &profile, "profile", &mut out);
    }
    for collection in ["goals", "notes"] {
        let Some(entries) = map_of(doc, &root, collection) else {
            continue;
        };
        for key in doc.keys(&entries).collect::<Vec<_>>() {
            let Some(entry) = map_of(doc, &entries, &key) else {
                continue;
            };
            let path = format!("{collection}.{key}");
            map_conflicts(doc, &entry, &path, &mut out);
            if let Some(narrative) = map_of(doc, &entry, "narrative") {
                map_conflicts(doc, &narrative, &format!("{path}.narrative"), &mut out);
            }
        }
    }
    out
}

/// Where each change's operations are: actor → (first op, last op, hash).
pub struct ChangeIndex {
    ranges: HashMap<Vec<u8>, Vec<(u64, u64, ChangeHash)>>,
}

impl ChangeIndex {
    /// Indexes every change of `doc`.
    pub fn new(doc: &mut AutoCommit) -> Self {
        let mut ranges: HashMap<Vec<u8>, Vec<(u64, u64, ChangeHash)>> = HashMap::new();
        for change in doc.get_changes(&[]) {
            if change.is_empty() {
                continue;
            }
            ranges
                .entry(change.actor_id().to_bytes().to_vec())
                .or_default()
                .push((change.start_op().get(), change.max_op(), change.hash()));
        }
        Self { ranges }
    }

    /// The change that made operation `id`.
    pub fn change_of(&self, id: &ObjId) -> Option<ChangeHash> {
        let automerge::ObjId::Id(counter, actor, _) = id else {
            return None;
        };
        self.ranges
            .get(actor.to_bytes())?
            .iter()
            .find(|(start, end, _)| (*start..=*end).contains(counter))
            .map(|(_, _, hash)| *hash)
    }
}

/// The change that made the latest of note `note`'s current field values
/// (its most recent edit that the note's own fields show).
pub fn last_change_of_note(
    doc: &AutoCommit,
    index: &ChangeIndex,
    note: Uuid,
) -> Option<ChangeHash> {
    let notes = map_of(doc, &automerge::ROOT, "notes")?;
    let entry = map_of(doc, &notes, &note.to_string())?;
    let mut latest: Option<(u64, ObjId)> = None;
    let mut consider = |id: ObjId| {
        if let automerge::ObjId::Id(counter, _, _) = &id
            && latest.as_ref().is_none_or(|(c, _)| counter > c)
        {
            latest = Some((*counter, id));
        }
    };
    consider(entry.clone());
    for key in doc.keys(&entry) {
        if let Ok(Some((_, id))) = doc.get(&entry, key.as_str()) {
            consider(id);
        }
    }
    latest.and_then(|(_, id)| index.change_of(&id))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alongside_shared::doc::edit::participant::{
        NoteField, add_note, create_participant, set_note_field,
    };
    use alongside_shared::doc::participant::{Narrative, Profile};
    use alongside_shared::doc::vocab::NoteStatus;
    use alongside_shared::doc::{CalendarDate, Timestamp};
    use autosurgeon::Text;
    use std::collections::BTreeMap;

    /// A submitted note by user "author" on device "device".
    pub(crate) fn note() -> Note {
        Note {
            author_id: "author".into(),
            device_id: "device".into(),
            service_date: CalendarDate::parse("2026-11-20").unwrap_or_else(|| unreachable!()),
            encounter_at: Timestamp::from_millis(1_000_000),
            encounter_end_at: Timestamp::from_millis(4_000_000),
            setting: "community".into(),
            service_code: "H0038".into(),
            goal_ids: BTreeMap::new(),
            narrative: Narrative {
                intervention: Text::with_value("Walked to the clinic together."),
                ..Narrative::default()
            },
            status: NoteStatus::Submitted,
            created_at: Timestamp::from_millis(1_000_000),
            author_name: None,
            credentials: None,
            participant_comment: None,
            part2: Some(false),
            submitted_at: None,
            signature: None,
            updated_at: None,
            accompaniment_id: None,
        }
    }

    fn record() -> (AutoCommit, Uuid) {
        let mut doc = AutoCommit::new();
        create_participant(&mut doc, &Profile::new("Rosa")).unwrap_or_else(|e| panic!("{e}"));
        let id = Uuid::new_v4();
        add_note(&mut doc, id, &note()).unwrap_or_else(|e| panic!("{e}"));
        doc.commit();
        (doc, id)
    }

    #[test]
    fn a_note_changed_after_the_reviewed_heads_shows_what_changed() {
        let (mut doc, id) = record();
        let seen: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        assert!(!changed_since(&mut doc, id, &seen));
        set_note_field(
            &mut doc,
            id,
            NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        doc.commit();
        assert!(changed_since(&mut doc, id, &seen));
        let then = note_at(&mut doc, id, &seen).unwrap_or_else(|| panic!("note at heads"));
        let now = read_note(&doc, id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            changes_between(&then, &now),
            vec![FieldChange {
                field: "Setting",
                before: "community".into(),
                after: "home".into()
            }]
        );
        // Only a new timestamp: not an amendment.
        let seen: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        set_note_field(
            &mut doc,
            id,
            NoteField::UpdatedAt(Timestamp::from_millis(9)),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        doc.commit();
        assert!(!changed_since(&mut doc, id, &seen));
        // Heads this document does not hold: counted as changed.
        assert!(changed_since(&mut doc, id, &["00".repeat(32)]));
    }

    #[test]
    fn concurrent_values_are_all_shown() {
        let (mut doc, id) = record();
        let mut phone = doc.fork();
        let mut tablet = doc.fork();
        set_note_field(
            &mut phone,
            id,
            NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        set_note_field(
            &mut tablet,
            id,
            NoteField::Setting(alongside_shared::doc::vocab::Setting::Clinic),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        phone.commit();
        tablet.commit();
        doc.merge(&mut phone).unwrap_or_else(|e| panic!("{e}"));
        doc.merge(&mut tablet).unwrap_or_else(|e| panic!("{e}"));
        let found = conflicts(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!(c.path, format!("notes.{id}.setting"));
        let mut all = c.others.clone();
        all.push(c.shown.clone());
        all.sort();
        assert_eq!(all, vec!["clinic".to_owned(), "home".to_owned()]);
        assert_ne!(c.others, vec![c.shown.clone()]);
    }

    #[test]
    fn the_last_change_of_a_note_is_found() {
        let (mut doc, id) = record();
        let first = doc.get_heads()[0];
        let index = ChangeIndex::new(&mut doc);
        assert_eq!(last_change_of_note(&doc, &index, id), Some(first));
        set_note_field(
            &mut doc,
            id,
            NoteField::Setting(alongside_shared::doc::vocab::Setting::Home),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        doc.commit();
        let second = doc.get_heads()[0];
        let index = ChangeIndex::new(&mut doc);
        assert_eq!(last_change_of_note(&doc, &index, id), Some(second));
        assert_ne!(first, second);
    }
}
