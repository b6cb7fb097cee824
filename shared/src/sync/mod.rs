//! The sans-IO sync core: automerge-repo protocol v1 connections and
//! per-document sync sessions, as a state machine that takes [`Event`]s and
//! returns [`Effect`]s.
//!
//! A driver (the server, the mobile bridge, or the in-memory test network)
//! owns the sockets, the storage and the clock. It feeds the [`Hub`] what
//! happened — a connection opened, a frame arrived, a document was loaded, a
//! persist committed, time passed — and carries out what the hub returns:
//! send these bytes, close that connection, load this document, persist these
//! changes. The hub reads no clock, draws no random numbers and does no I/O.
//!
//! Invariants the hub keeps:
//! - **Durability**: no sync message leaves the hub advertising heads whose
//!   changes the driver has not confirmed persisted ([`Event::Persisted`]).
//! - **Access**: every document a peer names is checked with the driver's
//!   [`Policy`]; [`Access::Unavailable`] is answered `doc-unavailable`,
//!   exactly as for a document that does not exist.
//! - **Writes**: changes from a peer are applied in memory, then offered to
//!   [`Policy::check_write`]; a refused write is rolled back, reported as
//!   [`Effect::Quarantine`] and answered with an `error`. It is never
//!   persisted, merged or advertised.
//! - **Hostile input**: every malformed frame yields a typed
//!   [`ProtocolError`], an `error` message and a close; never a panic, and
//!   never a change applied from an undecodable message. What a message's
//!   changes inflate to, and the operations they describe, are measured
//!   before automerge decodes them ([`decoded_size`]), against
//!   [`Limits::decode`].
//!
//! Driver contract: effects are carried out in the order returned; persists of
//! one document are committed in the order of their `seq`.

mod apply;
mod connection;
pub mod decoded_size;
mod event;
#[doc(hidden)]
pub mod hostile;
mod hub;
mod policy;

pub use apply::ApplyError;
pub use decoded_size::{DecodeBoundError, DecodeLimits};
pub use event::{ChangeMeta, ConnId, Effect, Event, LoadResult, ProtocolError};
pub use hub::{Hub, HubConfig, HubError, Limits, Role};
pub use policy::{Access, AllowAll, Policy, Refusal, Write};
