//! The node's memory budget for resident documents, shared by its shards.
//! Each shard counts its own documents and adds them to the node's totals;
//! while the node is over budget, every shard holding more than an even
//! share evicts its least recently used documents. When no shard holds
//! more than its share the node is within budget, so eviction always
//! gets there.

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

/// One shard's resident documents and what each is counted at.
pub(super) struct Sizes {
    own: HashMap<DocumentId, usize>,
    own_bytes: usize,
    node: Arc<NodeCache>,
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
    pub(super) fn get(&self, document: &DocumentId) -> Option<usize> {
        self.own.get(document).copied()
    }

    /// Counts `document` at `size` bytes (replacing what it was counted at).
    pub(super) fn set(&mut self, document: DocumentId, size: usize) {
        match self.own.insert(document, size) {
            Some(old) => {
                self.own_bytes = self.own_bytes - old + size;
                self.node.bytes.fetch_sub(old, Ordering::Relaxed);
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
            self.own_bytes -= old;
            self.node.bytes.fetch_sub(old, Ordering::Relaxed);
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
        let node = Arc::new(NodeCache::new(100, 2));
        let mut a = Sizes::new(Arc::clone(&node));
        let mut b = Sizes::new(Arc::clone(&node));
        let (x, y, z) = (id(), id(), id());
        a.set(x, 40);
        b.set(y, 30);
        assert_eq!((node.bytes(), node.documents()), (70, 2));
        assert!(!a.over_budget() && !b.over_budget());
        a.set(x, 80);
        assert_eq!(node.bytes(), 110);
        assert!(
            a.over_budget(),
            "a holds 80 of a 100-byte budget over 2 shards"
        );
        assert!(!b.over_budget(), "b holds 30, under its share of 50");
        a.remove(&x);
        b.set(z, 10);
        assert_eq!((node.bytes(), node.documents()), (40, 2));
        drop(b);
        assert_eq!((node.bytes(), node.documents()), (0, 0));
        assert_eq!(a.get(&x), None);
    }
}
