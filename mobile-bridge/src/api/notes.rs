//! Progress notes: add, edit text by UTF-16 splice or replace, submit
//! (sign), and read notes with their supervisor reviews.

use std::collections::BTreeMap;

use alongside_shared::doc::DocKind;
use alongside_shared::doc::edit::ParticipantText;
use alongside_shared::doc::edit::participant::{
    NoteField, Signing, add_note, note_ids, set_note_field, submit_note,
};
use alongside_shared::doc::edit::text::{read_text, replace_text, splice_text_utf16};
use alongside_shared::doc::participant::{Narrative, Note};
use alongside_shared::doc::rules::{self, NoteInput, Zone, check_note_input};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{DocError, Timestamp};
use autosurgeon::Text;
use uuid::Uuid;

use super::error::{ApiError, parse_uuid};
use super::input::{self, NewNote, NoteText, TextEdit};
use super::read::{note_view, review_views};
use super::{Device, NoteSummary, NoteView, ReviewView};

/// The [`NewNote`] input a note rule's field (a note key) comes from.
fn input_field(key: &'static str) -> &'static str {
    match key {
        "serviceDate" => "service_date",
        "encounterEndAt" => "end",
        "utcOffset" => "utc_offset_minutes",
        other => other,
    }
}

/// Maps "not found" inside a note edit to the note being unknown.
fn note_err(note: Uuid) -> impl Fn(DocError) -> ApiError {
    move |e| match e {
        DocError::NotFound { .. } => ApiError::UnknownNote(note.to_string()),
        other => other.into(),
    }
}

impl Device {
    /// Adds a draft note to participant `participant`; returns its id.
    pub fn add_note(&mut self, participant: &str, note: &NewNote) -> Result<String, ApiError> {
        let me = self.me()?.clone();
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let now = self.now();
        let start = note.start.unwrap_or(now.millis());
        let end = note.end.unwrap_or(start.max(now.millis()));
        let offset = note.utc_offset_minutes.unwrap_or(0);
        let service_date = match &note.service_date {
            Some(d) => d.trim().to_owned(),
            None => rules::note_input::local_date(Timestamp::from_millis(start), offset)
                .map(|d| d.to_string())
                .ok_or_else(|| ApiError::invalid("start", "out of range"))?,
        };
        let setting = note
            .setting
            .as_deref()
            .unwrap_or("community")
            .trim()
            .to_owned();
        let checked = NoteInput {
            service_date: &service_date,
            start: Timestamp::from_millis(start),
            end: Timestamp::from_millis(end),
            setting: &setting,
        };
        if let Some(e) = check_note_input(&checked, Zone::Offset(offset))
            .into_iter()
            .next()
        {
            return Err(ApiError::invalid(input_field(e.field), e.to_string()));
        }
        let service_date = input::date("service_date", &service_date)?;
        let code = input::label(
            "service_code",
            note.service_code.as_deref().unwrap_or("H0038"),
        )?;
        for (field, text) in [
            ("intervention", &note.intervention),
            ("purpose", &note.purpose),
            ("response", &note.response),
            ("plan", &note.plan),
        ] {
            input::text(field, text)?;
        }
        let value = Note {
            author_id: me.user_id.clone(),
            device_id: me.device_id.clone(),
            service_date,
            encounter_at: Timestamp::from_millis(start),
            encounter_end_at: Timestamp::from_millis(end),
            setting,
            service_code: code,
            goal_ids: BTreeMap::new(),
            narrative: Narrative {
                intervention: Text::with_value(&note.intervention),
                purpose: Text::with_value(&note.purpose),
                response: Text::with_value(&note.response),
                plan: Text::with_value(&note.plan),
            },
            status: NoteStatus::Draft,
            created_at: now,
            author_name: me.user_name.clone(),
            credentials: None,
            participant_comment: None,
            part2: note.part2.then_some(true),
            submitted_at: None,
            signature: None,
            updated_at: Some(now),
            accompaniment_id: None,
        };
        let id = Uuid::new_v4();
        self.store.edit(&pid, |doc| {
            add_note(doc, id, &value)
                .map(|_| ())
                .map_err(ApiError::from)
        })?;
        Ok(id.to_string())
    }

    /// Edits one text field of a note. Positions of a splice are UTF-16
    /// code units. Returns the field's new text.
    pub fn edit_note_text(
        &mut self,
        participant: &str,
        note: &str,
        field: NoteText,
        edit: &TextEdit,
    ) -> Result<String, ApiError> {
        self.me()?;
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let nid = parse_uuid("note", note)?;
        let path = match field {
            NoteText::Narrative(part) => ParticipantText::Narrative(nid, part),
            NoteText::ParticipantComment => ParticipantText::ParticipantComment(nid),
        };
        match edit {
            TextEdit::Replace(text) | TextEdit::Splice { insert: text, .. } => {
                input::text("text", text)?;
            }
        }
        let now = self.now();
        self.store
            .edit(&pid, |doc| {
                set_note_field(doc, nid, NoteField::UpdatedAt(now)).map_err(note_err(nid))?;
                match edit {
                    TextEdit::Replace(text) => replace_text(doc, path, text),
                    TextEdit::Splice { at, delete, insert } => {
                        splice_text_utf16(doc, path, *at, *delete, insert)
                    }
                }
                .map_err(ApiError::from)?;
                let after = read_text(doc, path)?;
                if after.chars().count() > input::MAX_TEXT_CHARS {
                    return Err(ApiError::invalid("text", "the field would become too long"));
                }
                Ok(after)
            })
            .map_err(ApiError::from)
    }

    /// Submits (signs) a note: it must say what was done.
    pub fn submit_note(&mut self, participant: &str, note: &str) -> Result<NoteView, ApiError> {
        let me = self.me()?.clone();
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let nid = parse_uuid("note", note)?;
        let now = self.now();
        self.store.edit(&pid, |doc| {
            let intervention = read_text(
                doc,
                ParticipantText::Narrative(
                    nid,
                    alongside_shared::doc::edit::NarrativePart::Intervention,
                ),
            )
            .map_err(note_err(nid))?;
            if intervention.trim().is_empty() {
                return Err(ApiError::invalid(
                    "intervention",
                    "a note needs its intervention before it is submitted",
                ));
            }
            let heads = doc.get_heads();
            submit_note(
                doc,
                nid,
                Signing {
                    by: &me.user_id,
                    at: now,
                    heads: &heads,
                },
            )
            .map_err(note_err(nid))?;
            set_note_field(doc, nid, NoteField::UpdatedAt(now)).map_err(note_err(nid))
        })?;
        self.note(participant, note)
    }

    /// Note `note` of participant `participant`, with its reviews.
    pub fn note(&self, participant: &str, note: &str) -> Result<NoteView, ApiError> {
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let nid = parse_uuid("note", note)?;
        let doc = self
            .store
            .doc(&pid)
            .ok_or_else(|| ApiError::UnknownParticipant(participant.to_owned()))?;
        note_view(doc, &pid, nid)
    }

    /// The notes of a participant, newest service date first.
    pub fn notes(&self, participant: &str) -> Result<Vec<NoteSummary>, ApiError> {
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let doc = self
            .store
            .doc(&pid)
            .ok_or_else(|| ApiError::UnknownParticipant(participant.to_owned()))?;
        let mut out = Vec::new();
        for id in note_ids(doc)? {
            let n = alongside_shared::doc::read::read_note(doc, id)?;
            out.push(NoteSummary {
                id: id.to_string(),
                service_date: n.service_date.to_string(),
                status: n.status.to_string(),
                review_state: rules::standing::standing_of(doc, id, &n)?
                    .as_str()
                    .to_owned(),
                headline: n
                    .narrative
                    .intervention
                    .as_str()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(80)
                    .collect(),
            });
        }
        out.sort_by(|a, b| b.service_date.cmp(&a.service_date).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Supervisor reviews of a participant's notes (of one note if given),
    /// oldest first.
    pub fn reviews(
        &self,
        participant: &str,
        note: Option<&str>,
    ) -> Result<Vec<ReviewView>, ApiError> {
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let nid = note.map(|n| parse_uuid("note", n)).transpose()?;
        let doc = self
            .store
            .doc(&pid)
            .ok_or_else(|| ApiError::UnknownParticipant(participant.to_owned()))?;
        review_views(doc, nid)
    }
}
