// Drives the mobile bridge through its generated Kotlin bindings, as the
// Android app would: open an encrypted store, enrol with a real server over
// TLS (refused until the server's self-signed certificate is trusted), work
// offline (a participant, a note edited at positions Kotlin's own String
// gives, an accompanied appointment step by step), sync, reopen the store
// with a wrong key (a typed exception) and the right one (data intact), and
// run background sync with a Kotlin listener.
//
// Compiled with the committed bindings and run on the JVM (JNA loads the
// built library) by tests/tests/device_bindings.rs, which starts the
// server. Inputs, from the environment:
//
//     ALONGSIDE_SERVER_URL   the server's base URL (https://127.0.0.1:PORT)
//     ALONGSIDE_CA_FILE      the server's self-signed certificate (PEM)
//     ALONGSIDE_USERNAME     a peer's username
//     ALONGSIDE_PASSWORD     their password
//     ALONGSIDE_STORE_DIR    an empty directory for the store file
//
// On success it prints one JSON line (the ids and texts it wrote) for the
// Rust test to look for on the server, and exits 0. A failed check throws
// and exits non-zero. Kotlin's standard library and the bindings only.

package org.alongside.bridge.test

import java.io.File
import java.security.SecureRandom
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import org.alongside.bridge.AccompanimentStep
import org.alongside.bridge.AlongsideDevice
import org.alongside.bridge.BridgeException
import org.alongside.bridge.NewAccompaniment
import org.alongside.bridge.NewNote
import org.alongside.bridge.NoteField
import org.alongside.bridge.SyncListener
import org.alongside.bridge.SyncReport
import org.alongside.bridge.SyncStopReason
import org.alongside.bridge.TextEdit

class CheckFailed(what: String) : Exception(what)

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw CheckFailed(what())
}

/** Runs [call]; it must throw a [BridgeException] of type [T], which is returned. */
inline fun <reified T : BridgeException> expectError(call: () -> Any?): T {
    try {
        call()
    } catch (e: BridgeException) {
        if (e is T) return e
        throw CheckFailed("expected ${T::class.simpleName}, got ${e::class.simpleName}: ${e.describe()}")
    }
    throw CheckFailed("expected ${T::class.simpleName}, the call succeeded")
}

/** Background sync's listener: every call goes on a queue for the test's thread. */
class Listener : SyncListener {
    val events = LinkedBlockingQueue<Pair<String, Any>>()

    override fun onSynced(report: SyncReport) {
        events.put("synced" to report)
    }

    override fun onFailed(error: BridgeException, failures: UInt, retryInSecs: Double) {
        events.put("failed" to "${error.describe()} (failure $failures, retry in $retryInSecs s)")
    }

    override fun onStopped(reason: SyncStopReason) {
        events.put("stopped" to reason)
    }

    /** The next call within [seconds]; it must be [what]. */
    fun next(what: String, seconds: Long = 30): Any {
        val (kind, value) = events.poll(seconds, TimeUnit.SECONDS)
            ?: throw CheckFailed("the listener heard nothing in $seconds s (waiting for $what)")
        check(kind == what) { "expected $what, the listener got $kind: $value" }
        return value
    }
}

/** A JSON string literal. */
fun json(text: String): String = buildString {
    append('"')
    for (c in text) {
        when {
            c == '"' -> append("\\\"")
            c == '\\' -> append("\\\\")
            c < ' ' -> append("\\u%04x".format(c.code))
            else -> append(c)
        }
    }
    append('"')
}

fun env(name: String): String = System.getenv(name) ?: throw CheckFailed("$name is not set")

