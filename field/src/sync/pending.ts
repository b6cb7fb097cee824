/**
 * What is waiting for the server: for each document changed on this
 * device, the heads the server last said it holds (from its sync
 * messages). A document stops waiting when the server's heads cover every
 * local change. Kept sealed on disk, so the count survives a restart
 * offline; Automerge keeps every change itself, so nothing is dropped
 * until the server has it.
 */

import * as A from "@automerge/automerge/slim";
import { load, save } from "../store/sealed.js";

type Heads = string[];

export class Pending {
  private constructor(
    private readonly dataKey: CryptoKey,
    /** document id → the server's heads, or null before it said any. */
    private readonly waiting: Record<string, Heads | null>,
    /** The latest heads the server named for each document. */
    private readonly server = new Map<string, Heads>(),
  ) {}

  /** Whether `waiting` has entries the disk does not have yet. */
  private unsaved = false;

  static async load(dataKey: CryptoKey): Promise<Pending> {
    return new Pending(dataKey, await load<Record<string, Heads | null>>(dataKey, "pending", {}));
  }

  /** A local write to `id` was made. Resolves once the list is on disk
   * (a save that failed, say for quota, is tried again on the next call). */
  async changed(id: string): Promise<void> {
    if (!(id in this.waiting)) {
      this.waiting[id] = this.server.get(id) ?? null;
      this.unsaved = true;
    }
    await this.persist();
  }

  /** Writes the list if the disk lacks some of it. */
  async persist(): Promise<void> {
    if (!this.unsaved) return;
    await save(this.dataKey, "pending", this.waiting);
    this.unsaved = false;
  }

  /** The server said it holds `heads` of `id`. */
  heard(id: string, heads: Heads): void {
    this.server.set(id, heads);
    if (id in this.waiting) this.waiting[id] = heads;
  }

  /** The heads the server last named for `id` on this connection, else
   * those it named before the last change here (null: it never said). */
  serverHeads(id: string): Heads | null {
    return this.server.get(id) ?? this.waiting[id] ?? null;
  }

  /** Heads named on this connection only (undefined before it spoke). */
  heardOnThisConnection(id: string): Heads | undefined {
    return this.server.get(id);
  }

  /** The connection ended: what the server holds is known again only
   * when it speaks. */
  disconnected(): void {
    this.server.clear();
  }

  /** `id` was purged: nothing of it waits any more. */
  async forget(id: string): Promise<void> {
    this.server.delete(id);
    if (id in this.waiting) {
      delete this.waiting[id];
      await save(this.dataKey, "pending", this.waiting);
    }
  }

  /** Documents with changes the server does not have yet. */
  ids(): string[] {
    return Object.keys(this.waiting);
  }

  /** How many of `doc`'s changes the server lacks (at least 1 while it
   * has said nothing of a document changed here, or while the document
   * is still loading). */
  waitingIn(id: string, doc: A.Doc<unknown> | undefined): number {
    if (!(id in this.waiting)) return 0;
    if (!doc) return 1;
    const heads = this.waiting[id];
    if (!heads) return Math.max(1, A.getAllChanges(doc).length);
    try {
      return A.getChanges(A.view(doc, heads), doc).length;
    } catch {
      // The server has changes this copy does not: something is waiting
      // both ways; the next sync message settles it.
      return 1;
    }
  }

  /** Forgets documents whose every change the server holds; true if any. */
  async settle(docs: (id: string) => A.Doc<unknown> | undefined): Promise<boolean> {
    const done = this.ids().filter((id) => {
      const doc = docs(id);
      return doc !== undefined && this.waiting[id] && this.waitingIn(id, doc) === 0;
    });
    for (const id of done) delete this.waiting[id];
    if (done.length) {
      this.unsaved = true;
      await this.persist();
    }
    return done.length > 0;
  }
}
