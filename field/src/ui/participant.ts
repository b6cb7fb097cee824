/**
 * A participant's record: the profile, recovery goals in the person's own
 * words, the appointments logged with them, and the notes newest first,
 * each with where it stands in review and the supervisor's comment. A
 * change the server refused is said on the record, and the local copy is
 * kept. Redrawn when the record changes (a sync, or an edit elsewhere).
 */

import type { DocHandle } from "@automerge/automerge-repo/slim";
import { reviewOf, STANDING_LABELS } from "../domain/review.js";
import { billingUnits, showDate, showTime } from "../domain/time.js";
import { str } from "../domain/values.js";
import type { AccompanimentDoc, CaseloadIndexDoc, ParticipantDoc } from "../generated/schema.js";
import { accompanimentScreen, newAccompaniment } from "./accompaniment.js";
import { type App, find } from "./context.js";
import { h, show } from "./dom.js";
import { noteEditor } from "./note.js";

export async function participantScreen(app: App, root: HTMLElement, id: string): Promise<void> {
  show(root, h("p", { class: "quiet" }, "Opening the record…"));
  const handle = await find<ParticipantDoc>(app, id);
  const index = await find<CaseloadIndexDoc>(app, app.indexId);
  const draw = async () => {
    const doc = handle.doc();
    if (!doc) return;
    // The decisions on its notes are on screen now: no longer news.
    app.recordShown(id);
    const profile = doc.profile;
    const refusal = app.connection.refusal(id);
    const notes = Object.entries(doc.notes ?? {}).sort(([, a], [, b]) => b.encounterAt.getTime() - a.encounterAt.getTime());
    const logIds = new Set<string>();
    for (const [logId, entry] of Object.entries(index.doc()?.accompaniments ?? {})) {
      if (str(entry.participantId) === id) logIds.add(logId);
    }
    for (const [logId, participant] of Object.entries(app.localLogs)) if (participant === id) logIds.add(logId);
    const logs = await Promise.all([...logIds].map(async (logId) => ({ logId, log: (await find<AccompanimentDoc>(app, logId)).doc() })));

    const newNote = h("button", { type: "button" }, "New note");
    newNote.addEventListener("click", () => app.nav.go((r) => noteEditor(app, r, handle, null)));
    const logOne = h("button", { type: "button", class: "secondary" }, "Log an appointment");
    logOne.addEventListener("click", () => app.nav.go((r) => newAccompaniment(app, r, id, handle)));

    show(
      root,
      h("h1", {}, str(profile.displayName) ?? "(no name)"),
      refusal
        ? h("p", { class: "error", role: "alert" }, `The server refused a change to this record: ${refusal}. Your copy is kept on this phone.`)
        : null,
      h(
        "p",
        { class: "quiet" },
        [str(profile.preferredName as never) && `Goes by ${str(profile.preferredName as never)}`, str(profile.pronouns ?? null)]
          .filter(Boolean)
          .join(" · "),
      ),
      h("h2", {}, "Goals, in their words"),
      Object.keys(doc.goals ?? {}).length
        ? h(
            "ul",
            { class: "goals" },
            ...Object.values(doc.goals).map((g) => h("li", {}, `“${g.text}”`, h("span", { class: "quiet" }, ` (${str(g.status)})`))),
          )
        : h("p", { class: "quiet" }, "No goals recorded yet."),
      newNote,
      logOne,
      h("h2", {}, "Appointments"),
      logs.length
        ? h(
            "ul",
            { class: "list" },
            ...logs.map(({ logId, log }) => {
              const open = h(
                "button",
                { type: "button", class: "row" },
                `${str(log?.appointment?.kind ?? null) ?? "Appointment"} · ${str(log?.appointment?.provider ?? null) ?? ""}`,
                h("span", { class: "quiet" }, ` ${str(log?.status ?? null) ?? ""}`),
              );
              open.addEventListener("click", () => app.nav.go((r) => accompanimentScreen(app, r, logId, handle)));
              return h("li", {}, open);
            }),
          )
        : h("p", { class: "quiet" }, "No appointments logged."),
      h("h2", {}, "Notes"),
      notes.length
        ? h(
            "ul",
            { class: "list notes" },
            ...notes.map(([noteId, note]) => {
              const review = reviewOf(doc, noteId);
              const open = h(
                "button",
                { type: "button", class: "row" },
                h("span", { class: "name" }, `${showDate(note.encounterAt)}, ${showTime(note.encounterAt)}–${showTime(note.encounterEndAt)}`),
                h("span", { class: `standing ${review.standing}` }, STANDING_LABELS[review.standing]),
                h("span", { class: "quiet" }, ` · ${billingUnits(note.encounterAt, note.encounterEndAt)} unit(s)`),
              );
              open.addEventListener("click", () => app.nav.go((r) => noteEditor(app, r, handle, noteId)));
              return h(
                "li",
                { "data-note": noteId },
                open,
                review.comment
                  ? h("p", { class: "comment" }, `${review.reviewer ?? "Supervisor"}: “${review.comment}”`)
                  : null,
              );
            }),
          )
        : h("p", { class: "quiet" }, "No notes yet."),
    );
  };
  // Redrawn when the record or the index changes, and when the server's
  // refusal of this record comes or goes; nothing is kept once the
  // screen is gone.
  let shownRefusal: string | null = null;
  let stop = () => undefined as void;
  const redraw = () => {
    if (!root.isConnected) {
      handle.off("change", redraw);
      index.off("change", redraw);
      stop();
      return;
    }
    void draw();
  };
  handle.on("change", redraw);
  index.on("change", redraw);
  await draw();
  stop = app.connection.onStatus(() => {
    const refusal = app.connection.refusal(id);
    if (refusal !== shownRefusal || !root.isConnected) {
      shownRefusal = refusal;
      redraw();
    }
  });
}
