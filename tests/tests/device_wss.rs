//! The device command line over TLS end to end: `alongside-server serve`
//! with a certificate from `alongside-server dev-cert`, the device
//! enrolling (username and password) over `https://` and syncing over
//! `wss://` trusting that certificate with `--ca-file`; and the same
//! device, without `--ca-file`, refusing the server (certificate not
//! trusted: a clear error, nothing lost, and the next trusted sync
//! delivers what waited).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alongside_server::db::Db;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::device_cli::{Phone, sorted};
use alongside_tests::pg::test_database;
use alongside_tests::stored;
use alongside_tests::tls::DevCert;
use serde_json::Value;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn a_device_enrols_and_syncs_over_tls_and_refuses_an_untrusted_server() {
    let database = test_database();
    let certs = tempfile::tempdir().unwrap();
    let dev = DevCert::make(SERVER, certs.path());
    let server = dev.serve(SERVER, &database.url, &[]);
    let cert = dev.cert;
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let url = format!("https://127.0.0.1:{}", server.addr.port());
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(DEVICE, dir.path(), "phone");

    // Without the certificate, enrolment refuses the server and stores
    // nothing.
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert_eq!(out.code, Some(4), "{out:?}");
    assert_eq!(out.json()["kind"], "untrusted_certificate", "{out:?}");
    assert!(out.stderr.contains("--ca-file"), "{}", out.stderr);
    assert_eq!(phone.status()["enrolled"], false);

    // With it: enrolment over https, sync over wss.
    phone.trust(Some(&cert));
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert!(out.success(), "{out:?}");
    assert_eq!(out.json()["username"], "alice");
    let p = phone.ok(&["participant", "add", "--name", "Rosa"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id: DocumentId = p.parse().unwrap();
    let out = phone.sync();
    assert!(out.success(), "{out:?}");
    assert!(out.json()["documents_sent"].as_u64().unwrap() >= 1);
    assert_eq!(sorted(stored::heads(&db, id).await), phone.heads(&id));

    // A later edit, then a sync without the certificate: refused with a
    // clear error; the edit stays pending, the enrolment stays.
    let n = phone.ok(&[
        "note",
        "add",
        "--participant",
        &p,
        "--intervention",
        "Waited together at the housing office",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    phone.trust(None);
    let out = phone.sync();
    assert_eq!(out.code, Some(4), "{out:?}");
    assert_eq!(out.json()["kind"], "untrusted_certificate", "{out:?}");
    assert!(out.stderr.contains("not trusted"), "{}", out.stderr);
    let status = phone.status();
    assert_eq!(status["enrolled"], true, "{status}");
    assert_eq!(status["pending"][0]["id"], p.as_str(), "{status}");
    assert_eq!(status["last_sync"]["error"], "untrusted_certificate");
    let note = phone.ok(&["note", "show", "--participant", &p, "--note", &n]);
    assert_eq!(
        note["intervention"],
        "Waited together at the housing office"
    );

    // Trusted again, the waiting note reaches the server.
    phone.trust(Some(&cert));
    let out = phone.sync();
    assert!(out.success(), "{out:?}");
    assert_eq!(phone.status()["pending"], Value::Array(vec![]));
    assert_eq!(sorted(stored::heads(&db, id).await), phone.heads(&id));
}
