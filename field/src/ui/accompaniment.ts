/**
 * An accompanied appointment: started from a participant's record, then
 * one tap per step of the day (set off, arrived, seen, over, back; see
 * `steps.ts`: stamped with the device's time, refused when out of order,
 * a missed one entered late with the time it happened); what came
 * of it, the barriers met, follow-ups to tick off, and a link to the note
 * that documents it.
 */

import type { DocHandle } from "@automerge/automerge-repo/slim";
import { updateText } from "@automerge/automerge/slim";
import { addFollowUp, createAccompaniment, stampOf, tickFollowUp } from "../domain/accompaniment.js";
import { newId, scalar, str } from "../domain/values.js";
import { StorageFull } from "../store/idb.js";
import {
  type AccompanimentAppointmentKind,
  AccompanimentAppointmentKind as KINDS,
  type AccompanimentDoc,
  type ParticipantDoc,
} from "../generated/schema.js";
import { type App, find } from "./context.js";
import { h, show } from "./dom.js";
import { field, input, select, textarea } from "./form.js";
import { noteEditor } from "./note.js";
import { stepsSection } from "./steps.js";


const kindLabel = (k: string) => k.charAt(0).toUpperCase() + k.slice(1).replace("-", " ");

/** The form for a new log with participant `participantId`. */
export function newAccompaniment(
  app: App,
  root: HTMLElement,
  participantId: string,
  record: DocHandle<ParticipantDoc>,
): void {
  const kind = select("log-kind", KINDS.map((k): [string, string] => [k, kindLabel(k)]), "medical");
  const provider = input("log-provider", { autocomplete: "off", required: "" });
  const place = input("log-place", { autocomplete: "off" });
  const error = h("p", { class: "error", role: "alert", tabindex: "-1" });
  const button = h("button", { type: "submit" }, "Start the log");
  const form = h(
    "form",
    { novalidate: "" },
    h("h1", {}, "Log an appointment"),
    error,
    field("Kind of appointment", kind),
    field("With (provider)", provider),
    field("Where", place),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!provider.value.trim()) {
      provider.setAttribute("aria-invalid", "true");
      error.textContent = "Not saved: say who the appointment is with.";
      error.focus();
      return;
    }
    button.disabled = true;
    try {
      const handle = app.connection.repo.create<AccompanimentDoc>();
      await app.connection.write(handle, (d) =>
        createAccompaniment(
          d,
          {
            participantId,
            kind: kind.value as AccompanimentAppointmentKind,
            provider: provider.value.trim(),
            place: place.value.trim(),
          },
          app.writer,
          new Date(),
        ),
      );
      await app.rememberLog(handle.documentId, participantId);
      app.nav.replace((r) => accompanimentScreen(app, r, handle.documentId, record));
    } catch (e) {
      error.textContent = e instanceof StorageFull ? e.message : `Not saved: ${(e as Error).message}`;
      error.focus();
      button.disabled = false;
    }
  });
  show(root, form);
}

/** Log `logId`, for the record behind `record`. */
export async function accompanimentScreen(
  app: App,
  root: HTMLElement,
  logId: string,
  record: DocHandle<ParticipantDoc>,
): Promise<void> {
  const handle = await find<AccompanimentDoc>(app, logId);
  const message = h("p", { class: "error", role: "alert", tabindex: "-1" });
  const saved = h("p", { class: "saved", role: "status" });
  const write = async (edit: (d: AccompanimentDoc) => void, done: string) => {
    message.textContent = "";
    saved.textContent = "";
    try {
      await app.connection.write(handle, edit);
      saved.textContent = done;
    } catch (e) {
      message.textContent = (e as Error).message;
      message.focus();
    }
  };

  const steps = stepsSection(app, handle, saved);
  const follow = h("ul", { class: "follow-ups" });
  const outcome = textarea("log-outcome", String(handle.doc()?.outcome ?? ""));
  const barriers = textarea("log-barriers", String(handle.doc()?.barriers ?? ""));
  const saveText = h("button", { type: "button", class: "secondary" }, "Save outcome and barriers");
  saveText.addEventListener("click", () =>
    write((d) => {
      if (String(d.outcome) !== outcome.value) updateText(d, ["outcome"], outcome.value);
      if (String(d.barriers) !== barriers.value) updateText(d, ["barriers"], barriers.value);
    }, "Outcome and barriers saved."),
  );
  const newFollowUp = input("log-follow-up", { autocomplete: "off" });
  const addButton = h("button", { type: "button", class: "secondary" }, "Add follow-up");
  addButton.addEventListener("click", async () => {
    const text = newFollowUp.value.trim();
    if (!text) {
      message.textContent = "Write the follow-up first.";
      return;
    }
    await write((d) => addFollowUp(d, newId(), text, app.writer, new Date()), "Follow-up added.");
    newFollowUp.value = "";
  });
  const noteLink = h("div", {});
  const heading = h("h1", {}, "Appointment");

  const draw = () => {
    const log = handle.doc();
    if (!log) return;
    heading.textContent = `${kindLabel(str(log.appointment.kind) ?? "")} with ${str(log.appointment.provider) ?? ""}`;
    steps.draw();
    show(
      follow,
      ...Object.entries(log.followUps ?? {}).map(([id, item]) => {
        const box = input(`follow-${id}`, { type: "checkbox" });
        box.checked = item.done;
        box.addEventListener("change", () =>
          write((d) => tickFollowUp(d, id, box.checked, app.writer, new Date()), box.checked ? "Ticked off." : "Opened again."),
        );
        return h("li", {}, h("label", { class: "check", for: box.id }, box, ` ${item.text}`));
      }),
    );
    show(noteLink);
    const noteId = str(log.noteId ?? null);
    const button = h("button", { type: "button", class: "secondary" }, noteId ? "Open the note" : "Write the note");
    button.addEventListener("click", () =>
      app.nav.go((r) =>
        noteEditor(
          app,
          r,
          record,
          noteId,
          { start: stampOf(log, "started") ?? undefined, end: stampOf(log, "ended") ?? undefined, accompanimentId: logId },
          (id) => void app.connection.write(handle, (d) => (d.noteId = scalar(id))),
        ),
      ),
    );
    noteLink.append(button);
  };
  show(
    root,
    heading,
    message,
    h("h2", {}, "The day"),
    steps.element,
    saved,
    h("h2", {}, "What came of it"),
    field("Outcome", outcome),
    field("Barriers", barriers),
    saveText,
    h("h2", {}, "Follow-ups"),
    follow,
    field("New follow-up", newFollowUp),
    addButton,
    h("h2", {}, "Note"),
    noteLink,
  );
  handle.on("change", () => {
    if (root.isConnected) draw();
  });
  draw();
}
