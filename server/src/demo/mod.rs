//! `alongside-server demo`: starts exactly like `serve` (the private
//! Postgres when no database URL is given), seeds a realistic team into
//! the database the first time ([`seed`]), and prints the console's URL and
//! the supervisor's credentials — a new password on every run — so a
//! newcomer sees a working console at once, and how a peer signs in to
//! the field app (`/field/`, in a phone-sized browser window) or enrols a
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
         A peer's phone in a browser (peer {peer}, password {peer_password}):\n  \
         {base}/field/\n  \
         (open it in a phone-sized window, e.g. 360 x 640, and sign in as {peer})\n\
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_offers_the_field_app_with_the_peers_credentials() {
        let credentials = Credentials {
            username: "dana".into(),
            password: "pw-dana".into(),
            peer_username: "amir".into(),
            peer_password: "pw-amir".into(),
            seeded: true,
        };
        let text = banner("https://localhost:8443/", &credentials);
        let lines: Vec<&str> = text.lines().collect();
        let browser = lines
            .iter()
            .position(|l| l.starts_with("A peer's phone in a browser"))
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            lines[browser],
            "A peer's phone in a browser (peer amir, password pw-amir):"
        );
        assert_eq!(lines[browser + 1], "  https://localhost:8443/field/");
        assert!(lines[browser + 2].contains("sign in as amir"), "{text}");
        // Beside the terminal's lines, which follow.
        assert!(
            lines[browser + 3..]
                .iter()
                .any(|l| l.contains("enroll --username amir --password-stdin")),
            "{text}"
        );
    }
}
