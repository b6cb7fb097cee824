//! The test harness gives each test its own database on a live PostgreSQL,
//! and drops it afterwards.
#![allow(clippy::unwrap_used)]

use std::net::TcpStream;
use std::process::Command;

use alongside_server::pg::{find_tool, with_database};
use alongside_tests::pg::test_database;

/// Host and port of a `postgres://[user@]host[:port]/…` URL.
fn host_port(url: &str) -> (String, u16) {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split(['/', '?']).next().unwrap();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse().unwrap()),
        None => (host_port.to_string(), 5432),
    }
}

/// Runs one query with psql, when psql is installed.
fn psql(url: &str, sql: &str) -> Option<String> {
    let psql = find_tool("psql").ok()?;
    let out = Command::new(psql)
        .arg(url)
        .args(["-Atc", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn each_test_gets_its_own_database_on_a_live_server() {
    let a = test_database();
    let b = test_database();
    assert_ne!(a.name, b.name);
    assert_ne!(a.url, b.url);
    assert!(a.name.starts_with("t_"), "{}", a.name);
    assert!(a.url.contains(&format!("/{}", a.name)), "{}", a.url);

    let (host, port) = host_port(&a.url);
    TcpStream::connect((host.as_str(), port)).unwrap();

    if let Some(name) = psql(&a.url, "select current_database()") {
        assert_eq!(name, a.name);
    }
    let a_name = a.name.clone();
    drop(a);
    let count = format!("select count(*) from pg_database where datname = '{a_name}'");
    if let Some(left) = psql(&b.url, &count) {
        assert_eq!(left, "0", "a passing test's database is dropped");
    }
    assert_eq!(
        with_database(&b.url, &b.name).as_deref(),
        Some(b.url.as_str())
    );
}
