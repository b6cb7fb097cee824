//! Writes that wait: a peer's write the policy refused as
//! [not yet](crate::sync::Refusal::not_yet) (a new accompaniment log
//! naming a participant record the same device has not sent yet) is rolled
//! back and held, with every later message of that session behind it, and
//! replayed in order on each tick and each access change. It stands once
//! the policy accepts it; past [`Limits::park_ms`](super::Limits::park_ms),
//! or when the connection holds more than its share of held-back bytes,
//! the refusal is final (quarantined and answered with `error`, as any
//! refused write).
//!
//! Nothing of a held write is persisted, advertised or acknowledged, so the
//! durability invariant is untouched: the peer keeps its changes until the
//! server's heads cover them, and a connection that goes away loses only
//! the held copy.

use super::{DocEntry, Hub, Queued};
use crate::sync::connection::Parked;
use crate::sync::event::{ConnId, Effect};
use crate::sync::policy::Policy;
use crate::wire::DocumentId;

impl<P: Policy> Hub<P> {
    /// Whether a write on `conn`'s session for `id` may still wait.
    pub(super) fn may_wait(&self, conn: ConnId, id: DocumentId) -> bool {
        let session = self.conns.get(&conn).and_then(|c| c.sessions.get(&id));
        session
            .and_then(|s| s.parked_until)
            .is_none_or(|until| self.now_ms < until)
    }

    /// Whether messages of `conn`'s session for `id` are being held back
    /// (a later message then waits behind them).
    pub(super) fn is_parked(&self, conn: ConnId, id: DocumentId) -> bool {
        self.conns
            .get(&conn)
            .and_then(|c| c.sessions.get(&id))
            .is_some_and(|s| !s.parked.is_empty())
    }

    /// Holds `parked` back behind whatever of the session already waits.
    pub(super) fn park(&mut self, conn: ConnId, id: DocumentId, parked: Parked) {
        let now = self.now_ms;
        let limits = &self.config.limits;
        let (park_ms, max_bytes) = (limits.park_ms, limits.max_parked_bytes_per_connection);
        let Some(connection) = self.conns.get_mut(&conn) else {
            return;
        };
        connection.parked_bytes = connection.parked_bytes.saturating_add(parked.bytes);
        let over = connection.parked_bytes > max_bytes;
        let Some(session) = connection.sessions.get_mut(&id) else {
            return;
        };
        session.parked.push(parked);
        let until = session
            .parked_until
            .get_or_insert(now.saturating_add(park_ms));
        if over {
            // Decided now: the connection may not hold more back.
            *until = 0;
            self.replay(conn, id);
        }
    }

    /// Replays every held-back session: on a tick (which may end their
    /// wait) and whenever access changes (which may have lifted it).
    pub(super) fn retry_parked(&mut self) {
        let parked: Vec<(ConnId, DocumentId)> = self
            .conns
            .iter()
            .flat_map(|(conn, c)| {
                c.sessions
                    .iter()
                    .filter(|(_, s)| !s.parked.is_empty())
                    .map(|(id, _)| (*conn, *id))
            })
            .collect();
        for (conn, id) in parked {
            self.replay(conn, id);
        }
    }

    /// Takes the session's held-back messages in again, in order, as if
    /// they had just arrived (the wait's deadline stays).
    fn replay(&mut self, conn: ConnId, id: DocumentId) {
        let Some(connection) = self.conns.get_mut(&conn) else {
            return;
        };
        let Some(session) = connection.sessions.get_mut(&id) else {
            return;
        };
        let messages = std::mem::take(&mut session.parked);
        let bytes: usize = messages.iter().map(|p| p.bytes).sum();
        connection.parked_bytes = connection.parked_bytes.saturating_sub(bytes);
        for parked in messages {
            self.take_in(conn, id, parked);
        }
    }

    /// One held-back message, in again: applied if its document is here,
    /// else queued behind its load (which may have been evicted meanwhile).
    fn take_in(&mut self, conn: ConnId, id: DocumentId, parked: Parked) {
        let Parked {
            request,
            message,
            loaded,
            ..
        } = parked;
        match self.docs.get_mut(&id) {
            Some(DocEntry::Resident(_)) => self.receive(conn, id, request, message, loaded),
            Some(DocEntry::Loading(queue)) => queue.push(Queued::Message {
                conn,
                request,
                message,
                loads: loaded,
            }),
            None => {
                self.docs.insert(
                    id,
                    DocEntry::Loading(vec![Queued::Message {
                        conn,
                        request,
                        message,
                        loads: loaded,
                    }]),
                );
                self.out.push(Effect::Load { document: id });
            }
        }
    }
}
