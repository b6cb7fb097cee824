//! Hardening at the HTTP edge (issue 13), against the real server: under
//! TLS every response carries `Strict-Transport-Security` (and none does
//! over plain HTTP).

#![allow(clippy::unwrap_used)]

use alongside_tests::console::Browser;
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::tls::{DevCert, client_config};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

#[tokio::test(flavor = "multi_thread")]
async fn under_tls_every_response_asks_for_https_from_now_on() {
    let database = test_database();
    let dir = tempfile::tempdir().unwrap();
    let dev = DevCert::make(SERVER, dir.path());
    let server = dev.serve(SERVER, &database.url, &[]);
    let mut browser = Browser::tls(server.addr, client_config(&dev.cert));
    for path in ["/healthz", "/signin", "/overview", "/api/v1/me", "/nowhere"] {
        let page = browser.get(path);
        assert_eq!(
            page.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}: {:?}",
            page.headers
        );
    }

    // Over plain HTTP the header means nothing and is not sent.
    let plain = TestServer::start(SERVER, &database.url, &[]);
    let page = Browser::new(plain.addr).get("/signin");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("strict-transport-security"), None);
}
