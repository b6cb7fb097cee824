//! A connection's life in the hub: the handshake (`join` and `peer`), the
//! routing of a ready connection's messages, and the end of a connection
//! (an `error` or `leave` from the peer, or the hub refusing its input).
//!
//! Everything about one document is handed on to that document's session;
//! what is here concerns the connection as a whole.

use super::{Hub, Role};
use crate::sync::connection::{Connection, Phase};
use crate::sync::event::{ConnId, Effect, ProtocolError};
use crate::sync::policy::Policy;
use crate::wire::{
    self, DocumentId, JoinMessage, Message, PROTOCOL_V1, PeerId, PeerMessage, WireError,
};

impl<P: Policy> Hub<P> {
    pub(super) fn connected(&mut self, conn: ConnId, peer: P::Peer) {
        let since_ms = self.now_ms;
        let phase = match self.config.role {
            Role::Accept => Phase::AwaitingJoin { since_ms },
            Role::Initiate => Phase::AwaitingPeer { since_ms },
        };
        self.conns.insert(conn, Connection::new(peer, phase));
        if self.config.role == Role::Initiate {
            let join = Message::Join(JoinMessage {
                sender_id: self.config.peer_id.clone(),
                supported_protocol_versions: Some(vec![PROTOCOL_V1.into()]),
                metadata: Some(self.config.metadata.clone()),
            });
            self.send(conn, &join);
        }
    }

    pub(super) fn forget_connection(&mut self, conn: ConnId) {
        if let Some(connection) = self.conns.remove(&conn) {
            for id in connection.sessions.keys() {
                if let Some(set) = self.subscribers.get_mut(id) {
                    set.remove(&conn);
                    if set.is_empty() {
                        self.subscribers.remove(id);
                    }
                }
            }
        }
    }

    /// The peer ended the connection: close it (unless another hub
    /// speaks for it) and forget it.
    pub(super) fn close_connection(&mut self, conn: ConnId) {
        if self.speaks_for_connections {
            self.out.push(Effect::Close { conn });
        }
        self.forget_connection(conn);
    }

    pub(super) fn send(&mut self, conn: ConnId, message: &Message) {
        self.out.push(Effect::Send {
            conn,
            frame: wire::encode(message),
        });
    }

    /// Refuses a connection's input: `error`, close, forget.
    pub(super) fn reject(
        &mut self,
        conn: ConnId,
        document: Option<DocumentId>,
        error: ProtocolError,
    ) {
        let Some(connection) = self.conns.get_mut(&conn) else {
            return;
        };
        if connection.phase == Phase::Closed {
            return;
        }
        let target_id = connection.remote().cloned();
        connection.phase = Phase::Closed;
        if document.is_none() && !self.speaks_for_connections {
            // The hub that speaks for the connection refuses it and
            // closes it, its `error` first.
            self.forget_connection(conn);
            return;
        }
        let message = Message::Error {
            sender_id: Some(self.config.peer_id.clone()),
            target_id,
            message: error.to_string(),
            document_id: document,
        };
        self.out.push(Effect::Rejected {
            conn,
            document,
            error,
        });
        self.send(conn, &message);
        self.out.push(Effect::Close { conn });
        self.forget_connection(conn);
    }

    pub(super) fn frame(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(connection) = self.conns.get(&conn) else {
            return;
        };
        if connection.phase == Phase::Closed {
            return;
        }
        let message = match wire::decode(bytes, self.config.limits.max_frame_bytes) {
            Ok(message) => message,
            Err(WireError::UnknownType(t)) => {
                // Newer peers may send types we do not know; they are ignored.
                self.out.push(Effect::Rejected {
                    conn,
                    document: None,
                    error: ProtocolError::Wire(WireError::UnknownType(t)),
                });
                return;
            }
            Err(e) => return self.reject(conn, None, e.into()),
        };
        self.received(conn, message);
    }

