//! What the hub passes between peers without storing it: heads gossip to
//! peers subscribed to a sender's storage id (`remote-heads-changed`), and
//! ephemeral messages, relayed once to every other peer syncing the
//! document that may read it.

use automerge::ChangeHash;

use super::{Hub, Role};
use crate::sync::connection::Phase;
use crate::sync::event::{ConnId, Effect};
use crate::sync::policy::{Access, Policy};
use crate::wire::{DocumentId, EphemeralMessage, Message, PeerId, RemoteHeads};

/// How many relayed ephemeral messages are remembered for de-duplication.
const EPHEMERAL_MEMORY: usize = 4096;

impl<P: Policy> Hub<P> {
    /// Tells peers subscribed to the sender's storage id about its new heads.
    pub(super) fn gossip_heads(&mut self, from: ConnId, id: DocumentId, heads: Vec<ChangeHash>) {
        let Some(Phase::Ready {
            storage_id: Some(storage),
            ..
        }) = self.conns.get(&from).map(|c| &c.phase)
        else {
            return;
        };
        let storage = storage.clone();
        let targets: Vec<(ConnId, PeerId)> = self
            .conns
            .iter()
            .filter(|(conn, c)| **conn != from && c.subscriptions.contains(&storage))
            .filter(|(_, c)| self.policy.access(&c.peer, &id) != Access::Unavailable)
            .filter_map(|(conn, c)| c.remote().map(|r| (*conn, r.clone())))
            .collect();
        for (conn, remote) in targets {
            let message = Message::RemoteHeadsChanged {
                sender_id: self.config.peer_id.clone(),
                target_id: remote,
                document_id: id,
                new_heads: [(
                    storage.clone(),
                    RemoteHeads {
                        heads: heads.clone(),
                        timestamp: self.now_ms,
                    },
                )]
                .into_iter()
                .collect(),
            };
            self.send(conn, &message);
        }
    }

    pub(super) fn ephemeral(&mut self, conn: ConnId, m: EphemeralMessage) {
        let id = m.document_id;
        if self.access(conn, &id) == Access::Unavailable {
            return;
        }
        if self.config.role == Role::Initiate {
            self.out.push(Effect::Ephemeral {
                conn,
                document: id,
                data: m.data,
            });
            return;
        }
        let key = (m.sender_id.clone(), m.session_id.clone(), m.count);
        if !self.seen_ephemeral_set.insert(key.clone()) {
            return;
        }
        self.seen_ephemeral.push_back(key);
        if self.seen_ephemeral.len() > EPHEMERAL_MEMORY
            && let Some(old) = self.seen_ephemeral.pop_front()
        {
            self.seen_ephemeral_set.remove(&old);
        }
        // Relay to every other peer syncing the document that may read it,
        // keeping the original sender, session and count.
        let targets: Vec<(ConnId, PeerId)> = self
            .subscribers
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|c| **c != conn)
            .filter_map(|c| self.conns.get(c).map(|connection| (c, connection)))
            .filter(|(_, c)| self.policy.access(&c.peer, &id) != Access::Unavailable)
            .filter_map(|(c, connection)| connection.remote().map(|r| (*c, r.clone())))
            .collect();
        for (target, remote) in targets {
            let relayed = Message::Ephemeral(EphemeralMessage {
                target_id: remote,
                ..m.clone()
            });
            self.send(target, &relayed);
        }
    }
}
