//! The rules of an accompaniment log: who it names as its peer, who
//! stamped each step, and who added and ticked each follow-up.

use automerge::{ObjId, ROOT};

use super::views::{At, Views};
use super::{AuthorshipError, Touched, Writer, is, refuse, same_id};

/// The steps of an accompaniment: the time and who stamped it.
const STEPS: [(&str, &str); 5] = [
    ("departedAt", "departedBy"),
    ("arrivedAt", "arrivedBy"),
    ("startedAt", "startedBy"),
    ("endedAt", "endedBy"),
    ("returnedAt", "returnedBy"),
];

pub(super) fn accompaniment(
    view: &Views<'_>,
    touched: &Touched,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let created = view.before.is_empty();
    if created {
        if !is(
            view.field(&ROOT, "peerId", At::Now).as_deref(),
            writer.user_id,
        ) {
            return Err(refuse(
                "a new accompaniment log's peerId must be its writer",
            ));
        }
    } else {
        for key in ["peerId", "createdAt"] {
            if touched.root_keys.contains(key)
                && view.field(&ROOT, key, At::Then) != view.field(&ROOT, key, At::Now)
            {
                return Err(refuse(format!(
                    "an accompaniment log's {key} never changes"
                )));
            }
        }
    }
    for (time, by) in STEPS {
        let time_changed = view.field(&ROOT, time, At::Then) != view.field(&ROOT, time, At::Now);
        let by_now = view.field(&ROOT, by, At::Now);
        let by_changed = view.field(&ROOT, by, At::Then) != by_now;
        if time_changed {
            let stamped = view.field(&ROOT, time, At::Now).is_some();
            let ok = match &by_now {
                Some(who) => same_id(who, writer.user_id),
                None => !stamped,
            };
            if !ok {
                return Err(refuse(format!(
                    "{time} must be stamped with its writer in {by}"
                )));
            }
        } else if by_changed {
            return Err(refuse(format!("{by} changes only with {time}")));
        }
    }
    Ok(())
}

pub(super) fn follow_up(
    view: &Views<'_>,
    key: &str,
    writer: Writer<'_>,
) -> Result<(), AuthorshipError> {
    let then = view.entry("followUps", key, At::Then);
    let Some(now) = view.entry("followUps", key, At::Now) else {
        return Ok(());
    };
    let created_by = view.field(&now, "createdBy", At::Now);
    match &then {
        None => {
            if created_by
                .as_deref()
                .is_some_and(|by| !same_id(by, writer.user_id))
            {
                return Err(refuse("a new follow-up's createdBy must be its writer"));
            }
        }
        Some(then) => {
            if view.field(then, "createdBy", At::Then) != created_by
                || view.field(then, "createdAt", At::Then) != view.field(&now, "createdAt", At::Now)
            {
                return Err(refuse("a follow-up's createdBy and createdAt never change"));
            }
        }
    }
    let done = |obj: &ObjId, at| {
        (
            view.field(obj, "done", at),
            view.field(obj, "doneAt", at),
            view.field(obj, "doneBy", at),
        )
    };
    let (done_now, done_at_now, done_by_now) = done(&now, At::Now);
    let (done_then, done_at_then, done_by_then) = match &then {
        Some(then) => done(then, At::Then),
        None => (None, None, None),
    };
    let ticked = done_now != done_then || done_at_now != done_at_then;
    let is_done = done_now.as_deref() == Some("true");
    if ticked {
        let ok = match &done_by_now {
            Some(who) => same_id(who, writer.user_id),
            None => !is_done,
        };
        if !ok {
            return Err(refuse("a follow-up is ticked with its writer in doneBy"));
        }
    } else if done_by_now != done_by_then {
        return Err(refuse("doneBy changes only when the follow-up is ticked"));
    }
    Ok(())
}
