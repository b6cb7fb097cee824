//! The Alongside sync server (DESIGN.md §2): drives the sans-IO
//! [`alongside_shared::sync::Hub`] behind an axum WebSocket endpoint and
//! stores what devices send in Postgres.
//!
//! - [`db`]: the only module that speaks SQL;
//! - [`sync`]: the driver that carries out the hub's effects;
//! - [`http`]: routes (`/sync`, `/healthz`, `/readyz`, `/metrics`);
//! - [`config`]: flags and `ALONGSIDE_*` environment variables;
//! - [`metrics`]: counters and gauges in Prometheus text format.

pub mod app;
pub mod config;
pub mod db;
pub mod embedded;
pub mod http;
pub mod metrics;
pub mod sync;
