//! Syncing one document over a [`RawClient`]: find a document the way a
//! fresh device does, or push local changes and wait for the server to
//! acknowledge them. Used by the access tests to try every operation on
//! every document and see exactly what the server answered.

use std::time::Duration;

use alongside_shared::wire::{DocumentId, Message};
use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::client::{RawClient, Reply};

/// How long to wait for each answer.
const WAIT: Duration = Duration::from_secs(10);

/// What the server did with a find or a push.
#[derive(Debug)]
pub enum Outcome {
    /// The document was sent (find) or the changes acknowledged (push).
    Synced(Box<AutoCommit>),
    /// `doc-unavailable`.
    Unavailable,
    /// An `error` message, with its text.
    Refused(String),
    /// The connection closed or went silent without an answer.
    NoAnswer(String),
}

impl Outcome {
    /// A short name for assertions and tables.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Synced(_) => "synced",
            Outcome::Unavailable => "unavailable",
            Outcome::Refused(_) => "refused",
            Outcome::NoAnswer(_) => "no answer",
        }
    }
}

/// Asks for `id` with nothing local, as a device that does not have it.
/// `Synced` once the server has sent content and nothing more is needed.
pub async fn find<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut RawClient<S>,
    id: DocumentId,
) -> Outcome {
    let mut doc = AutoCommit::new();
    let mut state = sync::State::new();
    let Some(first) = doc.sync().generate_sync_message(&mut state) else {
        return Outcome::NoAnswer("no first message".into());
    };
    let request = client.doc_message(id, first.encode(), true);
    client.send(&request).await;
    exchange(client, id, &mut doc, &mut state, |doc, _| !doc.is_empty()).await
}

/// Pushes `doc`'s changes to `id` and waits until the server's heads cover
/// them.
pub async fn push<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut RawClient<S>,
    id: DocumentId,
    doc: &mut AutoCommit,
) -> Outcome {
    let mut state = sync::State::new();
    let Some(first) = doc.sync().generate_sync_message(&mut state) else {
        return Outcome::NoAnswer("no first message".into());
    };
    let message = client.doc_message(id, first.encode(), false);
    client.send(&message).await;
    let mut ours = doc.get_heads();
    ours.sort();
    exchange(client, id, doc, &mut state, move |_, state| {
        let mut theirs = state.their_heads.clone().unwrap_or_default();
        theirs.sort();
        ours.iter().all(|h| theirs.contains(h))
    })
    .await
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut RawClient<S>,
    id: DocumentId,
    doc: &mut AutoCommit,
    state: &mut sync::State,
    done: impl Fn(&mut AutoCommit, &sync::State) -> bool,
) -> Outcome {
    for _ in 0..100 {
        match client.next(WAIT).await {
            Reply::Message(Message::Sync(m)) if m.document_id == id => {
                let Ok(message) = sync::Message::decode(&m.data) else {
                    return Outcome::NoAnswer("undecodable sync message".into());
                };
                if let Err(e) = doc.sync().receive_sync_message(state, message) {
                    return Outcome::NoAnswer(format!("sync message does not apply: {e}"));
                }
                if let Some(next) = doc.sync().generate_sync_message(state) {
                    let reply = client.doc_message(id, next.encode(), false);
                    client.send(&reply).await;
                }
                if done(doc, state) {
                    return Outcome::Synced(Box::new(doc.clone()));
                }
            }
            Reply::Message(Message::DocUnavailable { document_id, .. }) if document_id == id => {
                return Outcome::Unavailable;
            }
            Reply::Message(Message::Error { message, .. }) => return Outcome::Refused(message),
            Reply::Message(_) => continue,
            other => return Outcome::NoAnswer(format!("{other:?}")),
        }
    }
    Outcome::NoAnswer("too many rounds".into())
}
