/**
 * The app's sync engine: one automerge-repo `Repo` speaking the server's
 * `/sync` protocol over a WebSocket with the device token and the app's
 * version (in the query: a browser cannot set headers on a WebSocket),
 * and what the status bar shows of it: online or not, when the server
 * last sent something, the last error.
 */

import { Repo, type StorageAdapterInterface } from "@automerge/automerge-repo/slim";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { APP_VERSION } from "../api.js";

/** What the status bar shows. */
export interface SyncStatus {
  online: boolean;
  lastSyncedAt: Date | null;
  lastError: string | null;
}

export interface Connection {
  repo: Repo;
  status(): SyncStatus;
  /** Calls `listener` whenever the status changes. */
  onStatus(listener: (status: SyncStatus) => void): void;
}

/** The `/sync` URL of this origin, with `token` and this build's version. */
export function syncUrl(token: string): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = `token=${encodeURIComponent(token)}&appVersion=${encodeURIComponent(APP_VERSION)}`;
  return `${scheme}://${location.host}/sync?${query}`;
}

/** Connects a repo for the device holding `token`, keeping its documents
 * in `storage`. */
export function connect(token: string, deviceId: string, storage: StorageAdapterInterface): Connection {
  const adapter = new WebSocketClientAdapter(syncUrl(token));
  const repo = new Repo({
    network: [adapter],
    storage,
    peerId: `field-${deviceId}-${crypto.randomUUID().slice(0, 8)}` as never,
  });
  const state: SyncStatus = { online: false, lastSyncedAt: null, lastError: null };
  const listeners: ((status: SyncStatus) => void)[] = [];
  const changed = () => listeners.forEach((l) => l({ ...state }));
  adapter.on("peer-candidate", () => {
    state.online = true;
    state.lastError = null;
    changed();
  });
  adapter.on("peer-disconnected", () => {
    state.online = false;
    changed();
  });
  adapter.on("message", (message) => {
    if (message.type === "sync") {
      state.lastSyncedAt = new Date();
      changed();
    } else if (message.type === "error") {
      state.lastError = "The server refused a change. Your copy is kept on this device.";
      changed();
    }
  });
  return {
    repo,
    status: () => ({ ...state }),
    onStatus: (listener) => {
      listeners.push(listener);
    },
  };
}
