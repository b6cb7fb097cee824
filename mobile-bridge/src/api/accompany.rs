//! Accompanied appointments, step by step: start (departed), arrived,
//! seen, ended, returned — each stamped with the device's time, in order
//! (`alongside_shared::doc::rules::steps`), or a missed step entered late
//! with the time it happened — then outcome, barriers and follow-ups.

use alongside_shared::doc::accompaniment::{Accompaniment, Appointment, FollowUp};
use alongside_shared::doc::edit::AccompanimentText;
use alongside_shared::doc::edit::accompaniment::{
    self as edit, AccompanimentField, StepStamp, add_follow_up, create_accompaniment, record_step,
    set_status, tick_follow_up,
};
use alongside_shared::doc::edit::text::replace_text;
use alongside_shared::doc::read::read_follow_up;
use alongside_shared::doc::rules::StepTimes;
use alongside_shared::doc::vocab::{AccompanimentStatus, AppointmentKind, Transport};
use alongside_shared::doc::{DocError, DocKind, Timestamp};
use alongside_shared::wire::DocumentId;
use autosurgeon::Text;
use uuid::Uuid;

use super::error::{ApiError, parse_uuid};
use super::input::{self, NewAccompaniment};
use super::read::accompaniment_view;
use super::{AccompanimentView, Device};

/// A step of the day (setting off is stamped by
/// [`Device::start_accompaniment`]; `Departed` here corrects it late).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Set off.
    Departed,
    /// Arrived at the appointment.
    Arrived,
    /// The participant was seen.
    Seen,
    /// The appointment ended.
    Ended,
    /// Back from the appointment (completes the log).
    Returned,
}

impl Step {
    /// Parses `depart(ed)`, `arrive(d)`, `seen`, `end(ed)`, `return(ed)`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "depart" | "departed" => Step::Departed,
            "arrive" | "arrived" => Step::Arrived,
            "seen" => Step::Seen,
            "end" | "ended" => Step::Ended,
            "return" | "returned" => Step::Returned,
            other => {
                return Err(ApiError::invalid(
                    "step",
                    format!("{other:?}: expected depart, arrive, seen, end or return"),
                ));
            }
        })
    }

    fn doc_step(self) -> edit::Step {
        match self {
            Step::Departed => edit::Step::Departed,
            Step::Arrived => edit::Step::Arrived,
            Step::Seen => edit::Step::Started,
            Step::Ended => edit::Step::Ended,
            Step::Returned => edit::Step::Returned,
        }
    }
}

impl Device {
    /// Starts accompanying participant `participant` to an appointment:
    /// creates the log, stamped departed now. Returns its document id.
    pub fn start_accompaniment(
        &mut self,
        participant: &str,
        a: &NewAccompaniment,
    ) -> Result<String, ApiError> {
        let me = self.me()?.clone();
        let pid = self.require("participant", participant, DocKind::Participant)?;
        let kind = input::vocab(
            "kind",
            a.kind.as_deref().unwrap_or("other"),
            AppointmentKind::parse,
            AppointmentKind::VALUES,
        )?;
        let transport = a
            .transport
            .as_deref()
            .map(|t| input::vocab("transport", t, Transport::parse, Transport::VALUES))
            .transpose()?;
        input::text("place", &a.place)?;
        input::text("provider", &a.provider)?;
        input::text("purpose", &a.purpose)?;
        let now = self.now();
        let mut log = Accompaniment::planned(
            &pid.to_string(),
            &me.user_id,
            Appointment {
                kind,
                place: Text::with_value(&a.place),
                provider: a.provider.trim().to_owned(),
                scheduled_at: a.scheduled_at.map(Timestamp::from_millis),
            },
            now,
        );
        log.purpose = Text::with_value(&a.purpose);
        log.transport = transport;
        log.departed_at = Some(now);
        log.departed_by = Some(me.user_id.clone());
        log.status = AccompanimentStatus::InProgress;
        let id = DocumentId::from_uuid(Uuid::new_v4());
        self.store.create(id, |doc| {
            create_accompaniment(doc, &log).map_err(ApiError::from)
        })?;
        Ok(id.to_string())
    }

    /// Stamps `step` of accompaniment `id` with the device's time now.
    /// Returning completes the log. Refused ([`ApiError::StepOrder`]) while
    /// a later step is stamped: enter a missed step with [`stamp_at`](Self::stamp_at).
    pub fn stamp(&mut self, id: &str, step: Step) -> Result<AccompanimentView, ApiError> {
        self.stamp_at(id, step, None)
    }

