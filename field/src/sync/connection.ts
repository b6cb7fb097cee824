/**
 * The app's sync engine: one automerge-repo `Repo` speaking the server's
 * `/sync` protocol ([`SyncSocket`](./socket.ts): the token in a
 * subprotocol, retries with backoff), announcing only what the change feed
 * says a connection must sync ([`Feed`](./feed.ts)), obeying the caseload
 * index's purge list and a revocation ([`purge`](./purge.ts)), and what the
 * status bar shows of it all: online or not, how many changes wait for the
 * server, when the server last sent something, the last error, and
 * whether the phone's storage refused a write. Every local write goes
 * through `write`, which resolves only once the change is on disk. A write
 * IndexedDB refuses for quota is not dropped: the change stays in the
 * document in memory, automerge-repo saves it with the next save of that
 * document, and the connection tries again every few seconds until the
 * disk takes it (the status bar says so meanwhile).
 */

import * as A from "@automerge/automerge/slim";
import { type AutomergeUrl, type DocHandle, Repo } from "@automerge/automerge-repo/slim";
import { APP_VERSION, type Enrolment, type Me, whoAmI } from "../api.js";
import type { CaseloadIndexDoc } from "../generated/schema.js";
import type { EncryptedStorage } from "../store/storage.js";
import { Feed } from "./feed.js";
import { StorageFull } from "../store/idb.js";
import { Pending } from "./pending.js";
import { handOver, toPurge, unsynced } from "./purge.js";
import { type Probe, SyncSocket } from "./socket.js";

/** What the status bar shows. */
export interface SyncStatus {
  online: boolean;
  waiting: number;
  lastSyncedAt: Date | null;
  lastError: string | null;
  /** Why this phone's storage did not take the latest changes (they are
   * held in memory and retried), or null when everything is on disk. */
  storage: string | null;
}

/** How often a write the disk refused is tried again (ms). */
const STORAGE_RETRY_MS = 3000;

export interface Connection {
  repo: Repo;
  status(): SyncStatus;
  /** Calls `listener` now and whenever the status changes; the result
   * stops that. */
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** Applies `edit` to `handle`'s document and resolves once it is on
   * disk (IndexedDB committed); rejects with `StorageFull` when the disk
   * has no room (the edit stays applied in memory and is retried). */
  write<T>(handle: DocHandle<T>, edit: (d: T) => void): Promise<void>;
  /** Writes every held document to disk; a refusal for room goes to the
   * status (and is retried), not to the caller. */
  flush(): Promise<void>;
  /** The refusal the server gave while this record had changes waiting. */
  refusal(id: string): string | null;
  /** Connects again now, rather than at the next retry. */
  syncNow(): void;
}

/** What the app hears from the sync engine besides the status. */
export interface Hooks {
  /** Access ended for good: the device was revoked (its store must go)
   * or its token expired (a new sign-in is needed). Retries have stopped. */
  ended(why: "revoked" | "expired"): void;
  /** The server's current view of this device, learned when online. */
  me(me: Me): void;
  /** Records were deleted from this phone (access to them ended). */
  purged(count: number): void;
}

/** The `/sync` URL of this origin, with this build's version (the token
 * goes in the subprotocol, never in the URL). */
