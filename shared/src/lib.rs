//! Alongside shared core.

pub mod doc;
