/**
 * What every screen of an unlocked app works with: the sync connection
 * (repo and writes), who is writing, navigation, the logs this device
 * started that the caseload index may not list yet, and the review news
 * a shown record has told.
 */

import type { DocHandle } from "@automerge/automerge-repo/slim";
import type { AutomergeUrl } from "@automerge/automerge-repo/slim";
import type { Writer } from "../domain/values.js";
import type { Connection } from "../sync/connection.js";
import type { Nav } from "./nav.js";

export interface App {
  connection: Connection;
  writer: Writer;
  nav: Nav;
  indexId: string;
  /** Accompaniment logs made here: log id → participant id. */
  localLogs: Record<string, string>;
  /** Remembers a log made here (sealed on disk). */
  rememberLog(logId: string, participantId: string): Promise<void>;
  /** Record `id` is on screen: its review news has been seen. */
  recordShown(id: string): void;
}

/** The handle of document `id` (a bare automerge-repo document id). */
export function find<T>(app: App, id: string): Promise<DocHandle<T>> {
  return app.connection.repo.find<T>(`automerge:${id}` as AutomergeUrl);
}
