//! The note rules a write is held to where it changes them: the checks of
//! [`super::note_input`] that need no zone, applied by the server (and any
//! writer) to the notes a write touched, only when the write changed one of
//! the fields they look at.
//!
//! Old documents may hold free-text settings, or dates written before
//! these rules: a write that changes a note's narrative leaves them alone
//! and is accepted. A write that sets `setting` must use the vocabulary;
//! one that changes `serviceDate` or `encounterAt` must keep them agreeing
//! (in some real zone); one that changes `encounterAt` or `encounterEndAt`
//! must keep the end not before the start. A new note is all change.

use automerge::{AutoCommit, ChangeHash};
use uuid::Uuid;

use super::note_input::{NoteInput, NoteInputError, NoteProblem, Zone, check_note_input};
use crate::doc::authorship::views::{At, Views};
use crate::doc::read::read_note;
use crate::doc::touched::Touched;

/// The first broken note rule among the notes the write since `before`
/// touched, with the note's id; only rules on fields the write changed.
/// Run after schema validation (a note that does not read is left to it).
pub fn check_note_writes(
    doc: &AutoCommit,
    before: &[ChangeHash],
    touched: &Touched,
) -> Result<(), (Uuid, NoteInputError)> {
    let view = Views { doc, before };
    for key in view.touched_entries(touched, "notes") {
        let Some(now) = view.entry("notes", &key, At::Now) else {
            continue;
        };
        let then = view.entry("notes", &key, At::Then);
        let changed = |field: &str| match &then {
            None => true,
            Some(then) => view.field(then, field, At::Then) != view.field(&now, field, At::Now),
        };
        let (date, start, end, setting) = (
            changed("serviceDate"),
            changed("encounterAt"),
            changed("encounterEndAt"),
            changed("setting"),
        );
        if !(date || start || end || setting) {
            continue;
        }
        let Ok(id) = Uuid::parse_str(&key) else {
            continue;
        };
        let Ok(note) = read_note(doc, id) else {
            continue;
        };
        let input = NoteInput {
            service_date: note.service_date.as_str(),
            start: note.encounter_at,
            end: note.encounter_end_at,
            setting: &note.setting,
        };
        let wanted = |e: &NoteInputError| match e.problem {
            NoteProblem::DateDisagreesWithStart | NoteProblem::NotADate => date || start,
            NoteProblem::EndBeforeStart => start || end,
            NoteProblem::NotInVocabulary => setting,
            NoteProblem::OffsetOutOfRange => false,
        };
        if let Some(e) = check_note_input(&input, Zone::Unknown)
            .into_iter()
            .find(wanted)
        {
            return Err((id, e));
        }
    }
    Ok(())
}
