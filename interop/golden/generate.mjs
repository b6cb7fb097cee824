// Golden-vector generator for the automerge-repo network protocol v1.
//
// Runs real @automerge/automerge-repo peers against each other over a
// WebSocket on 127.0.0.1, records every binary frame the server socket sees in
// either direction, and writes them to shared/tests/fixtures/wire/ together
// with a manifest.json describing each frame. Message types the library never
// puts on the wire (e.g. "leave") and a handful of "quirk" frames that other
// real peers may send are encoded here by hand and marked "source": "encoded".
//
// Usage (from the repository root):
//   npm ci --prefix interop
//   node interop/golden/generate.mjs

import { mkdir, readdir, rm, writeFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import path from "node:path"

import { WebSocketServer, WebSocket } from "ws"
import { Encoder, decode as cborDecode } from "cbor-x"
import * as Automerge from "@automerge/automerge"
import {
  Repo,
  cbor,
  parseAutomergeUrl,
  stringifyAutomergeUrl,
} from "@automerge/automerge-repo"
import {
  WebSocketClientAdapter,
  WebSocketServerAdapter,
} from "@automerge/automerge-repo-network-websocket"

const HERE = path.dirname(fileURLToPath(import.meta.url))
const OUT_DIR = path.resolve(HERE, "../../shared/tests/fixtures/wire")

// The whole run must finish on its own; never hang a CI job.
const watchdog = setTimeout(() => {
  console.error("generate.mjs: timed out after 30 s")
  process.exit(2)
}, 30_000)

// ---------------------------------------------------------------------------
// Fixed identities, so that the fixtures are as stable as practical.

const PEER = {
  server: "server-1",
  client1: "client-1",
  client2: "client-2",
  client3: "client-3", // no storage: an ephemeral peer
  bad: "bad-client",
}
const STORAGE_ID = {
  server: "00000000-0000-4000-8000-00000000000a",
  client1: "00000000-0000-4000-8000-000000000001",
  client2: "00000000-0000-4000-8000-000000000002",
}
const fixedDocId = byte =>
  parseAutomergeUrl(stringifyAutomergeUrl(new Uint8Array(16).fill(byte)))
    .documentId
const DOC = {
  participant: fixedDocId(0xa1), // created on the server, found by clients
  clientOwned: fixedDocId(0xb2), // created on client-1, pushed to the server
  missing: fixedDocId(0xee), // nobody has it
}
// Automerge change timestamps are seconds since the epoch; pin them.
const CHANGE_TIME = 1_700_000_000

// ---------------------------------------------------------------------------
// A minimal in-memory StorageAdapter (no filesystem). Pre-seeding the
// "storage-adapter-id" key gives each repo a fixed storage id.

class MemoryStorage {
  #chunks = new Map()
  constructor(storageId) {
    this.#put(["storage-adapter-id"], new TextEncoder().encode(storageId))
  }
  #put(key, data) {
    this.#chunks.set(JSON.stringify(key), { key: [...key], data })
  }
  async load(key) {
    return this.#chunks.get(JSON.stringify(key))?.data
  }
  async save(key, data) {
    this.#put(key, new Uint8Array(data))
  }
  async remove(key) {
    this.#chunks.delete(JSON.stringify(key))
  }
  async loadRange(prefix) {
    return [...this.#chunks.values()]
      .filter(c => prefix.every((part, i) => c.key[i] === part))
      .map(c => ({ key: [...c.key], data: c.data }))
  }
  async removeRange(prefix) {
    for (const c of await this.loadRange(prefix)) {
      this.#chunks.delete(JSON.stringify(c.key))
    }
  }
}

// ---------------------------------------------------------------------------
// The tap: every frame the server's sockets receive or send.

const frames = [] // { seq, direction, conn, step, bytes }
let currentStep = "setup"
let lastFrameAt = Date.now()

const toBytes = data => {
  if (Array.isArray(data)) data = Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0))
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
}

function record(direction, conn, data) {
  frames.push({
    seq: frames.length,
    direction,
    conn,
    step: currentStep,
    bytes: toBytes(data),
  })
  lastFrameAt = Date.now()
}

