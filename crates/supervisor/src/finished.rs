//! The ids of finished children, remembered so a late request can be told
//! "has already exited" (or `stdin_closed`) instead of "unknown", and so an
//! id is not reused by mistake. Bounded: a sidecar that lives for days and
//! spawns millions of children must not grow without limit, so only the
//! most recent `capacity` ids are kept (documented in docs/protocol.md).

use std::collections::{HashSet, VecDeque};

pub struct Finished {
    set: HashSet<String>,
    order: VecDeque<String>,
    capacity: usize,
}

impl Finished {
    pub fn new(capacity: usize) -> Finished {
        Finished { set: HashSet::new(), order: VecDeque::new(), capacity }
    }

    pub fn insert(&mut self, id: String) {
        if self.capacity == 0 || !self.set.insert(id.clone()) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.set.remove(&oldest);
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
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
        f.insert("c".into());
        assert!(!f.contains("a"), "the oldest is forgotten");
        assert!(f.contains("b") && f.contains("c"));
    }
}
