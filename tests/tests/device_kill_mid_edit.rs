//! SIGKILL of the `alongside-device` process between an edit and its sync:
//! a run of `note edit` invocations, each killed at a random moment (seeded,
//! printed; `ALONGSIDE_KILL_SEED` replays one). Afterwards the store opens,
//! every edit whose command had reported success is in the note, nothing
//! half-written shows, and one `sync` delivers all of it to the server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use alongside_server::db::Db;
use alongside_server::store::codec;
use alongside_shared::wire::DocumentId;
use alongside_tests::accounts::Account;
use alongside_tests::device_cli::{Outcome, Phone, sorted};
use alongside_tests::pg::test_database;
use alongside_tests::server::TestServer;
use alongside_tests::stored;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const SERVER: &str = env!("CARGO_BIN_EXE_alongside-server-under-test");
const DEVICE: &str = env!("CARGO_BIN_EXE_alongside-device-under-test");

/// Edits attempted (each possibly killed).
const EDITS: usize = 40;

fn seed() -> u64 {
    std::env::var("ALONGSIDE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

/// Runs `args`, killing the process after `after` unless it finished
/// first; the outcome when it finished by itself.
fn run_or_kill(phone: &Phone, args: &[&str], after: Duration) -> Option<Outcome> {
    let mut child = phone.spawn(args);
    let deadline = Instant::now() + after;
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            return Some(Outcome {
                code: output.status.code(),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        if Instant::now() >= deadline {
            // SIGKILL: no destructor, no flush.
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_reported_done_survive_sigkill_and_sync() {
    let seed = seed();
    eprintln!("ALONGSIDE_KILL_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let database = test_database();
    let server = TestServer::start(SERVER, &database.url, &[]);
    let db = Db::connect_lazy(&database.url, 2).unwrap();
    let alice = Account::peer(&database.url, "alice", "north").await;
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::new(DEVICE, dir.path(), "phone");
    let url = format!("http://{}", server.addr);
    let out = phone.enroll_with_password(&url, "alice", &alice.password);
    assert!(out.success(), "{out:?}");

    let p = phone.ok(&["participant", "add", "--name", "Rosa"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let n = phone.ok(&["note", "add", "--participant", &p, "--response", "start"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let edit = |word: &str| {
        vec![
            "note".to_owned(),
            "edit".into(),
            "--participant".into(),
            p.clone(),
            "--note".into(),
            n.clone(),
            "--field".into(),
            "response".into(),
            "--splice".into(),
            format!("0,0,{word} "),
        ]
    };

    // How long one edit takes here, to spread the kills over its life.
    let timed = Instant::now();
    let first = edit("w00");
    phone.ok(&first.iter().map(String::as_str).collect::<Vec<_>>());
    let span = timed.elapsed().max(Duration::from_millis(5)) * 2;
    let mut reported = vec!["w00".to_owned()];
    let mut killed = 0;
    for i in 1..=EDITS {
        let word = format!("w{i:02}");
        let args = edit(&word);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let after = span.mul_f64(rng.random_range(0.0..1.0));
        match run_or_kill(&phone, &args, after) {
            Some(out) => {
                assert!(out.success(), "{word}: {out:?}");
                let text = out.json()["text"].as_str().unwrap().to_owned();
                assert!(text.starts_with(&format!("{word} ")), "{text}");
                reported.push(word);
            }
            None => killed += 1,
        }
    }
    eprintln!(
        "{} edits reported done, {killed} killed at random points",
        reported.len()
    );

    // On restart: the store opens, every reported edit is there, and what
    // is there is whole words in the order they were typed.
    let shown = phone.ok(&["note", "show", "--participant", &p, "--note", &n]);
    let text = shown["response"].as_str().unwrap().to_owned();
    let words: Vec<&str> = text.split(' ').collect();
    for word in &reported {
        assert!(words.contains(&word.as_str()), "{word} lost: {text:?}");
    }
    assert_eq!(words.last(), Some(&"start"), "{text:?}");
    let mut typed: Vec<&str> = words[..words.len() - 1].to_vec();
    for w in &typed {
        assert!(
            w.len() == 3 && w.starts_with('w') && w[1..].parse::<usize>().is_ok(),
            "{w:?} is not a whole word typed: {text:?}"
        );
    }
    typed.reverse();
    let mut in_order = typed.clone();
    in_order.sort();
    assert_eq!(typed, in_order, "edits applied out of order: {text:?}");

    let status = phone.status();
    assert_eq!(status["pending"][0]["id"], p.as_str(), "{status}");

    // One sync delivers all of it.
    let out = phone.sync();
    assert!(out.success(), "{out:?}");
    assert_eq!(phone.status()["pending"], Value::Array(vec![]));
    let id: DocumentId = p.parse().unwrap();
    assert_eq!(sorted(stored::heads(&db, id).await), phone.heads(&id));
    let stored_doc = db.load(id.to_uuid()).await.unwrap().unwrap();
    let on_server = codec::load(&stored_doc).unwrap();
    let note: uuid::Uuid = n.parse().unwrap();
    let server_text = alongside_shared::doc::edit::text::read_text(
        &on_server,
        alongside_shared::doc::edit::ParticipantText::Narrative(
            note,
            alongside_shared::doc::edit::NarrativePart::Response,
        ),
    )
    .unwrap();
    assert_eq!(server_text, text);
}
