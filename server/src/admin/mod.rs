//! `alongside-server admin …`: scriptable administration against the same
//! database as `serve` (while it runs, too). Each group has its own file;
//! [`crate::cli`] dispatches to them.
//!
//! - [`audit`]: `admin audit verify|list`.

pub mod audit;
