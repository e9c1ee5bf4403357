//! Small helpers shared by the per-OS files.

/// Sets FD_CLOEXEC on every possible descriptor above stderr, bounded so a
/// huge RLIMIT_NOFILE cannot make a spawn take seconds. Async-signal-safe.
pub fn cloexec_loop() {
    // SAFETY: getrlimit and fcntl are async-signal-safe syscalls.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        let max = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 { lim.rlim_cur.min(65536) as i32 } else { 1024 };
        for fd in 3..max {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
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
