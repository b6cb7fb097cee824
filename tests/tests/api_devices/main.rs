//! The device API (`/api/v1`) against a real server process and a real
//! Postgres (`docs/security.md`): a peer enrols a device with their password and
//! the token syncs; wrong passwords, unknown users, and an admin's or a
//! disabled user's right password get one identical 401 (and count alike;
//! the audit trail tells them apart); repeated failures lock an account or
//! an address (429 with `Retry-After`, even for the right password) until
//! `admin unlock`; a token rotates; malformed and oversized bodies are 400
//! and 413; a revoked device's token gets 401 with `Alongside-Purge:
//! revoked`, and other refused tokens do not. Devices report their app
//! version, shown in the console, and learn the server's idle lock
//! ([`app_version`]).

#![allow(clippy::unwrap_used)]

mod app_version;
mod bodies;
mod enrolment;
mod http;
mod purges;
mod sign_in;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
