// The reference automerge-repo sync server: what a team would run instead of
// Alongside's server. A stock `Repo` with the stock WebSocket server adapter
// and the stock Node filesystem storage adapter, nothing else. The load
// generator and the interop clients are measured and verified against it.
//
// Usage:
//   node interop/reference-server.mjs [PORT] [DATA_DIR]
//
//   PORT      TCP port on 127.0.0.1 (or env PORT); 0 or absent picks a free one
//   DATA_DIR  storage folder (or env DATA_DIR); absent: a fresh temp folder,
//             removed on exit
//   env SHARE=generous  announce every document to every peer (automerge-repo's
//             default for clients); otherwise the server answers only what a
//             peer asks for, as automerge-repo-sync-server does
//   env SURVIVE_UNHANDLED=1  log unhandled promise rejections and keep serving
//             (stock Node exits on them; see below)
//
// Prints `listening <port>` on stdout once it accepts connections, and exits
// on SIGTERM or SIGINT.

import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"

import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const port = Number(process.argv[2] ?? process.env.PORT ?? 0)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`reference-server: bad port ${process.argv[2] ?? process.env.PORT}`)
  process.exit(2)
}
const givenDir = process.argv[3] ?? process.env.DATA_DIR
const dataDir = givenDir ?? (await mkdtemp(path.join(tmpdir(), "alongside-reference-")))
const generous = process.env.SHARE === "generous"

const wss = new WebSocketServer({ host: "127.0.0.1", port })
await new Promise((resolve, reject) => {
  wss.once("listening", resolve)
  wss.once("error", reject)
})

const repo = new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: `reference-server-${process.pid}`,
  // Every peer may read and write every document (access); documents are
  // announced only to peers that asked for them unless SHARE=generous.
  shareConfig: {
    announce: async () => generous,
    access: async () => true,
  },
})

// automerge-repo 2.5.6 leaves a rejected promise unhandled when a document a
// peer says it has is not ready within 60 s (DocSynchronizer.beginSync awaits
// handle.whenReady()); Node then exits. That is the stock behaviour and the
// default here. SURVIVE_UNHANDLED=1 logs such rejections and keeps serving,
// so that a run can be measured to its end; it counts them on exit.
let unhandled = 0
if (process.env.SURVIVE_UNHANDLED === "1") {
  process.on("unhandledRejection", reason => {
    unhandled += 1
    const states = {}
    for (const handle of Object.values(repo.handles)) {
      states[handle.state] = (states[handle.state] ?? 0) + 1
    }
    console.error(
      `reference-server: unhandled rejection #${unhandled} (kept serving): ${reason}; ` +
        `handles by state: ${JSON.stringify(states)}`,
    )
  })
}

console.log(`listening ${wss.address().port}`)
console.error(`reference-server: data in ${dataDir}${generous ? ", sharing generously" : ""}`)

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  const force = setTimeout(() => process.exit(1), 5000)
  try {
    await repo.shutdown()
  } catch (e) {
    console.error(`reference-server: shutdown (ignored): ${e}`)
  }
  for (const client of wss.clients) client.terminate()
  await new Promise(resolve => wss.close(() => resolve()))
  if (!givenDir) await rm(dataDir, { recursive: true, force: true })
  clearTimeout(force)
  console.error(`reference-server: stopped on ${signal}${unhandled ? `, after ${unhandled} unhandled rejections` : ""}`)
  process.exit(0)
}
process.on("SIGTERM", () => void stop("SIGTERM"))
process.on("SIGINT", () => void stop("SIGINT"))
