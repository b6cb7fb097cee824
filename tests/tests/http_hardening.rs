//! Hardening at the HTTP edge (issue 13), against the real server: under
//! TLS every response carries `Strict-Transport-Security` (and none does
//! over plain HTTP); the console refuses state-changing requests whose
//! `Origin` (or, lacking it, `Referer`) is another origin, even with a
//! valid CSRF token, and before a sign-in's password is checked;
//! `/metrics` is served only on the `--metrics-bind` listener.

#![allow(clippy::unwrap_used)]

use alongside_tests::accounts::Account;
use alongside_tests::console::{Browser, Page};
use alongside_tests::pg::test_database;
use alongside_tests::server::{TestServer, http_get};
use alongside_tests::tls::{DevCert, client_config, https_get};
use uuid::Uuid;

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

fn signed_out(page: &Page) -> bool {
    page.status == 303 && page.header("location") == Some("/signin")
}

#[tokio::test(flavor = "multi_thread")]
async fn console_posts_from_another_origin_are_refused() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);
    let own = format!("http://{}", server.addr);
    let elsewhere = [
        "Origin: https://evil.example".to_owned(),
        "Origin: null".to_owned(),
        format!("Origin: http://{}.evil.example", server.addr),
        "Referer: https://evil.example/page".to_owned(),
        // The Origin decides when both are sent.
        format!("Origin: https://evil.example\r\nReferer: {own}/overview"),
    ];

    // A signed-in supervisor's own CSRF token, sent from another origin:
    // 403, and the session goes on.
    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    let csrf = browser.csrf("/overview");
    for header in &elsewhere {
        let answer = browser.post_with("/signout", &[("csrf", &csrf)], &[header]);
        assert_eq!(answer.status, 403, "{header}: {}", answer.body);
        assert!(answer.body.contains("another site"), "{}", answer.body);
        assert_eq!(browser.get("/overview").status, 200, "{header}: still in");
        let review = format!("/participants/{}/notes/{}/review", Uuid::nil(), Uuid::nil());
        let answer = browser.post_with(&review, &[("csrf", &csrf)], &[header]);
        assert_eq!(answer.status, 403, "review, {header}: {}", answer.body);
    }

    // The sign-in form too (login CSRF), before its password is checked.
    let checks = || server.metric("alongside_password_checks_total");
    let before = checks();
    for header in &elsewhere {
        let mut fresh = Browser::new(server.addr);
        let form = fresh.get("/signin");
        let token = form.input("csrf").unwrap();
        let answer = fresh.post_with(
            "/signin",
            &[
                ("username", &sup.username),
                ("password", &sup.password),
                ("csrf", &token),
            ],
            &[header],
        );
        assert_eq!(answer.status, 403, "sign-in, {header}: {}", answer.body);
        assert!(signed_out(&fresh.get("/overview")));
    }
    assert_eq!(checks(), before, "no password was checked");

    // From the console's own origin (what a browser sends on its forms),
    // or with neither header, the forms work.
    let mut fresh = Browser::new(server.addr);
    let form = fresh.get("/signin");
    let token = form.input("csrf").unwrap();
    let origin = format!("Origin: {own}");
    let answer = fresh.post_with(
        "/signin",
        &[
            ("username", &sup.username),
            ("password", &sup.password),
            ("csrf", &token),
        ],
        &[&origin],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let csrf = fresh.csrf("/overview");
    let referer = format!("Referer: {own}/overview");
    let answer = fresh.post_with("/signout", &[("csrf", &csrf)], &[&referer]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(signed_out(&fresh.get("/overview")));
    let csrf = browser.csrf("/overview");
    assert_eq!(browser.post("/signout", &[("csrf", &csrf)]).status, 303);

    // The console's pages let their referrer go only to the same origin,
    // so browsers send the real Origin on its forms.
    let page = Browser::new(server.addr).get("/signin");
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_served_only_on_their_own_listener() {
    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    // Not where the console and the API are.
    let (status, body) = http_get(server.addr, "/metrics").unwrap();
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("alongside_"), "{body}");
    // On --metrics-bind.
    let (status, body) = server.metrics().unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("alongside_password_checks_total 0"), "{body}");
    assert_ne!(server.metrics_addr, server.addr);

    // Under TLS too, and the metrics listener speaks plain HTTP.
    let dir = tempfile::tempdir().unwrap();
    let dev = DevCert::make(SERVER, dir.path());
    let tls = dev.serve(SERVER, &database.url, &[]);
    let (status, _) = https_get(tls.addr, "/metrics", &client_config(&dev.cert)).unwrap();
    assert_eq!(status, 404);
    assert_eq!(tls.metrics().unwrap().0, 200);
}
