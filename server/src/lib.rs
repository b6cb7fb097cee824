//! The Alongside sync server (`docs/architecture.md#the-pieces`): drives the sans-IO
//! [`alongside_shared::sync::Hub`] behind an axum WebSocket endpoint and
//! stores what devices send in Postgres.
//!
//! - [`db`]: the only module that speaks SQL;
//! - [`sync`]: the driver that carries out the hub's effects;
//! - [`http`]: routes (`/sync`, `/healthz`, `/readyz`; `/metrics` on its
//!   own listener);
//! - [`auth`]: principals, device tokens, passwords, device authentication;
//! - [`admin`]: account administration (users, teams, devices), for the
//!   `admin` command line and the tests;
//! - [`app`]: a testable launch (listener in, shutdown future in);
//! - [`cli`] and [`config`]: the command line and `ALONGSIDE_*` variables;
//! - [`pg`] and [`embedded`]: the private Postgres used when no database URL
//!   is given;
//! - [`projection`]: relational rows derived from merged documents;
//! - [`metrics`]: counters and gauges in Prometheus text format;
//! - [`audit`]: the hash-chained audit trail and its batched writer;
//! - [`admin`]: `admin …` subcommands (the audit trail);
//! - [`tls`]: HTTPS/WSS with rustls, and development certificates;
//! - [`console`]: the supervisor console (server-rendered pages at `/`);
//! - [`demo`]: the `demo` command's seeded team.

pub mod access;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod embedded;
pub mod http;
pub mod metrics;
pub mod pg;
pub mod projection;
pub mod store;
pub mod sync;
pub mod tls;