export function syncUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/sync?appVersion=${encodeURIComponent(APP_VERSION)}`;
}

const bare = (url: string) => url.replace(/^automerge:/, "");

/** Connects a repo for the device of `session`, keeping its documents in
 * `storage` and what waits for the server sealed under `dataKey`. */
export async function connect(
  session: Enrolment,
  storage: EncryptedStorage,
  dataKey: CryptoKey,
  hooks: Hooks,
): Promise<Connection> {
  const token = session.token;
  const indexId = bare(session.caseloadIndex);
  const pending = await Pending.load(dataKey);
  const feed = await Feed.load(() => token, dataKey);
  const state: SyncStatus = { online: false, waiting: 0, lastSyncedAt: null, lastError: null, storage: null };
  const refusals = new Map<string, string>();
  const listeners: ((status: SyncStatus) => void)[] = [];
  const probe = async (): Promise<Probe> => {
    const answer = await whoAmI(token);
    if (answer.kind === "fine") hooks.me(answer.value);
    return answer.kind === "unreachable" ? "unreachable" : answer.kind;
  };
  const socket = new SyncSocket({
    url: syncUrl(),
    token,
    probe,
    onEnded: (why) => {
      state.online = false;
      state.lastError =
        why === "revoked"
          ? "This phone's access was withdrawn."
          : "Your sign-in has expired. Sign in again to send your changes.";
      void changed();
      hooks.ended(why);
    },
    onRefused: (message, document) => {
      for (const id of document ? [bare(document)] : pending.ids()) refusals.set(id, message);
      state.lastError = "The server refused a change. Your copy is kept on this device.";
      void changed();
    },
  });
  const handleOf = (id: string) => repo.handles[id as never] as DocHandle<unknown> | undefined;
  /** Whether this phone holds `id` (waits while it is loading from disk:
   * a record still being read is held, not missing). */
  const held = async (id: string) => {
    const handle = handleOf(id);
    if (handle?.inState(["idle", "loading"])) {
      await handle.whenReady(["ready", "requesting", "unavailable", "deleted"]).catch(() => undefined);
    }
    return handle?.isReady() ?? false;
  };
  /** Offered to the server on every connection: the index, what waits,
   * what this phone does not hold yet. */
  const alwaysLive = async (id: string) => id === indexId || pending.ids().includes(id) || !(await held(id));
  const repo: Repo = new Repo({
    network: [socket],
    storage,
    peerId: `field-${session.deviceId}-${crypto.randomUUID().slice(0, 8)}` as never,
    shareConfig: {
      // Held documents the feed does not name are in sync: not offered.
      announce: (_peer, id) =>
        id === undefined
          ? Promise.resolve(true)
          : alwaysLive(id).then((live) => live || feed.announce(id)),
      access: async () => true,
    },
  });
  const doc = (id: string) => {
    const handle = handleOf(id);
    return handle?.isReady() ? (handle.doc() as A.Doc<unknown>) : undefined;
  };
  const indexed = (): string[] => {
    const index = doc(indexId) as CaseloadIndexDoc | undefined;
    return [indexId, ...Object.keys(index?.participants ?? {}), ...Object.keys(index?.accompaniments ?? {})];
  };
  const find = (id: string) =>
    repo.find(`automerge:${id}` as AutomergeUrl).then(
      () => void changed(),
      () => undefined,
    );
  // What waits for the server is opened at once, so that it syncs even if
  // no screen shows it.
  for (const id of pending.ids()) void find(id);

  const changed = async () => {
    if (await pending.settle(doc)) {
      for (const id of refusals.keys()) if (!pending.ids().includes(id)) refusals.delete(id);
    }
    await feed.settle(doc, (id) => pending.heardOnThisConnection(id), indexed);
    state.waiting = pending.ids().reduce((n, id) => n + pending.waitingIn(id, doc(id)), 0);
    listeners.forEach((l) => l({ ...state }));
  };

  let purging = false;
  const purge = async () => {
    const index = doc(indexId) as CaseloadIndexDoc | undefined;
    if (!index || purging) return;
    purging = true;
    try {
      let count = 0;
      for (const id of toPurge(index)) {
        const chunks = await storage.loadRange([id]);
        if (chunks.length === 0) continue;
        const copy = doc(id) ?? (await repo.find(`automerge:${id}` as AutomergeUrl)).doc();
        if (copy === undefined) continue;
        const lacking = pending.ids().includes(id) ? unsynced(copy, pending.serverHeads(id)) : null;
        if (!(await handOver(token, id, lacking))) continue;
        repo.delete(id as never);
        await storage.drop(id);
        await pending.forget(id);
        count += 1;
      }
      if (count) hooks.purged(count);
    } catch {
      // Tried again at the next change of the index or connection.
    } finally {
      purging = false;
      void changed();
    }
  };
  void repo
    .find<CaseloadIndexDoc>(`automerge:${indexId}` as AutomergeUrl)
    .then((index) => {
      index.on("change", () => void purge());
      void purge();
    })
    .catch(() => undefined);

  // The disk refused a write: say so, and try every unsaved change again
  // until it takes them.
  let retry: ReturnType<typeof setInterval> | null = null;
  const stored = (problem: Error | null) => {
    const storage = problem ? problem.message : null;
    if (storage === state.storage) return;
    state.storage = storage;
    if (problem && !retry) {
      retry = setInterval(() => {
        Promise.all([pending.persist(), repo.flush()]).then(
          () => stored(null),
          (e: Error) => stored(e),
        );
      }, STORAGE_RETRY_MS);
    } else if (!problem && retry) {
      clearInterval(retry);
      retry = null;
    }
    listeners.forEach((l) => l({ ...state }));
  };
  // automerge-repo saves in the background too (after a sync message, a
  // change); a refusal there is reported the same way, not left unhandled.
  addEventListener("unhandledrejection", (event) => {
    if (event.reason instanceof StorageFull) {
      event.preventDefault();
      stored(event.reason);
    }
  });

  socket.on("peer-candidate", () => {
    state.online = true;
    state.lastError = null;
    void changed();
    void probe();
    // What changed on the server syncs even if no screen has it open.
    void feed.named().then((ids) => ids.forEach((id) => void find(id)));
    void purge();
  });
  socket.on("peer-disconnected", () => {
    state.online = false;
    feed.disconnected();
    pending.disconnected();
    void changed();
  });
  socket.on("message", (message) => {
    if (message.type === "sync" && "documentId" in message && message.documentId && message.data) {
      try {
        pending.heard(message.documentId, A.decodeSyncMessage(message.data).heads);
      } catch {
        // Not ours to judge: the repo refuses a message it cannot read.
      }
      state.lastSyncedAt = new Date();
      // The heads are applied after this event; count once they are.
      setTimeout(() => void changed(), 0);
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
      try {
        await pending.changed(handle.documentId);
        await repo.flush([handle.documentId]);
      } catch (e) {
        if (e instanceof StorageFull) {
          stored(e);
          void changed();
        }
        throw e;
      }
      // Room again: whatever an earlier refusal left in memory goes too.
      if (state.storage) {
        await Promise.all([pending.persist(), repo.flush()]).then(
          () => stored(null),
          () => undefined,
        );
      }
      // Now waiting, so offered to the server even if the feed did not
      // name it.
      repo.shareConfigChanged();
      await changed();
    },
    flush: () =>
      repo.flush().catch((e: unknown) => {
        if (!(e instanceof StorageFull)) throw e;
        stored(e);
      }),
    refusal: (id) => refusals.get(id) ?? null,
    syncNow: () => socket.retryNow(),
  };
}
