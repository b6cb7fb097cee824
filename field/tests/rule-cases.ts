/**
 * Every case of docs/schema/rule-cases.json through the app's port of the
 * domain rules (`src/domain/rules/`), as `shared/tests/rule_cases.rs` runs
 * them through the Rust ones: the two languages cannot drift apart
 * unnoticed. Prints `N step cases and M note cases pass`; exits non-zero
 * naming every case that does not, or every message that does not name
 * its step or field. Run by scripts/rule-cases.mjs (tests/tests/field_documents.rs).
 */

import { readFileSync } from "node:fs";
import { checkNoteInput, noteMessage } from "../src/domain/rules/note-input.js";
import { checkStamp, type Step, STEP_NAMES, stepMessage, STEPS, type StepTimes } from "../src/domain/rules/steps.js";

const file = process.argv[2];
if (!file) throw new Error("usage: rule-cases RULE_CASES_JSON");

interface StepCase {
  name: string;
  stamps: Record<string, number>;
  step: string;
  at: number;
  late: boolean;
  now: number;
  expect: unknown;
}
interface NoteCase {
  name: string;
  serviceDate: string;
  start: number;
  end: number;
  setting: string;
  offset: number | null;
  expect: unknown;
}
const cases = JSON.parse(readFileSync(file, "utf8")) as { stepCases: StepCase[]; noteCases: NoteCase[] };

/** The step stored under root key `key` (`arrivedAt`). */
function step(key: string): Step {
  const found = STEPS.find((s) => `${s}At` === key);
  if (!found) throw new Error(`${JSON.stringify(key)} is not a step key`);
  return found;
}

/** JSON with sorted keys, so that equal values print the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

const failed: string[] = [];
const compare = (name: string, expected: unknown, got: unknown) => {
  if (canonical(expected) !== canonical(got)) {
    failed.push(`${name}: expected ${canonical(expected)}, got ${canonical(got)}`);
  }
};

for (const c of cases.stepCases) {
  const times: StepTimes = {};
  for (const [key, at] of Object.entries(c.stamps)) times[step(key)] = at;
  const e = checkStamp(times, step(c.step), c.at, c.late, c.now);
  compare(
    c.name,
    c.expect,
    e ? { error: { step: `${e.step}At`, problem: e.problem, other: e.other ? `${e.other}At` : null } } : { ok: true },
  );
  if (e) {
    const message = stepMessage(e);
    const named = [e.step, ...(e.other ? [e.other] : [])].every((s) => message.includes(STEP_NAMES[s]));
    if (!message.startsWith(STEP_NAMES[e.step]) || !named) failed.push(`${c.name}: the message names its steps: ${message}`);
  }
}

for (const c of cases.noteCases) {
  const errors = checkNoteInput({ serviceDate: c.serviceDate, start: c.start, end: c.end, setting: c.setting }, c.offset);
  compare(c.name, c.expect, errors.length ? { errors } : { ok: true });
  for (const e of errors) {
    if (!noteMessage(e).startsWith(`${e.field}: `)) failed.push(`${c.name}: the message names its field: ${noteMessage(e)}`);
  }
}

if (cases.stepCases.length < 10 || cases.noteCases.length < 10) failed.push("the cases are there (at least 10 of each)");
if (failed.length) {
  console.error(`rule cases failed:\n${failed.join("\n")}`);
  process.exitCode = 1;
} else {
  console.log(`${cases.stepCases.length} step cases and ${cases.noteCases.length} note cases pass`);
}
