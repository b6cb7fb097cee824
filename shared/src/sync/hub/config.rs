//! How a hub is set up: its peer id and metadata, the side of the
//! handshake it plays, and the bounds it holds its peers to.

use crate::sync::decoded_size::DecodeLimits;
use crate::wire::{PeerId, PeerMetadata};

/// Which side of the handshake this hub plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The receiving peer (a server): waits for `join`, answers `peer`.
    Accept,
    /// The initiating peer (a device): sends `join`, waits for `peer`.
    Initiate,
}

/// Bounds on what a peer may make the hub do.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest frame accepted; larger ones are refused before decoding.
    pub max_frame_bytes: usize,
    /// Time allowed from connection to completed handshake.
    pub handshake_timeout_ms: u64,
    /// A resident document untouched for this long is evicted on a tick.
    pub idle_evict_ms: u64,
    /// Most documents one connection may sync at once.
    pub max_sessions_per_connection: usize,
    /// What the changes of one sync message may decode to.
    pub decode: DecodeLimits,
    /// How long a write the policy refused as [not yet](crate::sync::Refusal::not_yet)
    /// is held back and asked about again (on every tick and every access
    /// change) before it is refused for good.
    pub park_ms: u64,
    /// Most bytes of such held-back messages one connection may have; a
    /// write past it is decided at once.
    pub max_parked_bytes_per_connection: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024 * 1024,
            handshake_timeout_ms: 10_000,
            idle_evict_ms: 60_000,
            max_sessions_per_connection: 10_000,
            decode: DecodeLimits::default(),
            park_ms: 30_000,
            max_parked_bytes_per_connection: 4 * 1024 * 1024,
        }
    }
}

/// How a hub presents itself.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// This peer's id (drawn by the driver).
    pub peer_id: PeerId,
    /// This peer's metadata, sent in the handshake.
    pub metadata: PeerMetadata,
    /// Receiving (server) or initiating (device).
    pub role: Role,
    /// Limits.
    pub limits: Limits,
}