function installTap(wss) {
  // Registered before the WebSocketServerAdapter's own "connection" handler,
  // so our "message" listener sees each frame before the adapter acts on it.
  wss.on("connection", (socket, req) => {
    const conn = decodeURIComponent(new URL(req.url, "ws://x").pathname.slice(1))
    socket.on("message", (data, isBinary) => {
      if (!isBinary) throw new Error(`text frame from ${conn}`)
      record("client->server", conn, data)
    })
    const send = socket.send.bind(socket)
    socket.send = (data, ...rest) => {
      record("server->client", conn, data)
      return send(data, ...rest)
    }
  })
}

// ---------------------------------------------------------------------------
// Small async helpers.

const sleep = ms => new Promise(r => setTimeout(r, ms))

async function waitFor(what, pred, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

// Wait until no frame has crossed the tap for `quietMs`.
async function settle(quietMs = 300, maxMs = 4000) {
  const start = Date.now()
  await sleep(quietMs)
  while (Date.now() - lastFrameAt < quietMs && Date.now() - start < maxMs) {
    await sleep(20)
  }
}

async function step(name, fn) {
  currentStep = name
  await fn()
  await settle()
}

const withTimeout = (p, ms, what) =>
  Promise.race([
    p,
    sleep(ms).then(() => {
      throw new Error(`timed out: ${what}`)
    }),
  ])

// ---------------------------------------------------------------------------
// The live session.

const participantDoc = () => {
  let doc = Automerge.init({ actor: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" })
  doc = Automerge.change(doc, { time: CHANGE_TIME, message: "create participant" }, d => {
    d["@type"] = "alongside/participant"
    d.schema = 1
    d.profile = { displayName: "Ada" }
    d.goals = {}
    d.notes = {}
    d.reviews = {}
  })
  return Automerge.save(doc)
}

const clientOwnedDoc = () => {
  let doc = Automerge.init({ actor: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2" })
  doc = Automerge.change(doc, { time: CHANGE_TIME, message: "create review" }, d => {
    d["@type"] = "alongside/review"
    d.schema = 1
    d.rating = 4
  })
  return Automerge.save(doc)
}

async function runSession() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
  await new Promise((resolve, reject) => {
    wss.once("listening", resolve)
    wss.once("error", reject)
  })
  installTap(wss)
  const { port } = wss.address()
  const url = who => `ws://127.0.0.1:${port}/${who}`

  // A sync server in the usual configuration: it never announces documents,
  // it only answers peers that ask for them.
  const server = new Repo({
    peerId: PEER.server,
    storage: new MemoryStorage(STORAGE_ID.server),
    network: [new WebSocketServerAdapter(wss)],
    sharePolicy: async () => false,
    enableRemoteHeadsGossiping: true,
  })

  const connectClient = async (peerId, storageId) => {
    const repo = new Repo({
      peerId,
      storage: storageId ? new MemoryStorage(storageId) : undefined,
      network: [new WebSocketClientAdapter(url(peerId))],
      enableRemoteHeadsGossiping: true,
    })
    await waitFor(`${peerId} to see the server`, () => repo.peers.includes(PEER.server))
    await waitFor(`the server to see ${peerId}`, () => server.peers.includes(peerId))
    return repo
  }

  const repos = [server]
  const notes = {}
  let client1, client2, client3, docOnClient1, docOnClient2

  await step("server holds the participant document", async () => {
    const handle = server.import(participantDoc(), { docId: DOC.participant })
    await handle.whenReady()
  })

  await step("client-1 joins and subscribes to client-2's storage id", async () => {
    client1 = await connectClient(PEER.client1, STORAGE_ID.client1)
    repos.push(client1)
    client1.subscribeToRemotes([STORAGE_ID.client2])
  })

  await step("client-1 finds the participant document it does not have", async () => {
    docOnClient1 = await withTimeout(
      client1.find(stringifyAutomergeUrl(DOC.participant)),
      5000,
      "client-1 find participant"
    )
    notes.client1Sees = docOnClient1.doc()
  })

  await step("client-1 asks for a document nobody has", async () => {
    try {
      await withTimeout(
        client1.find(stringifyAutomergeUrl(DOC.missing)),
        5000,
        "client-1 find missing"
      )
      throw new Error("the missing document was found?!")
    } catch (e) {
      if (!/unavailable/i.test(String(e?.message ?? e))) throw e
    }
  })

  await step("client-1 edits the participant document", async () => {
    docOnClient1.change(
      d => {
        d.goals.g1 = { title: "Ship golden vectors", done: false }
      },
      { time: CHANGE_TIME + 60 }
    )
    await waitFor("server to receive client-1's goal", async () => {
      const h = await server.find(stringifyAutomergeUrl(DOC.participant))
      return h.doc()?.goals?.g1 !== undefined
    })
  })

  await step("client-1 creates a document and pushes it to the server", async () => {
    client1.import(clientOwnedDoc(), { docId: DOC.clientOwned })
    await waitFor("server to receive client-1's document", async () =>
      server.handles[DOC.clientOwned]?.isReady()
    )
  })

  await step("client-2 joins and finds the participant document", async () => {
    client2 = await connectClient(PEER.client2, STORAGE_ID.client2)
    repos.push(client2)
    docOnClient2 = await withTimeout(
      client2.find(stringifyAutomergeUrl(DOC.participant)),
      5000,
      "client-2 find participant"
    )
  })

  await step("client-2 edits; the server gossips client-2's heads to client-1", async () => {
    const remoteHeads = new Promise(resolve =>
      docOnClient1.on("remote-heads", payload => {
        if (payload.storageId === STORAGE_ID.client2) resolve(payload)
      })
    )
    docOnClient2.change(
      d => {
        d.notes.n1 = { text: "Met with Grace", pinned: true }
      },
      { time: CHANGE_TIME + 120 }
    )
    notes.remoteHeadsOnClient1 = await withTimeout(remoteHeads, 5000, "remote-heads on client-1")
    await waitFor("client-1 to receive client-2's note", () =>
      docOnClient1.doc()?.notes?.n1 !== undefined
    )
  })

  await step("client-1 broadcasts an ephemeral message; the server relays it to client-2", async () => {
    const relayed = new Promise(resolve => docOnClient2.on("ephemeral-message", resolve))
    docOnClient1.broadcast({ "@type": "alongside/presence", displayName: "Ada", editing: "goals" })
    notes.ephemeralOnClient2 = await withTimeout(relayed, 5000, "ephemeral on client-2")
  })

  await step("client-3 (no storage, ephemeral) joins and leaves", async () => {
    client3 = await connectClient(PEER.client3, undefined)
    await client3.shutdown()
    await waitFor("the server to drop client-3", () => !server.peers.includes(PEER.client3))
  })

  // A hand-made join that asks for a protocol version nobody speaks.
  const badJoin = {
    type: "join",
    senderId: PEER.bad,
    peerMetadata: { isEphemeral: true },
    supportedProtocolVersions: ["99"],
  }
  const badClientReceived = []
  await step("a client offering only protocol version 99 is refused", async () => {
    const ws = new WebSocket(url(PEER.bad))
    ws.binaryType = "nodebuffer"
    ws.on("message", data => badClientReceived.push(toBytes(data)))
    await new Promise((resolve, reject) => {
      ws.once("open", resolve)
      ws.once("error", reject)
    })
    const closed = new Promise(resolve => ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })))
    ws.send(cbor.encode(badJoin))
    notes.badClientClose = await withTimeout(closed, 5000, "server to close the bad client")
  })

  currentStep = "shutdown"
  for (const repo of [client2, client1, server]) {
    // In 2.5.6 shutdown() rejects with "DocHandle is not ready" while flushing
    // the handle of the unavailable document; the sockets are closed by then,
    // so the rejection is harmless here.
    await withTimeout(repo.shutdown(), 3000, "repo shutdown").catch(e => {
      if (!/not ready/.test(String(e?.message ?? e))) console.warn(`shutdown: ${e}`)
    })
  }
  await sleep(100)
  await new Promise(resolve => wss.close(resolve))

  return { badJoin, badClientReceived, notes }
}

// ---------------------------------------------------------------------------
// Turning frames into fixtures.

// JSON view of a decoded message: byte strings as {"$bytes": hex}, undefined
// as {"$undefined": true}.
function toJson(v) {
  if (v === undefined) return { $undefined: true }
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") }
  if (Array.isArray(v)) return v.map(toJson)
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]))
  if (v && typeof v === "object") {
    if (v.constructor !== Object) throw new Error(`unexpected ${v.constructor?.name} in a frame`)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]))
  }
  if (typeof v === "bigint") return v.toString()
  return v
}

