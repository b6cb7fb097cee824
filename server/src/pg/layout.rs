//! What a private cluster directory holds and the small files in it: the
//! persisted port, `postmaster.pid` as PostgreSQL writes it, and the
//! configuration this module adds to a fresh cluster.
//!
//! ```text
//! <dir>/start.lock    held while a process starts or adopts the cluster
//! <dir>/port          the TCP port chosen on first start, reused while free
//! <dir>/socket/       the unix socket directory
//! <dir>/postgres.log  the server's log
//! <dir>/data/         PGDATA (initdb'd into data.initdb/, renamed when complete)
//! ```

use std::path::{Path, PathBuf};

use super::Durability;

/// The longest unix socket path the kernel accepts (`sun_path` holds 108 bytes
/// with the terminating NUL).
const MAX_SOCKET_PATH: usize = 107;

/// The paths inside one cluster directory.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// The cluster directory itself.
    pub dir: PathBuf,
    /// `PGDATA`.
    pub data: PathBuf,
    /// Where `initdb` writes before the result is renamed to `data`.
    pub data_initdb: PathBuf,
    /// The unix socket directory.
    pub socket: PathBuf,
    /// The persisted port.
    pub port_file: PathBuf,
    /// The server log.
    pub log: PathBuf,
    /// The start lock.
    pub lock: PathBuf,
}

impl Layout {
    pub(super) fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            data: dir.join("data"),
            data_initdb: dir.join("data.initdb"),
            socket: dir.join("socket"),
            port_file: dir.join("port"),
            log: dir.join("postgres.log"),
            lock: dir.join("start.lock"),
        }
    }

    /// Whether `initdb` has completed here.
    pub(super) fn is_initialised(&self) -> bool {
        self.data.join("PG_VERSION").is_file()
    }

    /// The runtime settings file inside `data`, rewritten at every start.
    pub(super) fn runtime_conf(&self) -> PathBuf {
        self.data.join(RUNTIME_CONF)
    }

    /// The socket directory as a setting value, or `None` when its socket
    /// path would be too long for the kernel (or is not UTF-8): the cluster
    /// then listens on TCP only.
    pub(super) fn socket_setting(&self) -> Option<String> {
        let dir = self.socket.to_str()?;
        let longest = dir.len() + "/.s.PGSQL.65535".len();
        (longest <= MAX_SOCKET_PATH).then(|| format!("\"{}\"", dir.replace('"', "\"\"")))
    }
}

/// The file `postgresql.conf` includes for the port and socket directory.
const RUNTIME_CONF: &str = "alongside-runtime.conf";

/// Appended to `postgresql.conf` right after `initdb`: TCP on 127.0.0.1 only and
/// sizes for a small shared machine (two cores, other work beside it).
pub(super) const BASE_CONF: &str = "
# --- Added by alongside_server::pg (a private cluster) ---
listen_addresses = '127.0.0.1'
max_connections = 200
shared_buffers = 128MB
# The port and unix socket directory are chosen at every start:
include_if_exists = 'alongside-runtime.conf'
";

/// The whole `pg_hba.conf`: trust on the unix socket and 127.0.0.1, nothing else.
pub(super) const HBA_CONF: &str = "\
# Written by alongside_server::pg: a private cluster, trusted locally only.
local all all trust
host  all all 127.0.0.1/32 trust
";

/// Settings that stop PostgreSQL waiting for the disk, for [`Durability::Throwaway`].
const THROWAWAY_CONF: &str = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";

/// The runtime settings file's text.
pub(super) fn runtime_conf(port: u16, socket: Option<&str>, durability: Durability) -> String {
    let mut text = format!(
        "# Written by alongside_server::pg at every start.\nport = {port}\nunix_socket_directories = {}\n",
        conf_string(socket.unwrap_or(""))
    );
    if durability == Durability::Throwaway {
        text.push_str(THROWAWAY_CONF);
    }
    text
}

/// A `postgresql.conf` string literal.
fn conf_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The port a port file holds, if it holds one (a non-zero u16, whitespace around allowed).
pub(super) fn parse_port_file(text: &str) -> Option<u16> {
    text.trim().parse().ok().filter(|&port| port != 0)
}

/// What this module reads from `postmaster.pid`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct PostmasterPid {
    /// The port the server listens on (line 4).
    pub port: u16,
    /// The server's state (line 8): "starting", "ready", "stopping", "standby" or empty.
    pub status: String,
}

/// Parses `postmaster.pid`: pid, data directory, start time, port, socket
/// directory, listen address, shared memory key, status.
pub(super) fn parse_postmaster_pid(text: &str) -> Option<PostmasterPid> {
    let lines: Vec<&str> = text.lines().collect();
    let port = lines
        .get(3)?
        .trim()
        .parse()
        .ok()
        .filter(|&p: &u16| p != 0)?;
    let status = lines.get(7).map_or("", |s| s.trim()).to_string();
    Some(PostmasterPid { port, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_files_hold_one_non_zero_port() {
        assert_eq!(parse_port_file("54321\n"), Some(54321));
        assert_eq!(parse_port_file("  5432 "), Some(5432));
        assert_eq!(parse_port_file("0"), None);
        assert_eq!(parse_port_file("65536"), None);
        assert_eq!(parse_port_file(""), None);
        assert_eq!(parse_port_file("54321\n12"), None);
        assert_eq!(parse_port_file("port=5432"), None);
    }

    #[test]
    fn postmaster_pid_gives_port_and_status() {
        let text = "22819\n/tmp/pgx/data\n1795319250\n54999\n/tmp/pgx\n127.0.0.1\n 10051761         4\nready   \n";
        assert_eq!(
            parse_postmaster_pid(text),
            Some(PostmasterPid {
                port: 54999,
                status: "ready".into()
            })
        );
        let starting = "22819\n/tmp/pgx/data\n1795319250\n54999\n";
        assert_eq!(
            parse_postmaster_pid(starting).map(|p| p.status),
            Some(String::new())
        );
        assert_eq!(parse_postmaster_pid("22819\n/tmp/pgx/data\n"), None);
    }

    #[test]
    fn runtime_settings_quote_their_strings() {
        let text = runtime_conf(5433, Some("\"/tmp/it's\""), Durability::Durable);
        assert!(text.contains("port = 5433\n"), "{text}");
        assert!(
            text.contains("unix_socket_directories = '\"/tmp/it''s\"'\n"),
            "{text}"
        );
        assert!(!text.contains("fsync"), "{text}");
        let throwaway = runtime_conf(5433, None, Durability::Throwaway);
        assert!(
            throwaway.contains("unix_socket_directories = ''\n"),
            "{throwaway}"
        );
        assert!(throwaway.contains("fsync = off\n"), "{throwaway}");
    }

    #[test]
    fn long_socket_paths_fall_back_to_tcp_only() {
        let short = Layout::new(Path::new("/tmp/pg"));
        assert_eq!(
            short.socket_setting().as_deref(),
            Some("\"/tmp/pg/socket\"")
        );
        let deep = format!("/tmp/{}", "d".repeat(100));
        assert_eq!(Layout::new(Path::new(&deep)).socket_setting(), None);
    }
}
