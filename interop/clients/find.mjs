// A fresh, unmodified automerge-repo client that finds a document by URL on
// the server and prints its content as JSON.
//
// Usage: node interop/clients/find.mjs "ws://127.0.0.1:PORT/sync?token=als_…" automerge:...
// Env:   TIMEOUT_MS (default 15000), ALONGSIDE_TOKEN (device token, if not in
//        the URL)
// Exit:  0 found; 4 the server says it is unavailable; 3 timed out; 2 usage;
//        1 other failure. The reason goes to stderr.

import { isValidAutomergeUrl } from "@automerge/automerge-repo"

import { EXIT, TIMEOUT_MS, TimeoutError, asJson, connect, die, finish, within } from "./common.mjs"

const [url, docUrl] = process.argv.slice(2)
if (!url || !docUrl) die(EXIT.usage, "usage: find.mjs SERVER_URL DOC_URL")

if (!isValidAutomergeUrl(docUrl)) die(EXIT.usage, `not an automerge URL: ${docUrl}`)

try {
  const client = await connect(url, "interop-find")
  let handle
  try {
    handle = await within(client.repo.find(docUrl), TIMEOUT_MS, `find ${docUrl}`)
  } catch (e) {
    if (e instanceof TimeoutError) throw e
    die(EXIT.unavailable, `find.mjs: ${docUrl} is unavailable: ${e.message ?? e}`)
  }
  console.log(JSON.stringify(asJson(handle.doc())))
  await finish(client, 0)
} catch (e) {
  die(e instanceof TimeoutError ? EXIT.timeout : EXIT.failed, `find.mjs: ${e.message ?? e}`)
}