// RFC 8949 extended diagnostic notation, written by hand so that the exact
// encoding shows: an encoding indicator (_0.._3) follows any head that is not
// the shortest form, and every float carries one (_1 half, _2 single, _3
// double), so a Rust reader can see which numbers arrive as floats.
function diag(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let i = 0
  const head = ai => {
    if (ai < 24) return { n: ai, ind: "" }
    if (ai === 24) { const n = bytes[i]; i += 1; return { n, ind: n < 24 ? "_0" : "" } }
    if (ai === 25) { const n = dv.getUint16(i); i += 2; return { n, ind: n < 0x100 ? "_1" : "" } }
    if (ai === 26) { const n = dv.getUint32(i); i += 4; return { n, ind: n < 0x10000 ? "_2" : "" } }
    if (ai === 27) {
      const b = dv.getBigUint64(i); i += 8
      return { n: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b, ind: b < 0x1_0000_0000n ? "_3" : "" }
    }
    if (ai === 31) return { n: null, ind: "_" }
    throw new Error(`bad additional info ${ai} at ${i - 1}`)
  }
  const float = (v, ind) => {
    let s = Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"
    if (Number.isFinite(v) && !/[.e]/.test(s)) s += ".0"
    return s + ind
  }
  const item = () => {
    const ib = bytes[i++]
    const mt = ib >> 5
    const ai = ib & 31
    if (mt === 7) {
      switch (ai) {
        case 20: return "false"
        case 21: return "true"
        case 22: return "null"
        case 23: return "undefined"
        case 25: { const v = halfToFloat(dv.getUint16(i)); i += 2; return float(v, "_1") }
        case 26: { const v = dv.getFloat32(i); i += 4; return float(v, "_2") }
        case 27: { const v = dv.getFloat64(i); i += 8; return float(v, "_3") }
        default:
          if (ai < 24) return `simple(${ai})`
          if (ai === 24) return `simple(${bytes[i++]})`
          throw new Error(`bad simple/float ${ai}`)
      }
    }
    const { n, ind } = head(ai)
    switch (mt) {
      case 0: return `${n}${ind}`
      case 1: return `${typeof n === "bigint" ? -1n - n : -1 - n}${ind}`
      case 2:
      case 3: {
        if (n === null) {
          const parts = []
          while (bytes[i] !== 0xff) parts.push(item())
          i++
          return `(_ ${parts.join(", ")})`
        }
        const slice = bytes.subarray(i, i + n)
        i += n
        return mt === 2
          ? `h'${Buffer.from(slice).toString("hex")}'${ind}`
          : `${JSON.stringify(new TextDecoder().decode(slice))}${ind}`
      }
      case 4: {
        const xs = []
        if (n === null) { while (bytes[i] !== 0xff) xs.push(item()); i++ }
        else for (let k = 0; k < n; k++) xs.push(item())
        return `[${ind ? ind + " " : ""}${xs.join(", ")}]`
      }
      case 5: {
        const xs = []
        const entry = () => { const k = item(); xs.push(`${k}: ${item()}`) }
        if (n === null) { while (bytes[i] !== 0xff) entry(); i++ }
        else for (let k = 0; k < n; k++) entry()
        return `{${ind ? ind + " " : ""}${xs.join(", ")}}`
      }
      case 6: return `${n}${ind}(${item()})`
    }
    throw new Error("unreachable")
  }
  const out = item()
  if (i !== bytes.length) throw new Error(`trailing bytes after item (${i} of ${bytes.length})`)
  return out
}

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * 2 ** -14 * (f / 1024)
  if (e === 31) return f ? NaN : s * Infinity
  return s * 2 ** (e - 15) * (1 + f / 1024)
}

