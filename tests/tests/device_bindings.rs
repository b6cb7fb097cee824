//! The mobile bridge through its generated bindings, as the phone apps use
//! it:
//!
//! - `committed_bindings_match_the_library`: the Kotlin and Swift sources
//!   committed under `mobile-bridge/bindings/` are exactly what UniFFI
//!   generates from the library built now (regenerate them with
//!   `mobile-bridge/bindings/generate.sh`);
//! - `python_drives_the_bridge_against_a_real_server`: generates the Python
//!   bindings beside the built library, starts the server over TLS with a
//!   certificate from `alongside-server dev-cert` and a peer account, and
//!   runs `mobile-bridge/bindings/python/test_bridge.py` (open a store,
//!   enrolment refused until the certificate is trusted, enrol, work
//!   offline, sync, a second device enrolled with a provisioned token
//!   merging a concurrent edit, reopen with a wrong and the right key,
//!   background sync with a Python listener), then checks in Postgres that
//!   what the script wrote reached the server, merged text and all;
//! - `kotlin_drives_the_bridge_against_a_real_server`: compiles the
//!   committed Kotlin bindings with
//!   `mobile-bridge/bindings/kotlin-test/BridgeTest.kt` (Kotlin 2.3, see
//!   `alongside_tests::kotlin`) and runs it on the JVM against the same
//!   kind of server (open, certificate trust, enrol, offline work at
//!   positions Kotlin's own strings give, sync, wrong and right key,
//!   background sync with a Kotlin listener), then the same checks in
//!   Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::{Account, admin_db};
use alongside_tests::bindings::{LIBRARY_FILE, bindings_dir, bridge_library, differences, tree};
use alongside_tests::kotlin;
use alongside_tests::pg::{TestDatabase, test_database};
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use alongside_tests::tls::DevCert;
use serde_json::Value;
use uniffi::{GenerateOptions, TargetLanguage};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// Generates `language` bindings of `library` into `out` the way
/// `generate.sh` does (library mode, the committed config, unformatted).
fn generate(library: &Path, language: TargetLanguage, out: &Path) {
    let utf8 = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned().into();
    uniffi::generate(GenerateOptions {
        languages: vec![language],
        source: utf8(library),
        out_dir: utf8(out),
        config_override: Some(utf8(&bindings_dir().join("uniffi.toml"))),
        format: false,
        crate_filter: None,
        metadata_no_deps: true,
    })
    .expect("generate bindings");
}

#[test]
fn committed_bindings_match_the_library() {
    let library = bridge_library();
    let scratch = tempfile::tempdir().unwrap();
    for (name, language) in [
        ("kotlin", TargetLanguage::Kotlin),
        ("swift", TargetLanguage::Swift),
    ] {
        let out = scratch.path().join(name);
        generate(&library, language, &out);
        let generated = tree(&out);
        assert!(!generated.is_empty(), "no {name} bindings were generated");
        let drift = differences(&tree(&bindings_dir().join(name)), &generated);
        assert!(
            drift.is_empty(),
            "the committed {name} bindings are out of date with the library \
             (run mobile-bridge/bindings/generate.sh and commit the result):\n{}",
            drift.join("\n")
        );
    }
}

/// Every projection row of `table` (as JSON) whose `key` column is `id`.
fn rows<'a>(dump: &'a [Value], table: &str, key: &str, id: &str) -> Vec<&'a Value> {
    dump.iter()
        .filter(|r| r["table"] == table && r["row"][key] == id)
        .map(|r| &r["row"])
        .collect()
}

/// A TLS server with a development certificate and a peer account, and an
/// empty directory for the stores: what a bindings script runs against.
struct Stage {
    db: TestDatabase,
    scratch: tempfile::TempDir,
    cert: PathBuf,
    pia: Account,
    server: TestServer,
}

impl Stage {
    async fn start() -> Self {
        let db = test_database();
        let scratch = tempfile::tempdir().unwrap();
        let dev = DevCert::make(SERVER, scratch.path());
        let server = dev.serve(SERVER, &db.url, &[]);
        let pia = Account::peer(&db.url, "pia", "north").await;
        std::fs::create_dir_all(scratch.path().join("store")).unwrap();
        Self {
            db,
            scratch,
            cert: dev.cert,
            pia,
            server,
        }
    }

    /// The script's inputs (see the scripts' headers).
    fn environment(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        let url = format!("https://127.0.0.1:{}", self.server.addr.port());
        vec![
            ("ALONGSIDE_SERVER_URL", url.into()),
            ("ALONGSIDE_CA_FILE", self.cert.clone().into()),
            ("ALONGSIDE_USERNAME", self.pia.username.clone().into()),
            ("ALONGSIDE_PASSWORD", self.pia.password.clone().into()),
            ("ALONGSIDE_TOKEN", self.pia.token.clone().into()),
            (
                "ALONGSIDE_STORE_DIR",
                self.scratch.path().join("store").into(),
            ),
        ]
    }

