//! The access table: for each user their role and teams, for each stored
//! document its class (whose participant record, which participant an
//! accompaniment log belongs to, whose caseload index), and which
//! colleagues cover which participant records. Read access is a pure
//! function of this table and the principal.

use std::collections::HashMap;

use alongside_shared::sync::Access;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::access::{AccessSnapshot, DocumentAccessRow};

/// What a stored document is, for access decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocClass {
    /// A participant record assigned to a peer.
    Participant {
        /// The peer it is assigned to.
        owner: Uuid,
    },
    /// An accompaniment log; access follows its participant record.
    Accompaniment {
        /// The participant record's document id.
        participant: Uuid,
    },
    /// A user's caseload index; read-only for that user's devices.
    CaseloadIndex {
        /// The user.
        owner: Uuid,
    },
    /// Stored, but with no access row (or one this build does not know):
    /// nobody may sync it until an administrator assigns it.
    Orphan,
}

impl DocClass {
    /// The class a stored access row describes.
    pub fn from_row(row: &DocumentAccessRow) -> Self {
        match (row.kind.as_str(), row.owner, row.participant) {
            ("participant", Some(owner), _) => DocClass::Participant { owner },
            ("accompaniment", _, Some(participant)) => DocClass::Accompaniment { participant },
            ("caseload-index", Some(owner), _) => DocClass::CaseloadIndex { owner },
            _ => DocClass::Orphan,
        }
    }

    /// The kind stored in `document_access.kind`, if any.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            DocClass::Participant { .. } => Some("participant"),
            DocClass::Accompaniment { .. } => Some("accompaniment"),
            DocClass::CaseloadIndex { .. } => Some("caseload-index"),
            DocClass::Orphan => None,
        }
    }
}

#[derive(Clone, Debug)]
struct User {
    role: Role,
    disabled: bool,
    teams: Vec<Uuid>,
}

/// Users, teams, document classes and covers, as the access rules need
/// them.
#[derive(Clone, Debug, Default)]
pub struct AccessTable {
    users: HashMap<Uuid, User>,
    docs: HashMap<Uuid, DocClass>,
    /// Participant record → the peers covering it besides its owner.
    covers: HashMap<Uuid, Vec<Uuid>>,
}

impl AccessTable {
    /// Builds the table from what the database holds.
    pub fn from_snapshot(snapshot: &AccessSnapshot) -> Self {
        let mut users: HashMap<Uuid, User> = snapshot
            .users
            .iter()
            .filter_map(|u| {
                let role = Role::parse(&u.role)?;
                let user = User {
                    role,
                    disabled: u.disabled,
                    teams: Vec::new(),
                };
                Some((u.id, user))
            })
            .collect();
        for (team, user) in &snapshot.members {
            if let Some(u) = users.get_mut(user) {
                u.teams.push(*team);
            }
        }
        let docs = snapshot
            .documents
            .iter()
            .map(|row| (row.document, DocClass::from_row(row)))
            .collect();
        let mut covers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (participant, peer) in &snapshot.coverage {
            covers.entry(*participant).or_default().push(*peer);
        }
        Self {
            users,
            docs,
            covers,
        }
    }

    /// Replaces the users, teams and covers, keeping the documents (after
    /// an accounts or cover change).
    pub fn replace_users(&mut self, snapshot: &AccessSnapshot) {
        let fresh = Self::from_snapshot(snapshot);
        self.users = fresh.users;
        self.covers = fresh.covers;
    }

    /// The class of a document, if the table knows it.
    pub fn class(&self, document: Uuid) -> Option<DocClass> {
        self.docs.get(&document).copied()
    }

    /// Records a document's class (a new document, a reassignment, a load).
    pub fn set_class(&mut self, document: Uuid, class: DocClass) {
        self.docs.insert(document, class);
    }

    /// Forgets a document's class (a claim that was never committed).
    pub fn forget(&mut self, document: Uuid) {
        self.docs.remove(&document);
    }

