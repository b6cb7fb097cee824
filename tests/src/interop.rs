//! Driving the Node clients of `interop/` (unmodified automerge-repo with its
//! WebSocket adapter) from Rust tests: install the pinned packages once, run
//! a client, read what it prints.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::install;

/// The `interop/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// Installs the pinned npm packages if they are not there (the lockfile is
/// committed); false if that fails. Tests run side by side, in threads of
/// one process or in several processes, so the install is done by one of
/// them at a time: two `npm ci` into one folder break each other.
pub fn ready() -> bool {
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let _one = install::one_at_a_time(&IN_PROCESS, "interop-npm");
    dir()
        .join("node_modules/@automerge/automerge-repo")
        .exists()
        || Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir())
            .status()
            .is_ok_and(|s| s.success())
}

/// A client command with the tests' timeout, run in `interop/`.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new("node");
    command
        .current_dir(dir())
        .args(args)
        .env("TIMEOUT_MS", "20000")
        .stderr(Stdio::inherit());
    command
}

/// Runs a client to completion: whether it succeeded, and its stdout.
pub fn run(args: &[&str]) -> (bool, String) {
    let output = command(args).output().expect("node runs (Node 20)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Creates a minimal participant named `name` through the server at `url`
/// and returns its `automerge:` URL.
pub fn create(url: &str, name: &str) -> String {
    let output = command(&["clients/create.mjs", url])
        .env("DISPLAY_NAME", name)
        .output()
        .expect("node runs (Node 20)");
    assert!(output.status.success(), "create.mjs failed");
    let created: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("create.mjs prints JSON");
    created["url"].as_str().expect("a url").to_owned()
}
