//! `terminate` of a foreign tree outside Linux (macOS): refused with
//! `unsupported`, and the client falls back on its own snapshot kill. Without
//! pidfds a pid read from the process table can be recycled before it is
//! signalled, and `ps` cannot freeze and close a set: a version here would be
//! no safer than the client's, only slower (docs/reference/design.md, "Foreign trees").

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::platform::{ForeignOutcome, ForeignRefusal};
use crate::signals::Signal;

/// Never constructed here.
pub enum ForeignTarget {}

pub fn target(_pid: u32, _watchdog: Option<u32>) -> Result<ForeignTarget, ForeignRefusal> {
    Err(ForeignRefusal::Unsupported(
        "terminate of a foreign tree needs pidfds (Linux 5.3+); fall back on a snapshot kill".into(),
    ))
}

impl ForeignTarget {
    pub fn terminate(self, _signal: Signal, _grace: Duration, _hurry: Arc<AtomicBool>) -> ForeignOutcome {
        match self {}
    }
}
