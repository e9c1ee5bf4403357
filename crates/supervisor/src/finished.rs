//! The ids of finished children, remembered so a late request can be told
//! "has already exited" (or `stdin_closed`) instead of "unknown", and so an
//! id is not reused by mistake. Bounded: a sidecar that lives for days and
//! spawns millions of children must not grow, so only the most recent
//! `capacity` ids are kept (documented in docs/reference/protocol.md).
//!
//! Ids are kept as 64-bit keyed fingerprints, not strings: one string per
//! finished child, allocated between the children's short-lived buffers,
//! pinned freed heap pages and kept RSS high after load (measured with
//! `tests/load.rs`). Two different ids share a fingerprint with probability
//! about n / 2^64; the cost would be one wrong "has already exited".

use std::collections::hash_map::RandomState;
use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher;

pub struct Finished {
    keys: RandomState,
    set: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Finished {
    pub fn new(capacity: usize) -> Finished {
        Finished {
            keys: RandomState::new(),
            set: HashSet::with_capacity(capacity + 1),
            order: VecDeque::with_capacity(capacity + 1),
            capacity,
        }
    }

    pub fn insert(&mut self, id: String) {
        let print = self.keys.hash_one(id.as_str());
        if self.capacity == 0 || !self.set.insert(print) {
            return;
        }
        self.order.push_back(print);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.set.remove(&oldest);
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.set.contains(&self.keys.hash_one(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_only_the_oldest_beyond_capacity() {
        let mut f = Finished::new(2);
        f.insert("a".into());
        f.insert("b".into());
        f.insert("a".into()); // again: no second slot
        assert!(f.contains("a") && f.contains("b"));
        assert!(!f.contains("z"));
        f.insert("c".into());
        assert!(!f.contains("a"), "the oldest is forgotten");
        assert!(f.contains("b") && f.contains("c"));
    }
}
