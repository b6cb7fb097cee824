/**
 * The note editor: every field of a billable note, in the device's local
 * time, with the 15-minute units computed as the worker types. "Save
 * draft" and "Submit and sign" check the entries first (each problem
 * under its field and in the alert at the top), then write through the
 * domain module and say "Saved" only once IndexedDB has the change.
 */

import * as A from "@automerge/automerge/slim";
import type { DocHandle } from "@automerge/automerge-repo/slim";
import { checkNote, type NoteFieldName, SETTING_LABELS, SETTINGS } from "../domain/checks.js";
import { addNote, type NarrativePart, type NoteInput, submitNote, updateNote } from "../domain/participant.js";
import { atLocal, billingUnits, localDate, localTime } from "../domain/time.js";
import { newId, str } from "../domain/values.js";
import { StorageFull } from "../store/idb.js";
import type { ParticipantDoc } from "../generated/schema.js";
import type { App } from "./context.js";
import { h, show } from "./dom.js";
import { field, input, type Problem, select, showProblems, textarea } from "./form.js";

const PARTS: [NarrativePart, string, string][] = [
  ["purpose", "Purpose", "Why you met, in terms of the person's goals."],
  ["intervention", "What you did", "The peer support you gave."],
  ["response", "Their response", "How the person responded."],
  ["plan", "Plan", "What comes next."],
];

const CONTROL: Record<NoteFieldName, string> = {
  serviceDate: "note-date",
  encounterAt: "note-start",
  encounterEndAt: "note-end",
  setting: "note-setting",
  serviceCode: "note-code",
  "narrative.purpose": "note-purpose",
  "narrative.intervention": "note-intervention",
  "narrative.response": "note-response",
  "narrative.plan": "note-plan",
};

/** What a new note starts with: now, or the times of an accompaniment. */
export interface NoteStart {
  start?: Date;
  end?: Date;
  accompanimentId?: string;
}

/** Opens note `noteId` of the record (a new one when absent). Resolves
 * with the note's id once it was first saved. */
