//! What applying a large write costs in Automerge 0.12, against loading
//! the same operations as a saved document (not a test; prints figures).
//! For each size: a record of that many characters of text (one operation
//! each) is written as one change; a fresh document applies it as a peer's
//! write would arrive; then the result is saved and loaded again, as the
//! server does after an eviction. Printed: time, resident memory after,
//! and the process's peak, in MiB. Sizes run in one process, smallest
//! first, so each peak includes the earlier ones' (they are smaller).
//!
//! `cargo bench -p alongside-shared --bench apply_memory` (Linux: reads
//! `/proc/self/status`). `ALONGSIDE_BENCH_KB` takes a comma-separated list
//! of sizes in KB (default 250,500,1000,2000).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Change, ObjType, ROOT, ReadDoc};

/// A field of `/proc/self/status`, in MiB.
fn status_mib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ALONGSIDE_BENCH_KB")
        .unwrap_or_else(|_| "250,500,1000,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| operations | apply | RSS after | save + load | RSS after | peak |");
    println!("|---|---|---|---|---|---|");
    let line = "We walked to the clinic and talked on the way there. ";
    for kb in sizes {
        let text = line.repeat(kb * 1000 / line.len());
        let mut author = AutoCommit::new();
        let field = author.put_object(ROOT, "text", ObjType::Text).unwrap();
        author.splice_text(&field, 0, 0, &text).unwrap();
        author.commit();
        let write = author.save_after(&[]);
        drop(author);

        let change = Change::from_bytes(write).expect("one change");
        let started = Instant::now();
        let mut applied = AutoCommit::new();
        applied.apply_changes([change]).unwrap();
        let apply = started.elapsed();
        let ops = applied.stats().num_ops;
        let after_apply = status_mib("VmRSS");

        let started = Instant::now();
        let saved = applied.save();
        drop(applied);
        let loaded = AutoCommit::load(&saved).unwrap();
        let reload = started.elapsed();
        let after_load = status_mib("VmRSS");
        assert_eq!(loaded.stats().num_ops, ops);
        println!(
            "| {ops} | {:.2} s | {after_apply} MiB | {:.2} s | {after_load} MiB | {} MiB |",
            apply.as_secs_f64(),
            reload.as_secs_f64(),
            status_mib("VmHWM")
        );
    }
}
