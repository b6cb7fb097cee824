//! The field app's sources for tests: `field/`, its pinned npm packages
//! (installed with `npm ci` from the committed lockfile on first use, one
//! process at a time), and its scripts run with Node.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use crate::install;

/// The `field/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../field")
}

/// Installs the field app's pinned packages (once).
pub fn ready() {
    static ONE: Mutex<()> = Mutex::new(());
    let _one = install::one_at_a_time(&ONE, "field-npm");
    if dir().join("node_modules/.package-lock.json").exists() {
        return;
    }
    let ok = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "npm ci in field/ failed (needs Node 20 and the npm registry)"
    );
}

/// Runs `node ARGS…` in `field/`; its output, panicking with it when the
/// command fails.
pub fn node(args: &[&str]) -> String {
    run(Command::new("node").args(args), args)
}

/// Runs one of `field/node_modules/.bin` with `args`.
pub fn tool(name: &str, args: &[&str]) -> String {
    let bin = dir().join("node_modules/.bin").join(name);
    run(Command::new(&bin).args(args), args)
}

fn run(command: &mut Command, args: &[&str]) -> String {
    ready();
    let output = command
        .current_dir(dir())
        .output()
        .expect("node runs (Node 20)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{args:?} failed: {text}");
    text
}
