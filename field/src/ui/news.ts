/**
 * Review news, on a line under the status bar on every screen: when a
 * sync brings a supervisor's decision on one of the worker's own notes,
 * "1 note needs changes: Jordan Reyes, Thu, Dec 3, 2026" (see
 * `domain/rules/news.ts`). The reviews already told are remembered, sealed
 * under the data key, per record: news stays until the worker opens that
 * record (where the standing and the comment are) or dismisses it, and
 * survives a lock meanwhile; it is news, not a permanent banner — the
 * record keeps each note's standing for good.
 */

import type { AutomergeUrl, DocHandle, Repo } from "@automerge/automerge-repo/slim";
import { headline, type ReviewNews, reviewIds, reviewNews } from "../domain/rules/news.js";
import { showDate } from "../domain/time.js";
import type { CaseloadIndexDoc, ParticipantDoc } from "../generated/schema.js";
import { load, save } from "../store/sealed.js";
import { h, show } from "./dom.js";

/** Where the reviews already told are kept: record id → review ids. */
const KNOWN = "review-news-known";

export interface NewsLine {
  element: HTMLElement;
  /** Record `id` was shown to the worker: its news is told. */
  opened(id: string): void;
}

/** `YYYY-MM-DD` shown as a local date. */
function day(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return y && m && d ? showDate(new Date(y, m - 1, d)) : date;
}

/** The line for `news`: each kind of decision with the notes it is about. */
function words(news: ReviewNews[]): string {
  return (["changes-requested", "approved"] as const)
    .map((state) => news.filter((n) => n.state === state))
    .filter((group) => group.length)
    .map((group) => `${headline(group)}: ${group.map((n) => `${n.participant}, ${day(n.serviceDate)}`).join("; ")}.`)
    .join(" ");
}

/** The news line for the records of caseload index `indexId`, about the
 * notes user `userId` wrote. */
export async function reviewNewsLine(repo: Repo, indexId: string, userId: string, dataKey: CryptoKey): Promise<NewsLine> {
  const known = await load<Record<string, string[]>>(dataKey, KNOWN, {});
  const handles = new Map<string, DocHandle<ParticipantDoc>>();
  const watching = new Set<string>();
  const text = h("p", { class: "news-text" });
  const dismiss = h("button", { type: "button", class: "secondary" }, "Dismiss");
  const element = h("section", { class: "news", "aria-label": "Review news", "aria-live": "polite" });
  element.hidden = true;
  const keep = () => void save(dataKey, KNOWN, known).catch(() => undefined);

  const draw = () => {
    let learnt = false;
    const news: ReviewNews[] = [];
    for (const [id, handle] of handles) {
      const doc = handle.doc();
      if (!doc) continue;
      const told = known[id];
      if (told) {
        news.push(...reviewNews(doc, told, userId));
      } else {
        // A record new to this phone: its reviews are history, not news.
        known[id] = reviewIds(doc);
        learnt = true;
      }
    }
    if (learnt) keep();
    news.sort((a, b) => a.at - b.at);
    element.hidden = news.length === 0;
    text.textContent = words(news);
    show(element, ...(news.length ? [text, dismiss] : []));
  };
  const told = (id: string) => {
    const doc = handles.get(id)?.doc();
    if (doc) known[id] = reviewIds(doc);
  };
  dismiss.addEventListener("click", () => {
    for (const id of handles.keys()) told(id);
    keep();
    draw();
  });

  const watch = (id: string) => {
    if (watching.has(id)) return;
    watching.add(id);
    repo.find<ParticipantDoc>(`automerge:${id}` as AutomergeUrl).then(
      (handle) => {
        handles.set(id, handle);
        handle.on("change", draw);
        draw();
      },
      // Not on this phone yet: the next index change tries again.
      () => void watching.delete(id),
    );
  };
  repo.find<CaseloadIndexDoc>(`automerge:${indexId}` as AutomergeUrl).then(
    (index) => {
      const follow = () => Object.keys(index.doc()?.participants ?? {}).forEach(watch);
      index.on("change", follow);
      follow();
    },
    () => undefined, // The caseload screen says the index is missing.
  );
  return {
    element,
    opened(id) {
      const before = (known[id] ?? []).length;
      told(id);
      if ((known[id] ?? []).length !== before) {
        keep();
        draw();
      }
    },
  };
}
