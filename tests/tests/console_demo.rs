//! `alongside-server demo` seeds a team a newcomer can explore at once, and
//! the overview, queue and accompaniment pages (and the CSV export) show
//! what the seed holds: caseloads, every review state including an
//! amended and a revised note, a Part 2 note, concurrent values, the
//! stale device standing out, accompaniment durations and open
//! follow-ups. The banner offers the field app's URL with the peer's
//! credentials. A second run keeps the data and prints a new password.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alongside_tests::console::Browser;
use alongside_tests::device_cli::Phone;
use alongside_tests::pg::test_database;
use alongside_tests::server::{free_port, http_get};

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

struct Demo {
    child: Child,
    addr: SocketAddr,
    username: String,
    password: String,
    /// The peer the banner offers for a device in a terminal.
    peer: (String, String),
    banner: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo(database_url: &str) -> Demo {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut child = Command::new(SERVER)
        .args([
            "demo",
            "--bind",
            &addr.to_string(),
            "--database-url",
            database_url,
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (mut username, mut password, mut banner) = (String::new(), String::new(), String::new());
    let mut peer = (String::new(), String::new());
    loop {
        let line = lines
            .next()
            .expect("the demo prints its credentials")
            .unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(u) = line.strip_prefix("username: ") {
            username = u.trim().to_owned();
        }
        if let Some(p) = line.strip_prefix("password: ") {
            password = p.trim().to_owned();
        }
        // "A peer's phone in a terminal (peer NAME, password PW):"
        if let Some(rest) = line.split("(peer ").nth(1) {
            let (name, pw) = rest.split_once(", password ").unwrap();
            peer = (name.to_owned(), pw.trim_end_matches("):").to_owned());
        }
        if line.contains("target/debug/") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(http_get(addr, "/healthz"), Some((200, _))) {
        assert!(Instant::now() < deadline, "demo never became healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
    Demo {
        child,
        addr,
        username,
        password,
        peer,
        banner,
    }
}

#[test]
fn the_demo_seeds_a_team_the_console_shows() {
    let database = test_database();
    let demo = start_demo(&database.url);
    assert!(
        demo.banner.contains(&format!("http://{}/", demo.addr)),
        "{}",
        demo.banner
    );
    assert_eq!(demo.username, "dana");
    assert!(
        demo.banner
            .contains("enroll --username amir --password-stdin"),
        "{}",
        demo.banner
    );
    // Beside those lines, the field app's URL with amir's credentials; it
    // serves the app.
    let field_url = format!("http://{}/field/", demo.addr);
    let browser_line = demo
        .banner
        .lines()
        .position(|l| l.starts_with("A peer's phone in a browser (peer amir, password "))
        .unwrap_or_else(|| panic!("no field app line: {}", demo.banner));
    let lines: Vec<&str> = demo.banner.lines().collect();
    assert_eq!(lines[browser_line + 1].trim(), field_url, "{}", demo.banner);
    let (status, body) = http_get(demo.addr, "/field/").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("app.js"), "{body}");

    // The peer the banner names enrols a device in a terminal and gets
    // their seeded caseload.
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "amir-phone");
    let (peer, peer_password) = &demo.peer;
    let out = phone.enroll_with_password(&format!("http://{}", demo.addr), peer, peer_password);
    assert!(out.success(), "{out:?}");
    phone.sync_until("received the caseload", |p| {
        p.ok(&["caseload"]).to_string().contains("Rosa Díaz")
    });
    let mut browser = Browser::new(demo.addr);
    assert_eq!(browser.sign_in(&demo.username, &demo.password).status, 303);

    let overview = browser.get("/overview");
    assert_eq!(overview.status, 200, "{}", overview.body);
    for name in ["Amir Haddad", "Bea Lindqvist", "Carlos Mendes"] {
        assert!(overview.body.contains(name), "{name}");
    }
    // Exactly one device is stale: Carlos's tablet.
    assert_eq!(overview.body.matches("data-stale=\"true\"").count(), 1);
    let stale_row = overview
        .body
        .split("<tr")
        .find(|r| r.contains("data-stale=\"true\""))
        .unwrap();
    assert!(
        stale_row.contains("Carlos&#39;s tablet") || stale_row.contains("Carlos's tablet"),
        "{stale_row}"
    );
    assert!(
        overview
            .body
            .contains("have not synced for more than 48 hours")
    );

    let queue = browser.get("/queue?state=all");
    for state in [
        "awaiting",
        "approved",
        "amended",
        "changes-requested",
        "revised",
        "draft",
    ] {
        assert!(
            queue.body.contains(&format!("data-state=\"{state}\"")),
            "no {state} note in the demo"
        );
    }
    assert!(queue.body.contains("Part 2"));
    let needs = browser.get("/queue");
    assert!(needs.body.contains("data-state=\"amended\""));
    assert!(
        !needs.body.contains("data-state=\"approved\""),
        "approved notes need nothing"
    );

    // Rosa's record shows the amended note's diff; Tom's the concurrent values.
    let rosa = needs
        .body
        .split("href=\"/participants/")
        .find(|s| s.contains("Rosa Díaz"))
        .unwrap();
    let rosa_path = format!("/participants/{}", &rosa[..rosa.find('#').unwrap()]);
    let page = browser.get(&rosa_path);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Changed since the last review"));
    assert!(page.body.contains("<del>community</del>") && page.body.contains("<ins>clinic</ins>"));
    let tom = needs
        .body
        .split("href=\"/participants/")
        .find(|s| s.contains("Tom Baker"))
        .unwrap();
    let tom_page = browser.get(&format!("/participants/{}", &tom[..tom.find('#').unwrap()]));
    assert!(
        tom_page.body.contains("Concurrent edits of"),
        "{}",
        tom_page.body
    );

    // The demo's accompaniments share one week: this one, or early in a
    // week the one before, a link away.
    let mut logs = browser.get("/accompaniments");
    assert_eq!(logs.status, 200);
    if logs.body.contains("<p>0 accompaniment(s)") {
        let previous = attribute_after(&logs.body, "rel=\"prev\" href=\"");
        logs = browser.get(&previous);
        assert_eq!(logs.status, 200);
    }
    assert!(logs.body.contains("<p>3 accompaniment(s)"), "{}", logs.body);
    assert!(logs.body.contains("40 min"), "seen → ended");
    assert!(logs.body.contains("2 h 10 min"), "departed → returned");
    assert!(logs.body.contains("Call the housing officer on Thursday"));
    assert!(
        !logs.body.contains("Copy the ID documents"),
        "done follow-ups are not open"
    );
    let csv_href = attribute_after(&logs.body, "<a href=\"/accompaniments.csv");
    let csv = browser.get(&csv_href);
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{}", csv.body);
    assert!(lines[0].starts_with("created_at,participant,peer"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Rosa Díaz") && l.contains(",40,130,"))
    );
    // Filtered by peer: only that peer's lines.
    let amir = overview
        .body
        .split("href=\"/accompaniments?peer=")
        .nth(1)
        .unwrap();
    let amir_id = &amir[..36];
    let filtered = browser.get(&format!("{csv_href}&peer={amir_id}"));
    assert_eq!(
        filtered.body.trim_end().split("\r\n").count(),
        2,
        "{}",
        filtered.body
    );
    assert_eq!(browser.get("/accompaniments?week=someday").status, 400);

    // A second run keeps the team and prints a new password.
    let first_password = demo.password.clone();
    drop(demo);
    let again = start_demo(&database.url);
    assert!(again.banner.contains("already seeded"), "{}", again.banner);
    assert_ne!(again.password, first_password);
    let mut browser = Browser::new(again.addr);
    assert_eq!(browser.sign_in("dana", &first_password).status, 401);
    assert_eq!(browser.sign_in("dana", &again.password).status, 303);
    assert_eq!(
        browser
            .get("/queue?state=all")
            .body
            .matches("data-note=")
            .count(),
        queue.body.matches("data-note=").count()
    );
}

/// The attribute value that `prefix` (ending in `href="` or part way into
/// it) starts, up to its closing quote; `prefix`'s own part of the value
/// (after `href="`) is kept.
fn attribute_after(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {body}"));
    let from = start + prefix.rfind("href=\"").map_or(prefix.len(), |i| i + 6);
    let value = &body[from..];
    value[..value.find('"').unwrap()].replace("&amp;", "&")
}
