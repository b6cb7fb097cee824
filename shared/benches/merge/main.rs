//! Merging 1,000 offline notes (about 1 KB each) written on 3 devices into
//! one participant document on the server, through the sync core (frames in,
//! strict application, persist effects, acknowledgements out) and the typed
//! layer (schema validation of the merged document), compared with plain
//! automerge `load_incremental` of the same changes, measured in the same run.
//!
//! Each device syncs and goes offline again, so the figure is the cost of
//! merging, not of fanning changes out to other live peers.
//!
//! Run: `cargo bench -p alongside-shared --bench merge`. Prints medians and
//! the ratio; the target is a ratio of at most 1.25.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use alongside_shared::sync::{
    AllowAll, ConnId, Effect, Event, Hub, HubConfig, Limits, LoadResult, Role,
};
use alongside_shared::wire::{self, DocumentId, Message, PeerId, PeerMetadata};
use automerge::AutoCommit;
use automerge::sync::SyncDoc;

const DEVICES: usize = 3;
const NOTES: usize = 1_000;
const NOTE_BYTES: usize = 1_000;
const ROUNDS: usize = 7;

mod typed;

/// One device's offline work: its notes, each one change.
struct Device {
    doc: AutoCommit,
}

fn prose(seed: usize) -> String {
    const WORDS: [&str; 12] = [
        "met", "at", "the", "library", "talked", "about", "housing", "plans", "felt", "hopeful",
        "next", "week",
    ];
    let mut out = String::with_capacity(NOTE_BYTES + 16);
    let mut i = seed;
    while out.len() < NOTE_BYTES {
        out.push_str(WORDS[i % WORDS.len()]);
        out.push(' ');
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out.truncate(NOTE_BYTES);
    out
}

fn devices(base: &AutoCommit) -> Vec<Device> {
    (0..DEVICES)
        .map(|d| {
            let actor = automerge::ActorId::from(vec![0xd0, d as u8]);
            let mut doc = base.clone().with_actor(actor);
            for n in (d..NOTES).step_by(DEVICES) {
                typed::add_note(&mut doc, n, &prose(n));
                doc.commit();
            }
            Device { doc }
        })
        .collect()
}

/// The frames each device sends to a server holding `base`, recorded by
/// running the protocol once; replaying them into a fresh server hub is
/// deterministic.
fn record_frames(base: &AutoCommit, devices: &mut [Device]) -> Vec<(ConnId, Vec<u8>)> {
    let mut hub = server_hub();
    let id = doc_id();
    let mut frames = Vec::new();
    let mut loaded = false;
    for (d, device) in devices.iter_mut().enumerate() {
        let conn = ConnId(d as u64);
        let peer = PeerId::new(format!("device-{d}"));
        hub.handle(Event::Connected { conn, peer: () });
        let join = wire::encode(&Message::Join(wire::JoinMessage {
            sender_id: peer.clone(),
            supported_protocol_versions: Some(vec!["1".into()]),
            metadata: None,
        }));
        frames.push((conn, join.clone()));
        hub.handle(Event::Frame { conn, bytes: join });
        let mut state = automerge::sync::State::new();
        let mut guard = 0;
        loop {
            let Some(message) = device.doc.sync().generate_sync_message(&mut state) else {
                break;
            };
            let frame = wire::encode(&Message::Sync(wire::DocMessage {
                sender_id: peer.clone(),
                target_id: PeerId::new("server"),
                document_id: id,
                data: message.encode(),
            }));
            frames.push((conn, frame.clone()));
            let mut pending = hub.handle(Event::Frame { conn, bytes: frame });
            let mut replies = Vec::new();
            while let Some(effect) = pending.pop() {
                match effect {
                    Effect::Load { document } if !loaded => {
                        loaded = true;
                        pending.extend(hub.handle(Event::Loaded {
                            document,
                            result: LoadResult::Found(Box::new(base.clone())),
                        }));
                    }
                    Effect::Persist { document, seq, .. } => {
                        pending.extend(hub.handle(Event::Persisted { document, seq }));
                    }
                    Effect::Send { conn: c, frame } if c == conn => replies.push(frame),
                    _ => {}
                }
            }
            for reply in replies {
                if let Ok(Message::Sync(m)) = wire::decode(&reply, usize::MAX) {
                    let message = automerge::sync::Message::decode(&m.data).unwrap();
                    device
                        .doc
                        .sync()
                        .receive_sync_message(&mut state, message)
                        .unwrap();
                }
            }
            guard += 1;
            assert!(guard < 50, "sync did not settle");
        }
        // The device goes offline again once synced (an empty frame marks
        // the disconnect in the recording), so merges measure merging, not
        // fan-out to other live peers.
        hub.handle(Event::Disconnected { conn });
        frames.push((conn, Vec::new()));
    }
    frames
}

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([1; 16])
}

fn server_hub() -> Hub<AllowAll> {
    Hub::new(
        HubConfig {
            peer_id: PeerId::new("server"),
            metadata: PeerMetadata::default(),
            role: Role::Accept,
            limits: Limits {
                max_frame_bytes: 64 * 1024 * 1024,
                ..Limits::default()
            },
        },
        AllowAll,
    )
}

