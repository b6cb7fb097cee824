/**
 * Accompaniment steps go in order, ported from `shared/src/doc/rules/steps.rs`
 * (the cases of docs/schema/rule-cases.json hold the two to the same
 * answers): departed → arrived → seen (`startedAt`) → ended → returned.
 * Stamped now, a step is refused while a later step is stamped; its time
 * may not be before an earlier stamped step's nor, entered late, after a
 * later one's (equal times are in order); entered late, it may not be in
 * the future. Pure: times are passed in, in milliseconds.
 */

/** The steps of an accompanied appointment, in the order they happen. */
export const STEPS = ["departed", "arrived", "started", "ended", "returned"] as const;
export type Step = (typeof STEPS)[number];

/** The step as people name it (`Step::name` in Rust): `started` is "seen". */
export const STEP_NAMES: Record<Step, string> = {
  departed: "departed",
  arrived: "arrived",
  started: "seen",
  ended: "ended",
  returned: "returned",
};

/** The stamped time of each step (ms); absent: not stamped. */
export type StepTimes = Partial<Record<Step, number>>;

/** The codes of docs/schema/rule-cases.json. */
export type StepProblem = "later-step-stamped" | "before-earlier-step" | "after-later-step" | "in-the-future";

/** A step that cannot be recorded: which, why, and the stamped step it
 * conflicts with (null for `in-the-future`). */
export interface StepOrderError {
  step: Step;
  problem: StepProblem;
  other: Step | null;
}

/** Whether `step` may be recorded at `at` given the stamped `times`: now
 * (`late` false; `at` is then the writer's clock) or entered late with the
 * time it happened (`now` is the writer's clock). Null: it may. */
export function checkStamp(times: StepTimes, step: Step, at: number, late: boolean, now: number): StepOrderError | null {
  const refuse = (problem: StepProblem, other: Step | null): StepOrderError => ({ step, problem, other });
  if (late && at > now) return refuse("in-the-future", null);
  const index = STEPS.indexOf(step);
  for (const other of STEPS.slice(index + 1)) {
    const t = times[other];
    if (t === undefined) continue;
    if (!late) return refuse("later-step-stamped", other);
    if (at > t) return refuse("after-later-step", other);
  }
  for (const other of STEPS.slice(0, index).reverse()) {
    const t = times[other];
    if (t !== undefined && at < t) return refuse("before-earlier-step", other);
  }
  return null;
}

/** The refusal in plain words, naming both steps as the Rust `Display`
 * does; `name` gives a step's name (the Rust names unless told). */
export function stepMessage(e: StepOrderError, name: (s: Step) => string = (s) => STEP_NAMES[s]): string {
  const step = name(e.step);
  const other = e.other ? name(e.other) : "";
  switch (e.problem) {
    case "later-step-stamped":
      return `${step} cannot be stamped now: ${other} is already stamped; enter the time ${step} happened instead (it is marked entered late)`;
    case "before-earlier-step":
      return `${step} cannot be before ${other}: steps go in order`;
    case "after-later-step":
      return `${step} cannot be after ${other}: steps go in order`;
    case "in-the-future":
      return `${step} cannot be entered with a time in the future`;
  }
}
