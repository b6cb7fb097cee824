//! Real headless Chromium for the console's browser tests: Debian's
//! `chromium` package (installed with `apt-get` when missing) driven by the
//! pinned `playwright-core` of `tests/browser/` (with `axe-core` for the
//! accessibility audits; both installed with `npm ci`
//! from its committed lockfile on first use). The scripts there print one
//! line and exit non-zero on the first unexpected thing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::install;

/// The `tests/browser/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Chromium's binary, installing Debian's package if it is missing.
/// Panics with what to do when it cannot be had.
pub fn chromium() -> PathBuf {
    // The real binary first: Debian's /usr/bin/chromium is a wrapper script.
    install::debian_file(
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
        "chromium",
    )
}

/// Installs the pinned playwright-core and axe-core (once, one process at
/// a time).
pub fn ready() {
    static ONE: Mutex<()> = Mutex::new(());
    let _one = install::one_at_a_time(&ONE, "browser-npm");
    let modules = dir().join("node_modules");
    if ["playwright-core", "axe-core"]
        .iter()
        .all(|p| modules.join(p).exists())
    {
        return;
    }
    let ok = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "npm ci in tests/browser failed (needs Node 20 and the npm registry)"
    );
}

/// Runs `node console.mjs STEP` with `env`; its output, panicking with it
/// when the script fails.
pub fn run(step: &str, env: &[(&str, &str)], screenshots: &Path) -> String {
    run_script("console.mjs", step, env, screenshots)
}

/// Runs `node SCRIPT STEP` (a script of `tests/browser/`) with `env`; its
/// output, panicking with it when the script fails.
pub fn run_script(script: &str, step: &str, env: &[(&str, &str)], screenshots: &Path) -> String {
    let output = Command::new("node")
        .current_dir(dir())
        .args([script, step])
        .envs(env.iter().copied())
        .env("CHROMIUM", chromium())
        .env("SCREENSHOTS", screenshots)
        .output()
        .expect("node runs (Node 20)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "browser step {step} failed: {text}"
    );
    text
}
