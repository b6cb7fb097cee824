//! Where and how a device syncs.

use std::time::Duration;

use alongside_shared::wire::DocumentId;

/// What the bridge reports as its app's version when nothing else is
/// set: `alongside-mobile-bridge/<crate version>` (the server shows it per
/// device in the console).
pub const BRIDGE_VERSION: &str = concat!("alongside-mobile-bridge/", env!("CARGO_PKG_VERSION"));

/// How a [`super::SyncClient`] reaches its server.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// The `/sync` WebSocket URL, `wss://host/sync` (or `ws://` for tests
    /// and local development).
    pub url: String,
    /// The device token, sent as `Authorization: Bearer`.
    pub token: String,
    /// The app version reported on every connection
    /// (`Alongside-App-Version`): [`BRIDGE_VERSION`] unless an app sets
    /// its own; `None` reports nothing. The server refuses (400) anything
    /// but 1 to 64 characters of letters, digits and `. _ - + /`.
    pub app_version: Option<String>,
    /// The user's caseload index document, when known (from enrolment): it
    /// lists what the device should hold and what it must delete.
    pub caseload_index: Option<DocumentId>,
    /// Extra CA certificates (PEM) to trust besides the platform roots,
    /// for self-signed development servers.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// This device's peer id in the protocol (stable per device).
    pub peer_id: String,
    /// The longest one sync may take, from connecting to the last document.
    pub timeout: Duration,
    /// Ask the server's change feed which documents to sync (default);
    /// `false` syncs every held document, as a plain automerge-repo peer
    /// does (the reference the reconnect measurement compares against).
    pub use_change_feed: bool,
}

impl SyncConfig {
    /// A configuration with default timeout and no extra CA.
    pub fn new(
        url: impl Into<String>,
        token: impl Into<String>,
        peer_id: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            token: token.into(),
            app_version: Some(BRIDGE_VERSION.to_owned()),
            caseload_index: None,
            extra_ca_pem: None,
            peer_id: peer_id.into(),
            timeout: Duration::from_secs(60),
            use_change_feed: true,
        }
    }
}
