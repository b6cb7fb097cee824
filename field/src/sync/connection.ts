/**
 * The app's sync engine: one automerge-repo `Repo` speaking the server's
 * `/sync` protocol over a WebSocket with the device token and the app's
 * version (in the query: a browser cannot set headers on a WebSocket),
 * and what the status bar shows of it: online or not, how many changes
 * wait for the server, when the server last sent something, the last
 * error. Every local write goes through `write`, which resolves only once
 * the change is on disk.
 */

import * as A from "@automerge/automerge/slim";
import { type AutomergeUrl, type DocHandle, Repo, type StorageAdapterInterface } from "@automerge/automerge-repo/slim";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { APP_VERSION } from "../api.js";
import { Pending } from "./pending.js";

/** What the status bar shows. */
export interface SyncStatus {
  online: boolean;
  waiting: number;
  lastSyncedAt: Date | null;
  lastError: string | null;
}

export interface Connection {
  repo: Repo;
  status(): SyncStatus;
  /** Calls `listener` now and whenever the status changes; the result
   * stops that. */
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** Applies `edit` to `handle`'s document and resolves once it is on
   * disk (IndexedDB committed). */
  write<T>(handle: DocHandle<T>, edit: (d: T) => void): Promise<void>;
  /** The refusal the server gave while this record had changes waiting. */
  refusal(id: string): string | null;
  /** Connects again now, rather than at the next retry. */
  syncNow(): void;
}

/** The `/sync` URL of this origin, with `token` and this build's version. */
export function syncUrl(token: string): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = `token=${encodeURIComponent(token)}&appVersion=${encodeURIComponent(APP_VERSION)}`;
  return `${scheme}://${location.host}/sync?${query}`;
}

/** Connects a repo for the device holding `token`, keeping its documents
 * in `storage` and what waits for the server sealed under `dataKey`. */
export async function connect(
  token: string,
  deviceId: string,
  storage: StorageAdapterInterface,
  dataKey: CryptoKey,
): Promise<Connection> {
  const pending = await Pending.load(dataKey);
  const adapter = new WebSocketClientAdapter(syncUrl(token));
  const repo = new Repo({
    network: [adapter],
    storage,
    peerId: `field-${deviceId}-${crypto.randomUUID().slice(0, 8)}` as never,
  });
  const state: SyncStatus = { online: false, waiting: 0, lastSyncedAt: null, lastError: null };
  const refusals = new Map<string, string>();
  const listeners: ((status: SyncStatus) => void)[] = [];
  const doc = (id: string) => {
    const handle = repo.handles[id as never];
    return handle?.isReady() ? (handle.doc() as A.Doc<unknown>) : undefined;
  };
  // What waits for the server is opened at once, so that it syncs even if
  // no screen shows it.
  for (const id of pending.ids()) {
    repo.find(`automerge:${id}` as AutomergeUrl).then(
      () => void changed(),
      () => undefined,
    );
  }
  const changed = async () => {
    if (await pending.settle(doc)) {
      for (const id of refusals.keys()) if (!pending.ids().includes(id)) refusals.delete(id);
    }
    state.waiting = pending.ids().reduce((n, id) => n + pending.waitingIn(id, doc(id)), 0);
    listeners.forEach((l) => l({ ...state }));
  };
  adapter.on("peer-candidate", () => {
    state.online = true;
    state.lastError = null;
    void changed();
  });
  adapter.on("peer-disconnected", () => {
    state.online = false;
    void changed();
  });
  adapter.on("message", (message) => {
    if (message.type === "sync" && "documentId" in message && message.documentId && message.data) {
      try {
        pending.heard(message.documentId, A.decodeSyncMessage(message.data).heads);
      } catch {
        // Not ours to judge: the repo refuses a message it cannot read.
      }
      state.lastSyncedAt = new Date();
      // The heads are applied after this event; count once they are.
      setTimeout(() => void changed(), 0);
    } else if (message.type === "error") {
      const reason = "message" in message ? String(message.message) : "";
      for (const id of pending.ids()) refusals.set(id, reason);
      state.lastError = "The server refused a change. Your copy is kept on this device.";
      void changed();
    }
  });
  return {
    repo,
    status: () => ({ ...state }),
    onStatus: (listener) => {
      listeners.push(listener);
      listener({ ...state });
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },
    async write(handle, edit) {
      handle.change(edit);
      await pending.changed(handle.documentId);
      await repo.flush([handle.documentId]);
      await changed();
    },
    refusal: (id) => refusals.get(id) ?? null,
    syncNow() {
      if (!state.online && adapter.peerId) adapter.connect(adapter.peerId, adapter.peerMetadata);
    },
  };
}
