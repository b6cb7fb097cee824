//! What one audit event says: who, from which device and address, did what
//! to which document, with which outcome, and when.
//!
//! [`AuditRecord`] is what the server appends; [`AuditEvent`] is a row as
//! stored, with its place in the chain. Text fields are normalised when a
//! record is built ([`clean_text`]): Postgres `TEXT` cannot hold NUL, and a
//! hostile client must not be able to make one audit row megabytes long.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use uuid::Uuid;

/// Longest `detail` kept, in characters; longer text is cut and marked.
pub const MAX_DETAIL_CHARS: usize = 2048;
/// Longest username or address kept, in characters.
pub const MAX_SHORT_CHARS: usize = 256;

/// What happened. Stored as its snake_case name ([`AuditAction::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A document was sent to a device.
    DocumentRead,
    /// A write was merged and stored.
    WriteAccepted,
    /// A write was refused (not allowed for this user or device).
    WriteRefused,
    /// A write was refused and kept in quarantine for an admin.
    WriteQuarantined,
    /// A document was asked for and not given (`doc-unavailable`).
    AccessDenied,
    /// A user signed in (device enrolment, console).
    SignIn,
    /// A sign-in failed (bad password, locked out, disabled).
    SignInFailed,
    /// A device was enrolled and given a token.
    DeviceEnrolled,
    /// A device token was rotated.
    DeviceRotated,
    /// A device was revoked.
    DeviceRevoked,
    /// A request carried a missing, expired, revoked or forged token.
    TokenRejected,
    /// An account was created or changed (role, team, password, lockout).
    AccountChanged,
    /// A participant was assigned or reassigned.
    Assigned,
    /// A colleague was allowed to write a participant's record besides its
    /// assigned peer.
    CoverGranted,
    /// A colleague's cover of a participant's record ended.
    CoverEnded,
    /// A device was told to purge a document.
    PurgeInstructed,
    /// A device reported that it purged a document.
    PurgeConfirmed,
    /// A document or report was shown in the console or the API.
    ConsoleView,
    /// The audit trail itself was read (list, verify, export).
    AuditRead,
}

impl AuditAction {
    /// Every action, in declaration order.
    pub const ALL: [AuditAction; 19] = [
        AuditAction::DocumentRead,
        AuditAction::WriteAccepted,
        AuditAction::WriteRefused,
        AuditAction::WriteQuarantined,
        AuditAction::AccessDenied,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::DeviceEnrolled,
        AuditAction::DeviceRotated,
        AuditAction::DeviceRevoked,
        AuditAction::TokenRejected,
        AuditAction::AccountChanged,
        AuditAction::Assigned,
        AuditAction::CoverGranted,
        AuditAction::CoverEnded,
        AuditAction::PurgeInstructed,
        AuditAction::PurgeConfirmed,
        AuditAction::ConsoleView,
        AuditAction::AuditRead,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::DocumentRead => "document_read",
            AuditAction::WriteAccepted => "write_accepted",
            AuditAction::WriteRefused => "write_refused",
            AuditAction::WriteQuarantined => "write_quarantined",
            AuditAction::AccessDenied => "access_denied",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::DeviceEnrolled => "device_enrolled",
            AuditAction::DeviceRotated => "device_rotated",
            AuditAction::DeviceRevoked => "device_revoked",
            AuditAction::TokenRejected => "token_rejected",
            AuditAction::AccountChanged => "account_changed",
            AuditAction::Assigned => "assigned",
            AuditAction::CoverGranted => "cover_granted",
            AuditAction::CoverEnded => "cover_ended",
            AuditAction::PurgeInstructed => "purge_instructed",
            AuditAction::PurgeConfirmed => "purge_confirmed",
            AuditAction::ConsoleView => "console_view",
            AuditAction::AuditRead => "audit_read",
        }
    }

    /// The action with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How it ended. Stored as its lowercase name ([`AuditOutcome::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// Done as asked.
    Allowed,
    /// Refused by policy (access rules, validation, authentication).
    Denied,
    /// Attempted and failed for another reason (an error).
    Failed,
}

impl AuditOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Allowed => "allowed",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    /// The outcome with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Allowed, Self::Denied, Self::Failed]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

impl fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event to append. Build it with [`AuditRecord::new`] and the
/// builder methods; the time is taken when it is built.
///
/// ```
/// use alongside_server::audit::{AuditAction, AuditOutcome, AuditRecord};
/// let user = uuid::Uuid::new_v4();
/// let record = AuditRecord::new(AuditAction::DocumentRead, AuditOutcome::Allowed)
///     .user(user, "sam")
///     .document(uuid::Uuid::new_v4())
///     .detail("sent on sync");
/// assert_eq!(record.username.as_deref(), Some("sam"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// When it happened: microseconds since the Unix epoch (UTC).
    pub at_micros: i64,
    /// The acting user, when known.
    pub user_id: Option<Uuid>,
    /// Their username at the time (users can be renamed; the trail cannot).
    pub username: Option<String>,
    /// The device acted from, when known.
    pub device_id: Option<Uuid>,
    /// The document concerned, if any.
    pub document_id: Option<Uuid>,
    /// What happened.
    pub action: AuditAction,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Free text: why, what changed (never note content).
    pub detail: String,
    /// The client's network address, when there is one.
    pub address: Option<String>,
}

