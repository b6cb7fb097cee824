//! Cross-process end-to-end tests (server + Postgres + devices + third-party
//! clients) live in this crate's `tests/` folder as the server and the
//! mobile bridge land (issues 3–6).
pub mod load;
