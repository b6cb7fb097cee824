/**
 * The caseload: every participant the caseload index lists, by name, with
 * the last contact (the latest note's encounter) and the open follow-ups
 * of their accompaniment logs. Redrawn as the index and records change.
 */

import type { AutomergeUrl, DocHandle, Repo } from "@automerge/automerge-repo/slim";
import type { AccompanimentDoc, CaseloadIndexDoc, ParticipantDoc } from "../generated/schema.js";
import { str } from "../domain/values.js";
import { h, show } from "./dom.js";

interface Row {
  id: string;
  name: string;
  lastContact: Date | null;
  openFollowUps: number;
}

export async function caseload(root: Element, repo: Repo, indexUrl: string): Promise<void> {
  const list = h("ul", { class: "caseload", "aria-label": "Caseload" });
  const heading = h("h1", {}, "Caseload");
  show(root, heading, h("p", { class: "quiet" }, "Loading your caseload…"));
  const index = await repo.find<CaseloadIndexDoc>(indexUrl as AutomergeUrl);
  const handles = new Map<string, DocHandle<unknown>>();
  const open = async <T>(id: string): Promise<DocHandle<T>> => {
    let handle = handles.get(id);
    if (!handle) {
      handle = await repo.find<unknown>(`automerge:${id}` as AutomergeUrl);
      handle.on("change", () => void redraw());
      handles.set(id, handle);
    }
    return handle as DocHandle<T>;
  };
  const redraw = async () => {
    const doc = index.doc();
    const rows: Row[] = [];
    for (const [id, entry] of Object.entries(doc.participants ?? {})) {
      const record = (await open<ParticipantDoc>(id)).doc();
      const times = Object.values(record?.notes ?? {}).map((n) => n.encounterAt.getTime());
      let openFollowUps = 0;
      for (const [logId, log] of Object.entries(doc.accompaniments ?? {})) {
        if (str(log.participantId) !== id) continue;
        const followUps = (await open<AccompanimentDoc>(logId)).doc()?.followUps ?? {};
        openFollowUps += Object.values(followUps).filter((f) => !f.done).length;
      }
      rows.push({
        id,
        name: str(entry.displayName) ?? "(no name)",
        lastContact: times.length ? new Date(Math.max(...times)) : null,
        openFollowUps,
      });
    }
    rows.sort((a, b) => a.name.localeCompare(b.name));
    show(
      list,
      ...rows.map((row) =>
        h(
          "li",
          { "data-id": row.id },
          h("span", { class: "name" }, row.name),
          h(
            "span",
            { class: "quiet" },
            row.lastContact ? `Last contact ${row.lastContact.toLocaleDateString()}` : "No contact yet",
          ),
          row.openFollowUps > 0 ? h("span", { class: "badge" }, `${row.openFollowUps} open follow-up(s)`) : null,
        ),
      ),
    );
    show(root, heading, rows.length ? list : h("p", { class: "quiet" }, "No one is assigned to you yet."));
  };
  index.on("change", () => void redraw());
  await redraw();
}