    /// Records `step` of accompaniment `id`: now (`at` None), or entered
    /// late with the time it happened (`at`, ms), between the stamped steps
    /// before and after it and not in the future; it is then marked entered
    /// late. Out of order is [`ApiError::StepOrder`], with nothing stored.
    pub fn stamp_at(
        &mut self,
        id: &str,
        step: Step,
        at: Option<i64>,
    ) -> Result<AccompanimentView, ApiError> {
        let me = self.me()?.user_id.clone();
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        let now = self.now();
        let stamp = StepStamp {
            at: at.map_or(now, Timestamp::from_millis),
            now,
            late: at.is_some(),
            by: &me,
        };
        self.store.edit(&aid, |doc| {
            record_step(doc, step.doc_step(), stamp)?;
            let returned = StepTimes::read(doc)?.get(edit::Step::Returned).is_some();
            let status = if returned {
                AccompanimentStatus::Completed
            } else {
                AccompanimentStatus::InProgress
            };
            set_status(doc, status).map_err(ApiError::from)
        })?;
        self.accompaniment(id)
    }

    /// Sets the outcome text (minimal diff against the current text).
    pub fn set_outcome(&mut self, id: &str, text: &str) -> Result<AccompanimentView, ApiError> {
        self.set_text(id, AccompanimentText::Outcome, text)
    }

    /// Sets the barriers text (minimal diff against the current text).
    pub fn set_barriers(&mut self, id: &str, text: &str) -> Result<AccompanimentView, ApiError> {
        self.set_text(id, AccompanimentText::Barriers, text)
    }

    fn set_text(
        &mut self,
        id: &str,
        field: AccompanimentText,
        text: &str,
    ) -> Result<AccompanimentView, ApiError> {
        self.me()?;
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        input::text("text", text)?;
        self.store.edit(&aid, |doc| {
            replace_text(doc, field, text).map_err(ApiError::from)
        })?;
        self.accompaniment(id)
    }

    /// Links the accompaniment to the note that documents it.
    pub fn link_note(&mut self, id: &str, note: &str) -> Result<(), ApiError> {
        self.me()?;
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        let nid = parse_uuid("note", note)?;
        self.store.edit(&aid, |doc| {
            edit::set_field(doc, AccompanimentField::NoteId(nid.to_string()))
                .map_err(ApiError::from)
        })?;
        Ok(())
    }

    /// Adds a follow-up; returns its id.
    pub fn add_follow_up(
        &mut self,
        id: &str,
        text: &str,
        due_on: Option<&str>,
    ) -> Result<String, ApiError> {
        let me = self.me()?.user_id.clone();
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        let text = input::label("text", text).or_else(|_| {
            input::text("text", text)?;
            Err(ApiError::invalid("text", "must not be empty"))
        })?;
        let due_on = due_on.map(|d| input::date("due_on", d)).transpose()?;
        let follow_up = FollowUp {
            text: Text::with_value(&text),
            due_on,
            done: false,
            done_at: None,
            done_by: None,
            created_at: self.now(),
            created_by: Some(me),
        };
        let fid = Uuid::new_v4();
        self.store.edit(&aid, |doc| {
            add_follow_up(doc, fid, &follow_up)
                .map(|_| ())
                .map_err(ApiError::from)
        })?;
        Ok(fid.to_string())
    }

    /// Ticks follow-up `follow_up` done, now.
    pub fn tick_follow_up(
        &mut self,
        id: &str,
        follow_up: &str,
    ) -> Result<AccompanimentView, ApiError> {
        let me = self.me()?.user_id.clone();
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        let fid = parse_uuid("follow_up", follow_up)?;
        let now = self.now();
        self.store.edit(&aid, |doc| {
            read_follow_up(doc, fid).map_err(|e| match e {
                DocError::NotFound { .. } => ApiError::UnknownFollowUp(follow_up.to_owned()),
                other => other.into(),
            })?;
            tick_follow_up(doc, fid, now, &me).map_err(ApiError::from)
        })?;
        self.accompaniment(id)
    }

    /// Accompaniment log `id`.
    pub fn accompaniment(&self, id: &str) -> Result<AccompanimentView, ApiError> {
        let aid = self.require("accompaniment", id, DocKind::Accompaniment)?;
        let doc = self
            .store
            .doc(&aid)
            .ok_or_else(|| ApiError::UnknownAccompaniment(id.to_owned()))?;
        accompaniment_view(doc, &aid)
    }

    /// Every accompaniment log held (of one participant, if given).
    pub fn accompaniments(
        &self,
        participant: Option<&str>,
    ) -> Result<Vec<AccompanimentView>, ApiError> {
        let mut out = Vec::new();
        for aid in self.store.ids_of_kind(DocKind::Accompaniment) {
            let Some(doc) = self.store.doc(&aid) else {
                continue;
            };
            let view = accompaniment_view(doc, &aid)?;
            if participant.is_none_or(|p| p == view.participant_id) {
                out.push(view);
            }
        }
        Ok(out)
    }
}
