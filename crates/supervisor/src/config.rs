//! Every default and limit in one place; the handshake announces them.

use crate::signals::Signal;

/// The most bytes of argument and environment strings an `execve` admits on
/// any supported Unix: Linux caps them at 3/4 of `_STK_LIM` (6 MiB) however
/// high the stack limit is set, macOS's `ARG_MAX` is 1 MiB.
const EXEC_STRINGS_MAX: u32 = 6 << 20;

/// A request header big enough for every command line and environment the
/// kernel admits, so that the kernel, not the protocol, decides which run:
/// JSON writes a byte as at most 6 (`\u001f`), a string's own quotes and
/// separators take less than the NUL and 8-byte pointer the kernel counts
/// for it, and the rest of a spawn (cwd, id, options) is far below 1 MiB.
const MAX_HEADER: u32 = (1 << 20) + 6 * EXEC_STRINGS_MAX;

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
            max_header: MAX_HEADER,
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