export function noteEditor(
  app: App,
  root: HTMLElement,
  handle: DocHandle<ParticipantDoc>,
  noteId: string | null,
  from: NoteStart = {},
  saved: (id: string) => void = () => undefined,
): void {
  const doc = handle.doc();
  const existing = noteId ? doc?.notes[noteId] : undefined;
  let id = noteId;
  const start = existing?.encounterAt ?? from.start ?? new Date();
  const end = existing?.encounterEndAt ?? from.end ?? new Date(start.getTime() + 60 * 60_000);

  const date = input("note-date", { type: "date", required: "" });
  date.value = existing ? (str(existing.serviceDate) ?? "") : localDate(start);
  const startAt = input("note-start", { type: "time", required: "" });
  startAt.value = localTime(start);
  const endAt = input("note-end", { type: "time", required: "" });
  endAt.value = localTime(end);
  const units = h("output", { id: "note-units", for: "note-start note-end", "aria-live": "polite" });
  const setting = select(
    "note-setting",
    [["", "Choose…"], ...SETTINGS.map((s): [string, string] => [s, SETTING_LABELS[s]])],
    existing ? (str(existing.setting) ?? "") : "community",
  );
  const code = input("note-code", { required: "", autocomplete: "off" });
  code.value = existing ? (str(existing.serviceCode) ?? "") : "H0038";
  const goals = Object.entries(doc?.goals ?? {}).map(([goalId, goal]) => {
    const box = input(`note-goal-${goalId}`, { type: "checkbox", value: goalId });
    box.checked = existing ? goalId in existing.goalIds : false;
    return h("label", { class: "check", for: box.id }, box, ` ${goal.text}`);
  });
  const parts = PARTS.map(([part, label, hint]) => {
    const area = textarea(`note-${part}`, existing ? String(existing.narrative[part] ?? "") : "");
    return { part, area, el: field(label, area, hint) };
  });
  const comment = textarea("note-comment", existing ? String(existing.participantComment ?? "") : "");
  const part2 = input("note-part2", { type: "checkbox" });
  part2.checked = existing?.part2 ?? false;

  const summary = h("p", { class: "error", role: "alert", id: "note-problems", tabindex: "-1" });
  const savedNote = h("p", { class: "saved", role: "status", id: "note-saved" });
  const draft = h("button", { type: "submit", value: "draft" }, "Save draft");
  const sign = h("button", { type: "submit", value: "sign", class: "primary" }, "Submit and sign");

  const entries = (): NoteInput => {
    const chosen = goals
      .map((g) => g.querySelector("input"))
      .filter((b): b is HTMLInputElement => !!b?.checked)
      .map((b) => b.value);
    const narrative = Object.fromEntries(parts.map((p) => [p.part, p.area.value])) as Record<NarrativePart, string>;
    return {
      serviceDate: date.value,
      encounterAt: atLocal(date.value, startAt.value) ?? new Date(Number.NaN),
      encounterEndAt: atLocal(date.value, endAt.value) ?? new Date(Number.NaN),
      setting: setting.value,
      serviceCode: code.value.trim(),
      goalIds: chosen,
      narrative,
      participantComment: comment.value,
      part2: part2.checked,
      accompanimentId: existing ? undefined : from.accompanimentId,
    };
  };
  const count = () => {
    const e = entries();
    const n = billingUnits(e.encounterAt, e.encounterEndAt);
    units.textContent = Number.isNaN(e.encounterEndAt.getTime() - e.encounterAt.getTime())
      ? "Units: —"
      : `Units: ${n} (15 minutes each)`;
  };
  for (const el of [date, startAt, endAt]) el.addEventListener("input", count);
  count();

  const form = h(
    "form",
    { class: "note", novalidate: "" },
    h("h1", {}, existing ? "Edit note" : "New note"),
    summary,
    field("Service date", date),
    h("div", { class: "pair" }, field("Start", startAt), field("End", endAt)),
    units,
    field("Setting", setting),
    field("Service code", code),
    h("fieldset", {}, h("legend", {}, "Goals worked on"), ...(goals.length ? goals : [h("p", { class: "quiet" }, "No goals recorded yet.")])),
    ...parts.map((p) => p.el),
    field("In their own words", comment, "The person's own comment on this contact (optional)."),
    h("label", { class: "check", for: "note-part2" }, part2, " Substance use treatment information (42 CFR Part 2)"),
    draft,
    sign,
    savedNote,
  );
  // After the disk refused a save for room, the connection keeps trying;
  // once it took the change, the form says so in place of the refusal.
  const whenStored = (signing: boolean) => {
    let stop: (() => void) | null = null;
    let done = false;
    const check = (status: { storage: string | null }) => {
      if (done || status.storage) return;
      done = true;
      stop?.();
      if (!root.isConnected) return;
      summary.textContent = "";
      savedNote.textContent = signing
        ? "Saved on this phone now that there is room. Press “Submit and sign” again to sign it."
        : "Saved as a draft now that there is room.";
    };
    stop = app.connection.onStatus(check);
    if (done) stop();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const signing = (event.submitter as HTMLButtonElement | null)?.value === "sign";
    const e = entries();
    const problems: Problem[] = checkNote(e, { signing }).map((p) => ({ id: CONTROL[p.field], message: p.message }));
    showProblems(form, summary, problems);
    savedNote.textContent = "";
    if (problems.length) {
      summary.focus();
      return;
    }
    draft.disabled = sign.disabled = true;
    const noteKey = id ?? newId();
    try {
      const now = new Date();
      await app.connection.write(handle, (d) => {
        if (d.notes[noteKey]) updateNote(d, noteKey, e, now);
        else addNote(d, noteKey, e, app.writer, now);
      });
      if (signing) {
        const heads = A.getHeads(handle.doc() as A.Doc<ParticipantDoc>);
        await app.connection.write(handle, (d) => submitNote(d, noteKey, app.writer, new Date(), heads));
      }
      savedNote.textContent = signing ? "Saved, submitted and signed." : "Saved as a draft.";
    } catch (err) {
      summary.textContent = err instanceof StorageFull ? err.message : `Not saved: ${(err as Error).message}`;
      summary.focus();
      if (err instanceof StorageFull) whenStored(signing);
    } finally {
      // A write the disk refused is still in the document (held in
      // memory, retried): later saves edit that note, not a new one.
      if (!id && handle.doc()?.notes[noteKey]) {
        id = noteKey;
        saved(noteKey);
      }
      draft.disabled = sign.disabled = false;
    }
  });
  show(root, form);
}
