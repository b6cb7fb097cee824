/**
 * The sync status bar, always visible: online or offline, how many
 * changes wait for the server, when the server last sent something, the
 * last error in plain words, and "Sync now".
 */

import type { SyncStatus } from "../sync/connection.js";
import { h, show } from "./dom.js";

export function statusBar(syncNow: () => void): { element: HTMLElement; update(status: SyncStatus): void } {
  const text = h("div", { class: "status-text", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "sync-now" }, "Sync now");
  button.addEventListener("click", syncNow);
  const element = h("div", { class: "status" }, text, button);
  const update = (status: SyncStatus) => {
    const when = status.lastSyncedAt
      ? `Last synced ${status.lastSyncedAt.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}`
      : "Not synced yet";
    const waiting =
      status.waiting === 0 ? "All changes sent" : `${status.waiting} change${status.waiting === 1 ? "" : "s"} waiting`;
    show(
      text,
      h("span", { class: status.online ? "online" : "offline" }, status.online ? "Online" : "Offline"),
      h("span", { class: "waiting" }, waiting),
      h("span", {}, when),
      ...(status.lastError ? [h("span", { class: "error" }, status.lastError)] : []),
    );
  };
  update({ online: false, waiting: 0, lastSyncedAt: null, lastError: null });
  return { element, update };
}
