//! The receiving (server) side of the protocol, driven frame by frame by a
//! hand-written peer: handshake, version selection, policy, durability gate
//! and every kind of bad input.

#![allow(clippy::unwrap_used)]

mod access;
mod bad_input;
mod common;
mod durability;
mod handshake;
mod held_back;
mod refused_writes;
mod subscriptions;
