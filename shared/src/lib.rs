//! Alongside shared core.