    /// Accompaniment logs of a participant record.
    pub fn accompaniments_of(&self, participant: Uuid) -> Vec<Uuid> {
        self.docs
            .iter()
            .filter(|(_, c)| **c == DocClass::Accompaniment { participant })
            .map(|(id, _)| *id)
            .collect()
    }

    /// The peer a participant record, or the participant record an
    /// accompaniment log belongs to, is assigned to.
    pub fn participant_owner(&self, document: Uuid) -> Option<Uuid> {
        self.owner_in(document, &HashMap::new())
    }

    /// A document's class: the table's, else `fresh`'s.
    fn class_in(&self, document: Uuid, fresh: &HashMap<Uuid, DocClass>) -> Option<DocClass> {
        self.docs
            .get(&document)
            .or_else(|| fresh.get(&document))
            .copied()
    }

    /// [`Self::participant_owner`], with `fresh` classes for documents the
    /// table does not know.
    fn owner_in(&self, document: Uuid, fresh: &HashMap<Uuid, DocClass>) -> Option<Uuid> {
        let record = self.record_in(document, fresh)?;
        match self.class_in(record, fresh)? {
            DocClass::Participant { owner } => Some(owner),
            _ => None,
        }
    }

    /// The participant record a participant record or accompaniment log
    /// belongs to (itself, or the log's record).
    fn record_in(&self, document: Uuid, fresh: &HashMap<Uuid, DocClass>) -> Option<Uuid> {
        match self.class_in(document, fresh)? {
            DocClass::Participant { .. } => Some(document),
            DocClass::Accompaniment { participant } => Some(participant),
            DocClass::CaseloadIndex { .. } | DocClass::Orphan => None,
        }
    }

    /// Whether `user` may write `document` (a participant record or log):
    /// the record is assigned to them, or they cover it.
    fn writes_in(&self, user: Uuid, document: Uuid, fresh: &HashMap<Uuid, DocClass>) -> bool {
        if self.owner_in(document, fresh) == Some(user) {
            return true;
        }
        self.record_in(document, fresh)
            .and_then(|record| self.covers.get(&record))
            .is_some_and(|peers| peers.contains(&user))
    }

    /// The peers who write `document` (a participant record or log): its
    /// owner, then the colleagues covering it. Their caseload indexes list
    /// it.
    pub fn writers_of(&self, document: Uuid) -> Vec<Uuid> {
        let none = HashMap::new();
        let owner = self.owner_in(document, &none);
        let covering = self
            .record_in(document, &none)
            .and_then(|record| self.covers.get(&record))
            .into_iter()
            .flatten()
            .filter(|p| Some(**p) != owner)
            .copied();
        owner.into_iter().chain(covering).collect()
    }

    /// Whether `supervisor` supervises a team `peer` is in.
    pub fn supervises(&self, supervisor: Uuid, peer: Uuid) -> bool {
        let (Some(s), Some(p)) = (self.users.get(&supervisor), self.users.get(&peer)) else {
            return false;
        };
        s.role == Role::Supervisor && s.teams.iter().any(|t| p.teams.contains(t))
    }

    /// Whether the principal's account is active with the role it
    /// authenticated with. An account the table does not know yet (created
    /// a moment ago; authentication just read it from the database) counts
    /// as active, with no teams until the table is reloaded.
    fn active(&self, principal: &Principal) -> bool {
        self.users
            .get(&principal.user_id)
            .is_none_or(|u| !u.disabled && u.role == principal.role)
    }

    /// Whether the table knows this user.
    pub fn knows(&self, user: Uuid) -> bool {
        self.users.contains_key(&user)
    }

    /// What `principal` may do with `document` over sync.
    ///
    /// - a peer reads and writes the participant records assigned to them
    ///   or that they cover, and the accompaniment logs of those
    ///   participants, and may create a document the table does not know
    ///   (the write rules then decide);
    /// - a supervisor reads the records of the peers in their teams;
    /// - every user reads their own caseload index;
    /// - an administrator reads no participant data;
    /// - anything else is [`Access::Unavailable`].
    pub fn access(&self, principal: &Principal, document: Uuid) -> Access {
        self.access_with(principal, document, &HashMap::new())
    }

