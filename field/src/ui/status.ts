/**
 * The sync status bar, always visible: online or offline, when the server
 * last sent something, and the last error in plain words.
 */

import type { SyncStatus } from "../sync/connection.js";
import { h, show } from "./dom.js";

export function statusBar(): { element: HTMLElement; update(status: SyncStatus): void } {
  const element = h("div", { class: "status", role: "status", "aria-live": "polite" });
  const update = (status: SyncStatus) => {
    const when = status.lastSyncedAt
      ? `Last synced ${status.lastSyncedAt.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`
      : "Not synced yet";
    show(
      element,
      h("span", { class: status.online ? "online" : "offline" }, status.online ? "Online" : "Offline"),
      h("span", {}, when),
      ...(status.lastError ? [h("span", { class: "error" }, status.lastError)] : []),
    );
  };
  update({ online: false, lastSyncedAt: null, lastError: null });
  return { element, update };
}