    /// Runs `script` (a command already naming it) with the inputs; the
    /// JSON object its last line holds.
    async fn run(&self, what: &str, script: Command) -> Value {
        let mut script = tokio::process::Command::from(script);
        let output = script
            .envs(self.environment())
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("run {what}: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{what} failed ({}):\n{stdout}\n{stderr}",
            output.status
        );
        let wrote: Value =
            serde_json::from_str(stdout.lines().last().expect("the script's result"))
                .unwrap_or_else(|e| panic!("{what}'s last line is not JSON ({e}):\n{stdout}"));
        assert_eq!(wrote["user_id"], self.pia.user_id.to_string());
        wrote
    }

    /// Checks that the server holds both documents `wrote` names, and that
    /// the projection shows what the script typed, edits merged.
    async fn check_server(&self, wrote: &Value) {
        let db = admin_db(&self.db.url).await;
        let id = |field: &str| -> DocumentId { wrote[field].as_str().unwrap().parse().unwrap() };
        for field in ["participant", "accompaniment"] {
            assert!(
                !stored::heads(&db, id(field)).await.is_empty(),
                "the server does not hold the {field}"
            );
        }
        let dump: Vec<Value> = db
            .projection_dump()
            .await
            .unwrap()
            .iter()
            .map(|line| {
                let (table, row) = line.split_once(' ').unwrap();
                serde_json::json!({"table": table, "row": serde_json::from_str::<Value>(row).unwrap()})
            })
            .collect();
        let participant = id("participant").to_uuid().to_string();
        let visit = id("accompaniment").to_uuid().to_string();
        let people = rows(&dump, "participants", "document_id", &participant);
        assert_eq!(people.len(), 1, "{dump:#?}");
        assert_eq!(people[0]["display_name"], wrote["display_name"]);
        let notes = rows(&dump, "notes", "document_id", &participant);
        assert_eq!(notes.len(), 1, "{notes:#?}");
        assert_eq!(notes[0]["note_id"], wrote["note"]);
        assert_eq!(notes[0]["intervention"], wrote["intervention"]);
        assert_eq!(notes[0]["participant_comment"], wrote["comment"]);
        assert_eq!(notes[0]["status"], "submitted");
        assert_eq!(notes[0]["device_id"], wrote["device_id"]);
        let visits = rows(&dump, "accompaniments", "document_id", &visit);
        assert_eq!(visits.len(), 1, "{dump:#?}");
        assert_eq!(visits[0]["outcome"], wrote["outcome"]);
        assert_eq!(visits[0]["status"], "completed");
        assert_eq!(visits[0]["participant_id"], wrote["participant"]);
        assert_eq!(visits[0]["note_id"], wrote["note"]);
        assert!(!visits[0]["returned_at"].is_null(), "{:#?}", visits[0]);
        let follow_ups = rows(&dump, "follow_ups", "document_id", &visit);
        assert_eq!(follow_ups.len(), 1, "{follow_ups:#?}");
        assert_eq!(follow_ups[0]["done"], true, "{:#?}", follow_ups[0]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn python_drives_the_bridge_against_a_real_server() {
    let stage = Stage::start().await;
    let python = stage.scratch.path().join("python");
    let library = bridge_library();
    generate(&library, TargetLanguage::Python, &python);
    // The generated module loads the library from its own directory.
    std::os::unix::fs::symlink(&library, python.join(LIBRARY_FILE)).unwrap();
    let script = bindings_dir().join("python/test_bridge.py");
    let mut command = Command::new("python3");
    command
        .arg(&script)
        .env("PYTHONPATH", &python)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let wrote = stage.run("test_bridge.py", command).await;
    stage.check_server(&wrote).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kotlin_drives_the_bridge_against_a_real_server() {
    let stage = Stage::start().await;
    let kotlin = kotlin::toolchain();
    let classes = stage.scratch.path().join("classes");
    kotlin.compile(
        &[
            bindings_dir().join("kotlin/org/alongside/bridge/alongside_bridge.kt"),
            bindings_dir().join("kotlin-test/BridgeTest.kt"),
        ],
        &classes,
    );
    let library = bridge_library();
    let command = kotlin.run(
        &classes,
        "org.alongside.bridge.test.BridgeTestKt",
        library.parent().expect("the library's directory"),
    );
    let wrote = stage.run("BridgeTest.kt", command).await;
    stage.check_server(&wrote).await;
}
