//! Real headless Chromium for the console's browser tests: Debian's
//! `chromium` package (installed with `apt-get` when missing) driven by the
//! pinned `playwright-core` of `tests/browser/` (installed with `npm ci`
//! from its committed lockfile on first use). The scripts there print one
//! line and exit non-zero on the first unexpected thing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The `tests/browser/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

fn chromium_binary() -> Option<PathBuf> {
    // The real binary: Debian's /usr/bin/chromium is a wrapper script.
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn apt_get(args: &[&str]) -> bool {
    Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Chromium's binary, installing Debian's package if it is missing.
/// Panics with what to do when it cannot be had.
pub fn chromium() -> PathBuf {
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = chromium_binary() {
        return found;
    }
    let lock = std::fs::File::create(std::env::temp_dir().join("alongside-chromium-apt.lock"));
    let _one_process = lock.and_then(|file| file.lock().map(|()| file));
    if chromium_binary().is_none() && !apt_get(&["install", "-y", "-qq", "chromium"]) {
        apt_get(&["update", "-qq"]);
        apt_get(&["install", "-y", "-qq", "chromium"]);
    }
    chromium_binary().expect(
        "Chromium: `apt-get install chromium` failed (the browser tests need Debian's chromium)",
    )
}

/// Installs the pinned playwright-core (once, one process at a time).
pub fn ready() {
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let lock = std::fs::File::create(std::env::temp_dir().join("alongside-browser-npm.lock"));
    let _one_process = lock.and_then(|file| file.lock().map(|()| file));
    if dir().join("node_modules/playwright-core").exists() {
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
    let output = Command::new("node")
        .current_dir(dir())
        .args(["console.mjs", step])
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
