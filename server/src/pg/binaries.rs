//! Finding the PostgreSQL programs on this machine: the server binaries on
//! `PATH` (following a symlink such as `/usr/local/bin/initdb` to the directory
//! it points into), else the newest `/usr/lib/postgresql/<N>/bin` (Debian and
//! Ubuntu install them there, off `PATH`). All programs come from one directory
//! so `initdb`, `pg_ctl` and `postgres` are always of the same version.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::PgError;

/// The programs a private cluster needs, all from one directory.
pub const SERVER_PROGRAMS: [&str; 4] = ["initdb", "pg_ctl", "postgres", "createdb"];

/// Where Debian-style packages put each major version's binaries.
const VERSIONED_ROOT: &str = "/usr/lib/postgresql";

/// A directory holding all of [`SERVER_PROGRAMS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    dir: PathBuf,
}

impl PgBinaries {
    /// Looks on `PATH`, then in the newest `/usr/lib/postgresql/<N>/bin`.
    pub fn find() -> Result<Self, PgError> {
        let path = std::env::var_os("PATH");
        Self::find_in(path.as_deref(), Path::new(VERSIONED_ROOT)).ok_or_else(|| {
            PgError::BinariesNotFound {
                missing: SERVER_PROGRAMS.join(", "),
            }
        })
    }

    /// [`PgBinaries::find`] with the search path and the versioned root given.
    fn find_in(path_var: Option<&OsStr>, versioned_root: &Path) -> Option<Self> {
        find_dir(path_var, versioned_root, &SERVER_PROGRAMS).map(|dir| Self { dir })
    }

    /// The directory the programs are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The full path of one program in that directory.
    pub fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Finds one client tool (`createdb`, `dropdb`, `psql`): beside the server
/// binaries when they are installed (the real binary, not a version-picking
/// wrapper such as Debian's `/usr/bin/createdb`), else on `PATH`, else in the
/// newest versioned directory.
pub fn find_tool(tool: &'static str) -> Result<PathBuf, PgError> {
    if let Ok(binaries) = PgBinaries::find() {
        let beside = binaries.program(tool);
        if is_executable(&beside) {
            return Ok(beside);
        }
    }
    let path = std::env::var_os("PATH");
    find_dir(path.as_deref(), Path::new(VERSIONED_ROOT), &[tool])
        .map(|dir| dir.join(tool))
        .ok_or(PgError::ToolNotFound { tool })
}

/// The first candidate directory holding every one of `programs`: for each
/// `PATH` entry the directory its `programs[0]` really lives in, then the entry
/// itself; then the versioned directories, newest first.
fn find_dir(path_var: Option<&OsStr>, versioned_root: &Path, programs: &[&str]) -> Option<PathBuf> {
    let first = programs.first()?;
    let mut candidates = Vec::new();
    for entry in path_var.map(std::env::split_paths).into_iter().flatten() {
        if let Some(real_dir) = fs::canonicalize(entry.join(first))
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf))
        {
            candidates.push(real_dir);
        }
        candidates.push(entry);
    }
    candidates.extend(versioned_dirs(versioned_root));
    candidates
        .into_iter()
        .find(|dir| programs.iter().all(|p| is_executable(&dir.join(p))))
}

/// `<root>/<version>/bin` for every version-named directory under `root`, newest first.
fn versioned_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = parse_version(name.to_str()?)?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// "15" → [15], "9.6" → [9, 6]; anything else is not a version directory.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// A regular file (after following symlinks) with an execute bit set.
fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn install(dir: &Path, programs: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        for program in programs {
            let path = dir.join(program);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[test]
    fn versions_sort_numerically() {
        assert_eq!(parse_version("15"), Some(vec![15]));
        assert_eq!(parse_version("9.6"), Some(vec![9, 6]));
        assert_eq!(parse_version("common"), None);
        assert_eq!(parse_version(""), None);
        let root = tempfile::tempdir().unwrap();
        for version in ["9.6", "10", "16", "common"] {
            fs::create_dir_all(root.path().join(version)).unwrap();
        }
        let found = versioned_dirs(root.path());
        let names: Vec<_> = found
            .iter()
            .map(|d| d.parent().unwrap().file_name().unwrap())
            .collect();
        assert_eq!(names, ["16", "10", "9.6"]);
    }

    #[test]
    fn newest_complete_versioned_directory_wins_when_path_has_none() {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("lib");
        install(&lib.join("14/bin"), &SERVER_PROGRAMS);
        install(&lib.join("16/bin"), &SERVER_PROGRAMS);
        install(&lib.join("17/bin"), &["initdb"]); // incomplete: skipped
        let empty = root.path().join("empty");
        fs::create_dir_all(&empty).unwrap();
        let found = PgBinaries::find_in(Some(empty.as_os_str()), &lib).unwrap();
        assert_eq!(found.dir(), lib.join("16/bin"));
    }

    #[test]
    fn path_wins_and_symlinks_lead_to_the_real_directory() {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("lib");
        install(&lib.join("14/bin"), &SERVER_PROGRAMS);
        install(&lib.join("16/bin"), &SERVER_PROGRAMS);
        // Like /usr/local/bin here: symlinks to some of version 14's programs only.
        let local = root.path().join("local");
        fs::create_dir_all(&local).unwrap();
        for program in ["initdb", "pg_ctl"] {
            symlink(lib.join("14/bin").join(program), local.join(program)).unwrap();
        }
        let found = PgBinaries::find_in(Some(local.as_os_str()), &lib).unwrap();
        assert_eq!(found.dir(), fs::canonicalize(lib.join("14/bin")).unwrap());
        assert_eq!(found.program("pg_ctl"), found.dir().join("pg_ctl"));

        // A PATH entry holding every program is used as it is.
        let full = root.path().join("full");
        install(&full, &SERVER_PROGRAMS);
        let path = std::env::join_paths([&full, &local]).unwrap();
        assert_eq!(PgBinaries::find_in(Some(&path), &lib).unwrap().dir(), full);
    }

    #[test]
    fn missing_or_not_executable_programs_are_not_found() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("bin");
        install(&dir, &["initdb", "pg_ctl", "postgres"]);
        fs::write(dir.join("createdb"), "not executable").unwrap();
        let lib = root.path().join("no-such-lib");
        assert_eq!(PgBinaries::find_in(Some(dir.as_os_str()), &lib), None);
        assert_eq!(PgBinaries::find_in(None, &lib), None);
        assert_eq!(
            find_dir(Some(dir.as_os_str()), &lib, &["initdb"]),
            Some(dir)
        );
    }

    #[test]
    fn the_not_found_message_names_the_programs_and_the_ways_out() {
        let message = PgError::BinariesNotFound {
            missing: SERVER_PROGRAMS.join(", "),
        }
        .to_string();
        assert!(message.contains("initdb, pg_ctl"), "{message}");
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("--database-url"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
}
