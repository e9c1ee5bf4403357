//! No clone3 outside Linux: spawn.rs (std's fork and exec) is the only path.

use super::cgroup::CgroupChild;
use super::spawn::Started;
use crate::platform::{SpawnError, SpawnSpec};

pub enum Failure {
    Unsupported(nix::errno::Errno),
    #[allow(dead_code)] // the Linux variant's shape, never built here
    Spawn(SpawnError),
}

pub fn available() -> bool {
    false
}

/// Never called: `available()` is false.
pub fn start(_: &SpawnSpec<'_>, _: Option<&CgroupChild>, _: Option<&str>, _: i32) -> Result<Started, Failure> {
    Err(Failure::Unsupported(nix::errno::Errno::ENOSYS))
}
