//! Drives the `alongside-device` binary through a small day offline and
//! checks its `--json` output (and that online commands refuse to run
//! unenrolled), then the key file and a wrong key.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_alongside-device");
/// 2024-05-02T09:00:00Z.
const T0: i64 = 1_714_640_400_000;

struct Phone<'a> {
    dir: &'a Path,
    now: i64,
}

impl Phone<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--store")
            .arg(self.dir.join("phone.db"))
            .arg("--key-file")
            .arg(self.dir.join("phone.key"))
            .arg("--json")
            .env("ALONGSIDE_DEVICE_NOW", self.now.to_string())
            .args(args);
        cmd
    }

    /// Runs a command that must succeed; its JSON output.
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.command(args).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    }

    /// Runs a command that must fail; its error text.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run");
        assert!(!out.status.success(), "{args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[test]
fn a_day_offline() {
    let dir = tempfile::tempdir().expect("dir");
    let mut phone = Phone {
        dir: dir.path(),
        now: T0,
    };

    assert!(
        phone
            .fails(&["participant", "add", "--name", "X"])
            .contains("not enrolled")
    );
    // Online commands without an enrolment say what to do, with their own
    // exit code and a `kind` for scripts.
    let out = phone.command(&["sync"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not enrolled with a server"));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["kind"], "not_enrolled");
    let out = phone
        .command(&["enroll", "--token", "als_x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--server"));
    phone.ok(&[
        "identity",
        "set",
        "--user",
        "peer-a",
        "--device",
        "phone-1",
        "--name",
        "Alex Peer",
    ]);
    assert_eq!(phone.ok(&["caseload"]), serde_json::json!([]));

    let p = id(&phone.ok(&["participant", "add", "--name", "Rosa Díaz"]));
    let caseload = phone.ok(&["caseload"]);
    assert_eq!(caseload[0]["display_name"], "Rosa Díaz");
    assert_eq!(caseload[0]["pending"], true);

    // The accompanied appointment, step by step.
    let a = id(&phone.ok(&[
        "accompany",
        "start",
        "--participant",
        &p,
        "--kind",
        "medical",
        "--place",
        "GP surgery",
        "--provider",
        "Dr Lee",
        "--purpose",
        "Medication review",
    ]));
    for (step, minutes) in [("arrive", 20), ("seen", 35), ("end", 55), ("return", 80)] {
        phone.now = T0 + minutes * 60_000;
        phone.ok(&["accompany", step, "--id", &a]);
    }
    phone.ok(&[
        "accompany",
        "outcome",
        "--id",
        &a,
        "--text",
        "Dose lowered 👍",
    ]);
    let f = id(&phone.ok(&[
        "followup",
        "add",
        "--accompaniment",
        &a,
        "--text",
        "Pick up prescription",
        "--due",
        "2024-05-03",
    ]));
    let log = phone.ok(&["followup", "done", "--accompaniment", &a, "--id", &f]);
    assert_eq!(log["status"], "completed");
    assert_eq!(log["departed_at"], T0);
    assert_eq!(log["returned_at"], T0 + 80 * 60_000);
    assert_eq!(log["outcome"], "Dose lowered 👍");
    assert_eq!(log["follow_ups"][0]["done"], true);

    // The note, edited by UTF-16 splice, then submitted.
    let n = id(&phone.ok(&[
        "note",
        "add",
        "--participant",
        &p,
        "--service-date",
        "2024-05-02",
        "--start",
        "2024-05-02T09:00Z",
        "--end",
        "2024-05-02T10:20Z",
        "--intervention",
        "Went to the GP with Rosa",
        "--response",
        "Relieved 😌 café after",
    ]));
    // "Relieved 😌 café after": 😌 is units 9..11; "café" starts at 12.
    let edited = phone.ok(&[
        "note",
        "edit",
        "--participant",
        &p,
        "--note",
        &n,
        "--field",
        "response",
        "--splice",
        "12,4,tea, then cake",
    ]);
    assert_eq!(edited["text"], "Relieved 😌 tea, then cake after");
    phone.ok(&[
        "note",
        "edit",
        "--participant",
        &p,
        "--note",
        &n,
        "--field",
        "plan",
        "--text",
        "Check in Friday",
    ]);
    let submitted = phone.ok(&["note", "submit", "--participant", &p, "--note", &n]);
    assert_eq!(submitted["status"], "submitted");
    let shown = phone.ok(&["note", "show", "--participant", &p, "--note", &n]);
    assert_eq!(shown["response"], "Relieved 😌 tea, then cake after");
    assert_eq!(shown["plan"], "Check in Friday");
    assert_eq!(shown["units"], 5);
    assert_eq!(shown["signed_by"], "peer-a");

    let status = phone.ok(&["status"]);
    assert_eq!(status["documents"], 2);
    assert_eq!(status["pending"].as_array().map(Vec::len), Some(2));
    assert_eq!(status["last_sync_at"], Value::Null);
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["user_id"], "peer-a");

    // Refusals are errors, not panics.
    assert!(
        phone
            .fails(&[
                "note",
                "edit",
                "--participant",
                &p,
                "--note",
                &n,
                "--field",
                "response",
                "--splice",
                "10,1,x"
            ])
            .contains("splits a character")
    );
    assert!(
        phone
            .fails(&["accompany", "arrive", "--id", "not-an-id"])
            .contains("not a document id")
    );

    // The key file is private, and another key does not open the store.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("phone.key")).expect("key file");
        assert_eq!(meta.len(), 32);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let other = dir.path().join("other.key");
    std::fs::write(&other, [7u8; 32]).expect("write");
    let out = Command::new(BIN)
        .arg("--store")
        .arg(dir.path().join("phone.db"))
        .arg("--key-file")
        .arg(&other)
        .arg("caseload")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("key does not open"));
    assert_eq!(phone.ok(&["caseload"])[0]["notes"], 1);
}
