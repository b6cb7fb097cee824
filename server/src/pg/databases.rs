//! Creating and dropping databases on any PostgreSQL server (the private
//! cluster or one a `postgres://` URL names) with the client tools `createdb`
//! and `dropdb`, and building the URL of one database from another's. This
//! module speaks no SQL: only the server's database module has an SQL client.

use std::path::Path;
use std::process::Command;

use super::runner::{c_locale, failure, output, run};
use super::{PgError, find_tool};

/// Creates database `name` on the server `maintenance_url` points at (any
/// database there will do, usually `postgres`), with the `createdb` found by
/// [`find_tool`]. Succeeds if it already exists.
pub fn create_database_at(maintenance_url: &str, name: &str) -> Result<(), PgError> {
    createdb(&find_tool("createdb")?, maintenance_url, name)
}

/// Drops database `name` on the server `maintenance_url` points at, closing
/// its connections first (`dropdb --force`, PostgreSQL 13+). Succeeds if it
/// does not exist.
pub fn drop_database_at(maintenance_url: &str, name: &str) -> Result<(), PgError> {
    let mut command = Command::new(find_tool("dropdb")?);
    command
        .arg("--if-exists")
        .arg("--force")
        .arg(format!("--maintenance-db={maintenance_url}"))
        .arg(name);
    c_locale(&mut command);
    run(&mut command).map(|_| ())
}

/// `createdb` with a given binary; "already exists" counts as success.
pub(super) fn createdb(program: &Path, maintenance_url: &str, name: &str) -> Result<(), PgError> {
    let mut command = Command::new(program);
    command
        .arg(format!("--maintenance-db={maintenance_url}"))
        .arg(name);
    c_locale(&mut command);
    let out = output(&mut command)?;
    if out.status.success() || String::from_utf8_lossy(&out.stderr).contains("already exists") {
        Ok(())
    } else {
        Err(failure(&command, &out, ""))
    }
}

/// `url` with its database (the path) replaced by `name`, user, password,
/// host, port and query kept: `postgres://u@h:5432/postgres?sslmode=disable`
/// with `t_1` gives `postgres://u@h:5432/t_1?sslmode=disable`. `None` when
/// `url` is not of the `scheme://…` form.
pub fn with_database(url: &str, name: &str) -> Option<String> {
    let scheme_end = url.find("://")? + 3;
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    let rest = &url[authority_end..];
    let suffix = rest.find(['?', '#']).map_or("", |i| &rest[i..]);
    Some(format!(
        "{}/{}{suffix}",
        &url[..authority_end],
        percent_encode(name)
    ))
}

/// Percent-encodes everything but unreserved URL characters.
pub(super) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_path() {
        let cases = [
            (
                "postgres://u:p@h:5432/postgres",
                "postgres://u:p@h:5432/t_1",
            ),
            (
                "postgres://u@h/db?sslmode=disable",
                "postgres://u@h/t_1?sslmode=disable",
            ),
            ("postgresql://h:1", "postgresql://h:1/t_1"),
            (
                "postgres://h?application_name=x",
                "postgres://h/t_1?application_name=x",
            ),
            ("postgres://h/", "postgres://h/t_1"),
        ];
        for (url, expected) in cases {
            assert_eq!(
                with_database(url, "t_1").as_deref(),
                Some(expected),
                "{url}"
            );
        }
        assert_eq!(with_database("host=localhost dbname=x", "t_1"), None);
    }

    #[test]
    fn database_names_are_percent_encoded() {
        assert_eq!(percent_encode("t_abc-1.2~"), "t_abc-1.2~");
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
