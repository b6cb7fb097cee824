//! Devices writing live into one shared record: each holds the record in
//! a plain automerge sync session over its own WebSocket ([`RawClient`])
//! and adds one note at a time while it keeps syncing, as phones do while
//! workers type. For loading one record from many devices at once.
//!
//! A writer ends when it has written every note, holds as many notes as
//! the test expects the record to have, and the server has acknowledged
//! its heads; or when the deadline passes, reporting what it holds then.

use std::time::Duration;

use alongside_shared::doc::edit::participant::add_note;
use alongside_shared::wire::{DocumentId, Message};
use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ROOT, ReadDoc};
use tokio::time::Instant;
use uuid::Uuid;

use crate::accounts::Account;
use crate::client::{RawClient, Reply};
use crate::console::note;

/// One live writer.
pub struct Writer {
    /// `ws://…/sync` of the node it connects to.
    pub url: String,
    /// Its device token.
    pub token: String,
    /// Its peer id (and the prefix of its notes' text).
    pub name: String,
    /// The record, as the device holds it when it starts.
    pub doc: AutoCommit,
    /// Notes to write.
    pub notes: usize,
    /// Time between two of its notes.
    pub pace: Duration,
}

/// How a writer ended.
#[derive(Debug)]
pub struct Written {
    /// Its peer id.
    pub name: String,
    /// Notes its copy holds at the end.
    pub notes: usize,
    /// Whether the server's last heads covered the writer's.
    pub acknowledged: bool,
    /// Why it stopped before the end, if it did.
    pub error: Option<String>,
}

/// The number of notes in a participant record.
pub fn note_count(doc: &AutoCommit) -> usize {
    match doc.get(ROOT, "notes") {
        Ok(Some((_, notes))) => doc.length(&notes),
        _ => 0,
    }
}

/// Runs `writer` as `author` on record `id` until it holds `expected`
/// notes with its own acknowledged, or until `deadline`.
pub async fn write_live(
    mut writer: Writer,
    author: &Account,
    id: DocumentId,
    expected: usize,
    deadline: Instant,
) -> Written {
    let mut client = RawClient::joined(&writer.url, &writer.token, &writer.name).await;
    let mut state = sync::State::new();
    let mut written = 0;
    let mut next_note = Instant::now();
    let mut error = None;
    send_next(&mut client, id, &mut writer.doc, &mut state).await;
    loop {
        let now = Instant::now();
        if now >= deadline {
            error = Some("deadline passed".to_owned());
            break;
        }
        if written < writer.notes && now >= next_note {
            let text = format!("{} note {written}", writer.name);
            let minute = i64::try_from(written).unwrap_or(0);
            if let Err(e) = add_note(
                &mut writer.doc,
                Uuid::new_v4(),
                &note(author, &text, minute),
            ) {
                error = Some(format!("add a note: {e}"));
                break;
            }
            writer.doc.commit();
            written += 1;
            next_note = now + writer.pace;
            send_next(&mut client, id, &mut writer.doc, &mut state).await;
        }
        if written == writer.notes
            && note_count(&writer.doc) >= expected
            && acknowledged(&mut writer.doc, &state)
        {
            break;
        }
        let until = if written < writer.notes {
            next_note.min(deadline)
        } else {
            deadline
        };
        match client.next(until.saturating_duration_since(now)).await {
            Reply::Message(Message::Sync(m)) if m.document_id == id => {
                let received = sync::Message::decode(&m.data)
                    .map_err(|e| e.to_string())
                    .and_then(|message| {
                        writer
                            .doc
                            .sync()
                            .receive_sync_message(&mut state, message)
                            .map_err(|e| e.to_string())
                    });
                if let Err(e) = received {
                    error = Some(format!("server's sync message: {e}"));
                    break;
                }
                send_next(&mut client, id, &mut writer.doc, &mut state).await;
            }
            Reply::Message(Message::Error { message, .. }) => {
                error = Some(format!("server error: {message}"));
                break;
            }
            Reply::Closed => {
                error = Some("server closed the connection".to_owned());
                break;
            }
            Reply::Message(_) | Reply::Garbage(_) | Reply::Silence => {}
        }
    }
    Written {
        name: writer.name,
        notes: note_count(&writer.doc),
        acknowledged: acknowledged(&mut writer.doc, &state),
        error,
    }
}

/// Sends the session's next sync message, if automerge has one.
async fn send_next(
    client: &mut RawClient,
    id: DocumentId,
    doc: &mut AutoCommit,
    state: &mut sync::State,
) {
    if let Some(message) = doc.sync().generate_sync_message(state) {
        let frame = client.doc_message(id, message.encode(), false);
        client.send(&frame).await;
    }
}

/// Whether the heads the server last announced cover the document's.
fn acknowledged(doc: &mut AutoCommit, state: &sync::State) -> bool {
    let theirs = state.their_heads.clone().unwrap_or_default();
    doc.get_heads().iter().all(|h| theirs.contains(h))
}
