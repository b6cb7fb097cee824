// An unmodified automerge-repo client that creates a minimal, valid
// participant document, waits until the server announces heads equal to its
// own (the server has every change), and prints `{"url": "automerge:..."}`.
//
// Usage: node interop/clients/create.mjs "ws://127.0.0.1:PORT/sync?token=als_…"
// Env:   TIMEOUT_MS (default 15000), DISPLAY_NAME (default "Ada"),
//        DOC_JSON (a whole document to create instead; its URL is printed
//        as {"pending": url} before waiting, so a refusal can be checked),
//        ALONGSIDE_TOKEN (device token, if not in the URL)
// Exit:  0 created and confirmed; 3 timed out; 2 usage; 1 other failure.

import { EXIT, TimeoutError, connect, die, finish, untilServerHas } from "./common.mjs"

const [url] = process.argv.slice(2)
if (!url) die(EXIT.usage, "usage: create.mjs SERVER_URL")

try {
  const client = await connect(url, "interop-create")
  const custom = process.env.DOC_JSON
  const handle = client.repo.create(
    custom
      ? JSON.parse(custom)
      : {
          "@type": "alongside/participant",
          schema: 1,
          profile: { displayName: process.env.DISPLAY_NAME ?? "Ada" },
          goals: {},
          notes: {},
          reviews: {},
        },
  )
  if (custom) console.log(JSON.stringify({ pending: handle.url }))
  await untilServerHas(client, handle)
  console.log(JSON.stringify({ url: handle.url }))
  await finish(client, 0)
} catch (e) {
  die(e instanceof TimeoutError ? EXIT.timeout : EXIT.failed, `create.mjs: ${e.message ?? e}`)
}
