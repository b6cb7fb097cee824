"""Drives the mobile bridge through its generated Python bindings, as a
phone app would: open an encrypted store, enrol with a real server over
TLS (refused until the server's self-signed certificate is trusted), work
offline (a participant, a note with non-ASCII text edited by UTF-16
positions, an accompanied appointment step by step), sync, then reopen the
store with a wrong key (a typed error) and the right one (data intact, the
certificate still trusted), and run background sync with a listener.

Run by tests/tests/device_bindings.rs, which generates the bindings (module
`alongside_bridge`, beside the built library) into a directory on
PYTHONPATH and starts the server. Inputs, from the environment:

    ALONGSIDE_SERVER_URL   the server's base URL (https://127.0.0.1:PORT)
    ALONGSIDE_CA_FILE      the server's self-signed certificate (PEM)
    ALONGSIDE_USERNAME     a peer's username
    ALONGSIDE_PASSWORD     their password
    ALONGSIDE_TOKEN        a device token an administrator provisioned for them
    ALONGSIDE_STORE_DIR    an empty directory for the store file

On success it prints one JSON line (the ids and texts it wrote) for the
Rust test to look for on the server, and exits 0. Any failed check raises
and exits non-zero. Standard library only.
"""

import gc
import json
import os
import queue
import sys
import time

import alongside_bridge as ab


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def expect_error(kind, call, *args):
    """Runs call(*args); it must raise BridgeError.<kind>. Returns the error."""
    try:
        call(*args)
    except ab.BridgeError as e:
        check(isinstance(e, kind), f"expected {kind.__name__}, got {type(e).__name__}: {e}")
        return e
    raise CheckFailed(f"expected {kind.__name__}, the call succeeded")


class Listener(ab.SyncListener):
    """Background sync's listener: puts every call on a queue, for the
    main thread to wait on (calls arrive on the bridge's listener thread)."""

    def __init__(self):
        self.events = queue.Queue()

    def on_synced(self, report):
        self.events.put(("synced", report))

    def on_failed(self, error, failures, retry_in_secs):
        self.events.put(("failed", (error, failures, retry_in_secs)))

    def on_stopped(self, reason):
        self.events.put(("stopped", reason))

    def next(self, what, timeout=30):
        """The next call; it must be `what` (failures are shown)."""
        kind, value = self.events.get(timeout=timeout)
        check(kind == what, f"expected {what}, the listener got {kind}: {value}")
        return value


def utf16_len(text):
    """Length in UTF-16 code units, as Kotlin and Swift count."""
    return len(text.encode("utf-16-le")) // 2


