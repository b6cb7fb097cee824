//! Notifications between server nodes sharing one database (and the admin
//! CLI): every persist `NOTIFY`s `node:document:chunk` on
//! [`super::documents::CHANNEL`], every access change a document id or `*`
//! on [`super::access::ACCESS_CHANNEL`]; each node listens and takes up
//! what others committed.

use sqlx::postgres::PgListener;
use uuid::Uuid;

use super::access::ACCESS_CHANNEL;
use super::documents::CHANNEL;
use super::{Db, DbError};

/// A commit announced by some node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The node that committed.
    pub node: String,
    /// The document.
    pub document: Uuid,
    /// The chunk written.
    pub chunk: i64,
}

impl Announcement {
    /// Parses a notification payload.
    pub fn parse(payload: &str) -> Option<Self> {
        let mut parts = payload.rsplitn(3, ':');
        let chunk = parts.next()?.parse().ok()?;
        let document = parts.next()?.parse().ok()?;
        let node = parts.next()?.to_owned();
        Some(Self {
            node,
            document,
            chunk,
        })
    }
}

/// Something another process announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A document commit.
    Commit(Announcement),
    /// A document's access row changed (`None`: users or teams changed).
    Access(Option<super::access::DocumentAccessRow>),
}

/// A listening connection.
pub struct Listener(PgListener);

impl Db {
    /// Starts listening for commits.
    pub async fn listen(&self) -> Result<Listener, DbError> {
        let mut listener = PgListener::connect_with(self.pool()).await?;
        listener.listen_all([CHANNEL, ACCESS_CHANNEL]).await?;
        Ok(Listener(listener))
    }
}

impl Db {
    /// Ends every other connection listening for notices on this database,
    /// as a failover or an administrator would, and waits until each is
    /// gone. Returns how many were ended. For fault tests: notices sent
    /// before a listener reconnects are lost to it.
    pub async fn end_listeners(&self) -> Result<usize, DbError> {
        let ended: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND backend_type = 'client backend' AND query LIKE 'LISTEN %'",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(ended.into_iter().filter(|(ok,)| *ok).count())
    }
}

impl Listener {
    /// The next announcement. Reconnects by itself after a lost connection;
    /// `Ok(None)` reports that a reconnect happened, so notifications may have
    /// been missed.
    pub async fn next(&mut self) -> Result<Option<Notice>, DbError> {
        loop {
            let Some(n) = self.0.try_recv().await? else {
                return Ok(None);
            };
            if n.channel() == ACCESS_CHANNEL {
                match n.payload() {
                    "*" => return Ok(Some(Notice::Access(None))),
                    payload => {
                        if let Some(row) = super::access::DocumentAccessRow::from_payload(payload) {
                            return Ok(Some(Notice::Access(Some(row))));
                        }
                    }
                }
            } else if let Some(a) = Announcement::parse(n.payload()) {
                return Ok(Some(Notice::Commit(a)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_even_with_colons_in_the_node_name() {
        let id = Uuid::nil();
        let a = Announcement::parse(&format!("node:a:{id}:42"));
        assert_eq!(
            a,
            Some(Announcement {
                node: "node:a".into(),
                document: id,
                chunk: 42
            })
        );
        assert_eq!(Announcement::parse("garbage"), None);
        let row = super::super::access::DocumentAccessRow {
            document: Uuid::new_v4(),
            kind: "accompaniment".into(),
            owner: None,
            participant: Some(Uuid::new_v4()),
        };
        let parsed = super::super::access::DocumentAccessRow::from_payload(&row.to_payload());
        assert_eq!(parsed, Some(row));
        assert_eq!(
            super::super::access::DocumentAccessRow::from_payload("x y"),
            None
        );
    }
}