const hex = b => Buffer.from(b).toString("hex")

// Force a float64 encoding of an integral value: encode with a unique
// non-integral placeholder (which cbor-x must write as float64) and patch the
// eight payload bytes.
function encodeWithFloat64(encode, obj, key, value) {
  const placeholder = 0.123456789
  const bytes = new Uint8Array(encode({ ...obj, [key]: placeholder }))
  const needle = new Uint8Array(9)
  const dv = new DataView(needle.buffer)
  needle[0] = 0xfb
  dv.setFloat64(1, placeholder)
  const at = Buffer.from(bytes).indexOf(Buffer.from(needle))
  if (at < 0 || Buffer.from(bytes).indexOf(Buffer.from(needle), at + 1) >= 0) {
    throw new Error("placeholder float not found exactly once")
  }
  dv.setFloat64(1, value)
  bytes.set(needle, at)
  return bytes
}

// Rename one key of `obj` in place, keeping the key order of the real message.
const replaceKey = (obj, from, to) =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [k === from ? to : k, v]))

async function main() {
  const { badJoin, badClientReceived, notes } = await runSession()

  const fixtures = [] // { file, type, direction, source, peer?, step?, note?, bytes }
  const counters = new Map()
  const nameFor = (type, direction) => {
    const dirWord = direction === "client->server" ? "client-to-server" : "server-to-client"
    const key = `${type}-${dirWord}`
    const n = (counters.get(key) ?? 0) + 1
    counters.set(key, n)
    return `${key}-${n}.cbor`
  }

  for (const f of frames) {
    const msg = cborDecode(f.bytes)
    if (f.conn === PEER.bad && f.direction === "client->server") {
      // Our own hand-made frame; it is kept below as an encoded fixture.
      if (hex(f.bytes) !== hex(cbor.encode(badJoin))) throw new Error("bad join changed on the wire?")
      continue
    }
    fixtures.push({
      file: nameFor(msg.type, f.direction),
      type: msg.type,
      direction: f.direction,
      source: "captured",
      peer: f.conn,
      step: f.step,
      bytes: f.bytes,
    })
  }

  // What the refused client actually received must be what the tap saw.
  const tappedToBad = frames.filter(f => f.conn === PEER.bad && f.direction === "server->client")
  if (tappedToBad.length !== badClientReceived.length ||
      tappedToBad.some((f, k) => hex(f.bytes) !== hex(badClientReceived[k]))) {
    throw new Error("tap and bad client disagree about the error frame")
  }

  // ---- encoded fixtures -------------------------------------------------
  const firstCaptured = (type, dir) => {
    const fx = fixtures.find(x => x.type === type && x.direction === dir && x.source === "captured")
    if (!fx) throw new Error(`no captured ${type} ${dir}`)
    return cborDecode(fx.bytes)
  }
  const encoded = (file, direction, bytes, note, quirk) => {
    fixtures.push({ file, type: cborDecode(bytes).type, direction, source: "encoded", note, quirk, bytes: new Uint8Array(bytes) })
  }
  const taggedEncoder = new Encoder({ tagUint8Array: true, useRecords: false })

  encoded(
    "join-unsupported-version.cbor",
    "client->server",
    cbor.encode(badJoin),
    "hand-made join offering only protocol version \"99\"; it was sent live to the real WebSocketServerAdapter, whose reply is the captured error fixture"
  )

  encoded(
    "leave-client-to-server-1.cbor",
    "client->server",
    cbor.encode({ type: "leave", senderId: PEER.client1 }),
    "the WebSocket adapters of automerge-repo 2.5.6 never send leave (they just close the socket); shape from the protocol description: {type, senderId}"
  )

  // Quirks real peers can send.
  const liveJoin = firstCaptured("join", "client->server")
  encoded(
    "join-quirk-metadata-key.cbor",
    "client->server",
    cbor.encode(replaceKey(liveJoin, "peerMetadata", "metadata")),
    "client-1's live join with the peer metadata under `metadata` (as the protocol's CDDL spells it) instead of `peerMetadata`",
    "metadata-key"
  )
  encoded(
    "join-quirk-undefined-storage-id.cbor",
    "client->server",
    cbor.encode({
      type: "join",
      senderId: PEER.client3,
      peerMetadata: { storageId: undefined, isEphemeral: true },
      supportedProtocolVersions: ["1"],
    }),
    "peerMetadata.storageId is CBOR undefined (0xf7), as a storage-less JS Repo sends it",
    "undefined-value"
  )
  encoded(
    "join-quirk-no-protocol-versions.cbor",
    "client->server",
    cbor.encode({ type: "join", senderId: "client-old", peerMetadata: { isEphemeral: true } }),
    "join without supportedProtocolVersions; WebSocketServerAdapter treats a missing list as protocol \"1\"",
    "missing-supportedProtocolVersions"
  )

  const liveEphemeral = firstCaptured("ephemeral", "client->server")
  encoded(
    "ephemeral-quirk-count-float64.cbor",
    "client->server",
    encodeWithFloat64(cbor.encode, liveEphemeral, "count", liveEphemeral.count),
    `client-1's live ephemeral message with count ${liveEphemeral.count} encoded as a float64 (0xfb) instead of an integer`,
    "integral-float64"
  )

  const liveSync = firstCaptured("sync", "client->server")
  encoded(
    "sync-quirk-tag64-data.cbor",
    "client->server",
    taggedEncoder.encode(liveSync),
    "a live client->server sync message re-encoded by cbor-x with tagUint8Array: true, so `data` is tag 64 (0xd840) around the byte string",
    "tag64-bytes"
  )
  encoded(
    "ephemeral-quirk-tag64-data.cbor",
    "client->server",
    taggedEncoder.encode(liveEphemeral),
    "client-1's live ephemeral message re-encoded with tagUint8Array: true (data wrapped in tag 64)",
    "tag64-bytes"
  )

  // ---- write ------------------------------------------------------------
  await mkdir(OUT_DIR, { recursive: true })
  for (const f of await readdir(OUT_DIR)) {
    if (f.endsWith(".cbor") || f === "manifest.json") await rm(path.join(OUT_DIR, f))
  }
  const manifest = []
  for (const fx of fixtures) {
    if (manifest.some(m => m.file === fx.file)) throw new Error(`duplicate ${fx.file}`)
    await writeFile(path.join(OUT_DIR, fx.file), fx.bytes)
    const entry = {
      file: fx.file,
      type: fx.type,
      direction: fx.direction,
      source: fx.source,
    }
    if (fx.peer) entry.peer = fx.peer // the client on the other end of the socket
    if (fx.step) entry.step = fx.step // what the session was doing
    if (fx.quirk) entry.quirk = fx.quirk
    if (fx.note) entry.note = fx.note
    entry.size = fx.bytes.length
    entry.fields = toJson(cborDecode(fx.bytes))
    entry.cbor_diag = diag(fx.bytes)
    manifest.push(entry)
  }
  await writeFile(path.join(OUT_DIR, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n")

  // ---- report -----------------------------------------------------------
  const total = fixtures.reduce((n, f) => n + f.bytes.length, 0)
  for (const m of manifest) {
    console.log(`${m.source.padEnd(8)} ${m.direction.padEnd(14)} ${m.type.padEnd(26)} ${String(m.size).padStart(5)}  ${m.file}`)
  }
  const types = new Set(manifest.map(m => m.type))
  console.log(`\n${manifest.length} fixtures, ${total} bytes of CBOR, types: ${[...types].join(", ")}`)
  console.log(`documents: ${JSON.stringify(DOC)}`)
  console.log(`bad client closed with ${JSON.stringify(notes.badClientClose)}`)
  const wanted = ["join", "peer", "error", "leave", "request", "sync", "doc-unavailable", "ephemeral", "remote-subscription-change", "remote-heads-changed"]
  const missing = wanted.filter(t => !types.has(t))
  if (missing.length) throw new Error(`no fixture for: ${missing.join(", ")}`)
}

main()
  .then(() => {
    clearTimeout(watchdog)
    process.exit(0)
  })
  .catch(e => {
    console.error(e)
    process.exit(1)
  })
