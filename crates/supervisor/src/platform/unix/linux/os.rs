//! Linux process settings the Unix backend uses by this one name (`os`):
//! subreaper, parent-death signal, descriptor closing, the watchdog seam;
//! os_other.rs is the stand-in.

pub const NSIG: i32 = 65;

/// `spawned.containment` of a tree without a cgroup of its own.
pub const MARKED_CONTAINMENT: &str = "marker";

/// `PR_SET_PDEATHSIG`: the child is SIGKILLed when the sidecar dies, even by
/// SIGKILL. The signal fires when the *thread* that forked the child exits,
/// which is why the sidecar runs a current-thread runtime: every spawn happens
/// on the main thread, which lives exactly as long as the process. The parent
/// may die before `prctl` runs; re-checking `getppid()` closes that window.
pub fn die_with_parent(parent: i32) -> std::io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe syscalls.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            libc::raise(libc::SIGKILL);
        }
    }
    Ok(())
}

/// Marks every descriptor above stderr close-on-exec (not closed: std's own
/// exec-error pipe must survive until exec). `close_range` does it in one
/// call (Linux 5.11+); older kernels get a bounded `fcntl` loop.
pub fn mark_inherited_fds_cloexec() {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    if !close_range_above_stderr(CLOSE_RANGE_CLOEXEC) {
        super::os_common::cloexec_loop();
    }
}

/// Closes every descriptor above stderr: for the watchdog, a fork that never
/// execs, so close-on-exec would not do. Async-signal-safe.
pub fn close_inherited_fds() {
    if !close_range_above_stderr(0) {
        super::os_common::close_loop();
    }
}

/// `close_range(3, ~0, flags)`; false where the kernel lacks it (before 5.9,
/// 5.11 for the CLOEXEC flag).
fn close_range_above_stderr(flags: libc::c_uint) -> bool {
    // SAFETY: a plain syscall on descriptor numbers, async-signal-safe.
    unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, flags) == 0 }
}

/// Makes the sidecar the reaper of its orphaned descendants, so a tree
/// member whose parent died (a daemon's double fork) re-parents to us, stays
/// findable, and is reaped by us instead of whichever process is pid 1.
pub fn set_subreaper() -> bool {
    // SAFETY: plain prctl on the calling process.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) == 0 }
}

/// Resets one signal to SIG_DFL with the raw syscall: glibc's `signal()`
/// refuses the two real-time signals it reserves (32 and 33), yet an ignored
/// disposition of those is inherited through exec like any other. An
/// all-zero kernel `struct sigaction` is SIG_DFL with no flags and an empty
/// mask on every Linux architecture (the layouts differ only in where the
/// restorer sits, and it is unused for SIG_DFL). Async-signal-safe.
pub fn reset_disposition(sig: i32) {
    let act = [0u64; 4];
    // SAFETY: rt_sigaction reads `act` (a zeroed kernel sigaction) only.
    unsafe {
        libc::syscall(libc::SYS_rt_sigaction, sig, act.as_ptr(), std::ptr::null_mut::<u64>(), 8usize);
    }
}

/// A pipe, both ends close-on-exec from their creation.
pub fn cloexec_pipe() -> nix::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
}

/// A connected pair of stream sockets, both close-on-exec from their creation.
pub fn cloexec_socketpair() -> nix::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)
}


pub use super::watchdog::{Keeper, Watchdog};

/// `--watchdog unix:<sidecar pid>`: a replacement watchdog (watchdog.rs).
pub fn watchdog_main(args: &[String]) -> i32 {
    super::watchdog::exec_main(args)
}

/// The helper that kills every tree if the sidecar dies (watchdog.rs).
/// Call while the process has one thread.
pub fn start_watchdog() -> Option<Watchdog> {
    Watchdog::fork().map_err(|e| tracing::warn!("no watchdog for sidecar death: {e}")).ok()
}
