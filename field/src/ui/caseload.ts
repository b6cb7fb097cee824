/**
 * The caseload: every participant the caseload index lists, by name, with
 * the last contact (the latest note's encounter) and the open follow-ups
 * of their accompaniment logs. Redrawn as the index and records change.
 */

import type { AutomergeUrl, DocHandle } from "@automerge/automerge-repo/slim";
import type { AccompanimentDoc, CaseloadIndexDoc, ParticipantDoc } from "../generated/schema.js";
import { str } from "../domain/values.js";
import type { App } from "./context.js";
import { h, show } from "./dom.js";
import { participantScreen } from "./participant.js";

interface Row {
  id: string;
  name: string;
  lastContact: Date | null;
  openFollowUps: number;
}

export async function caseload(app: App, root: HTMLElement): Promise<void> {
  const repo = app.connection.repo;
  const list = h("ul", { class: "caseload", "aria-label": "Caseload" });
  const heading = h("h1", {}, "Caseload");
  show(root, heading, h("p", { class: "quiet" }, "Loading your caseload…"));
  let index: DocHandle<CaseloadIndexDoc>;
  try {
    index = await repo.find<CaseloadIndexDoc>(`automerge:${app.indexId}` as AutomergeUrl);
  } catch {
    throw new Error("your caseload has not reached this phone yet. Connect once to fetch it.");
  }
  const handles = new Map<string, DocHandle<unknown>>();
  /** The document, or null while it is on neither this phone nor (for
   * now) reachable. */
  const open = async <T>(id: string): Promise<DocHandle<T> | null> => {
    let handle = handles.get(id);
    if (!handle) {
      try {
        handle = await repo.find<unknown>(`automerge:${id}` as AutomergeUrl);
      } catch {
        return null;
      }
      handle.on("change", () => {
        if (root.isConnected) void redraw();
      });
      handles.set(id, handle);
    }
    return handle as DocHandle<T>;
  };
  // Redraws overlap (each waits for records to open): only the latest
  // may show, or a slower one begun before the index changed would put
  // back a record the phone no longer holds.
  let drawing = 0;
  const redraw = async () => {
    const mine = ++drawing;
    const doc = index.doc();
    const rows: Row[] = [];
    for (const [id, entry] of Object.entries(doc.participants ?? {})) {
      const record = (await open<ParticipantDoc>(id))?.doc();
      const times = Object.values(record?.notes ?? {}).map((n) => n.encounterAt.getTime());
      let openFollowUps = 0;
      for (const [logId, log] of Object.entries(doc.accompaniments ?? {})) {
        if (str(log.participantId) !== id) continue;
        const followUps = (await open<AccompanimentDoc>(logId))?.doc()?.followUps ?? {};
        openFollowUps += Object.values(followUps).filter((f) => !f.done).length;
      }
      rows.push({
        id,
        name: str(entry.displayName) ?? "(no name)",
        lastContact: times.length ? new Date(Math.max(...times)) : null,
        openFollowUps,
      });
    }
    if (mine !== drawing) return;
    rows.sort((a, b) => a.name.localeCompare(b.name));
    show(
      list,
      ...rows.map((row) =>
        h(
          "li",
          { "data-id": row.id },
          (() => {
            const open = h(
              "button",
              { type: "button", class: "row" },
              h("span", { class: "name" }, row.name),
              h(
                "span",
                { class: "quiet" },
                row.lastContact ? `Last contact ${row.lastContact.toLocaleDateString()}` : "No contact yet",
              ),
              row.openFollowUps > 0 ? h("span", { class: "badge" }, `${row.openFollowUps} open follow-up(s)`) : null,
            );
            open.addEventListener("click", () => app.nav.go((r) => participantScreen(app, r, row.id)));
            return open;
          })(),
        ),
      ),
    );
    show(root, heading, rows.length ? list : h("p", { class: "quiet" }, "No one is assigned to you yet."));
  };
  index.on("change", () => {
    if (root.isConnected) void redraw();
  });
  await redraw();
  // What was fetched is on disk before the worker can close the app, so
  // the next start offline finds it.
  await app.connection.flush();
}
