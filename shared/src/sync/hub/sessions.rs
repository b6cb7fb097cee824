//! Which documents each connection syncs: opening, keeping and dropping a
//! peer's session for a document, answering `doc-unavailable`, and
//! re-checking access when the policy's answer may have changed.
//!
//! A session exists only while the policy lets the peer see the document;
//! a document it may not see is answered exactly as one that does not
//! exist.

use super::{DocEntry, Hub, Role};
use crate::sync::connection::Session;
use crate::sync::event::{ConnId, Effect};
use crate::sync::policy::{Access, Policy};
use crate::wire::{DocumentId, Message};

impl<P: Policy> Hub<P> {
    pub(super) fn access(&self, conn: ConnId, id: &DocumentId) -> Access {
        match self.conns.get(&conn) {
            Some(connection) => self.policy.access(&connection.peer, id),
            None => Access::Unavailable,
        }
    }

    /// Answers `doc-unavailable` and forgets the peer's session (access
    /// denied, or the peer may not keep one).
    pub(super) fn unavailable(&mut self, conn: ConnId, id: DocumentId) {
        self.drop_session(conn, id);
        self.send_unavailable(conn, id);
    }

    /// Answers `doc-unavailable` but keeps the session, marked waiting, so
    /// the peer gets the document if someone creates it while it is here.
    pub(super) fn unavailable_but_waiting(&mut self, conn: ConnId, id: DocumentId) {
        if let Some(session) = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.sessions.get_mut(&id))
        {
            session.waiting = true;
        }
        self.send_unavailable(conn, id);
    }

    pub(super) fn send_unavailable(&mut self, conn: ConnId, id: DocumentId) {
        let Some(remote) = self.conns.get(&conn).and_then(|c| c.remote()).cloned() else {
            return;
        };
        let message = Message::DocUnavailable {
            sender_id: self.config.peer_id.clone(),
            target_id: remote,
            document_id: id,
        };
        self.send(conn, &message);
    }

    pub(super) fn drop_session(&mut self, conn: ConnId, id: DocumentId) {
        if let Some(connection) = self.conns.get_mut(&conn)
            && let Some(session) = connection.sessions.remove(&id)
        {
            let held: usize = session.parked.iter().map(|p| p.bytes).sum();
            connection.parked_bytes = connection.parked_bytes.saturating_sub(held);
        }
        if let Some(set) = self.subscribers.get_mut(&id) {
            set.remove(&conn);
            if set.is_empty() {
                self.subscribers.remove(&id);
            }
        }
    }

    /// Ensures `conn` has a session for `id` with up-to-date access. Returns
    /// false when the connection cannot take another session.
    pub(super) fn ensure_session(&mut self, conn: ConnId, id: DocumentId, access: Access) -> bool {
        let limit = self.config.limits.max_sessions_per_connection;
        let Some(connection) = self.conns.get_mut(&conn) else {
            return false;
        };
        match connection.sessions.get_mut(&id) {
            Some(session) => {
                session.access = access;
            }
            None => {
                if connection.sessions.len() >= limit {
                    return false;
                }
                connection.sessions.insert(id, Session::new(access));
                self.subscribers.entry(id).or_default().insert(conn);
            }
        }
        true
    }

    /// Initiating side: begin syncing `id` on `conn`.
    pub(super) fn start_session(&mut self, conn: ConnId, id: DocumentId) {
        let access = self.access(conn, &id);
        if access == Access::Unavailable || !self.ensure_session(conn, id, access) {
            return;
        }
        match self.docs.get(&id) {
            Some(DocEntry::Resident(_)) => self.flush(id),
            Some(DocEntry::Loading(_)) => {}
            None => {
                self.docs.insert(id, DocEntry::Loading(Vec::new()));
                self.out.push(Effect::Load { document: id });
            }
        }
    }

    pub(super) fn open_document(&mut self, id: DocumentId) {
        if self.config.role != Role::Initiate {
            return;
        }
        self.open.insert(id);
        let ready: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.remote().is_some())
            .map(|(id, _)| *id)
            .collect();
        for conn in ready {
            self.start_session(conn, id);
        }
    }

    /// The connections syncing `id`, as a list that outlives borrows of self.
    pub(super) fn subscribers_of(&self, id: DocumentId) -> Vec<ConnId> {
        self.subscribers
            .get(&id)
            .into_iter()
            .flatten()
            .copied()
            .collect()
    }

    pub(super) fn access_changed(&mut self, id: DocumentId) {
        self.recheck_access(id, None);
        self.flush(id);
        // A write waiting on another document may stand now.
        self.retry_parked();
    }

    /// Re-checks the access of every connection syncing `id` but `except`
    /// (the writer that just created it).
    pub(super) fn access_changed_except(&mut self, id: DocumentId, except: ConnId) {
        self.recheck_access(id, Some(except));
    }

    pub(super) fn recheck_access(&mut self, id: DocumentId, except: Option<ConnId>) {
        let conns = self.subscribers_of(id);
        for conn in conns.into_iter().filter(|c| Some(*c) != except) {
            match self.access(conn, &id) {
                Access::Unavailable => self.unavailable(conn, id),
                access => {
                    self.ensure_session(conn, id, access);
                }
            }
        }
    }
}
