//! Accompaniment steps go in order: departed → arrived → seen (`startedAt`)
//! → ended → returned.
//!
//! [`check_stamp`] decides whether a step may be recorded, given the times
//! already stamped (read with [`StepTimes::read`]):
//! - stamped **now** (not late), a step is refused while any later step is
//!   stamped ([`StepOrderProblem::LaterStepStamped`]): `arrive` after
//!   `return` would put arrival after return. A missed step is entered
//!   late instead;
//! - its time may not be before any earlier stamped step's
//!   ([`StepOrderProblem::BeforeEarlierStep`]) nor, entered late, after
//!   any later stamped step's ([`StepOrderProblem::AfterLaterStep`]); equal
//!   times are in order;
//! - a step entered late may not be in the future
//!   ([`StepOrderProblem::InTheFuture`]).
//!
//! Re-stamping the latest step (a second tap) is allowed; so is entering an
//! already stamped step late with a corrected time between its neighbours.
//!
//! Two devices may still stamp concurrently and merge out of order: that is
//! honest work and the server accepts it. [`out_of_order`] finds such a
//! pair so that readers (the console) can say so rather than compute a
//! duration from it.

use std::fmt;

use automerge::{ROOT, ReadDoc, ScalarValue, Value};

use crate::doc::edit::accompaniment::Step;
use crate::doc::error::DocError;
use crate::doc::timestamp::Timestamp;

/// The stamped time of each step (ms), in step order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepTimes(pub [Option<i64>; 5]);

impl StepTimes {
    /// Reads the steps' times from an accompaniment document's root; a value
    /// that is not a timestamp counts as not stamped.
    pub fn read<D: ReadDoc>(doc: &D) -> Result<Self, DocError> {
        let mut times = [None; 5];
        for step in Step::ALL {
            if let Some((Value::Scalar(s), _)) = doc.get(ROOT, step.key())?
                && let ScalarValue::Timestamp(ms) = s.as_ref()
            {
                times[step.index()] = Some(*ms);
            }
        }
        Ok(Self(times))
    }

    /// The time of `step`, if stamped.
    pub fn get(&self, step: Step) -> Option<i64> {
        self.0[step.index()]
    }

    /// Sets (or clears) the time of `step`.
    pub fn set(&mut self, step: Step, at: Option<i64>) {
        self.0[step.index()] = at;
    }
}

/// Why a step cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOrderProblem {
    /// Stamped now while a later step is already stamped.
    LaterStepStamped,
    /// Its time is before an earlier step's.
    BeforeEarlierStep,
    /// Entered late with a time after a later step's.
    AfterLaterStep,
    /// Entered late with a time after now.
    InTheFuture,
}

impl StepOrderProblem {
    /// The code used in `docs/schema/rule-cases.json`.
    pub const fn code(self) -> &'static str {
        match self {
            StepOrderProblem::LaterStepStamped => "later-step-stamped",
            StepOrderProblem::BeforeEarlierStep => "before-earlier-step",
            StepOrderProblem::AfterLaterStep => "after-later-step",
            StepOrderProblem::InTheFuture => "in-the-future",
        }
    }
}

/// A step that cannot be recorded: which, why, and the step it conflicts
/// with (none for [`StepOrderProblem::InTheFuture`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct StepOrderError {
    /// The step being recorded.
    pub step: Step,
    /// What is wrong.
    pub problem: StepOrderProblem,
    /// The stamped step it conflicts with.
    pub other: Option<Step>,
}

impl fmt::Display for StepOrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = self.step.name();
        let other = self.other.map_or("", Step::name);
        match self.problem {
            StepOrderProblem::LaterStepStamped => write!(
                f,
                "{step} cannot be stamped now: {other} is already stamped; \
                 enter the time {step} happened instead (it is marked entered late)"
            ),
            StepOrderProblem::BeforeEarlierStep => {
                write!(f, "{step} cannot be before {other}: steps go in order")
            }
            StepOrderProblem::AfterLaterStep => {
                write!(f, "{step} cannot be after {other}: steps go in order")
            }
            StepOrderProblem::InTheFuture => {
                write!(f, "{step} cannot be entered with a time in the future")
            }
        }
    }
}

/// Whether `step` may be recorded at `at` given the stamped `times`: now
/// (`late` false; `at` is then the writer's clock) or entered late with
/// the time it happened (`now` is the writer's clock). See the
/// [module documentation](self).
pub fn check_stamp(
    times: &StepTimes,
    step: Step,
    at: Timestamp,
    late: bool,
    now: Timestamp,
) -> Result<(), StepOrderError> {
    let refuse = |problem, other| {
        Err(StepOrderError {
            step,
            problem,
            other,
        })
    };
    let at = at.millis();
    if late && at > now.millis() {
        return refuse(StepOrderProblem::InTheFuture, None);
    }
    let later = Step::ALL.into_iter().skip(step.index() + 1);
    let earlier = Step::ALL.into_iter().take(step.index()).rev();
    for other in later {
        match times.get(other) {
            Some(_) if !late => return refuse(StepOrderProblem::LaterStepStamped, Some(other)),
            Some(t) if at > t => return refuse(StepOrderProblem::AfterLaterStep, Some(other)),
            _ => {}
        }
    }
    for other in earlier {
        if times.get(other).is_some_and(|t| at < t) {
            return refuse(StepOrderProblem::BeforeEarlierStep, Some(other));
        }
    }
    Ok(())
}

/// The first two stamped steps whose times are out of order (the earlier
/// step, the later step), if any: what a merge of concurrent stamps can
/// leave. Durations between such steps mean nothing.
pub fn out_of_order(times: &StepTimes) -> Option<(Step, Step)> {
    let stamped: Vec<(Step, i64)> = Step::ALL
        .into_iter()
        .filter_map(|s| times.get(s).map(|t| (s, t)))
        .collect();
    stamped
        .windows(2)
        .find(|w| w[1].1 < w[0].1)
        .map(|w| (w[0].0, w[1].0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(pairs: &[(Step, i64)]) -> StepTimes {
        let mut t = StepTimes::default();
        for (s, at) in pairs {
            t.set(*s, Some(*at));
        }
        t
    }

    #[test]
    fn arriving_after_returning_is_refused_naming_both_steps() {
        let t = times(&[(Step::Departed, 0), (Step::Returned, 100)]);
        let e = check_stamp(&t, Step::Arrived, Timestamp(200), false, Timestamp(200))
            .expect_err("refused");
        assert_eq!(e.problem, StepOrderProblem::LaterStepStamped);
        assert_eq!(e.other, Some(Step::Returned));
        assert!(
            e.to_string()
                .starts_with("arrived cannot be stamped now: returned")
        );
        // Entered late between its neighbours, it is fine.
        assert_eq!(
            check_stamp(&t, Step::Arrived, Timestamp(50), true, Timestamp(200)),
            Ok(())
        );
    }

    #[test]
    fn merged_stamps_out_of_order_are_found() {
        let t = times(&[
            (Step::Departed, 0),
            (Step::Arrived, 300),
            (Step::Returned, 100),
        ]);
        assert_eq!(out_of_order(&t), Some((Step::Arrived, Step::Returned)));
        assert_eq!(out_of_order(&times(&[(Step::Departed, 5)])), None);
    }
}
