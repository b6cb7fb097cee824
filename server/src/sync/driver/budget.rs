//! The node's memory budget for resident documents, shared by its shards.
//! Each shard counts its own documents and adds them to the node's totals;
//! while the node is over budget, every shard holding more than an even
//! share evicts its least recently used documents. When no shard holds
//! more than its share the node is within budget, so eviction always
//! gets there.
//!
//! A document is counted at what it takes in memory, estimated from its
//! operations, or at its stored bytes when that is more. How much an
//! operation takes depends on how it got there (automerge 0.12, measured
//! with records of 0.25–2 M operations of text): a document loaded from
//! storage holds about 20 bytes per operation; operations applied as
//! changes (a peer's write, another node's commit) about 250, until the
//! document is evicted and loaded again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alongside_shared::wire::DocumentId;

/// The node's totals and budget.
#[derive(Debug)]
pub(in crate::sync) struct NodeCache {
    bytes: AtomicUsize,
    documents: AtomicUsize,
    budget: usize,
    shards: usize,
}

impl NodeCache {
    /// A budget of `budget` bytes over `shards` shards.
    pub(in crate::sync) fn new(budget: usize, shards: usize) -> Self {
        Self {
            bytes: AtomicUsize::new(0),
            documents: AtomicUsize::new(0),
            budget,
            shards: shards.max(1),
        }
    }

    /// Bytes the node's resident documents are counted at.
    pub(super) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// How many documents the node holds.
    pub(super) fn documents(&self) -> usize {
        self.documents.load(Ordering::Relaxed)
    }
}

/// Bytes per operation of a document as loaded from storage (measured:
/// about 20; rounded up).
const LOADED_BYTES_PER_OP: u64 = 24;
/// Bytes per operation applied as changes (measured: 240–280).
const APPLIED_BYTES_PER_OP: u64 = 256;

/// One shard's resident documents and what each is counted at.
pub(super) struct Sizes {
    own: HashMap<DocumentId, Resident>,
    own_bytes: usize,
    node: Arc<NodeCache>,
}

/// What a resident document holds, for counting it.
#[derive(Debug, Clone, Copy, Default)]
struct Resident {
    /// Its stored bytes.
    stored: usize,
    /// Operations it had when loaded (the compact part).
    loaded_ops: u64,
    /// What it is counted at.
    counted: usize,
}

impl Resident {
    fn count(&mut self, ops: u64) {
        let loaded = self.loaded_ops.min(ops);
        let in_memory = loaded
            .saturating_mul(LOADED_BYTES_PER_OP)
            .saturating_add((ops - loaded).saturating_mul(APPLIED_BYTES_PER_OP));
        self.counted = self
            .stored
            .max(usize::try_from(in_memory).unwrap_or(usize::MAX));
    }
}

impl Sizes {
    pub(super) fn new(node: Arc<NodeCache>) -> Self {
        Self {
            own: HashMap::new(),
            own_bytes: 0,
            node,
        }
    }

    /// What `document` is counted at, if resident.
    #[cfg(test)]
    pub(super) fn get(&self, document: &DocumentId) -> Option<usize> {
        self.own.get(document).map(|r| r.counted)
    }

    /// `document` was loaded from `stored` bytes and holds `ops`
    /// operations.
    pub(super) fn loaded(&mut self, document: DocumentId, stored: usize, ops: u64) {
        let mut resident = Resident {
            stored,
            loaded_ops: ops,
            counted: 0,
        };
        resident.count(ops);
        self.put(document, resident);
    }

    /// `added` bytes of `document` were stored; it now holds `ops`
    /// operations (those not loaded were applied as changes).
    pub(super) fn grew(&mut self, document: DocumentId, added: usize, ops: u64) {
        let mut resident = self.own.get(&document).copied().unwrap_or_default();
        resident.stored = resident.stored.saturating_add(added);
        resident.count(ops);
        self.put(document, resident);
    }

    fn put(&mut self, document: DocumentId, resident: Resident) {
        let size = resident.counted;
        match self.own.insert(document, resident) {
            Some(old) => {
                self.own_bytes = self.own_bytes - old.counted + size;
                self.node.bytes.fetch_sub(old.counted, Ordering::Relaxed);
            }
            None => {
                self.own_bytes += size;
                self.node.documents.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.node.bytes.fetch_add(size, Ordering::Relaxed);
    }

    /// Stops counting `document`.
    pub(super) fn remove(&mut self, document: &DocumentId) {
        if let Some(old) = self.own.remove(document) {
            self.own_bytes -= old.counted;
            self.node.bytes.fetch_sub(old.counted, Ordering::Relaxed);
            self.node.documents.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Whether this shard should evict: the node is over budget and this
    /// shard holds more than an even share of it.
    pub(super) fn over_budget(&self) -> bool {
        self.node.bytes() > self.node.budget && self.own_bytes > self.node.budget / self.node.shards
    }

    /// The node's totals.
    pub(super) fn node(&self) -> &NodeCache {
        &self.node
    }
}

impl Drop for Sizes {
    fn drop(&mut self) {
        self.node.bytes.fetch_sub(self.own_bytes, Ordering::Relaxed);
        self.node
            .documents
            .fetch_sub(self.own.len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> DocumentId {
        DocumentId::from_uuid(uuid::Uuid::new_v4())
    }

    #[test]
    fn shards_add_up_and_only_a_shard_over_its_share_evicts() {
        let node = Arc::new(NodeCache::new(100_000, 2));
        let mut a = Sizes::new(Arc::clone(&node));
        let mut b = Sizes::new(Arc::clone(&node));
        let (x, y, z) = (id(), id(), id());
        a.loaded(x, 40_000, 0);
        b.loaded(y, 30_000, 0);
        assert_eq!((node.bytes(), node.documents()), (70_000, 2));
        assert!(!a.over_budget() && !b.over_budget());
        a.grew(x, 40_000, 0);
        assert_eq!(node.bytes(), 110_000);
        assert!(
            a.over_budget(),
            "a holds 80 kB of a 100 kB budget over 2 shards"
        );
        assert!(!b.over_budget(), "b holds 30 kB, under its share of 50");
        a.remove(&x);
        b.loaded(z, 10_000, 0);
        assert_eq!((node.bytes(), node.documents()), (40_000, 2));
        drop(b);
        assert_eq!((node.bytes(), node.documents()), (0, 0));
        assert_eq!(a.get(&x), None);
    }

    #[test]
    fn applied_operations_count_more_than_loaded_ones() {
        let node = Arc::new(NodeCache::new(usize::MAX, 1));
        let mut sizes = Sizes::new(node);
        let (loaded, written) = (id(), id());
        // A record loaded with a million operations from 2 MB.
        sizes.loaded(loaded, 2_000_000, 1_000_000);
        assert_eq!(sizes.get(&loaded), Some(24_000_000));
        // A thousand operations applied to it on top.
        sizes.grew(loaded, 5_000, 1_001_000);
        assert_eq!(sizes.get(&loaded), Some(24_000_000 + 256_000));
        // A record a peer wrote whole: every operation applied.
        sizes.grew(written, 2_000_000, 1_000_000);
        assert_eq!(sizes.get(&written), Some(256_000_000));
        // Stored bytes count when they are more.
        sizes.grew(id(), 9_000, 10);
        assert_eq!(sizes.node().bytes(), 24_256_000 + 256_000_000 + 9_000);
    }
}
