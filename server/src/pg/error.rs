//! The one error type of [`crate::pg`]: every way starting or driving the
//! private PostgreSQL cluster can fail, each with a message a person can act on
//! (the tail of the failed command's output included).

use std::path::PathBuf;
use std::process::ExitStatus;

/// Why the private PostgreSQL cluster could not be found, started, used or stopped.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// No directory holds all the server binaries.
    #[error(
        "PostgreSQL server binaries not found ({missing}): install them \
         (Debian: apt-get install postgresql) or pass --database-url"
    )]
    BinariesNotFound {
        /// The binaries looked for, comma separated.
        missing: String,
    },
    /// A client tool (such as `createdb`) is neither beside the server binaries nor on `PATH`.
    #[error(
        "PostgreSQL client tool `{tool}` not found: install it \
         (Debian: apt-get install postgresql-client)"
    )]
    ToolNotFound {
        /// The tool looked for.
        tool: &'static str,
    },
    /// Running as root, but there is no `postgres` account to run the server as.
    #[error(
        "running as root, and PostgreSQL refuses to run as root, but there is no `postgres` \
         user to run it as: install the postgresql package or create the user \
         (useradd --system postgres)"
    )]
    NoPostgresUser,
    /// Running as root, the `postgres` user cannot reach the cluster directory.
    #[error(
        "the `postgres` user cannot reach {dir}: every parent directory must be searchable \
         by it (chmod o+x), or choose a directory elsewhere"
    )]
    Unreachable {
        /// The cluster directory.
        dir: PathBuf,
    },
    /// A file-system operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "create directory".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A program could not be started at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{command} failed ({status}): {output_tail}")]
    Command {
        /// The command line, shortened to the program and its first arguments.
        command: String,
        /// How it exited.
        status: ExitStatus,
        /// The last lines of its standard error (and, for a server start, of the server log).
        output_tail: String,
    },
    /// No free TCP port could be found on 127.0.0.1.
    #[error("no free TCP port on 127.0.0.1: {0}")]
    NoFreePort(#[source] std::io::Error),
    /// A server is running in the directory but did not become ready in time.
    #[error(
        "the PostgreSQL server running in {dir} did not become ready (postmaster.pid status {status:?})"
    )]
    NotReady {
        /// The data directory.
        dir: PathBuf,
        /// The last status line read from `postmaster.pid`.
        status: String,
    },
}
