// A long-lived, unmodified automerge-repo client on one document.
//
// Usage:
//   node interop/clients/live.mjs SERVER_URL DOC_URL edit  VALUE [PATH]
//   node interop/clients/live.mjs SERVER_URL DOC_URL watch VALUE [PATH]
//
// PATH is a dotted path of a string field, `profile.displayName` by default.
//   edit   sets the field to VALUE (as an Automerge text splice, so concurrent
//          edits merge by character), waits until the server announces heads
//          equal to its own, prints `{"heads": [...]}` and exits 0.
//   watch  prints the document as one JSON line now and after every change,
//          and exits 0 once the field equals VALUE.
// Env:  TIMEOUT_MS (default 15000), ALONGSIDE_TOKEN (device token, if not in
//       the URL; SERVER_URL may carry it as ?token=als_…)
// Exit: 0 done; 4 unavailable; 3 timed out; 2 usage; 1 other failure.

import * as A from "@automerge/automerge"

import { isValidAutomergeUrl } from "@automerge/automerge-repo"

import {
  EXIT,
  TIMEOUT_MS,
  TimeoutError,
  asJson,
  connect,
  die,
  finish,
  localHeads,
  readPath,
  untilServerHas,
  within,
} from "./common.mjs"

const [url, docUrl, mode, value, path = "profile.displayName"] = process.argv.slice(2)
if (!url || !docUrl || !["edit", "watch"].includes(mode) || value === undefined) {
  die(EXIT.usage, "usage: live.mjs SERVER_URL DOC_URL (edit|watch) VALUE [PATH]")
}

async function edit(client, handle) {
  const keys = path.split(".")
  handle.change(doc => {
    const parent = keys.slice(0, -1).reduce((v, key) => v?.[key], doc)
    if (parent == null || typeof parent !== "object") {
      throw new Error(`${path}: no such object`)
    }
    const leaf = keys[keys.length - 1]
    if (typeof parent[leaf] === "string") {
      A.updateText(doc, keys, value)
    } else {
      parent[leaf] = value
    }
  })
  await untilServerHas(client, handle)
  console.log(JSON.stringify({ heads: localHeads(handle) }))
}

async function watch(handle) {
  const seen = new Promise(resolve => {
    const check = doc => {
      const json = asJson(doc)
      console.log(JSON.stringify(json))
      if (readPath(json, path) === value) resolve()
    }
    handle.on("change", ({ doc }) => check(doc))
    check(handle.doc())
  })
  await within(seen, TIMEOUT_MS, `${path} to become ${JSON.stringify(value)}`)
}

if (!isValidAutomergeUrl(docUrl)) die(EXIT.usage, `not an automerge URL: ${docUrl}`)

try {
  const client = await connect(url, `interop-live-${mode}`)
  let handle
  try {
    handle = await within(client.repo.find(docUrl), TIMEOUT_MS, `find ${docUrl}`)
  } catch (e) {
    if (e instanceof TimeoutError) throw e
    die(EXIT.unavailable, `live.mjs: ${docUrl} is unavailable: ${e.message ?? e}`)
  }
  if (mode === "edit") await edit(client, handle)
  else await watch(handle)
  await finish(client, 0)
} catch (e) {
  die(e instanceof TimeoutError ? EXIT.timeout : EXIT.failed, `live.mjs: ${e.message ?? e}`)
}
