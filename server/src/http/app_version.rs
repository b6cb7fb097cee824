//! The version of the app a device runs, as the device reports it: in the
//! enrolment body (`appVersion`) and on every `/sync` upgrade, as the
//! [`HEADER`] `Alongside-App-Version` or, for browsers that cannot set
//! headers on a WebSocket, the query parameter [`QUERY_PARAM`]
//! `appVersion` (the header wins, as for the token). The console shows it
//! per device.
//!
//! It comes from the network, so it is parsed before it goes anywhere: 1
//! to [`MAX_CHARS`] characters of ASCII letters, digits and `.` `_` `-`
//! `+` `/` (`1.4.2`, `alongside-device/0.1.0`, a build digest). Anything
//! else is refused with a 400 that names the field, never truncated or
//! cleaned up: a version that was cut or rewritten would say something
//! the device did not.

use axum::extract::Query;
use axum::http::{HeaderMap, Uri};
use serde::Deserialize;

/// The `/sync` upgrade's header carrying the app's version.
pub const HEADER: &str = "alongside-app-version";

/// The `/sync` query parameter carrying the app's version.
pub const QUERY_PARAM: &str = "appVersion";

/// Longest version accepted, in characters.
pub const MAX_CHARS: usize = 64;

/// A well-formed app version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppVersion(String);

/// Why a reported version was refused; the message names the field and
/// the rule, and echoes nothing of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0}: 1 to {MAX_CHARS} characters of letters, digits and . _ - + / (e.g. 1.4.2 or app/1.4.2)"
)]
pub struct BadAppVersion(pub &'static str);

impl AppVersion {
    /// Parses `text` as the version reported in `field` (named in the
    /// refusal).
    pub fn parse(field: &'static str, text: &str) -> Result<Self, BadAppVersion> {
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '/');
        if text.is_empty() || text.len() > MAX_CHARS || !text.chars().all(allowed) {
            return Err(BadAppVersion(field));
        }
        Ok(Self(text.to_owned()))
    }

    /// The version as reported.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The version a `/sync` upgrade reports, if any: the [`HEADER`], else
    /// the [`QUERY_PARAM`] of `uri`'s query (percent-decoded). A header
    /// that is not text, a malformed value or a repeated header or
    /// parameter is refused.
    pub fn from_upgrade(headers: &HeaderMap, uri: &Uri) -> Result<Option<Self>, BadAppVersion> {
        let mut in_header = headers.get_all(HEADER).iter();
        if let Some(value) = in_header.next() {
            if in_header.next().is_some() {
                return Err(BadAppVersion(HEADER));
            }
            let text = value.to_str().map_err(|_| BadAppVersion(HEADER))?;
            return Self::parse(HEADER, text.trim()).map(Some);
        }
        #[derive(Deserialize)]
        struct Params {
            #[serde(rename = "appVersion")]
            app_version: Option<String>,
        }
        let Query(parsed) =
            Query::<Params>::try_from_uri(uri).map_err(|_| BadAppVersion(QUERY_PARAM))?;
        parsed
            .app_version
            .map(|text| Self::parse(QUERY_PARAM, &text))
            .transpose()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn versions_of_every_client_parse() {
        for ok in [
            "1.4.2",
            "alongside-device/0.1.0",
            "06b4f656efa1",
            "2.0.0-rc.1+build.5",
            "a_b",
        ] {
            assert_eq!(AppVersion::parse("appVersion", ok).unwrap().as_str(), ok);
        }
        assert!(AppVersion::parse("appVersion", &"9".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn hostile_versions_are_refused_not_cleaned() {
        for bad in [
            "", " 1.0", "1.0 beta", "<script>", "1.0\n", "é", "1.0;drop", "a\u{0}b", "%2F",
        ] {
            assert_eq!(
                AppVersion::parse("appVersion", bad),
                Err(BadAppVersion("appVersion")),
                "{bad:?}"
            );
        }
        assert!(AppVersion::parse("appVersion", &"9".repeat(MAX_CHARS + 1)).is_err());
        let message = BadAppVersion("appVersion").to_string();
        assert!(
            message.starts_with("appVersion: 1 to 64 characters"),
            "{message}"
        );
    }

    #[test]
    fn the_upgrade_reports_it_in_the_header_or_the_query() {
        let mut headers = HeaderMap::new();
        assert_eq!(AppVersion::from_upgrade(&headers, &uri("/sync")), Ok(None));
        assert_eq!(
            AppVersion::from_upgrade(&headers, &uri("/sync?token=als_x")),
            Ok(None)
        );
        let v =
            AppVersion::from_upgrade(&headers, &uri("/sync?token=als_x&appVersion=app%2F1.0%2B2"))
                .unwrap()
                .unwrap();
        assert_eq!(v.as_str(), "app/1.0+2");
        assert_eq!(
            AppVersion::from_upgrade(&headers, &uri("/sync?appVersion=1+0")),
            Err(BadAppVersion(QUERY_PARAM)),
            "a + in a query is a space"
        );
        assert_eq!(
            AppVersion::from_upgrade(&headers, &uri("/sync?appVersion=1&appVersion=2")),
            Err(BadAppVersion(QUERY_PARAM))
        );
        headers.insert(HEADER, HeaderValue::from_static("bridge/0.1.0"));
        let v = AppVersion::from_upgrade(&headers, &uri("/sync?appVersion=other"))
            .unwrap()
            .unwrap();
        assert_eq!(v.as_str(), "bridge/0.1.0", "the header wins");
        headers.insert(HEADER, HeaderValue::from_static("no spaces please"));
        assert_eq!(
            AppVersion::from_upgrade(&headers, &uri("/sync")),
            Err(BadAppVersion(HEADER))
        );
        headers.append(HEADER, HeaderValue::from_static("1.0"));
        assert_eq!(
            AppVersion::from_upgrade(&headers, &uri("/sync")),
            Err(BadAppVersion(HEADER))
        );
    }
}