impl AuditRecord {
    /// A record of `action` with `outcome`, now, by nobody yet.
    pub fn new(action: AuditAction, outcome: AuditOutcome) -> Self {
        Self {
            at_micros: alongside_shared::time::now_micros(),
            user_id: None,
            username: None,
            device_id: None,
            document_id: None,
            action,
            outcome,
            detail: String::new(),
            address: None,
        }
    }

    /// Who acted.
    pub fn user(mut self, id: Uuid, username: &str) -> Self {
        self.user_id = Some(id);
        self.username = Some(clean_text(username, MAX_SHORT_CHARS));
        self
    }

    /// From which device.
    pub fn device(mut self, id: Uuid) -> Self {
        self.device_id = Some(id);
        self
    }

    /// On which document.
    pub fn document(mut self, id: Uuid) -> Self {
        self.document_id = Some(id);
        self
    }

    /// Why or what (cut to [`MAX_DETAIL_CHARS`]).
    pub fn detail(mut self, detail: impl AsRef<str>) -> Self {
        self.detail = clean_text(detail.as_ref(), MAX_DETAIL_CHARS);
        self
    }

    /// From which socket address (the IP is kept, not the port).
    pub fn address(self, address: SocketAddr) -> Self {
        self.ip(address.ip())
    }

    /// From which IP address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.address = Some(ip.to_string());
        self
    }

    /// At a given time (microseconds since the epoch); for tests and imports.
    pub fn at(mut self, micros: i64) -> Self {
        self.at_micros = micros;
        self
    }

    /// The record with every text field normalised as the builders do
    /// (for records whose public fields were set directly).
    pub fn normalized(&self) -> Self {
        Self {
            username: self
                .username
                .as_deref()
                .map(|u| clean_text(u, MAX_SHORT_CHARS)),
            detail: clean_text(&self.detail, MAX_DETAIL_CHARS),
            address: self
                .address
                .as_deref()
                .map(|a| clean_text(a, MAX_SHORT_CHARS)),
            ..self.clone()
        }
    }
}

/// A row of the trail as stored: a record with its place in the chain.
/// `action` and `outcome` are kept as stored text so that rows written by a
/// newer server still verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// Microseconds since the Unix epoch.
    pub at_micros: i64,
    /// The acting user.
    pub user_id: Option<Uuid>,
    /// Their username at the time.
    pub username: Option<String>,
    /// The device.
    pub device_id: Option<Uuid>,
    /// The document.
    pub document_id: Option<Uuid>,
    /// What happened (snake_case).
    pub action: String,
    /// How it ended.
    pub outcome: String,
    /// Free text.
    pub detail: String,
    /// The client's address.
    pub address: Option<String>,
    /// The previous row's hash (32 zero bytes for the first row).
    pub prev_hash: Vec<u8>,
    /// This row's hash ([`crate::audit::chain::chain_hash`]).
    pub hash: Vec<u8>,
}

/// `text` without NUL characters (Postgres `TEXT` refuses them) and cut to
/// `max_chars` characters, marked with `…` when cut. Idempotent.
pub fn clean_text(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().filter(|&c| c != '\0').collect();
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.as_str()));
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(
                action
                    .as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
        assert_eq!(AuditOutcome::parse("denied"), Some(AuditOutcome::Denied));
        assert_eq!(AuditOutcome::parse("nope"), None);
    }

    #[test]
    fn text_is_cleaned_and_cut_idempotently() {
        assert_eq!(clean_text("a\0b", 10), "ab");
        let long = "x".repeat(10);
        let cut = clean_text(&long, 4);
        assert_eq!(cut, "xxx…");
        assert_eq!(clean_text(&cut, 4), cut);
        let record = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Allowed)
            .detail("y".repeat(MAX_DETAIL_CHARS * 2));
        assert_eq!(record.detail.chars().count(), MAX_DETAIL_CHARS);
        assert_eq!(record.normalized(), record);
    }

    #[test]
    fn address_keeps_the_ip_only() {
        let r = AuditRecord::new(AuditAction::SignIn, AuditOutcome::Allowed)
            .address("10.1.2.3:4567".parse().unwrap());
        assert_eq!(r.address.as_deref(), Some("10.1.2.3"));
    }
}
