//! Which sync shard holds which document, and how inputs reach the shards.
//!
//! A node splits documents between several shards, each a driver with a
//! hub of its own on a thread of its own. A document belongs to one shard
//! for the life of the process, chosen by a hash keyed afresh in each
//! process (so a peer cannot aim its documents at another's shard). Every
//! connection is known to every shard; its frames go to the shard of the
//! document they name, and what concerns the connection as a whole (the
//! handshake, `leave`, heads subscriptions) to all of them, shard 0
//! answering for it.

use std::hash::BuildHasher;
use std::sync::Arc;

use alongside_shared::wire::{self, DocumentId, Message};
use tokio::sync::mpsc;

use super::Input;

/// The shards' inputs.
#[derive(Clone)]
pub(super) struct Router {
    shards: Arc<[mpsc::UnboundedSender<Input>]>,
    keys: std::hash::RandomState,
}

/// Where a frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// To one shard.
    Shard(usize),
    /// To every shard (what concerns the connection as a whole).
    All,
}

impl Router {
    /// A router over the shards listening on `shards` (at least one).
    pub(super) fn new(shards: Vec<mpsc::UnboundedSender<Input>>) -> Self {
        Self {
            shards: shards.into(),
            keys: std::hash::RandomState::new(),
        }
    }

    /// The shard that holds `document`.
    pub(super) fn shard_of(&self, document: &DocumentId) -> usize {
        let n = self.shards.len().max(1) as u64;
        usize::try_from(self.keys.hash_one(document) % n).unwrap_or(0)
    }

    /// How many shards the node has.
    pub(super) fn len(&self) -> usize {
        self.shards.len()
    }

    /// Shard `shard`'s input.
    pub(super) fn sender(&self, shard: usize) -> Option<mpsc::UnboundedSender<Input>> {
        self.shards.get(shard).cloned()
    }

    /// Sends `input` to shard `shard`; false if it has stopped.
    pub(super) fn to_shard(&self, shard: usize, input: Input) -> bool {
        self.shards
            .get(shard)
            .is_some_and(|tx| tx.send(input).is_ok())
    }

    /// Sends `input` to the shard that holds `document`.
    pub(super) fn to_document(&self, document: &DocumentId, input: Input) -> bool {
        self.to_shard(self.shard_of(document), input)
    }

    /// Sends what `make` builds to every shard; false if one has stopped.
    pub(super) fn to_all(&self, mut make: impl FnMut() -> Input) -> bool {
        let mut all = true;
        for tx in self.shards.iter() {
            all &= tx.send(make()).is_ok();
        }
        all
    }

    /// Where a connection's frame goes, and the frame decoded (`None`
    /// when it does not decode: shard 0 gets its bytes and refuses them).
    /// Until the connection's `join` has gone out (`joined` false),
    /// everything goes to shard 0, which answers out-of-order messages as
    /// one hub would.
    pub(super) fn route(
        &self,
        frame: &[u8],
        max_frame_bytes: usize,
        joined: bool,
    ) -> (Route, Option<Message>) {
        let Ok(message) = wire::decode(frame, max_frame_bytes) else {
            return (Route::Shard(0), None);
        };
        let route = match (&message, message.document_id()) {
            (Message::Join(_), _) => Route::All,
            _ if !joined => Route::Shard(0),
            (_, Some(document)) => Route::Shard(self.shard_of(&document)),
            (Message::Peer(_), None) => Route::Shard(0),
            (_, None) => Route::All,
        };
        (route, Some(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alongside_shared::wire::{DocMessage, JoinMessage, PeerId};

    fn router(n: usize) -> Router {
        let senders = (0..n).map(|_| mpsc::unbounded_channel().0).collect();
        Router::new(senders)
    }

    fn sync_frame(document: DocumentId) -> Vec<u8> {
        wire::encode(&Message::Sync(DocMessage {
            sender_id: PeerId::new("device"),
            target_id: PeerId::new("server"),
            document_id: document,
            data: Vec::new(),
        }))
    }

    #[test]
    fn documents_spread_over_shards_and_stay_put() {
        let r = router(8);
        let ids: Vec<DocumentId> = (0..400)
            .map(|_| DocumentId::from_uuid(uuid::Uuid::new_v4()))
            .collect();
        let mut counts = [0usize; 8];
        for id in &ids {
            let shard = r.shard_of(id);
            assert_eq!(shard, r.shard_of(id), "a document keeps its shard");
            counts[shard] += 1;
        }
        assert!(
            counts.iter().all(|n| *n > 20),
            "400 documents over 8 shards: {counts:?}"
        );
    }

    #[test]
    fn frames_go_where_they_belong() {
        let r = router(8);
        let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
        let join = wire::encode(&Message::Join(JoinMessage {
            sender_id: PeerId::new("device"),
            supported_protocol_versions: None,
            metadata: None,
        }));
        let leave = wire::encode(&Message::Leave {
            sender_id: PeerId::new("device"),
        });
        let to = |frame: &[u8], joined| r.route(frame, 1 << 20, joined).0;
        assert_eq!(to(&join, false), Route::All);
        assert_eq!(to(&join, true), Route::All);
        assert_eq!(to(&sync_frame(id), false), Route::Shard(0));
        assert_eq!(to(&sync_frame(id), true), Route::Shard(r.shard_of(&id)));
        assert_eq!(to(&leave, true), Route::All);
        assert_eq!(to(&leave, false), Route::Shard(0));
        assert_eq!(to(b"\xff not cbor", true), Route::Shard(0));
        assert!(r.route(b"\xff not cbor", 1 << 20, true).1.is_none());
        assert!(r.route(&sync_frame(id), 10, true).1.is_none(), "too large");
    }
}
