//! Every default and limit in one place; the handshake announces them.

use crate::signals::Signal;

/// The highest descriptor `spawn.fds` may name: what libuv passes to a
/// Windows child through the C runtime's inherited-descriptor table (255),
/// kept the same on every platform so a request means the same everywhere.
pub const MAX_FD: u32 = 255;

#[derive(Debug, Clone)]
pub struct Config {
    pub max_header: u32,
    pub max_payload: u32,
    pub max_children: usize,
    /// Unacknowledged output bytes per child before its pipes stop being read.
    pub output_window: u64,
    /// Queued stdin bytes per child before writes are refused.
    pub stdin_queue: u64,
    pub grace_ms: u64,
    pub signal: Signal,
    pub drain_timeout_ms: u64,
    /// Use a cgroup v2 per tree when one can be created (Linux).
    pub use_cgroup: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_header: 1 << 20,
            max_payload: 16 << 20,
            max_children: 4096,
            output_window: 1 << 20,
            stdin_queue: 16 << 20,
            grace_ms: 500,
            signal: Signal::Term,
            drain_timeout_ms: 2000,
            use_cgroup: true,
        }
    }
}
