//! The `alongside-device` command line as a child process: one phone per
//! store file, driven with `--json` like a script would, and read back
//! in-process by opening its encrypted store with the library (after the
//! command that wrote it has exited).
//!
//! The binary is `alongside-device-under-test`, built by this package from
//! the device CLI's source (see `tests/Cargo.toml`); integration tests pass
//! `env!("CARGO_BIN_EXE_alongside-device-under-test")` to [`Phone::new`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alongside_mobile_bridge::clock;
use alongside_mobile_bridge::storage::DeviceStore;
use alongside_mobile_bridge::store::{SqliteStore, StoreKey};
use alongside_shared::wire::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use serde_json::Value;

/// How a command ended.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Outcome {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Stdout as one JSON value (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or(Value::Null)
    }
}

/// One device: a store file, its key file, and how to reach its server.
#[derive(Debug, Clone)]
pub struct Phone {
    /// A name for messages.
    pub name: String,
    binary: PathBuf,
    store: PathBuf,
    key: PathBuf,
    ca_file: Option<PathBuf>,
}

impl Phone {
    /// A phone named `name` whose files live in `dir`, run with `binary`.
    pub fn new(binary: &str, dir: &Path, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            binary: binary.into(),
            store: dir.join(format!("{name}.db")),
            key: dir.join(format!("{name}.key")),
            ca_file: None,
        }
    }

    /// Passes `--ca-file PATH` to every command from now on.
    pub fn trust(&mut self, ca_file: Option<&Path>) {
        self.ca_file = ca_file.map(Path::to_path_buf);
    }

    /// The store file.
    pub fn store_path(&self) -> &Path {
        &self.store
    }

    /// The command line for `args` (with `--json`, the store and key).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.command_for_people(args);
        cmd.arg("--json");
        cmd
    }

    /// The command line for `args`, printing for people.
    pub fn command_for_people(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.arg("--store")
            .arg(&self.store)
            .arg("--key-file")
            .arg(&self.key)
            .env_remove("ALONGSIDE_DEVICE_SERVER")
            .env_remove("ALONGSIDE_DEVICE_CA_FILE")
            .env_remove("ALONGSIDE_DEVICE_NOW");
        if let Some(ca) = &self.ca_file {
            cmd.arg("--ca-file").arg(ca);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `args` to completion, feeding `stdin` (else an empty stdin).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        self.finish(self.command(args), args, stdin)
    }

    /// Runs `args` to completion, printing for people.
    pub fn run_for_people(&self, args: &[&str]) -> Outcome {
        self.finish(self.command_for_people(args), args, None)
    }

    fn finish(&self, mut command: Command, args: &[&str], stdin: Option<&str>) -> Outcome {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{}: cannot start {}: {e}", self.name, self.binary.display())
            });
        if let Some(mut input) = child.stdin.take() {
            // A command that does not read stdin may exit first.
            let _ = input.write_all(stdin.unwrap_or_default().as_bytes());
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{}: {args:?} did not finish: {e}", self.name));
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs `args`, which must succeed; its JSON output.
    pub fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args, None);
        assert!(
            out.success(),
            "{}: {args:?} failed ({:?}): {}{}",
            self.name,
            out.code,
            out.stdout,
            out.stderr
        );
        out.json()
    }

    /// Starts `args` without waiting (to be killed mid-way).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start {args:?}: {e}", self.name))
    }

    /// `enroll --username NAME --password-stdin` with `server`.
    pub fn enroll_with_password(&self, server: &str, username: &str, password: &str) -> Outcome {
        self.run(
            &[
                "--server",
                server,
                "enroll",
                "--username",
                username,
                "--password-stdin",
                "--device-name",
                &self.name,
            ],
            Some(&format!("{password}\n")),
        )
    }

    /// `enroll --token-stdin` with `server`.
    pub fn enroll_with_token(&self, server: &str, token: &str) -> Outcome {
        self.run(
            &["--server", server, "enroll", "--token-stdin"],
            Some(&format!("{token}\n")),
        )
    }

    /// `sync`.
    pub fn sync(&self) -> Outcome {
        self.run(&["sync"], None)
    }

    /// Syncs until `done(self)` holds, returning the last report. A sync
    /// that could not finish (the server unreachable or restarting: exit 4)
    /// or left problems (a document not shared yet: exit 3) is retried; any
    /// other failure panics. The deadline is generous: a noisy machine is
    /// slow, not wrong.
    pub fn sync_until(&self, what: &str, done: impl Fn(&Phone) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let out = self.sync();
            match out.code {
                Some(0 | 3 | 4) => {}
                _ => panic!("{}: sync failed: {out:?}", self.name),
            }
            if out.code != Some(4) && done(self) {
                return out.json();
            }
            assert!(
                Instant::now() < deadline,
                "{}: never {what}; last sync: {out:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `status`.
    pub fn status(&self) -> Value {
        self.ok(&["status"])
    }

    /// Opens the store in this process (no command may be running).
    pub fn open_store(&self) -> SqliteStore {
        let key =
            std::fs::read(&self.key).unwrap_or_else(|e| panic!("{}: key file: {e}", self.name));
        let key = StoreKey::from_slice(&key).expect("a 32-byte key");
        SqliteStore::open(&self.store, &key, clock::system())
            .unwrap_or_else(|e| panic!("{}: open the store: {e}", self.name))
    }

    /// Every document the store holds.
    pub fn held(&self) -> Vec<DocumentId> {
        self.open_store().document_ids().expect("document ids")
    }

    /// A held document (`None` if not held).
    pub fn document(&self, id: &DocumentId) -> Option<AutoCommit> {
        self.open_store().load(id).expect("load")
    }

    /// A held document's heads, sorted (empty if not held).
    pub fn heads(&self, id: &DocumentId) -> Vec<ChangeHash> {
        sorted(
            self.document(id)
                .map(|mut d| d.get_heads())
                .unwrap_or_default(),
        )
    }
}

/// Heads in a stable order, for comparing.
pub fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}
