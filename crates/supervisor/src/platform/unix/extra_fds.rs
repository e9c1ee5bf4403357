//! Descriptors beyond stdio (`spawn.fds`): fd 3 and up, each the child's
//! end of a channel whose other end the sidecar relays. An input is a pipe
//! the child reads, an output a pipe it writes, a duplex one end of a
//! socketpair (a pipe has one direction only); libuv gives a Node child the
//! same kinds of descriptor.
//!
//! Everything is opened before the fork. The child's ends are renumbered
//! above the highest target first, so that in the child each `dup2` onto
//! its target can only replace a descriptor that closes at exec anyway
//! (the sidecar's own, all close-on-exec), never a source still to be
//! installed. Installing is one `dup2` per descriptor, after
//! `child_setup` has marked everything above stderr close-on-exec: `dup2`
//! clears that flag on the copy only, so the child keeps exactly stdio and
//! these. A number between them that was not asked for stays closed, as a
//! gap in Node's `stdio` array does.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};

use super::os::{cloexec_pipe, cloexec_socketpair};

use crate::platform::{ExtraFd, FdDir};

/// The sidecar's end of one extra descriptor.
pub enum Ours {
    /// A pipe: read for an output, written for an input.
    Pipe(OwnedFd),
    /// A socket for a duplex descriptor: read and written.
    Socket(OwnedFd),
}

/// The extra descriptors of one spawn, opened and numbered for the child.
pub struct Prepared {
    /// (source, target) for the child to `dup2`; every source is above
    /// every target. Built before the fork: the child only reads it.
    pub map: Vec<(RawFd, RawFd)>,
    /// The child's ends: the parent closes them once the child has its copies.
    pub child_ends: Vec<OwnedFd>,
    /// In the order of the spec.
    pub ours: Vec<(u32, FdDir, Ours)>,
}

pub fn prepare(extra: &[ExtraFd]) -> Result<Prepared, Errno> {
    let floor = extra.iter().map(|e| e.fd as RawFd + 1).max().unwrap_or(3);
    let mut prepared = Prepared { map: Vec::with_capacity(extra.len()), child_ends: Vec::new(), ours: Vec::new() };
    for e in extra {
        let (ours, theirs) = match e.dir {
            FdDir::Input => {
                let (r, w) = cloexec_pipe()?;
                (Ours::Pipe(w), r)
            }
            FdDir::Output => {
                let (r, w) = cloexec_pipe()?;
                (Ours::Pipe(r), w)
            }
            FdDir::Duplex => {
                let (a, b) = cloexec_socketpair()?;
                (Ours::Socket(a), b)
            }
        };
        let theirs = lift_above(theirs, floor)?;
        prepared.map.push((theirs.as_raw_fd(), e.fd as RawFd));
        prepared.child_ends.push(theirs);
        prepared.ours.push((e.fd, e.dir, ours));
    }
    Ok(prepared)
}

/// `fd` renumbered to `floor` or above (close-on-exec), unless it already is.
pub fn lift_above(fd: OwnedFd, floor: RawFd) -> Result<OwnedFd, Errno> {
    if fd.as_raw_fd() >= floor {
        return Ok(fd);
    }
    let dup = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(floor))?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

/// In the child, after `child_setup`: puts every source at its target.
/// Async-signal-safe (one `dup2` each, on numbers prepared before the fork).
///
/// # Safety
/// Call only in a freshly forked child that is about to exec.
pub unsafe fn install(map: &[(RawFd, RawFd)]) -> Result<(), i32> {
    for &(source, target) in map {
        if libc::dup2(source, target) < 0 {
            return Err(Errno::last_raw());
        }
    }
    Ok(())
}

/// For std's fork path: every target number is made to hold a descriptor
/// of the sidecar's (a close-on-exec copy of `/dev/null` where none was
/// open) while std creates its own exec-error pipe, so that pipe cannot get
/// a target number and be replaced in the child by [`install`]. Numbers are
/// taken with `F_DUPFD`, which never replaces an open descriptor, so this
/// cannot close anything another thread holds. Drop the result once the
/// spawn has returned.
pub fn reserve_targets(extra: &[ExtraFd]) -> Result<Vec<OwnedFd>, Errno> {
    if extra.is_empty() {
        return Ok(Vec::new());
    }
    let null = nix::fcntl::open("/dev/null", OFlag::O_RDONLY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())?;
    let mut held = Vec::new();
    for e in extra {
        let target = e.fd as RawFd;
        let got = fcntl(&null, FcntlArg::F_DUPFD_CLOEXEC(target))?;
        // SAFETY: a new descriptor from F_DUPFD_CLOEXEC, owned from here.
        let got = unsafe { OwnedFd::from_raw_fd(got) };
        // Above the target: the target was taken already, which is as good.
        if got.as_raw_fd() == target {
            held.push(got);
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_ends_sit_above_every_target() {
        let extra = [ExtraFd { fd: 3, dir: FdDir::Output }, ExtraFd { fd: 9, dir: FdDir::Duplex }, ExtraFd { fd: 5, dir: FdDir::Input }];
        let p = prepare(&extra).unwrap();
        let targets: Vec<RawFd> = p.map.iter().map(|m| m.1).collect();
        assert_eq!(targets, [3, 9, 5], "the spec's order");
        assert!(p.map.iter().all(|&(s, _)| s > 9), "a source at or below a target could be replaced: {:?}", p.map);
        assert!(matches!(p.ours[1].2, Ours::Socket(_)), "a duplex descriptor is a socket");
    }

    #[test]
    fn reserved_targets_are_taken_without_replacing_anything() {
        // A number surely free, high up: reserved; one already open (stderr-like, our own dup): left alone.
        let extra = [ExtraFd { fd: 900, dir: FdDir::Output }];
        let held = reserve_targets(&extra).unwrap();
        assert_eq!(held.iter().map(|f| f.as_raw_fd()).collect::<Vec<_>>(), [900]);
        let again = reserve_targets(&extra).unwrap();
        assert!(again.is_empty(), "900 was open already, and must stay the first holder's");
        drop(held);
    }
}