def main():
    server = os.environ["ALONGSIDE_SERVER_URL"]
    username = os.environ["ALONGSIDE_USERNAME"]
    password = os.environ["ALONGSIDE_PASSWORD"]
    provisioned = os.environ["ALONGSIDE_TOKEN"]
    path = os.path.join(os.environ["ALONGSIDE_STORE_DIR"], "phone.db")
    tablet_path = os.path.join(os.environ["ALONGSIDE_STORE_DIR"], "tablet.db")
    key = os.urandom(32)

    # Open a new store; nothing can be written before enrolment.
    expect_error(ab.BridgeError.InvalidInput, ab.AlongsideDevice.open, path, key[:31])
    device = ab.AlongsideDevice.open(path, key)
    check(device.identity() is None, "a new store has no identity")
    expect_error(ab.BridgeError.NotEnrolled, device.create_participant, "Nobody")
    expect_error(ab.BridgeError.NotEnrolled, device.sync_now)

    # The server's certificate is self-signed: until it is trusted,
    # enrolment refuses the server with a typed error and stores nothing.
    untrusted = expect_error(ab.BridgeError.UntrustedCertificate, device.enrol,
                             server, username, password, "test phone")
    check("certificate" in untrusted.describe(), f"a sentence: {untrusted.describe()!r}")
    check(device.identity() is None, "a refused enrolment stores nothing")
    # Junk is refused when given, not at the next connection.
    for junk in ("not a certificate",
                 "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"):
        bad = expect_error(ab.BridgeError.InvalidInput, device.trust_certificate, junk)
        check(bad.field == "pem", f"the error names the input: {bad}")
    check(device.trusted_certificate() is None, "junk is not stored")
    with open(os.environ["ALONGSIDE_CA_FILE"], encoding="ascii") as f:
        pem = f.read()
    device.trust_certificate(pem)
    check(device.trusted_certificate() == pem.strip(), "the certificate is stored")

    # Enrol: a wrong password is told apart, the right one signs in.
    expect_error(ab.BridgeError.InvalidCredentials, device.enrol,
                 server, username, "not-the-password", "test phone")
    identity = device.enrol(server, username, password, "Python test phone")
    check(identity.user_id and identity.device_id, f"identity: {identity}")
    check(identity.caseload_index is not None, "enrolment gives the caseload index")
    check(identity.server_url is not None, "the server is remembered")

    # Offline work: nothing below touches the network.
    display_name = "Zoë Ångström"
    participant = device.create_participant(display_name)
    intervention = "Met Zoë at the café ☕, walked 🚶 to the clinic."
    note = device.add_note(participant, ab.NewNote(
        intervention=intervention,
        purpose="Support with a first GP appointment",
        response="Calm; asked questions 👍",
        plan="Phone on Friday",
        service_date=None, start=None, end=None, setting=None,
        service_code=None, part2=False,
    ))
    # Insert after the emoji (a surrogate pair: two UTF-16 code units).
    anchor = "walked 🚶"
    at = utf16_len(intervention[: intervention.index(anchor) + len(anchor)])
    text = device.edit_note(participant, note, ab.NoteField.INTERVENTION,
                            ab.TextEdit.SPLICE(at=at, delete=0, insert=" together"))
    intervention = intervention.replace(anchor, anchor + " together")
    check(text == intervention, f"splice after an emoji: {text!r}")
    # Replace "clinic" (positions counted past the é, ☕ and 🚶).
    start = utf16_len(intervention[: intervention.index("clinic")])
    text = device.edit_note(participant, note, ab.NoteField.INTERVENTION,
                            ab.TextEdit.SPLICE(at=start, delete=utf16_len("clinic"),
                                               insert="surgery in Łódź Street"))
    intervention = intervention.replace("clinic", "surgery in Łódź Street")
    check(text == intervention, f"splice after non-BMP text: {text!r}")
    # A position inside the surrogate pair is refused, and changes nothing.
    inside = utf16_len(intervention[: intervention.index("🚶")]) + 1
    expect_error(ab.BridgeError.TextRange, device.edit_note, participant, note,
                 ab.NoteField.INTERVENTION, ab.TextEdit.SPLICE(at=inside, delete=0, insert="x"))
    bad = expect_error(ab.BridgeError.InvalidInput, device.note, "not-a-participant", note)
    check(bad.field == "participant", f"the error names the input: {bad}")
    check("not a document id" in bad.describe(), f"a sentence: {bad.describe()!r}")
    # A well-formed id of a document that is not a participant record here.
    expect_error(ab.BridgeError.UnknownParticipant, device.note, identity.caseload_index, note)
    comment = device.edit_note(participant, note, ab.NoteField.PARTICIPANT_COMMENT,
                               ab.TextEdit.REPLACE(text="Zoë: “it went well”"))
    check(comment == "Zoë: “it went well”", f"comment: {comment!r}")
    submitted = device.submit_note(participant, note)
    check(submitted.status == "submitted", f"submitted: {submitted.status}")
    check(submitted.intervention == intervention, "the submitted note keeps the text")

    # An accompanied appointment, step by step.
    visit = device.start_accompaniment(participant, ab.NewAccompaniment(
        kind="medical", place="Riverside Health Centre", provider="Dr Okafor",
        purpose="Medication review", scheduled_at=None, transport="walk",
    ))
    for step in (ab.AccompanimentStep.ARRIVED, ab.AccompanimentStep.SEEN,
                 ab.AccompanimentStep.ENDED):
        log = device.stamp(visit, step)
    outcome = "New prescription — collected ✓"
    log = device.set_outcome(visit, outcome)
    log = device.set_barriers(visit, "Bus 42 cancelled; walked")
    follow_up = device.add_follow_up(visit, "Book the next review", "2026-12-01")
    log = device.tick_follow_up(visit, follow_up)
    device.link_note(visit, note)
    log = device.stamp(visit, ab.AccompanimentStep.RETURNED)
    check(log.status == "completed", f"returned completes the log: {log.status}")
    stamps = [log.departed_at, log.arrived_at, log.seen_at, log.ended_at, log.returned_at]
    check(all(s is not None for s in stamps), f"every step stamped: {stamps}")
    check(stamps == sorted(stamps), f"steps in order: {stamps}")
    check(log.outcome == outcome and log.note_id == note, f"log: {log}")
    check([f.done for f in log.follow_ups] == [True], f"follow-ups: {log.follow_ups}")

    status = device.status()
    check(status.enrolled, "enrolled")
    check(status.pending_documents == 2, f"two documents to send: {status}")
    check(status.pending_changes > 0, f"changes to send: {status}")
    check(status.last_sync_at is None, "never synced")

    # Sync. The server lists a new record in the caseload index right after
    # storing it, so the index may arrive one sync later: sync until the
    # caseload shows it (a bounded number of times).
    sent = 0
    first = None
    for _ in range(40):
        report = device.sync_now()
        first = first or report
        sent += report.documents_sent
        entry = [e for e in device.caseload() if e.id == participant]
        if not report.errors and entry and entry[0].indexed and not entry[0].pending:
            break
        time.sleep(0.25)
    else:
        raise CheckFailed(f"never in sync; last report {report}, caseload {device.caseload()}")
    check(sent >= 2, f"both documents were sent: {sent}")
    check(first.bytes_sent > 0 and first.messages_sent > 0, f"first report: {first}")
    check(first.connections >= 1, f"first report: {first}")
    status = device.status()
    check(status.pending_changes == 0 and status.pending_documents == 0,
          f"nothing pending after sync: {status}")
    check(status.last_sync_at is not None, "the sync is recorded")
    synced_at = status.last_sync_at

    # A second device of the same worker, enrolled with a provisioned
    # token, receives the record; then both edit the note offline and
    # their edits merge by character.
    tablet = ab.AlongsideDevice.open(tablet_path, os.urandom(32))
    expect_error(ab.BridgeError.UntrustedCertificate, tablet.enrol_with_token, server, provisioned)
    tablet.trust_certificate(pem)
    expect_error(ab.BridgeError.Unauthorized, tablet.enrol_with_token, server, "als_" + "A" * 43)
    tablet_identity = tablet.enrol_with_token(server, provisioned)
    check(tablet_identity.user_id == identity.user_id, f"same user: {tablet_identity}")
    check(tablet_identity.device_id != identity.device_id, "another device")
    for _ in range(40):
        tablet.sync_now()
        entry = [e for e in tablet.caseload() if e.id == participant]
        if entry and entry[0].held and entry[0].notes == 1:
            break
        time.sleep(0.25)
    else:
        raise CheckFailed(f"the tablet never received the record: {tablet.caseload()}")
    check(tablet.note(participant, note).intervention == intervention, "the tablet has the text")
    device.edit_note(participant, note, ab.NoteField.INTERVENTION,
                     ab.TextEdit.SPLICE(at=utf16_len(intervention), delete=0,
                                        insert=" Phone: she’ll call ☎"))
    tablet.edit_note(participant, note, ab.NoteField.INTERVENTION,
                     ab.TextEdit.SPLICE(at=0, delete=0, insert="Tablet 📝: "))
    intervention = "Tablet 📝: " + intervention + " Phone: she’ll call ☎"
    merged = None
    for _ in range(40):
        device.sync_now()
        tablet.sync_now()
        device.sync_now()
        merged = (device.note(participant, note).intervention,
                  tablet.note(participant, note).intervention)
        if merged == (intervention, intervention):
            break
        time.sleep(0.25)
    else:
        raise CheckFailed(f"the edits never merged: {merged!r}")
    status = device.status()
    check(status.pending_changes == 0, f"nothing pending after the merge: {status}")
    synced_at = status.last_sync_at
    del tablet

    # Close the store, then reopen it: a wrong key is a typed error and
    # changes nothing; the right key finds everything.
    del device
    gc.collect()
    wrong = bytes(b ^ 0xFF for b in key)
    expect_error(ab.BridgeError.WrongKey, ab.AlongsideDevice.open, path, wrong)
    device = ab.AlongsideDevice.open(path, key)
    again = device.identity()
    check(again is not None and again.user_id == identity.user_id
          and again.device_id == identity.device_id, f"identity after reopening: {again}")
    reread = device.note(participant, note)
    check(reread.intervention == intervention, f"note after reopening: {reread.intervention!r}")
    check(reread.participant_comment == comment, "comment after reopening")
    check(device.accompaniment(visit) == log, "accompaniment after reopening")
    status = device.status()
    check(status.pending_changes == 0 and status.last_sync_at == synced_at,
          f"status after reopening: {status}")
    # The certificate is still trusted after reopening.
    check(device.trusted_certificate() == pem.strip(), "the certificate survives a restart")
    report = device.sync_now()
    check(not report.errors and report.documents_sent == 0,
          f"a sync with nothing changed sends nothing: {report}")

    # Background sync: a sync at once, then (the interval being an hour)
    # only when asked; an offline edit goes out after sync_soon.
    listener = Listener()
    check(device.sync_soon() is False, "no background sync to wake yet")
    expect_error(ab.BridgeError.InvalidInput, device.start_background_sync, 0, listener)
    device.start_background_sync(3600, listener)
    first = listener.next("synced")
    check(not first.errors, f"the first background sync: {first}")
    outcome = outcome + " (checked in the background)"
    device.set_outcome(visit, outcome)
    check(device.status().pending_changes > 0, "an offline edit waits")
    check(device.sync_soon() is True, "background sync is running")
    sent = listener.next("synced")
    check(sent.documents_sent >= 1 and not sent.errors, f"the edit was sent: {sent}")
    status = device.status()
    check(status.pending_changes == 0, f"nothing pending after the background sync: {status}")
    check(status.last_sync_at is not None and status.last_sync_at >= synced_at,
          f"the background sync is recorded: {status}")
    device.stop_background_sync()
    # stop_background_sync returns once the listener heard the stop.
    reason = listener.next("stopped", timeout=0)
    check(isinstance(reason, ab.SyncStopReason.REQUESTED), f"stopped on request: {reason}")
    check(listener.events.empty(), "nothing after the stop")
    check(device.sync_soon() is False, "background sync has stopped")

    print(json.dumps({
        "user_id": identity.user_id,
        "device_id": identity.device_id,
        "participant": participant,
        "display_name": display_name,
        "note": note,
        "accompaniment": visit,
        "intervention": intervention,
        "comment": comment,
        "outcome": outcome,
    }, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print(f"check failed: {e}", file=sys.stderr)
        sys.exit(1)
