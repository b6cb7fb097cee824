//! Console sessions against the real server: a supervisor signs in (cookie
//! HttpOnly, SameSite=Strict), a peer's or an administrator's correct
//! password does not open the console and gets the page of a wrong one,
//! forms without the session's CSRF token are refused with 403 and change
//! nothing, sign-out ends the session, an idle session expires (with a
//! 3-second idle flag), and under TLS the session and sign-in cookies are
//! `Secure` and `__Host-`.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use alongside_tests::accounts::Account;
use alongside_tests::console::{Browser, Page};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::tls::{DevCert, client_config};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");

/// The page's body without its CSRF token (fresh on every form).
fn without_csrf(page: &Page) -> String {
    let token = page.input("csrf").unwrap_or_default();
    page.body.replace(&token, "")
}

fn signed_out(page: &Page) -> bool {
    page.status == 303 && page.header("location") == Some("/signin")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_signs_in_and_peers_and_admins_cannot() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let peer = Account::peer(&database.url, "alice", "north").await;
    let admin = Account::admin(&database.url, "root").await;
    let server = TestServer::start(SERVER, &database.url, &[]);

    // Not signed in: every page sends the browser to the sign-in form.
    let mut anon = Browser::new(server.addr);
    assert!(signed_out(&anon.get("/overview")));
    assert!(signed_out(&anon.get("/queue")));

    let mut browser = Browser::new(server.addr);
    let form = browser.get("/signin");
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("label for=\"username\""),
        "labelled inputs"
    );
    let answer = browser.sign_in(&sup.username, &sup.password);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/overview"));
    let cookie = answer
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("alongside-session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let overview = browser.get("/overview");
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("Team overview"));
    assert_eq!(overview.header("cache-control"), Some("no-store"));
    assert!(browser.get("/queue").status == 200);

    // A wrong password: 401, the same page for an unknown user.
    let mut wrong = Browser::new(server.addr);
    let wrong_page = wrong.sign_in(&sup.username, "not the password");
    assert_eq!(wrong_page.status, 401);
    assert!(wrong_page.body.contains("Wrong username or password"));
    let answer = wrong.sign_in("nobody", "whatever");
    assert_eq!(answer.status, 401);
    assert!(signed_out(&wrong.get("/overview")));

    // A peer and an admin know their passwords, and get no session and the
    // very page of a wrong password (but for its fresh CSRF token and the
    // username typed), which does not confirm the password.
    for account in [&peer, &admin] {
        let mut other = Browser::new(server.addr);
        let answer = other.sign_in(&account.username, &account.password);
        assert_eq!(answer.status, 401, "{}: {}", account.username, answer.body);
        let mut by_mistake = Browser::new(server.addr);
        let mistyped = by_mistake.sign_in(&account.username, "not the password");
        assert_eq!(
            without_csrf(&answer),
            without_csrf(&mistyped),
            "{}",
            account.username
        );
        assert!(
            !other.cookies.contains_key("alongside-session"),
            "no session for {}",
            account.username
        );
        assert!(signed_out(&other.get("/overview")));
    }
    assert!(without_csrf(&wrong_page).contains("Wrong username or password"));

    // A forged session cookie opens nothing.
    let mut forged = Browser::new(server.addr);
    forged.cookies.insert(
        "alongside-session".into(),
        "als_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
    );
    assert!(signed_out(&forged.get("/overview")));
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_without_the_sessions_csrf_token_are_refused() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let other_sup = Account::supervisor(&database.url, "sue", "north").await;
    let server = TestServer::start(SERVER, &database.url, &[]);

    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    let mut other = Browser::new(server.addr);
    assert_eq!(
        other
            .sign_in(&other_sup.username, &other_sup.password)
            .status,
        303
    );
    let theirs = other.csrf("/overview");
    let ours = browser.csrf("/overview");
    assert_ne!(ours, theirs, "CSRF tokens are per session");

    // No token, an empty one, another session's: 403, still signed in.
    for fields in [vec![], vec![("csrf", "")], vec![("csrf", theirs.as_str())]] {
        let answer = browser.post("/signout", &fields);
        assert_eq!(answer.status, 403, "{fields:?}: {}", answer.body);
        assert!(answer.body.contains("Nothing was changed"));
        assert_eq!(browser.get("/overview").status, 200, "still signed in");
    }
    // The sign-in form is protected too (login CSRF): no double-submit
    // cookie, no sign-in.
    let mut fresh = Browser::new(server.addr);
    let answer = fresh.post(
        "/signin",
        &[("username", &sup.username), ("password", &sup.password)],
    );
    assert_eq!(answer.status, 403);
    assert!(signed_out(&fresh.get("/overview")));

    // With the token, sign-out works and the old cookie is dead.
    let saved = browser.cookies.clone();
    let answer = browser.post("/signout", &[("csrf", &ours)]);
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.header("clear-site-data"),
        Some("\"cache\", \"storage\""),
        "sign-out clears the browser's copies"
    );
    assert!(signed_out(&browser.get("/overview")));
    let mut replay = Browser::new(server.addr);
    replay.cookies = saved;
    assert!(
        signed_out(&replay.get("/overview")),
        "a signed-out session stays out"
    );
    // The other session is untouched.
    assert_eq!(other.get("/overview").status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_session_expires() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    // 0.05 minutes: 3 seconds without a request ends the session.
    let server = TestServer::start(SERVER, &database.url, &["--console-idle-mins", "0.05"]);
    let mut browser = Browser::new(server.addr);
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    // Activity keeps it alive past the idle time in total ...
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(browser.get("/queue").status, 200, "active session");
    }
    // ... idleness ends it, for good.
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert!(signed_out(&browser.get("/queue")), "idle session expired");
    assert!(signed_out(&browser.get("/queue")), "and stays expired");
    // Signing in again works.
    assert_eq!(browser.sign_in(&sup.username, &sup.password).status, 303);
    assert_eq!(browser.get("/queue").status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn under_tls_the_session_cookie_is_secure_and_host_only() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let dir = tempfile::tempdir().unwrap();
    let dev = DevCert::make(SERVER, dir.path());
    let config = client_config(&dev.cert);
    let server = dev.serve(SERVER, &database.url, &[]);
    let mut browser = Browser::tls(server.addr, config.clone());
    let form = browser.get("/signin");
    assert!(
        form.set_cookies().iter().all(|c| c.contains("; Secure")),
        "{:?}",
        form.set_cookies()
    );
    // The sign-in form's double-submit cookie is `__Host-` too.
    let signin_cookie = form
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-alongside-signin="))
        .unwrap_or_else(|| panic!("a __Host- sign-in cookie: {:?}", form.set_cookies()))
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(
            signin_cookie.contains(attribute),
            "{attribute}: {signin_cookie}"
        );
    }
    assert!(!signin_cookie.contains("Domain"), "{signin_cookie}");
    // A cookie without the prefix, as a sibling subdomain or a plain-HTTP
    // page could plant, does not stand in for it (login CSRF).
    let mut planted = Browser::tls(server.addr, config);
    let fixed = "als_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    planted
        .cookies
        .insert("alongside-signin".into(), fixed.into());
    let answer = planted.post(
        "/signin",
        &[
            ("username", &sup.username),
            ("password", &sup.password),
            ("csrf", fixed),
        ],
    );
    assert_eq!(answer.status, 403, "{}", answer.body);
    let answer = browser.sign_in(&sup.username, &sup.password);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let cookie = answer
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-alongside-session="))
        .expect("a __Host- session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert_eq!(browser.get("/overview").status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn console_sign_ins_share_the_device_sign_in_throttle() {
    let database = test_database();
    let sup = Account::supervisor(&database.url, "sam", "north").await;
    let server = TestServer::start(SERVER, &database.url, &["--login-max-failures", "3"]);
    let mut browser = Browser::new(server.addr);
    for _ in 0..3 {
        assert_eq!(browser.sign_in(&sup.username, "wrong").status, 401);
    }
    // Locked: even the right password is refused, with Retry-After.
    let locked = browser.sign_in(&sup.username, &sup.password);
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.header("retry-after").is_some());
    assert!(signed_out(&browser.get("/overview")));
    // The same lock holds for device enrolment through the API.
    let body = format!(
        r#"{{"username":"{}","password":"{}","deviceName":"tablet"}}"#,
        sup.username, sup.password
    );
    assert_eq!(
        browser
            .api("POST", "/api/v1/devices", None, Some(&body))
            .status,
        429
    );
}
