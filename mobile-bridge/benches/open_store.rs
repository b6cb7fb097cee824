//! Opening a device store holding 50 participants × 200 notes: time and
//! peak memory, against a reference measured in the same run — loading
//! the same documents from their plain (unencrypted) `save()` bytes.
//!
//! `cargo bench -p alongside-mobile-bridge --bench open_store`
//!
//! Each measurement runs in a child process of this binary, so its peak
//! resident memory (`VmHWM` in `/proc/self/status`) is its own. Figures
//! are the median of a few runs; the ratio store/reference is what to
//! compare across machines.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use alongside_mobile_bridge::clock::{ManualClock, SharedClock};
use alongside_mobile_bridge::storage::DeviceStore;
use alongside_mobile_bridge::store::{SqliteStore, StoreKey};
use alongside_shared::doc::edit::participant::{add_note, create_participant};
use alongside_shared::doc::participant::{Narrative, Note, Profile};
use alongside_shared::doc::vocab::NoteStatus;
use alongside_shared::doc::{CalendarDate, Timestamp};
use alongside_shared::wire::DocumentId;
use automerge::AutoCommit;
use autosurgeon::Text;

const PARTICIPANTS: usize = 50;
const NOTES: usize = 200;
/// Notes per stored chunk while building (so documents hold several chunks).
const NOTES_PER_CHUNK: usize = 10;
const RUNS: usize = 3;
const KEY: [u8; 32] = [42; 32];

fn clock() -> SharedClock {
    Arc::new(ManualClock::new(1_714_640_400_000))
}

fn note(i: usize) -> Note {
    let t = Timestamp::from_millis(1_714_640_400_000 + i as i64 * 86_400_000);
    Note {
        author_id: "peer-a".into(),
        device_id: "phone-1".into(),
        service_date: CalendarDate::from_ymd(2024, 5, 2).unwrap_or_else(|| unreachable!()),
        encounter_at: t,
        encounter_end_at: t,
        setting: "community".into(),
        service_code: "H0038".into(),
        goal_ids: Default::default(),
        narrative: Narrative {
            intervention: Text::with_value(format!(
                "Met at the library (visit {i}); walked to the food bank together and talked through the week."
            )),
            purpose: Text::with_value("Build confidence with errands; goal: independent shopping."),
            response: Text::with_value(
                "Engaged, a little anxious at the queue, pleased afterwards.",
            ),
            plan: Text::with_value("Same time next week; try the bus route on her own part-way."),
        },
        status: NoteStatus::Draft,
        created_at: t,
        author_name: Some("Alex Peer".into()),
        credentials: None,
        participant_comment: None,
        part2: None,
        submitted_at: None,
        signature: None,
        updated_at: Some(t),
        accompaniment_id: None,
    }
}

/// Builds the store and the reference file; returns their paths.
fn build(dir: &Path) -> (PathBuf, PathBuf) {
    let store_path = dir.join("bench.db");
    let reference = dir.join("reference.bin");
    let key = StoreKey::from_bytes(KEY);
    let mut store = SqliteStore::open(&store_path, &key, clock()).expect("open");
    let mut plain = Vec::new();
    for p in 0..PARTICIPANTS {
        let id = DocumentId::from_uuid(uuid::Uuid::new_v4());
        let mut doc = AutoCommit::new();
        create_participant(&mut doc, &Profile::new(&format!("Participant {p}"))).expect("create");
        doc.commit();
        store.append(&id, &doc.save()).expect("append");
        let mut since = doc.get_heads();
        for n in 0..NOTES {
            add_note(&mut doc, uuid::Uuid::new_v4(), &note(n)).expect("note");
            doc.commit();
            if (n + 1) % NOTES_PER_CHUNK == 0 {
                store.append(&id, &doc.save_after(&since)).expect("append");
                since = doc.get_heads();
            }
        }
        let bytes = doc.save();
        plain.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        plain.extend_from_slice(&bytes);
    }
    std::fs::write(&reference, plain).expect("write");
    (store_path, reference)
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// In a child: measure one open; prints "millis kib documents".
fn measure(what: &str, path: &Path) {
    let (ms, docs) = match what {
        "store" => {
            let key = StoreKey::from_bytes(KEY);
            let start = Instant::now();
            let store = SqliteStore::open(path, &key, clock()).expect("open");
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            (ms, store.document_ids().expect("ids").len())
        }
        _ => {
            let bytes = std::fs::read(path).expect("read");
            let start = Instant::now();
            let mut docs = Vec::new();
            let mut rest = &bytes[..];
            while rest.len() >= 8 {
                let (len, tail) = rest.split_at(8);
                let len = u64::from_le_bytes(len.try_into().expect("len")) as usize;
                let (doc, tail) = tail.split_at(len);
                docs.push(AutoCommit::load(doc).expect("load"));
                rest = tail;
            }
            (start.elapsed().as_secs_f64() * 1000.0, docs.len())
        }
    };
    println!("{ms:.1} {} {docs}", vm_hwm_kib());
}

fn run_child(what: &str, path: &Path) -> (f64, u64) {
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe)
        .args(["--measure", what])
        .arg(path)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let ms = parts.next().and_then(|v| v.parse().ok()).expect("ms");
    let kib = parts.next().and_then(|v| v.parse().ok()).expect("kib");
    let docs: usize = parts.next().and_then(|v| v.parse().ok()).expect("docs");
    assert_eq!(docs, PARTICIPANTS, "{what} opened every document");
    (ms, kib)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let start = Instant::now();
    let (store, reference) = build(dir.path());
    let file_kib = std::fs::metadata(&store)
        .map(|m| m.len() / 1024)
        .unwrap_or(0);
    let plain_kib = std::fs::metadata(&reference)
        .map(|m| m.len() / 1024)
        .unwrap_or(0);
    println!(
        "open_store: {PARTICIPANTS} participants x {NOTES} notes (built in {:.1} s; store file {file_kib} KiB, plain saves {plain_kib} KiB)",
        start.elapsed().as_secs_f64()
    );
    let mut rows = Vec::new();
    for (name, what, path) in [
        (
            "reference: load plain save() bytes",
            "reference",
            &reference,
        ),
        ("SqliteStore::open (decrypt + load)", "store", &store),
    ] {
        let runs: Vec<_> = (0..RUNS).map(|_| run_child(what, path)).collect();
        let ms = median(runs.iter().map(|r| r.0).collect());
        let kib = median(runs.iter().map(|r| r.1 as f64).collect());
        println!(
            "  {name:40} {ms:8.1} ms   peak RSS {:7.1} MiB",
            kib / 1024.0
        );
        rows.push((ms, kib));
    }
    println!(
        "  ratio store/reference: time {:.2}x, peak memory {:.2}x",
        rows[1].0 / rows[0].0,
        rows[1].1 / rows[0].1
    );
}
