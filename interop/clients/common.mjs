// What the interop clients share: an unmodified automerge-repo client (Repo +
// WebSocketClientAdapter, no storage, so an ephemeral peer), a wait for the
// server's handshake, and a wait until the server's sync messages announce
// heads that cover ours — that is, until the server has our changes.
//
// Every wait is bounded by a deadline; on failure the client prints one line
// to stderr and exits non-zero.
//
// The Alongside server wants a device token on the WebSocket upgrade. The
// adapter takes only a URL, so the token rides in its query:
// `ws://HOST/sync?token=als_…` as given on the command line, or appended from
// env ALONGSIDE_TOKEN. Messages show the URL with the token elided.

import * as A from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

/** Milliseconds a client waits for anything (env TIMEOUT_MS). */
export const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 15_000)

/** Exit codes. */
export const EXIT = { usage: 2, timeout: 3, unavailable: 4, failed: 1 }

/** Prints `message` to stderr and exits with `code`. */
export function die(code, message) {
  console.error(message)
  process.exit(code)
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

/** Rejects with a message naming `what` if `promise` takes longer than `ms`. */
export function within(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A deadline ran out. */
export class TimeoutError extends Error {}

/**
 * A client repo connected to `url`. Resolves once the server has answered
 * the handshake, with the repo, the server's peer id and its metadata.
 * Also records, for every document, the heads the server last announced in a
 * sync message (`theirHeads` of automerge's sync state).
 */
export async function connect(url, name) {
  url = withToken(url, process.env.ALONGSIDE_TOKEN)
  const adapter = new WebSocketClientAdapter(url)
  const repo = new Repo({
    network: [adapter],
    peerId: `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  })
  const serverHeads = new Map() // documentId -> sorted hex heads
  repo.synchronizer.on("sync-state", ({ peerId, documentId, syncState }) => {
    if (peerId !== adapter.remotePeerId || !syncState.theirHeads) return
    serverHeads.set(documentId, [...syncState.theirHeads].sort())
  })
  await within(adapter.whenReady(), TIMEOUT_MS, `handshake with ${redacted(url)}`)
  const serverPeerId = adapter.remotePeerId
  return {
    repo,
    adapter,
    serverPeerId,
    serverMetadata: repo.peerMetadataByPeerId[serverPeerId],
    /** Heads the server last announced for `documentId` (hex, sorted). */
    serverHeads: documentId => serverHeads.get(documentId),
  }
}

/** `url` with `token` as its `token` query parameter, unless it has one. */
export function withToken(url, token) {
  if (!token) return url
  const parsed = new URL(url)
  if (!parsed.searchParams.has("token")) parsed.searchParams.set("token", token)
  return parsed.toString()
}

/** `url` without the secret part of its `token` parameter, for messages. */
export function redacted(url) {
  return url.replace(/([?&]token=)[^&]*/, "$1…")
}

/** The document's heads, hex, sorted. */
export function localHeads(handle) {
  return [...A.getHeads(handle.doc())].sort()
}

const sameHeads = (a, b) => a !== undefined && a.length === b.length && a.every((h, i) => h === b[i])

/**
 * Waits until the server announces exactly our heads for `handle`: it has
 * every change we have (and we have every change it has). Polls, so local
 * changes made meanwhile are taken into account.
 */
export async function untilServerHas(client, handle, ms = TIMEOUT_MS) {
  const deadline = Date.now() + ms
  while (!sameHeads(client.serverHeads(handle.documentId), localHeads(handle))) {
    if (Date.now() > deadline) {
      throw new TimeoutError(`timed out after ${ms} ms: server to confirm heads of ${handle.url}`)
    }
    await sleep(20)
  }
}

/** Shuts the repo down (bounded) and exits with `code`. */
export async function finish(client, code = 0) {
  try {
    await within(client.repo.shutdown(), 2_000, "shutdown")
  } catch {
    // Exiting anyway.
  }
  process.exit(code)
}

/** The document as plain JSON (text objects become strings). */
export function asJson(doc) {
  return JSON.parse(JSON.stringify(doc))
}

/** Reads a dotted path (`profile.displayName`) from a plain object. */
export function readPath(value, path) {
  return path.split(".").reduce((v, key) => (v == null ? undefined : v[key]), value)
}
