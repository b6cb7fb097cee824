//! The real server over TLS: a generated certificate, `wss://` with the
//! automerge-repo join/peer handshake, `/healthz` over HTTPS, plain HTTP
//! and old or cipherless ClientHellos refused while it keeps serving, a
//! stalled handshake timed out, a graceful stop; and plain HTTP refused on
//! a non-loopback address unless `--insecure-http`.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alongside_shared::doc::edit::participant::create_participant;
use alongside_shared::doc::participant::Profile;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::client::RawClient;
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, free_port, http_get};
use alongside_tests::syncer::{Outcome, find, push};
use alongside_tests::tls::{
    DevCert, answer_to_hello, client_config, client_hello, connect_wss, https_get, sync_request,
};
use automerge::AutoCommit;
use rustls::ClientConfig;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// `dev-cert` run for real into a fresh folder, which it says it wrote.
fn dev_cert() -> (tempfile::TempDir, DevCert) {
    let dir = tempfile::tempdir().unwrap();
    let dev = DevCert::make(SERVER, dir.path());
    assert!(
        dev.stdout.contains(&dev.cert.display().to_string()),
        "{}",
        dev.stdout
    );
    assert!(
        dev.stdout.contains(&dev.key.display().to_string()),
        "{}",
        dev.stdout
    );
    (dir, dev)
}

fn tls_server(database_url: &str, dev: &DevCert) -> TestServer {
    dev.serve(SERVER, database_url, &["--tls-handshake-timeout-secs", "2"])
}

/// Over wss: no token, no upgrade; with one, the handshake and a document
/// written, acknowledged by the server and found by a second connection.
async fn sync_over_wss(addr: SocketAddr, config: &Arc<ClientConfig>, token: &str) {
    assert!(
        connect_wss(addr, sync_request(addr, None), config)
            .await
            .is_err()
    );
    let open = |peer: &'static str| async move {
        let ws = connect_wss(addr, sync_request(addr, Some(token)), config)
            .await
            .unwrap();
        let mut client = RawClient::over(ws, peer);
        client.handshake().await;
        client
    };
    let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
    let mut doc = AutoCommit::new();
    create_participant(&mut doc, &Profile::new("Over TLS")).unwrap();
    doc.commit();
    let mut writer = open("tls-writer").await;
    let pushed = push(&mut writer, id, &mut doc).await;
    assert_eq!(pushed.name(), "synced", "{pushed:?}");
    let mut reader = open("tls-reader").await;
    match find(&mut reader, id).await {
        Outcome::Synced(found) => assert_eq!(found.clone().get_heads(), doc.get_heads()),
        other => panic!("find over wss: {other:?}"),
    }
}

fn assert_still_serving(server: &TestServer, config: &Arc<ClientConfig>) {
    assert_eq!(
        https_get(server.addr, "/healthz", config),
        Some((200, "ok".to_owned()))
    );
}

#[test]
fn serves_https_and_wss_and_refuses_what_it_must() {
    let database = test_database();
    let (_dir, dev) = dev_cert();
    let config = client_config(&dev.cert);
    let mut server = tls_server(&database.url, &dev);

    // HTTPS and the sync handshake over WSS.
    assert_still_serving(&server, &config);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(Account::peer(&database.url, "tls-peer", "team-tls"));
    runtime.block_on(sync_over_wss(server.addr, &config, &account.token));

    // Plain HTTP to the TLS port gets no HTTP answer.
    assert!(!matches!(http_get(server.addr, "/healthz"), Some((200, _))));
    assert_still_serving(&server, &config);

    // A TLS 1.1 client, a TLS 1.0 client, and a TLS 1.2 client offering
    // only ciphers rustls does not have: alert or close, never a ServerHello.
    const RSA_AES128_CBC_SHA: u16 = 0x002f;
    const ECDHE_RSA_AES128_GCM_SHA256: u16 = 0xc02f;
    const ECDHE_ECDSA_AES128_GCM_SHA256: u16 = 0xc02b;
    for (what, hello) in [
        (
            "TLS 1.1",
            client_hello([3, 2], &[ECDHE_ECDSA_AES128_GCM_SHA256, RSA_AES128_CBC_SHA]),
        ),
        ("TLS 1.0", client_hello([3, 1], &[RSA_AES128_CBC_SHA])),
        (
            "no shared cipher",
            client_hello([3, 3], &[RSA_AES128_CBC_SHA]),
        ),
    ] {
        let answer = answer_to_hello(server.addr, &hello);
        assert!(
            matches!(answer, None | Some(0x15)),
            "{what}: expected an alert or a close, got record type {answer:?}"
        );
        assert_still_serving(&server, &config);
    }
    // The hand-made hello is well formed: with a cipher the server has, it
    // gets a ServerHello.
    assert_eq!(
        answer_to_hello(
            server.addr,
            &client_hello(
                [3, 3],
                &[ECDHE_ECDSA_AES128_GCM_SHA256, ECDHE_RSA_AES128_GCM_SHA256]
            )
        ),
        Some(0x16)
    );

    // A client that never finishes its handshake is dropped after the
    // timeout (2 s here), and others are served meanwhile.
    let mut stalled = TcpStream::connect(server.addr).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    assert_still_serving(&server, &config);
    let mut buf = [0u8; 16];
    let read = stalled.read(&mut buf);
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "stalled handshake got data: {read:?}"
    );
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(12), "dropped after {waited:?}");
    assert_still_serving(&server, &config);

    // A second WSS session still works, then a graceful stop.
    runtime.block_on(sync_over_wss(server.addr, &config, &account.token));
    assert!(server.terminate(), "graceful exit over TLS");
}

#[test]
fn a_client_that_does_not_trust_the_certificate_is_refused() {
    let database = test_database();
    let (_dir, dev) = dev_cert();
    let config = client_config(&dev.cert);
    let server = tls_server(&database.url, &dev);
    let (_other_dir, other) = dev_cert();
    let stranger = client_config(&other.cert);
    assert_eq!(https_get(server.addr, "/healthz", &stranger), None);
    assert_still_serving(&server, &config);
}

#[test]
fn plain_http_on_a_public_address_needs_insecure_http() {
    let database = test_database();
    let port = free_port();
    let out = Command::new(SERVER)
        .args(["serve", "--database-url", &database.url, "--bind"])
        .arg(format!("0.0.0.0:{port}"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to serve plain HTTP"), "{stderr}");
    assert!(stderr.contains("--tls-cert"), "{stderr}");
    assert!(stderr.contains("--insecure-http"), "{stderr}");

    // With --insecure-http it serves (and warns).
    let mut child = Command::new(SERVER)
        .args([
            "serve",
            "--insecure-http",
            "--database-url",
            &database.url,
            "--bind",
        ])
        .arg(format!("0.0.0.0:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut healthy = false;
    while Instant::now() < deadline {
        if matches!(http_get(addr, "/healthz"), Some((200, _))) {
            healthy = true;
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "server exited");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(healthy, "--insecure-http server did not come up");
}
