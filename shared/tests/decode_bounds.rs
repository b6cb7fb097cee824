//! What peers' automerge bytes decode to is measured before automerge
//! decodes them: real changes and documents pass with their true size,
//! deflate and run-length bombs are refused without being inflated or
//! walked, and malformed bytes are refused.

#![allow(clippy::unwrap_used)]

use alongside_shared::sync::decoded_size::{Budget, check, check_sync_message, check_within};
use alongside_shared::sync::hostile::{chunk, deflate_bomb, deflated_zeros, rle_bomb, uleb as leb};
use alongside_shared::sync::{DecodeBoundError, DecodeLimits};
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Change, ObjType, ROOT, ReadDoc};

const LIMITS: DecodeLimits = DecodeLimits {
    max_inflated_bytes: 8 * 1024 * 1024,
    max_rows: 200_000,
};

/// A document with `notes` notes of about 1 KB of text each.
fn document(notes: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let map = doc.put_object(ROOT, "notes", ObjType::Map).unwrap();
    for i in 0..notes {
        let text = doc
            .put_object(&map, format!("n{i}"), ObjType::Text)
            .unwrap();
        doc.splice_text(&text, 0, 0, &"walked to the clinic together. ".repeat(32))
            .unwrap();
        doc.commit();
    }
    doc
}

#[test]
fn real_changes_and_documents_pass_with_their_size() {
    let mut doc = document(20);
    let saved = doc.save();
    let mut budget = Budget::new(LIMITS);
    check(&saved, &mut budget).expect("a saved document passes");
    assert!(
        budget.inflated() > saved.len() as u64,
        "its deflated columns count inflated: {} from {}",
        budget.inflated(),
        saved.len()
    );
    let ops: u64 = 20 * (1 + 32 * 31);
    assert!(
        budget.rows() >= ops && budget.rows() < ops * 2,
        "rows {} for {ops} operations",
        budget.rows()
    );

    let changes = doc.get_changes(&[]);
    let mut compressed_seen = false;
    for change in changes {
        let mut change = change.clone();
        let stored = change.bytes().to_vec();
        compressed_seen |= stored[8] == 2;
        check_within(&stored, LIMITS).expect("a stored change passes");
        check_within(change.raw_bytes(), LIMITS).expect("an uncompressed change passes");
        Change::from_bytes(stored).expect("and automerge agrees it is a change");
    }
    assert!(compressed_seen, "large changes are stored deflated");
    check_within(&doc.save_after(&[]), LIMITS).expect("concatenated changes pass");
}

#[test]
fn a_sync_message_of_real_changes_passes() {
    let mut doc = document(5);
    let mut state = automerge::sync::State::new();
    let mut peer = AutoCommit::new();
    let mut peer_state = automerge::sync::State::new();
    for _ in 0..4 {
        if let Some(m) = doc.sync().generate_sync_message(&mut state) {
            check_sync_message(&m, LIMITS).expect("an honest message passes");
            peer.sync()
                .receive_sync_message(&mut peer_state, m)
                .unwrap();
        }
        if let Some(m) = peer.sync().generate_sync_message(&mut peer_state) {
            check_sync_message(&m, LIMITS).expect("an honest message passes");
            doc.sync().receive_sync_message(&mut state, m).unwrap();
        }
    }
    assert_eq!(peer.get_heads(), doc.get_heads());
}

#[test]
fn a_deflate_bomb_is_refused_without_being_inflated_past_the_limit() {
    let bomb = deflate_bomb(256 * 1024 * 1024);
    assert!(bomb.len() < 400 * 1024, "{} bytes", bomb.len());
    let mut budget = Budget::new(LIMITS);
    let refused = check(&bomb, &mut budget);
    assert_eq!(
        refused,
        Err(DecodeBoundError::TooLarge {
            what: "bytes",
            limit: LIMITS.max_inflated_bytes
        })
    );
    assert!(
        budget.inflated() <= LIMITS.max_inflated_bytes + 1,
        "inflated no further than the limit: {}",
        budget.inflated()
    );
}

#[test]
fn deflated_document_columns_are_bounded_too() {
    // A document chunk with no actors or heads and one deflated change
    // column of zeros.
    let column = deflated_zeros(64 * 1024 * 1024);
    let mut data = vec![0, 0, 1];
    let spec = (1u64 << 4) | 0b1000 | 2;
    leb(&mut data, spec);
    leb(&mut data, column.len() as u64);
    data.push(0);
    data.extend_from_slice(&column);
    let refused = check_within(&chunk(0, &data), LIMITS);
    assert!(
        matches!(
            refused,
            Err(DecodeBoundError::TooLarge { what: "bytes", .. })
        ),
        "{refused:?}"
    );
}

#[test]
fn a_run_length_bomb_is_refused_by_its_rows() {
    let small = rle_bomb(3);
    let change = Change::from_bytes(small.clone()).expect("the rewritten change is valid");
    assert_eq!(change.len(), 3, "automerge reads three operations");
    let mut budget = Budget::new(LIMITS);
    check(&small, &mut budget).expect("three rows pass");
    assert_eq!(budget.rows(), 3);

    let bomb = rle_bomb(1 << 40);
    assert!(bomb.len() < 200, "{} bytes", bomb.len());
    assert_eq!(
        check_within(&bomb, LIMITS),
        Err(DecodeBoundError::TooLarge {
            what: "rows",
            limit: LIMITS.max_rows
        })
    );
}

#[test]
fn the_budget_is_shared_by_a_messages_chunks() {
    let one = rle_bomb(150_000);
    check_within(&one, LIMITS).expect("one fits");
    let mut budget = Budget::new(LIMITS);
    check(&one, &mut budget).unwrap();
    assert!(matches!(
        check(&one, &mut budget),
        Err(DecodeBoundError::TooLarge { what: "rows", .. })
    ));
}

#[test]
fn malformed_bytes_are_refused() {
    for junk in [
        &b""[..],
        b"hello world, not automerge",
        &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 50, 1, 2],
        &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 9, 0],
    ] {
        if junk.is_empty() {
            check_within(junk, LIMITS).expect("nothing is nothing");
            continue;
        }
        assert!(
            matches!(
                check_within(junk, LIMITS),
                Err(DecodeBoundError::Malformed(_))
            ),
            "{junk:?}"
        );
    }
    let mut cut = rle_bomb(3);
    cut.truncate(cut.len() - 2);
    assert!(check_within(&cut, LIMITS).is_err());
}

#[test]
fn a_bloom_filter_with_absurd_probes_is_refused() {
    let mut doc = document(1);
    let mut state = automerge::sync::State::new();
    let mut message = doc.sync().generate_sync_message(&mut state).unwrap();
    // One entry, 10 bits, four billion probes: automerge would step four
    // billion times for every change it looks up.
    let mut bloom = Vec::new();
    leb(&mut bloom, 1);
    leb(&mut bloom, 10);
    leb(&mut bloom, 4_000_000_000);
    bloom.extend_from_slice(&[0xff, 0xff]);
    let filter = automerge::sync::BloomFilter::try_from(bloom.as_slice()).unwrap();
    message.have = vec![automerge::sync::Have {
        last_sync: Vec::new(),
        bloom: filter,
    }];
    assert!(matches!(
        check_sync_message(&message, LIMITS),
        Err(DecodeBoundError::Malformed(_))
    ));
    let _ = doc.get(ROOT, "notes");
}
