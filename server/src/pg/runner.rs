//! Running PostgreSQL's programs as the right user. PostgreSQL refuses to run
//! as root, and CI containers run as root: then every server program runs as
//! the `postgres` account through `runuser -u postgres --`, and the directories
//! and files this module writes into a cluster directory are handed to that
//! account. As anyone else, programs run as the current user.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::PgError;

/// How many trailing lines of a failed command's output an error keeps.
const TAIL_LINES: usize = 15;

/// Runs programs and writes files as the cluster's owner.
#[derive(Debug, Clone)]
pub(super) struct Runner {
    /// The `postgres` account's (uid, gid) when this process is root.
    as_postgres: Option<(u32, u32)>,
}

impl Runner {
    /// A runner for this process: through `runuser` when it is root.
    pub(super) fn for_this_process() -> Result<Self, PgError> {
        let as_postgres = if current_euid()? == 0 {
            Some(postgres_account()?)
        } else {
            None
        };
        Ok(Self { as_postgres })
    }

    /// A command for a server program, run in `cwd` (which the cluster's
    /// owner can enter) with C-locale messages and no standard input.
    pub(super) fn command(&self, program: &Path, cwd: &Path) -> Command {
        let mut command = match self.as_postgres {
            Some(_) => {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.current_dir(cwd);
        c_locale(&mut command);
        command
    }

    /// Creates `dir` (mode 0700 when new; missing parents get the default
    /// mode) and gives it to the cluster's owner.
    pub(super) fn create_private_dir(&self, dir: &Path) -> Result<(), PgError> {
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent).map_err(io("create directory", parent))?;
        }
        if !dir.is_dir() {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(dir)
                .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })
                .map_err(io("create directory", dir))?;
        }
        self.give_away(dir)
    }

    /// Writes a file and gives it to the cluster's owner.
    pub(super) fn write_file(&self, path: &Path, contents: &str) -> Result<(), PgError> {
        fs::write(path, contents).map_err(io("write", path))?;
        self.give_away(path)
    }

    /// When root: fails unless the `postgres` account can enter and write `dir`
    /// (every parent must be searchable by it).
    pub(super) fn check_reachable(&self, dir: &Path) -> Result<(), PgError> {
        if self.as_postgres.is_none() {
            return Ok(());
        }
        let mut test = self.command(Path::new("test"), Path::new("/"));
        test.arg("-w").arg(dir).arg("-a").arg("-x").arg(dir);
        if output(&mut test)?.status.success() {
            Ok(())
        } else {
            Err(PgError::Unreachable {
                dir: dir.to_path_buf(),
            })
        }
    }

    fn give_away(&self, path: &Path) -> Result<(), PgError> {
        match self.as_postgres {
            Some((uid, gid)) => {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(io("chown", path))
            }
            None => Ok(()),
        }
    }
}

/// Sets a C locale so messages (matched on, e.g. "already exists") are in English.
pub(super) fn c_locale(command: &mut Command) {
    command.env("LC_ALL", "C").stdin(Stdio::null());
}

/// Runs a command to completion, failing only when it cannot be started.
pub(super) fn output(command: &mut Command) -> Result<Output, PgError> {
    command.output().map_err(|source| PgError::Spawn {
        program: command.get_program().to_string_lossy().into_owned(),
        source,
    })
}

/// Runs a command and fails with the tail of its output unless it succeeds.
pub(super) fn run(command: &mut Command) -> Result<Output, PgError> {
    let out = output(command)?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(failure(command, &out, ""))
    }
}

/// The error for a command that ran and failed; `extra` (such as a server log
/// tail) is appended to its output tail.
pub(super) fn failure(command: &Command, out: &Output, extra: &str) -> PgError {
    let mut output_tail = tail(&String::from_utf8_lossy(&out.stderr));
    if output_tail.is_empty() {
        output_tail = tail(&String::from_utf8_lossy(&out.stdout));
    }
    if !extra.is_empty() {
        output_tail = format!("{output_tail}\n{extra}");
    }
    PgError::Command {
        command: describe(command),
        status: out.status,
        output_tail,
    }
}

/// The last [`TAIL_LINES`] non-empty lines of `text`.
pub(super) fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An `Io` error constructor for `map_err`.
pub(super) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PgError {
    let path = path.to_path_buf();
    move |source| PgError::Io {
        action,
        path,
        source,
    }
}

/// This process's effective uid: from `/proc/self/status`, else `id -u`.
fn current_euid() -> Result<u32, PgError> {
    if let Some(uid) = fs::read_to_string("/proc/self/status")
        .ok()
        .as_deref()
        .and_then(effective_uid)
    {
        return Ok(uid);
    }
    id(&["-u"])
}

/// The effective uid from a `/proc/<pid>/status` text: the second field of its
/// `Uid:` line (real, effective, saved, filesystem).
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The `postgres` account's uid and gid.
fn postgres_account() -> Result<(u32, u32), PgError> {
    let uid = id(&["-u", "postgres"]).map_err(|_| PgError::NoPostgresUser)?;
    let gid = id(&["-g", "postgres"]).map_err(|_| PgError::NoPostgresUser)?;
    Ok((uid, gid))
}

/// Runs `id` with `args` and parses the number it prints.
fn id(args: &[&str]) -> Result<u32, PgError> {
    let mut command = Command::new("id");
    command.args(args);
    c_locale(&mut command);
    let out = run(&mut command)?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().map_err(|_| PgError::Command {
        command: describe(&command),
        status: out.status,
        output_tail: format!("unexpected output {text:?}"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn effective_uid_is_the_second_uid_field() {
        let status =
            "Name:\tcargo\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(effective_uid(status), Some(0));
        assert_eq!(effective_uid("Name:\tx\n"), None);
        assert_eq!(effective_uid("Uid:\t1000\n"), None);
    }

    #[test]
    fn this_process_has_an_effective_uid() {
        let from_proc = current_euid().unwrap();
        assert_eq!(from_proc, id(&["-u"]).unwrap());
    }

    #[test]
    fn tail_keeps_the_last_non_empty_lines() {
        let text: String = (1..=20).map(|i| format!("line {i}\n\n")).collect();
        let kept = tail(&text);
        assert!(kept.starts_with("line 6\nline 7"), "{kept}");
        assert!(kept.ends_with("line 20"), "{kept}");
        assert_eq!(tail(""), "");
    }

    #[test]
    fn a_failed_command_reports_its_stderr_tail() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo 'it broke' >&2; exit 3"]);
        let message = run(&mut command).unwrap_err().to_string();
        assert!(message.starts_with("sh -c echo out;"), "{message}");
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(message.ends_with("it broke"), "{message}");
    }
}
