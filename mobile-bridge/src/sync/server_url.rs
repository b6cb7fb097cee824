//! Where a device's server is: one base URL (`https://host:port`) from which
//! the API and `/sync` URLs are derived. Users and configuration may give
//! either the base or the `/sync` WebSocket URL.

use std::fmt;

use super::error::SyncError;

/// A server's base URL, `https://host[:port]` (or `http://` for tests and
/// local development).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    secure: bool,
    authority: String,
}

impl ServerUrl {
    /// Parses `https://host[:port][/]`, `wss://host[:port]/sync` or their
    /// plain forms. Any path other than `/` or `/sync` is refused, so a
    /// mistyped URL is caught here rather than as a 404 later.
    pub fn parse(url: &str) -> Result<Self, SyncError> {
        let bad = |why: &str| SyncError::Config(format!("server URL {url:?}: {why}"));
        let (scheme, rest) = url
            .trim()
            .split_once("://")
            .ok_or_else(|| bad("expected https://host[:port]"))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "https" | "wss" => true,
            "http" | "ws" => false,
            _ => return Err(bad("the scheme must be https, wss, http or ws")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !matches!(path.trim_end_matches('/'), "" | "/sync") {
            return Err(bad("the path must be empty or /sync"));
        }
        if authority.is_empty() || authority.contains(['@', '?', '#', ' ']) {
            return Err(bad("the host is missing or malformed"));
        }
        Ok(Self {
            secure,
            authority: authority.to_owned(),
        })
    }

    /// The URL of an API path (`path` starts with `/`).
    pub fn api(&self, path: &str) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.authority)
    }

    /// The `/sync` WebSocket URL.
    pub fn sync(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}/sync", self.authority)
    }

    /// Whether the server is reached over TLS.
    pub fn is_secure(&self) -> bool {
        self.secure
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.api(""))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_and_sync_urls_name_the_same_server() {
        for given in [
            "https://care.example:8443",
            "https://care.example:8443/",
            "wss://care.example:8443/sync",
        ] {
            let url = ServerUrl::parse(given).unwrap();
            assert_eq!(url.api("/api/v1/me"), "https://care.example:8443/api/v1/me");
            assert_eq!(url.sync(), "wss://care.example:8443/sync");
            assert!(url.is_secure());
        }
        let plain = ServerUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(plain.sync(), "ws://127.0.0.1:8080/sync");
    }

    #[test]
    fn other_urls_are_refused() {
        for bad in [
            "care.example",
            "ftp://care.example",
            "https://",
            "https://care.example/other",
            "https://user@care.example",
        ] {
            assert!(
                matches!(ServerUrl::parse(bad), Err(SyncError::Config(_))),
                "{bad}"
            );
        }
    }
}
