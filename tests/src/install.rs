//! Installing what a test needs on a fresh machine, once: a guard under
//! which one thread of one process at a time installs something (tests run
//! side by side, as threads of one process and as several processes, and
//! two installs into one place break each other), and Debian packages
//! installed with `apt-get` when a file they provide is missing.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

/// Held while installing; dropping it lets the next installer in.
pub struct OneAtATime {
    _thread: MutexGuard<'static, ()>,
    _process: Option<File>,
}

/// Waits until no other thread holding `in_process` and no other process
/// using the lock file `name` (in the temporary directory) is installing.
pub fn one_at_a_time(in_process: &'static Mutex<()>, name: &str) -> OneAtATime {
    let thread = in_process
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let file = File::create(std::env::temp_dir().join(format!("alongside-{name}.lock")));
    OneAtATime {
        _thread: thread,
        _process: file.and_then(|file| file.lock().map(|()| file)).ok(),
    }
}

fn apt_get(args: &[&str]) -> bool {
    Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The first of `files` that exists, installing Debian's `package` (which
/// provides them) if none does. Panics saying what is missing when the
/// package cannot be had.
pub fn debian_file(files: &[&str], package: &str) -> PathBuf {
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let found = || files.iter().map(Path::new).find(|p| p.exists());
    if let Some(path) = found() {
        return path.to_path_buf();
    }
    let _one = one_at_a_time(&IN_PROCESS, "apt");
    if found().is_none() && !apt_get(&["install", "-y", "-qq", package]) {
        // A fresh machine's package lists may be empty or old.
        apt_get(&["update", "-qq"]);
        apt_get(&["install", "-y", "-qq", package]);
    }
    found()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("`apt-get install {package}` did not provide any of {files:?}"))
}