    pub(super) fn received(&mut self, conn: ConnId, message: Message) {
        let Some(connection) = self.conns.get(&conn) else {
            return;
        };
        if connection.phase == Phase::Closed {
            return;
        }
        match (&connection.phase, message) {
            (Phase::AwaitingJoin { .. }, Message::Join(join)) => self.join(conn, join),
            (Phase::AwaitingPeer { .. }, Message::Peer(peer)) => self.peer(conn, peer),
            (_, Message::Error { .. }) => self.close_connection(conn),
            (Phase::Ready { .. }, message) => self.ready_message(conn, message),
            (_, message) => self.reject(conn, None, ProtocolError::Unexpected(message.type_name())),
        }
    }

    pub(super) fn join(&mut self, conn: ConnId, join: JoinMessage) {
        let supported = join
            .supported_protocol_versions
            .as_ref()
            .is_none_or(|v| v.iter().any(|v| v == PROTOCOL_V1));
        if !supported {
            return self.reject(conn, None, ProtocolError::UnsupportedVersion);
        }
        let storage_id = join.metadata.as_ref().and_then(|m| m.storage_id.clone());
        let reply = Message::Peer(PeerMessage {
            sender_id: self.config.peer_id.clone(),
            target_id: join.sender_id.clone(),
            selected_protocol_version: PROTOCOL_V1.into(),
            metadata: Some(self.config.metadata.clone()),
        });
        if let Some(connection) = self.conns.get_mut(&conn) {
            connection.phase = Phase::Ready {
                remote: join.sender_id.clone(),
                storage_id,
            };
        }
        if self.speaks_for_connections {
            self.send(conn, &reply);
        }
        self.out.push(Effect::PeerReady {
            conn,
            peer_id: join.sender_id,
            metadata: join.metadata,
        });
    }

    pub(super) fn peer(&mut self, conn: ConnId, peer: PeerMessage) {
        if peer.selected_protocol_version != PROTOCOL_V1 {
            return self.reject(conn, None, ProtocolError::UnsupportedVersion);
        }
        if peer.target_id != self.config.peer_id {
            return self.reject(conn, None, ProtocolError::WrongPeer);
        }
        let storage_id = peer.metadata.as_ref().and_then(|m| m.storage_id.clone());
        if let Some(connection) = self.conns.get_mut(&conn) {
            connection.phase = Phase::Ready {
                remote: peer.sender_id.clone(),
                storage_id,
            };
        }
        self.out.push(Effect::PeerReady {
            conn,
            peer_id: peer.sender_id,
            metadata: peer.metadata,
        });
        let open: Vec<DocumentId> = self.open.iter().copied().collect();
        for id in open {
            self.start_session(conn, id);
        }
    }

    pub(super) fn ready_message(&mut self, conn: ConnId, message: Message) {
        match message {
            Message::Request(m) => self.doc_message(conn, m, true),
            Message::Sync(m) => self.doc_message(conn, m, false),
            Message::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                if !self.addressed_to_us(conn, &sender_id, &target_id) {
                    return self.reject(conn, Some(document_id), ProtocolError::WrongPeer);
                }
                self.drop_session(conn, document_id);
                self.out.push(Effect::Unavailable {
                    conn,
                    document: document_id,
                });
            }
            Message::Ephemeral(m) => self.ephemeral(conn, m),
            Message::RemoteSubscriptionChange { add, remove, .. } => {
                if let Some(connection) = self.conns.get_mut(&conn) {
                    for s in remove {
                        connection.subscriptions.remove(&s);
                    }
                    for s in add {
                        if connection.subscriptions.len()
                            < self.config.limits.max_sessions_per_connection
                        {
                            connection.subscriptions.insert(s);
                        }
                    }
                }
            }
            // Heads gossip from a peer is informational; a hub at the centre of
            // a star has no one to forward it to that did not hear it directly.
            Message::RemoteHeadsChanged { .. } => {}
            Message::Leave { .. } => self.close_connection(conn),
            other @ (Message::Join(_) | Message::Peer(_) | Message::Error { .. }) => {
                self.reject(conn, None, ProtocolError::Unexpected(other.type_name()));
            }
        }
    }

    pub(super) fn addressed_to_us(&self, conn: ConnId, sender: &PeerId, target: &PeerId) -> bool {
        let remote = self.conns.get(&conn).and_then(|c| c.remote());
        remote == Some(sender) && *target == self.config.peer_id
    }
}