fun drive() {
    val server = env("ALONGSIDE_SERVER_URL")
    val username = env("ALONGSIDE_USERNAME")
    val password = env("ALONGSIDE_PASSWORD")
    val path = File(env("ALONGSIDE_STORE_DIR"), "android.db").path
    val key = ByteArray(32).also { SecureRandom().nextBytes(it) }

    // A key of the wrong length is refused; a new store has no identity
    // and writes nothing before enrolment.
    expectError<BridgeException.InvalidInput> { AlongsideDevice.open(path, key.copyOf(16)) }
    var device = AlongsideDevice.open(path, key)
    check(device.identity() == null) { "a new store has no identity" }
    expectError<BridgeException.NotEnrolled> { device.createParticipant("Nobody") }

    // Until the server's self-signed certificate is trusted, enrolment is
    // refused with its own exception and stores nothing.
    val untrusted = expectError<BridgeException.UntrustedCertificate> {
        device.enrol(server, username, password, "Kotlin test phone")
    }
    check("certificate" in untrusted.describe()) { "a sentence: ${untrusted.describe()}" }
    val bad = expectError<BridgeException.InvalidInput> { device.trustCertificate("not a certificate") }
    check(bad.field == "pem") { "the exception names the input: ${bad.message}" }
    val pem = File(env("ALONGSIDE_CA_FILE")).readText()
    device.trustCertificate(pem)
    expectError<BridgeException.InvalidCredentials> {
        device.enrol(server, username, "not-the-password", "Kotlin test phone")
    }
    val identity = device.enrol(server, username, password, "Kotlin test phone")
    check(identity.caseloadIndex != null && identity.serverUrl != null) { "identity: $identity" }

    // Offline work. Positions are what Kotlin's String counts (UTF-16 code
    // units), passed to the bridge unconverted.
    val displayName = "Søren Øyelund-Kowalczyk"
    val participant = device.createParticipant(displayName)
    var intervention = "Met Søren by the 🚉, took the 🚌 to the job centre."
    val note = device.addNote(
        participant,
        NewNote(
            intervention = intervention,
            purpose = "First appointment with a work coach",
            response = "Nervous at first, then chatty 😊",
            plan = "Text on Monday",
            part2 = false,
        ),
    )
    val anchor = "the 🚌"
    val at = intervention.indexOf(anchor) + anchor.length
    var text = device.editNote(participant, note, NoteField.INTERVENTION, TextEdit.Splice(at.toUInt(), 0u, " together"))
    intervention = intervention.replaceRange(at, at, " together")
    check(text == intervention) { "splice after an emoji: $text" }
    val start = intervention.indexOf("job centre")
    text = device.editNote(
        participant, note, NoteField.INTERVENTION,
        TextEdit.Splice(start.toUInt(), "job centre".length.toUInt(), "Jobcentre on Łąkowa Street"),
    )
    intervention = intervention.replaceRange(start, start + "job centre".length, "Jobcentre on Łąkowa Street")
    check(text == intervention) { "splice after non-BMP text: $text" }
    // Between the two halves of a surrogate pair: refused, nothing changed.
    val inside = intervention.indexOf("🚌") + 1
    expectError<BridgeException.TextRange> {
        device.editNote(participant, note, NoteField.INTERVENTION, TextEdit.Splice(inside.toUInt(), 0u, "x"))
    }
    check(device.note(participant, note).intervention == intervention) { "a refused splice changes nothing" }
    expectError<BridgeException.UnknownNote> { device.note(participant, "00000000-0000-4000-8000-000000000000") }
    val comment = device.editNote(participant, note, NoteField.PARTICIPANT_COMMENT, TextEdit.Replace("Søren: “glad I went”"))
    val submitted = device.submitNote(participant, note)
    check(submitted.status == "submitted" && submitted.intervention == intervention) { "submitted: $submitted" }

    val visit = device.startAccompaniment(
        participant,
        NewAccompaniment(kind = "employment", place = "Jobcentre, Łąkowa Street", purpose = "Work coach", transport = "public-transport"),
    )
    for (step in listOf(AccompanimentStep.ARRIVED, AccompanimentStep.SEEN, AccompanimentStep.ENDED)) {
        device.stamp(visit, step)
    }
    var outcome = "Signed up for a CV workshop ✓"
    device.setOutcome(visit, outcome)
    val followUp = device.addFollowUp(visit, "Bring ID to the workshop", "2026-12-07")
    device.tickFollowUp(visit, followUp)
    device.linkNote(visit, note)
    val log = device.stamp(visit, AccompanimentStep.RETURNED)
    val stamps = listOf(log.departedAt, log.arrivedAt, log.seenAt, log.endedAt, log.returnedAt)
    check(stamps.all { it != null } && stamps.filterNotNull() == stamps.filterNotNull().sorted()) { "stamps: $stamps" }
    check(log.status == "completed" && log.noteId == note && log.followUps.map { it.done } == listOf(true)) { "log: $log" }
    var status = device.status()
    check(status.pendingDocuments == 2uL && status.lastSyncAt == null) { "before the first sync: $status" }

    // Sync until the caseload index lists the record (the server adds it
    // just after storing the record, so it may come one sync later).
    var sent = 0uL
    var synced = false
    for (attempt in 1..40) {
        val report = device.syncNow()
        sent += report.documentsSent
        val entry = device.caseload().find { it.id == participant }
        if (report.errors.isEmpty() && entry != null && entry.indexed && !entry.pending) {
            synced = true
            break
        }
        Thread.sleep(250)
    }
    check(synced) { "never in sync: ${device.caseload()}" }
    check(sent >= 2uL) { "both documents were sent: $sent" }
    status = device.status()
    check(status.pendingChanges == 0uL && status.lastSyncAt != null) { "after the sync: $status" }

    // Close and reopen: a wrong key is a typed exception and changes
    // nothing; the right key finds everything.
    device.close()
    val wrong = ByteArray(32) { (key[it].toInt() xor 0xFF).toByte() }
    expectError<BridgeException.WrongKey> { AlongsideDevice.open(path, wrong) }
    device = AlongsideDevice.open(path, key)
    check(device.identity()?.deviceId == identity.deviceId) { "identity after reopening: ${device.identity()}" }
    check(device.note(participant, note).intervention == intervention) { "the note after reopening" }
    check(device.accompaniment(visit) == log) { "the log after reopening" }

    // Background sync with a Kotlin listener: an offline edit goes out
    // after syncSoon().
    val listener = Listener()
    device.startBackgroundSync(3600uL, listener)
    val first = listener.next("synced") as SyncReport
    check(first.errors.isEmpty()) { "the first background sync: $first" }
    outcome += " (sent in the background)"
    device.setOutcome(visit, outcome)
    check(device.syncSoon()) { "background sync is running" }
    val again = listener.next("synced") as SyncReport
    check(again.documentsSent >= 1uL && again.errors.isEmpty()) { "the edit was sent: $again" }
    device.stopBackgroundSync()
    check(listener.next("stopped", 0) == SyncStopReason.Requested) { "stopped on request" }
    check(device.status().pendingChanges == 0uL) { "nothing pending: ${device.status()}" }
    device.close()

    val fields = listOf(
        "user_id" to identity.userId,
        "device_id" to identity.deviceId,
        "participant" to participant,
        "display_name" to displayName,
        "note" to note,
        "accompaniment" to visit,
        "intervention" to intervention,
        "comment" to comment,
        "outcome" to outcome,
    )
    println(fields.joinToString(", ", "{", "}") { (k, v) -> "${json(k)}: ${json(v)}" })
}

fun main() {
    try {
        drive()
    } catch (e: CheckFailed) {
        System.err.println("check failed: ${e.message}")
        exitProcess(1)
    }
    exitProcess(0)
}
