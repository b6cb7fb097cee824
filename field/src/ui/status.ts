/**
 * The sync status bar, always visible: online or offline, how many
 * changes wait for the server, when the server last sent something, the
 * last error in plain words, whether the phone's storage is refusing
 * changes (full: they are held in the open app and tried again), and
 * "Sync now" — or "Sign in again" once the
 * sign-in has expired. A notice (records removed from the phone) stays
 * until the worker dismisses it.
 */

import type { SyncStatus } from "../sync/connection.js";
import { h, show } from "./dom.js";

export interface StatusBar {
  element: HTMLElement;
  update(status: SyncStatus): void;
  /** Shows `text` until dismissed. */
  notice(text: string): void;
  /** Replaces "Sync now" with "Sign in again", which calls `action`. */
  offerSignIn(action: () => void): void;
}

export function statusBar(syncNow: () => void): StatusBar {
  const text = h("div", { class: "status-text", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "sync-now" }, "Sync now");
  let action = syncNow;
  button.addEventListener("click", () => action());
  const notices = h("div", { class: "notices" });
  const element = h("div", { class: "status" }, text, button, notices);
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
      ...(status.storage
        ? [h("span", { class: "error storage" }, "Storage full: recent changes are not on this phone yet. Keep the app open; trying again.")]
        : []),
    );
  };
  update({ online: false, waiting: 0, lastSyncedAt: null, lastError: null, storage: null });
  return {
    element,
    update,
    notice(words) {
      const close = h("button", { type: "button", class: "dismiss" }, "Dismiss");
      const line = h("p", { class: "notice", role: "alert" }, words, " ", close);
      close.addEventListener("click", () => line.remove());
      notices.append(line);
    },
    offerSignIn(signIn) {
      action = signIn;
      button.textContent = "Sign in again";
    },
  };
}
