// An unmodified automerge-repo client that tries to rewrite who wrote what
// in a participant record, as a peer's device could over plain sync. The
// security review's three attacks:
//
//   forge-note      adds a submitted note signed in another worker's name
//                   (authorId, deviceId and signature.by = VICTIM_*)
//   rewrite-author  sets authorId and signature.by of note NOTE_ID to
//                   NEW_AUTHOR
//   delete-notes    deletes every note of the record
//
// Usage: node interop/clients/tamper.mjs SERVER_URL DOC_URL ATTACK
// Env:   VICTIM_USER, VICTIM_DEVICE, NOTE_ID, NEW_AUTHOR (as the attack needs),
//        TIMEOUT_MS (default 15000), ALONGSIDE_TOKEN (if not in the URL)
// Prints {"attempted": ATTACK} once the change is made, then
// {"accepted": true} if the server confirms heads covering it.
// Exit:  0 the server took the change; 3 it did not within TIMEOUT_MS;
//        4 the record is unavailable; 2 usage; 1 other failure.

import * as A from "@automerge/automerge"
import { isValidAutomergeUrl } from "@automerge/automerge-repo"

import { EXIT, TIMEOUT_MS, TimeoutError, connect, die, finish, untilServerHas, within } from "./common.mjs"

const [url, docUrl, attack] = process.argv.slice(2)
const ATTACKS = ["forge-note", "rewrite-author", "delete-notes"]
if (!url || !docUrl || !ATTACKS.includes(attack)) {
  die(EXIT.usage, `usage: tamper.mjs SERVER_URL DOC_URL (${ATTACKS.join("|")})`)
}
if (!isValidAutomergeUrl(docUrl)) die(EXIT.usage, `not an automerge URL: ${docUrl}`)

/** A scalar (not collaborative) string, as the schema wants for ids. */
const scalar = s => new (A.ImmutableString ?? A.RawString)(s)

function need(name) {
  const value = process.env[name]
  if (!value) die(EXIT.usage, `tamper.mjs ${attack}: set ${name}`)
  return value
}

function forgeNote(doc) {
  const user = need("VICTIM_USER")
  const device = need("VICTIM_DEVICE")
  const now = new Date()
  doc.notes[crypto.randomUUID()] = {
    authorId: scalar(user),
    deviceId: scalar(device),
    serviceDate: scalar(now.toISOString().slice(0, 10)),
    encounterAt: new Date(now.getTime() - 3_600_000),
    encounterEndAt: now,
    setting: scalar("community"),
    serviceCode: scalar("H0038"),
    goalIds: {},
    narrative: {
      intervention: "Said the participant was doing fine.",
      purpose: "",
      response: "",
      plan: "",
    },
    status: scalar("submitted"),
    createdAt: now,
    submittedAt: now,
    signature: { by: scalar(user), at: now, heads: [] },
  }
}

function rewriteAuthor(doc) {
  const user = need("NEW_AUTHOR")
  const note = doc.notes[need("NOTE_ID")]
  if (!note) die(EXIT.failed, "tamper.mjs: no such note")
  note.authorId = scalar(user)
  if (note.signature) note.signature.by = scalar(user)
}

function deleteNotes(doc) {
  for (const id of Object.keys(doc.notes)) delete doc.notes[id]
}

try {
  const client = await connect(url, "interop-tamper")
  let handle
  try {
    handle = await within(client.repo.find(docUrl), TIMEOUT_MS, `find ${docUrl}`)
  } catch (e) {
    if (e instanceof TimeoutError) throw e
    die(EXIT.unavailable, `tamper.mjs: ${docUrl} is unavailable: ${e.message ?? e}`)
  }
  handle.change(doc => {
    if (attack === "forge-note") forgeNote(doc)
    else if (attack === "rewrite-author") rewriteAuthor(doc)
    else deleteNotes(doc)
  })
  console.log(JSON.stringify({ attempted: attack }))
  await untilServerHas(client, handle)
  console.log(JSON.stringify({ accepted: true }))
  await finish(client, 0)
} catch (e) {
  die(e instanceof TimeoutError ? EXIT.timeout : EXIT.failed, `tamper.mjs: ${e.message ?? e}`)
}