    /// [`Self::access`], taking the classes of documents the table does not
    /// know yet from `fresh` (access rows just read from the database,
    /// whose notices this node has not processed). A document in neither is
    /// treated as the table treats an unknown one.
    pub fn access_with(
        &self,
        principal: &Principal,
        document: Uuid,
        fresh: &HashMap<Uuid, DocClass>,
    ) -> Access {
        if !self.active(principal) {
            return Access::Unavailable;
        }
        match (principal.role, self.class_in(document, fresh)) {
            (_, Some(DocClass::CaseloadIndex { owner })) if owner == principal.user_id => {
                Access::ReadOnly
            }
            (Role::Peer, None) if principal.device_id.is_some() => Access::ReadWrite,
            (Role::Peer, Some(DocClass::Participant { .. } | DocClass::Accompaniment { .. })) => {
                if self.writes_in(principal.user_id, document, fresh) {
                    Access::ReadWrite
                } else {
                    Access::Unavailable
                }
            }
            (
                Role::Supervisor,
                Some(DocClass::Participant { .. } | DocClass::Accompaniment { .. }),
            ) => match self.owner_in(document, fresh) {
                Some(owner) if self.supervises(principal.user_id, owner) => Access::ReadOnly,
                _ => Access::Unavailable,
            },
            _ => Access::Unavailable,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::access::UserRow;

    pub(crate) struct World {
        pub table: AccessTable,
        pub peer_a: Principal,
        pub peer_b: Principal,
        pub sup_a: Principal,
        pub admin: Principal,
        pub doc_a: Uuid,
        pub acc_a: Uuid,
        pub index_a: Uuid,
    }

    fn principal(role: Role, device: bool) -> Principal {
        Principal {
            user_id: Uuid::new_v4(),
            username: role.as_str().into(),
            role,
            device_id: device.then(Uuid::new_v4),
        }
    }

    pub(crate) fn world() -> World {
        let peer_a = principal(Role::Peer, true);
        let peer_b = principal(Role::Peer, true);
        let sup_a = principal(Role::Supervisor, false);
        let admin = principal(Role::Admin, false);
        let (team_a, team_b) = (Uuid::new_v4(), Uuid::new_v4());
        let (doc_a, acc_a, index_a) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let user = |p: &Principal| UserRow {
            id: p.user_id,
            role: p.role.as_str().into(),
            disabled: false,
        };
        let row = |document, kind: &str, owner, participant| DocumentAccessRow {
            document,
            kind: kind.into(),
            owner,
            participant,
        };
        let snapshot = AccessSnapshot {
            users: vec![user(&peer_a), user(&peer_b), user(&sup_a), user(&admin)],
            members: vec![
                (team_a, peer_a.user_id),
                (team_b, peer_b.user_id),
                (team_a, sup_a.user_id),
            ],
            documents: vec![
                row(doc_a, "participant", Some(peer_a.user_id), None),
                row(acc_a, "accompaniment", None, Some(doc_a)),
                row(index_a, "caseload-index", Some(peer_a.user_id), None),
            ],
            dead_devices: Vec::new(),
            coverage: Vec::new(),
        };
        World {
            table: AccessTable::from_snapshot(&snapshot),
            peer_a,
            peer_b,
            sup_a,
            admin,
            doc_a,
            acc_a,
            index_a,
        }
    }

    #[test]
    fn each_role_sees_what_it_should() {
        let w = world();
        let t = &w.table;
        let unknown = Uuid::new_v4();
        use Access::*;
        let cases = [
            (&w.peer_a, w.doc_a, ReadWrite),
            (&w.peer_a, w.acc_a, ReadWrite),
            (&w.peer_a, w.index_a, ReadOnly),
            (&w.peer_a, unknown, ReadWrite),
            (&w.peer_b, w.doc_a, Unavailable),
            (&w.peer_b, w.acc_a, Unavailable),
            (&w.peer_b, w.index_a, Unavailable),
            (&w.sup_a, w.doc_a, ReadOnly),
            (&w.sup_a, w.acc_a, ReadOnly),
            (&w.sup_a, w.index_a, Unavailable),
            (&w.sup_a, unknown, Unavailable),
            (&w.admin, w.doc_a, Unavailable),
            (&w.admin, w.acc_a, Unavailable),
            (&w.admin, unknown, Unavailable),
        ];
        for (who, doc, expected) in cases {
            assert_eq!(t.access(who, doc), expected, "{} on {doc}", who.role);
        }
    }

    #[test]
    fn a_covering_colleague_writes_the_record_and_its_logs_until_the_cover_ends() {
        let mut w = world();
        let snapshot = |coverage| AccessSnapshot {
            users: [&w.peer_a, &w.peer_b, &w.sup_a, &w.admin]
                .iter()
                .map(|p| UserRow {
                    id: p.user_id,
                    role: p.role.as_str().into(),
                    disabled: false,
                })
                .collect(),
            members: Vec::new(),
            documents: Vec::new(),
            dead_devices: Vec::new(),
            coverage,
        };
        let covered = snapshot(vec![(w.doc_a, w.peer_b.user_id)]);
        w.table.replace_users(&covered);
        assert_eq!(w.table.access(&w.peer_b, w.doc_a), Access::ReadWrite);
        assert_eq!(w.table.access(&w.peer_b, w.acc_a), Access::ReadWrite);
        assert_eq!(w.table.access(&w.peer_a, w.doc_a), Access::ReadWrite);
        // Covering gives the record, not the owner's index.
        assert_eq!(w.table.access(&w.peer_b, w.index_a), Access::Unavailable);
        assert_eq!(
            w.table.writers_of(w.acc_a),
            vec![w.peer_a.user_id, w.peer_b.user_id]
        );
        // A cover of the admin's or a supervisor's gives them nothing to
        // write: only peers write records.
        let odd = snapshot(vec![(w.doc_a, w.admin.user_id)]);
        w.table.replace_users(&odd);
        assert_eq!(w.table.access(&w.admin, w.doc_a), Access::Unavailable);
        // The cover ends: access ends with it.
        w.table.replace_users(&snapshot(Vec::new()));
        assert_eq!(w.table.access(&w.peer_b, w.doc_a), Access::Unavailable);
        assert_eq!(w.table.access(&w.peer_b, w.acc_a), Access::Unavailable);
        assert_eq!(w.table.writers_of(w.doc_a), vec![w.peer_a.user_id]);
    }

    #[test]
    fn reassignment_and_disabled_accounts_take_effect_at_once() {
        let mut w = world();
        w.table.set_class(
            w.doc_a,
            DocClass::Participant {
                owner: w.peer_b.user_id,
            },
        );
        assert_eq!(w.table.access(&w.peer_a, w.doc_a), Access::Unavailable);
        assert_eq!(w.table.access(&w.peer_a, w.acc_a), Access::Unavailable);
        assert_eq!(w.table.access(&w.peer_b, w.acc_a), Access::ReadWrite);
        // peer B is not in supervisor A's team
        assert_eq!(w.table.access(&w.sup_a, w.doc_a), Access::Unavailable);
        w.table.set_class(w.doc_a, DocClass::Orphan);
        assert_eq!(w.table.access(&w.peer_b, w.doc_a), Access::Unavailable);
        let mut forged = w.peer_b.clone();
        forged.role = Role::Supervisor;
        assert_eq!(w.table.access(&forged, w.index_a), Access::Unavailable);
        // An account created a moment ago, not yet in the table: it may
        // create documents, and sees nobody else's.
        let newcomer = principal(Role::Peer, true);
        assert_eq!(w.table.access(&newcomer, Uuid::new_v4()), Access::ReadWrite);
        assert_eq!(w.table.access(&newcomer, w.acc_a), Access::Unavailable);
        let new_supervisor = principal(Role::Supervisor, false);
        assert_eq!(
            w.table.access(&new_supervisor, w.acc_a),
            Access::Unavailable
        );
    }
}
