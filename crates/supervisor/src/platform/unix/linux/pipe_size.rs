//! Growing a pipe with `fcntl(F_SETPIPE_SZ)` (Linux 2.6.35+, pipe(7)), within
//! a share of the per-user pipe limit (see output_pipe.rs for why).

use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::OnceLock;

/// The most all grown pipes together may add: a quarter of
/// `/proc/sys/fs/pipe-user-pages-soft`, or 16 MiB when it is unreadable or
/// 0 (no limit).
pub fn budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        let pages = std::fs::read_to_string("/proc/sys/fs/pipe-user-pages-soft").ok().and_then(|s| s.trim().parse::<usize>().ok());
        match pages {
            // SAFETY: sysconf reads a constant of the system.
            Some(p) if p > 0 => p * unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize / 4,
            _ => 16 << 20,
        }
    })
}

/// Asks for `bytes` of pipe; the size the kernel granted, or `None` when it
/// refused (over `pipe-max-size` or the user's hard limit).
pub fn set(fd: BorrowedFd<'_>, bytes: usize) -> Option<usize> {
    // SAFETY: F_SETPIPE_SZ takes an int and touches no memory of ours.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, bytes as libc::c_int) };
    (r > 0).then_some(r as usize)
}
