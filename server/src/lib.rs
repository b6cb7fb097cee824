//! The Alongside sync server (DESIGN.md §2): it will drive the sans-IO
//! [`alongside_shared::sync::Hub`] behind an axum WebSocket endpoint, persist
//! into Postgres and serve the supervisor console. Built under issue 3; for
//! now the crate only fixes its place in the workspace.

pub mod pg;
