//! Small helpers shared by the per-OS files.

/// One past the highest descriptor a loop over every possible one visits:
/// the soft RLIMIT_NOFILE, at least 1024 (descriptors opened before a limit
/// was lowered stay open above it) and at most 65536, so a huge limit cannot
/// make the loop take seconds. Async-signal-safe.
fn fd_loop_end() -> i32 {
    // SAFETY: getrlimit is an async-signal-safe syscall on our own process.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur.clamp(1024, 65536) as i32
        } else {
            1024
        }
    }
}

/// Sets FD_CLOEXEC on every possible descriptor above stderr, for kernels
/// without `close_range`. Async-signal-safe.
pub fn cloexec_loop() {
    // SAFETY: fcntl is an async-signal-safe syscall.
    unsafe {
        for fd in 3..fd_loop_end() {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}

/// Closes every possible descriptor above stderr, for kernels without
/// `close_range`. Async-signal-safe.
#[cfg(target_os = "linux")]
pub fn close_loop() {
    // SAFETY: close is an async-signal-safe syscall; the caller owns every
    // descriptor of its process (see linux/os.rs, close_inherited_fds).
    unsafe {
        for fd in 3..fd_loop_end() {
            libc::close(fd);
        }
    }
}

/// Raises the soft descriptor limit to the hard one: each child costs up to
/// five descriptors (three pipes, a pidfd, a cgroup file), and a thousand
/// live children must not fail on the common default of 1024.
pub fn raise_fd_limit() {
    // SAFETY: plain syscalls on our own process.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
