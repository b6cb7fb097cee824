/**
 * Writes documents with the app's domain module, as the app would, for
 * the Rust validator to check (tests/tests/field_conformance.rs): a
 * participant record with goals and two notes (one submitted and signed),
 * an accompaniment log through every step with follow-ups, a log whose
 * missed arrival is refused now and entered late between its neighbours
 * (and whose end, entered late, is then stamped now, dropping the mark),
 * and a note body edited concurrently on two devices and merged. Each document is
 * saved to OUT/<name>.automerge; OUT/expected.json says what each must
 * read back as.
 */

import { readFileSync, writeFileSync } from "node:fs";
import * as A from "@automerge/automerge/slim";
import type { AccompanimentDoc, ParticipantDoc } from "../src/generated/schema.js";
import {
  addFollowUp,
  createAccompaniment,
  enterStepLate,
  StepRefused,
  stampStep,
  STEPS,
  tickFollowUp,
} from "../src/domain/accompaniment.js";
import { addGoal, addNote, createParticipant, submitNote, updateNote, type NoteInput } from "../src/domain/participant.js";
import type { Writer } from "../src/domain/values.js";

const out = process.argv[2];
if (!out) throw new Error("usage: conformance OUT_DIR");
const wasm = process.env.AUTOMERGE_WASM;
if (!wasm) throw new Error("AUTOMERGE_WASM names the automerge.wasm to load");
await A.initializeWasm(readFileSync(wasm));

const phone: Writer = { userId: "7d9c3f0e-1b2a-4c5d-8e9f-0a1b2c3d4e5f", deviceId: "0f1e2d3c-4b5a-4968-8776-655443322110" };
const at = (hour: number) => new Date(Date.UTC(2026, 11, 3, hour, 0, 0));
const hex = (heads: A.Heads) => heads.map(String);

function input(goal: string, body: string): NoteInput {
  return {
    serviceDate: "2026-12-03",
    encounterAt: at(9),
    encounterEndAt: new Date(at(9).getTime() + 50 * 60_000),
    setting: "community",
    serviceCode: "H0038",
    goalIds: [goal],
    narrative: {
      purpose: "Work toward the housing goal.",
      intervention: body,
      response: "Engaged, asked questions.",
      plan: "Meet Thursday at the library.",
    },
    participantComment: "I want to do the call myself next time.",
    part2: true,
    credentials: "CPRS",
    authorName: "Amir Haddad",
  };
}

const expected: Record<string, unknown> = {};
const save = (name: string, doc: A.Doc<unknown>, what: unknown) => {
  writeFileSync(`${out}/${name}.automerge`, A.save(doc));
  expected[name] = what;
};

// A record with goals and two notes, one submitted.
const goal = crypto.randomUUID();
const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
let record = A.change(A.init<ParticipantDoc>({ actor: "aa01" }), (d) =>
  createParticipant(d, { displayName: "Jordan Reyes", pronouns: "they/them" }),
);
record = A.change(record, (d) => addGoal(d, goal, "Find a flat I can afford near my sister.", phone, at(8)));
record = A.change(record, (d) => addNote(d, first, input(goal, "Called the housing office together."), phone, at(10)));
record = A.change(record, (d) => addNote(d, second, input(goal, "Practised the bus route."), phone, at(11)));
const heads = hex(A.getHeads(record));
record = A.change(record, (d) => submitNote(d, first, phone, at(12), heads));
save("record", record, {
  kind: "participant",
  displayName: "Jordan Reyes",
  notes: { [first]: "submitted", [second]: "draft" },
  signedBy: phone.userId,
});

// The same note's body edited offline on two devices, then merged.
let onPhone = A.clone(record, { actor: "aa02" });
let onTablet = A.clone(record, { actor: "bb01" });
const body = (extra: string, n: NoteInput) => ({ ...n, narrative: { ...n.narrative, intervention: extra } });
onPhone = A.change(onPhone, (d) =>
  updateNote(d, second, body("Practised the bus route. She paid the fare herself.", input(goal, "")), at(13)),
);
onTablet = A.change(onTablet, (d) =>
  updateNote(d, second, body("We first practised the bus route.", input(goal, "")), at(14)),
);
const merged = A.merge(onPhone, onTablet);
save("merged", merged, {
  kind: "participant",
  words: { [second]: ["first", "paid the fare herself"] },
});

// A log through every step, with follow-ups.
const followUp = crypto.randomUUID();
let log = A.change(A.init<AccompanimentDoc>({ actor: "cc01" }), (d) =>
  createAccompaniment(
    d,
    { participantId: "2NEpo7TZRRrLZSi2U", kind: "housing", place: "Civic Centre, 2nd floor", provider: "Housing Options" },
    phone,
    at(8),
  ),
);
STEPS.forEach((step, i) => {
  log = A.change(log, (d) => stampStep(d, step, phone, new Date(at(9).getTime() + i * 20 * 60_000)));
});
log = A.change(log, (d) => addFollowUp(d, followUp, "Send the payslips by Friday.", phone, at(11), "2026-12-05"));
log = A.change(log, (d) => tickFollowUp(d, followUp, true, phone, at(12)));
let refused = "";
log = A.change(log, (d) => {
  try {
    stampStep(d, "arrived", phone, at(23));
  } catch (e) {
    refused = (e as Error).message;
  }
});
save("log", log, { kind: "accompaniment", steps: STEPS.length, followUpsDone: 1, outOfOrderRefused: refused !== "" });

// A missed arrival: refused now (seen is stamped), entered late between
// set-off and seen. The end is entered late, then stamped now: the mark
// goes.
const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);
let late = A.change(A.init<AccompanimentDoc>({ actor: "dd01" }), (d) =>
  createAccompaniment(d, { participantId: "2NEpo7TZRRrLZSi2U", kind: "medical", place: "Eastside Clinic", provider: "Dr. Osei" }, phone, at(8)),
);
late = A.change(late, (d) => stampStep(d, "departed", phone, at(9)));
late = A.change(late, (d) => stampStep(d, "started", phone, at(10)));
let problem = "";
late = A.change(late, (d) => {
  try {
    stampStep(d, "arrived", phone, minutes(at(10), 5));
  } catch (e) {
    if (e instanceof StepRefused) problem = e.refusal.problem;
  }
});
late = A.change(late, (d) => enterStepLate(d, "arrived", phone, minutes(at(9), 30), minutes(at(10), 6)));
late = A.change(late, (d) => enterStepLate(d, "ended", phone, minutes(at(10), 40), minutes(at(10), 50)));
late = A.change(late, (d) => stampStep(d, "ended", phone, minutes(at(10), 55)));
save("late", late, {
  kind: "accompaniment",
  refusedNow: problem,
  arrivedAt: minutes(at(9), 30).getTime(),
  arrivedEnteredAt: minutes(at(10), 6).getTime(),
  endedAt: minutes(at(10), 55).getTime(),
});

writeFileSync(`${out}/expected.json`, JSON.stringify(expected, null, 2));
console.log(`wrote ${Object.keys(expected).length} documents to ${out}`);
