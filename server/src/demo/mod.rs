//! `alongside-server demo`: starts exactly like `serve` (the private
//! Postgres when no database URL is given), seeds a realistic team into
//! the database the first time ([`seed`]), and prints the console's URL and
//! the supervisor's credentials — a new password on every run — so a
//! newcomer sees a working console at once.

pub mod seed;

pub use seed::{Credentials, SeedError, seed};

/// The lines the demo prints once the server is ready to serve.
pub fn banner(url: &str, credentials: &Credentials) -> String {
    let what = if credentials.seeded {
        "seeded the demo team"
    } else {
        "the demo team was already seeded"
    };
    format!(
        "Alongside demo ({what}).\n\
         Supervisor console: {url}\n\
         username: {}\n\
         password: {}\n",
        credentials.username, credentials.password
    )
}
