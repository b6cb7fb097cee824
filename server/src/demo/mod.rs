//! `alongside-server demo`: starts exactly like `serve` (the private
//! Postgres when no database URL is given), seeds a realistic team into
//! the database the first time ([`seed`]), and prints the console's URL and
//! the supervisor's credentials — a new password on every run — so a
//! newcomer sees a working console at once, and how to enrol a peer's
//! device in a terminal (`alongside-device`) against it.

pub mod seed;

pub use seed::{Credentials, SeedError, seed};

/// The lines the demo prints once the server is ready to serve.
pub fn banner(url: &str, credentials: &Credentials) -> String {
    let what = if credentials.seeded {
        "seeded the demo team"
    } else {
        "the demo team was already seeded"
    };
    let base = url.trim_end_matches('/');
    let device = format!(
        "alongside-device --store {peer}.db --key-file {peer}.key",
        peer = credentials.peer_username
    );
    format!(
        "Alongside demo ({what}).\n\
         Supervisor console: {url}\n\
         username: {}\n\
         password: {}\n\
         \n\
         A peer's phone in a terminal (peer {peer}, password {peer_password}):\n  \
         printf '%s\\n' '{peer_password}' | {device} --server {base} enroll --username {peer} --password-stdin\n  \
         {device} sync\n  \
         {device} caseload\n\
         (build it with `cargo build -p alongside-mobile-bridge --bin alongside-device`;\n\
         it is in target/debug/)\n",
        credentials.username,
        credentials.password,
        peer = credentials.peer_username,
        peer_password = credentials.peer_password,
    )
}