/// The measured path: a fresh server hub takes every recorded frame,
/// persists (confirmed at once), acknowledges, and validates the merged
/// document after each merge as the server will before accepting a write.
fn through_core(base: &AutoCommit, frames: &[(ConnId, Vec<u8>)]) -> (usize, Duration) {
    let start = Instant::now();
    let mut hub = server_hub();
    for d in 0..DEVICES {
        hub.handle(Event::Connected {
            conn: ConnId(d as u64),
            peer: (),
        });
    }
    let mut persisted = 0;
    for (conn, frame) in frames {
        if frame.is_empty() {
            hub.handle(Event::Disconnected { conn: *conn });
            continue;
        }
        let mut pending = hub.handle(Event::Frame {
            conn: *conn,
            bytes: frame.clone(),
        });
        while let Some(effect) = pending.pop() {
            match effect {
                Effect::Load { document } => pending.extend(hub.handle(Event::Loaded {
                    document,
                    result: LoadResult::Found(Box::new(base.clone())),
                })),
                Effect::Persist {
                    document,
                    seq,
                    changes,
                    ..
                } => {
                    persisted += changes.len();
                    // A bulk merge: validating the whole document is cheaper
                    // than diffing what changed (see doc::touched).
                    typed::validate_participant(hub.document(&document).unwrap());
                    pending.extend(hub.handle(Event::Persisted { document, seq }));
                }
                _ => {}
            }
        }
    }
    let elapsed = start.elapsed();
    let notes = typed::note_count(hub.document(&doc_id()).unwrap());
    assert_eq!(notes, NOTES, "every note merged");
    assert!(persisted >= NOTES, "every note persisted");
    (notes, elapsed)
}

/// The reference: plain automerge, each device's changes loaded
/// incrementally into a copy of the base document.
fn plain(base: &AutoCommit, batches: &[Vec<u8>]) -> (usize, Duration) {
    let start = Instant::now();
    let mut doc = base.clone();
    for batch in batches {
        doc.load_incremental(batch).unwrap();
    }
    let elapsed = start.elapsed();
    (typed::note_count(&doc), elapsed)
}

/// A second reference: plain automerge receiving the same sync messages
/// (no persistence, no validation, no framing) — the protocol's own cost.
fn plain_sync(base: &AutoCommit, frames: &[(ConnId, Vec<u8>)]) -> Duration {
    let messages: Vec<(ConnId, automerge::sync::Message)> = frames
        .iter()
        .filter_map(|(conn, frame)| match wire::decode(frame, usize::MAX) {
            Ok(Message::Sync(m)) => {
                Some((*conn, automerge::sync::Message::decode(&m.data).unwrap()))
            }
            _ => None,
        })
        .collect();
    let start = Instant::now();
    let mut doc = base.clone();
    let mut states: Vec<automerge::sync::State> = (0..DEVICES)
        .map(|_| automerge::sync::State::new())
        .collect();
    for (conn, message) in messages {
        let state = &mut states[conn.0 as usize];
        doc.sync().receive_sync_message(state, message).unwrap();
        let _ = doc.sync().generate_sync_message(state);
    }
    let elapsed = start.elapsed();
    assert_eq!(typed::note_count(&doc), NOTES);
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // `cargo test --benches` runs this with --bench absent; keep that quick.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        1
    };
    let mut base = typed::participant();
    base.commit();
    let base_heads = base.get_heads();

    let mut devices = devices(&base);
    let batches: Vec<Vec<u8>> = devices
        .iter_mut()
        .map(|d| d.doc.save_after(&base_heads))
        .collect();
    let bytes: usize = batches.iter().map(Vec::len).sum();
    let frames = record_frames(&base, &mut devices);

    let mut core_times = Vec::new();
    let mut plain_times = Vec::new();
    let mut sync_times = Vec::new();
    for _ in 0..rounds {
        sync_times.push(plain_sync(&base, &frames));
        let (n, t) = plain(&base, &batches);
        assert_eq!(n, NOTES);
        plain_times.push(t);
        let (_, t) = through_core(&base, &frames);
        core_times.push(t);
    }
    let core = median(core_times);
    let reference = median(plain_times);
    let ratio = core.as_secs_f64() / reference.as_secs_f64();
    let sync_reference = median(sync_times);
    let sync_ratio = core.as_secs_f64() / sync_reference.as_secs_f64();
    // Where the time goes: one whole-document validation of the merged result.
    let mut merged = base.clone();
    for batch in &batches {
        merged.load_incremental(batch).unwrap();
    }
    let start = Instant::now();
    typed::validate_participant(&merged);
    let validation = start.elapsed();

    println!(
        "merge {NOTES} notes x ~{NOTE_BYTES} B from {DEVICES} devices ({} KiB of changes, {} frames), median of {rounds}:",
        bytes / 1024,
        frames.len()
    );
    println!(
        "  plain automerge load_incremental: {:>8.1} ms",
        reference.as_secs_f64() * 1e3
    );
    println!(
        "  sync core + typed validation:     {:>8.1} ms",
        core.as_secs_f64() * 1e3
    );
    println!(
        "  plain automerge sync messages:    {:>8.1} ms",
        sync_reference.as_secs_f64() * 1e3
    );
    println!(
        "  of which one validation of the merged document: {:.1} ms (run after each merge)",
        validation.as_secs_f64() * 1e3
    );
    println!("  ratio to load_incremental (target <= 1.25): {ratio:.2}");
    println!("  ratio to plain automerge sync:              {sync_ratio:.2}");
}
