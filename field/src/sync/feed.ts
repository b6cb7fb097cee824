/**
 * The change feed on the app's side (`GET /api/v1/changes`,
 * `docs/sync-protocol.md`): which documents a connection must sync, so that
 * a reconnect costs what changed rather than one round per record held.
 *
 * Each connection asks the feed once, with the cursor kept sealed on disk.
 * The repo then announces to the server only the documents the feed names,
 * those with changes waiting here, the caseload index, documents this
 * phone does not hold yet and documents written during the connection;
 * the rest are in sync and cost nothing. Without a cursor, when the server
 * answers `full`, or when the feed cannot be asked, every document is
 * announced, as a plain automerge-repo peer would. The new cursor is kept
 * only once every document the feed named holds the heads the server said
 * it has: a connection lost half-way asks again from the old cursor.
 */

import * as A from "@automerge/automerge/slim";
import { type Asked, type Changes, changesSince } from "../api.js";
import { load, save } from "../store/sealed.js";

/** What one connection syncs. */
interface Plan {
  /** Announce everything. */
  all: boolean;
  /** Announced besides what is always announced. */
  live: Set<string>;
  /** Named by the feed: the cursor waits for these. */
  named: Set<string>;
  /** The cursor to keep once `named` is in sync (null: none to keep). */
  cursor: string | null;
}

export class Feed {
  private plan: Promise<Plan> | null = null;
  private settled = false;

  private constructor(
    private readonly token: () => string,
    private readonly dataKey: CryptoKey,
    private cursor: string | null,
  ) {}

  static async load(token: () => string, dataKey: CryptoKey): Promise<Feed> {
    return new Feed(token, dataKey, await load<string | null>(dataKey, "feed-cursor", null));
  }

  /** The plan of the current connection, asking the feed the first time. */
  current(): Promise<Plan> {
    this.plan ??= changesSince(this.token(), this.cursor).then((answer) => this.planFrom(answer));
    return this.plan;
  }

  /** The connection ended: the next one asks again. */
  disconnected(): void {
    this.plan = null;
    this.settled = false;
  }

  private planFrom(answer: Asked<Changes>): Plan {
    if (answer.kind !== "fine") return { all: true, live: new Set(), named: new Set(), cursor: null };
    const { cursor, full, documents } = answer.value;
    const named = new Set(documents.map((url) => url.replace(/^automerge:/, "")));
    return { all: full, live: new Set(named), named, cursor };
  }

  /** Whether the repo should offer `id` to the server on this connection. */
  /** Whether the repo should offer held document `id` to the server on
   * this connection. (Documents that must always be offered are decided
   * without waiting for the feed: the repo gives up on a document it is
   * fetching if no peer is offered it in time.) */
  async announce(id: string): Promise<boolean> {
    const plan = await this.current();
    return plan.all || plan.live.has(id);
  }

  /** `id` was written here during this connection: offer it from now on. */
  async written(id: string): Promise<void> {
    (await this.current()).live.add(id);
  }

  /** The documents the feed named (to open, so that they sync). */
  async named(): Promise<string[]> {
    return [...(await this.current()).named];
  }

  /** Keeps the new cursor once every named document holds the server's
   * heads; true when it did. `all` plans name nothing, so they wait for
   * `everything` (the index and what it lists) instead. */
  async settle(
    doc: (id: string) => A.Doc<unknown> | undefined,
    serverHeads: (id: string) => string[] | undefined,
    everything: () => string[],
  ): Promise<boolean> {
    if (this.settled || !this.plan) return false;
    const plan = await this.plan;
    if (plan.cursor === null) return false;
    const ids = plan.all ? everything() : [...plan.named];
    const inSync = ids.every((id) => {
      const d = doc(id);
      const heads = serverHeads(id);
      return d !== undefined && heads !== undefined && A.hasHeads(d, heads);
    });
    if (!inSync || this.settled) return false;
    this.settled = true;
    this.cursor = plan.cursor;
    await save(this.dataKey, "feed-cursor", plan.cursor);
    return true;
  }
}
