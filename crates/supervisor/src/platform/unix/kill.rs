//! The only place that sends signals. Every target is validated first:
//! never pid 0, -1 or 1, never a group id below 2, never the sidecar itself,
//! its own group or the host's group it left at start (as root,
//! `kill(-1, SIGKILL)` would end the machine).
//! Single processes are signalled through a pidfd where the kernel has one:
//! the pidfd pins the process, the membership check runs against the pinned
//! process, and only then is it signalled, so a recycled pid is never hit.

use nix::sys::signal::{kill, killpg, Signal as NixSignal};
use nix::unistd::{getpgrp, getpid, Pid};

#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    InvalidTarget(i64),
    OwnProcessOrGroup(i64),
}

/// The checks shared by every kill path; public for the tests.
pub fn validate_pid(pid: u32) -> Result<i32, Refused> {
    let p = i32::try_from(pid).map_err(|_| Refused::InvalidTarget(pid as i64))?;
    if p < 2 {
        return Err(Refused::InvalidTarget(p as i64));
    }
    if p == getpid().as_raw() {
        return Err(Refused::OwnProcessOrGroup(p as i64));
    }
    Ok(p)
}

pub fn validate_pgid(pgid: u32) -> Result<i32, Refused> {
    let p = validate_pid(pgid)?;
    if p == getpgrp().as_raw() || super::host_group::host_group() == Some(pgid) {
        return Err(Refused::OwnProcessOrGroup(p as i64));
    }
    Ok(p)
}

/// Signals a whole process group. The caller guarantees the group's leader
/// is alive or an unreaped zombie, which keeps the id from being recycled.
pub fn signal_group(pgid: u32, sig: NixSignal) -> bool {
    match validate_pgid(pgid) {
        Ok(p) => killpg(Pid::from_raw(p), sig).is_ok(),
        Err(r) => {
            tracing::error!("refused to signal group {pgid}: {r:?}");
            false
        }
    }
}

/// Signals one process if `still_member(pid)` holds for the process that
/// `pid` names at signalling time.
pub fn signal_pid(pid: u32, sig: NixSignal, still_member: impl Fn(u32) -> bool) -> bool {
    let p = match validate_pid(pid) {
        Ok(p) => p,
        Err(r) => {
            tracing::error!("refused to signal pid {pid}: {r:?}");
            return false;
        }
    };
    match pidfd::open(p) {
        pidfd::Pinned::Fd(fd) => still_member(pid) && pidfd::send_signal(&fd, sig),
        pidfd::Pinned::Gone => false,
        // No pidfd (old kernel, macOS): check then kill, the best available.
        pidfd::Pinned::Unsupported => still_member(pid) && kill(Pid::from_raw(p), sig).is_ok(),
    }
}

/// Signals one process through a pidfd the caller pinned (and verified)
/// earlier: the fd names that process and no other, so a pid recycled since
/// is never hit. `pid` is only for the target checks and the log.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub fn signal_pinned(fd: &std::os::fd::OwnedFd, pid: u32, sig: NixSignal) -> bool {
    match validate_pid(pid) {
        Ok(_) => pidfd::send_signal(fd, sig),
        Err(r) => {
            tracing::error!("refused to signal pid {pid}: {r:?}");
            false
        }
    }
}

#[cfg(target_os = "linux")]
pub mod pidfd {
    use std::os::fd::{FromRawFd, OwnedFd, AsRawFd};

    use nix::sys::signal::Signal;

    pub enum Pinned {
        Fd(OwnedFd),
        Gone,
        Unsupported,
    }

    pub fn open(pid: i32) -> Pinned {
        // SAFETY: plain syscall; a non-negative return is a new fd we own.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd >= 0 {
            return Pinned::Fd(unsafe { OwnedFd::from_raw_fd(fd as i32) });
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => Pinned::Gone,
            _ => Pinned::Unsupported,
        }
    }

    pub fn send_signal(fd: &OwnedFd, sig: Signal) -> bool {
        // SAFETY: plain syscall on an fd we own; null siginfo as kill(2) would.
        let r = unsafe {
            libc::syscall(libc::SYS_pidfd_send_signal, fd.as_raw_fd(), sig as i32, std::ptr::null::<libc::siginfo_t>(), 0)
        };
        r == 0
    }

    /// Whether the pinned process still exists (running, stopped or an
    /// unreaped zombie): signal 0 checks without delivering anything. While
    /// it exists its pid cannot be reused, so a `/proc/<pid>` read done
    /// before a true answer described this very process.
    pub fn exists(fd: &OwnedFd) -> bool {
        // SAFETY: plain syscall on an fd we own; signal 0 delivers nothing.
        let r = unsafe {
            libc::syscall(libc::SYS_pidfd_send_signal, fd.as_raw_fd(), 0, std::ptr::null::<libc::siginfo_t>(), 0)
        };
        r == 0
    }

    /// Whether the pinned process has exited: a pidfd polls readable then
    /// (a zombie counts as exited). Waits at most `timeout_ms` (0: just look).
    pub fn exited(fd: &OwnedFd, timeout_ms: i32) -> bool {
        let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut p, 1, timeout_ms) };
        n > 0 && p.revents != 0
    }
}

#[cfg(not(target_os = "linux"))]
pub mod pidfd {
    use std::os::fd::OwnedFd;

    use nix::sys::signal::Signal;

    pub enum Pinned {
        #[allow(dead_code)]
        Fd(OwnedFd),
        #[allow(dead_code)]
        Gone,
        Unsupported,
    }

    pub fn open(_pid: i32) -> Pinned {
        Pinned::Unsupported
    }

    pub fn send_signal(_fd: &OwnedFd, _sig: Signal) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_every_dangerous_target() {
        for bad in [0u32, 1, u32::MAX, (i32::MAX as u32) + 1] {
            assert!(validate_pid(bad).is_err(), "{bad}");
            assert!(validate_pgid(bad).is_err(), "{bad}");
        }
        let me = std::process::id();
        assert_eq!(validate_pid(me), Err(Refused::OwnProcessOrGroup(me as i64)));
        let own_group = getpgrp().as_raw() as u32;
        assert!(validate_pgid(own_group).is_err());
        assert!(!signal_group(own_group, NixSignal::SIGCONT));
        assert!(!signal_pid(1, NixSignal::SIGCONT, |_| true));
    }
}
