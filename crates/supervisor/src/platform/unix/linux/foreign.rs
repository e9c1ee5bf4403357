//! Ending a process tree this sidecar did not start (`terminate`, see
//! docs/reference/protocol.md and the "Foreign trees" section of docs/reference/design.md). Linux.
//!
//! A foreign tree has no cgroup and no process group we own, and its members
//! are not our children, so a snapshot of pids is all a naive caller has; it
//! hits recycled pids and misses members born during the cancel. Instead:
//!
//! 1. every member is held by a **pidfd**, opened before its `/proc` entry is
//!    trusted and re-checked after (the process still exists, so the pid was
//!    not reused in between), and signalled only through that fd;
//! 2. the set is **frozen and closed**: SIGSTOP the root, walk `/proc` for
//!    children of members, pin and SIGSTOP each new one, repeat until a walk
//!    finds nothing new. A stopped process cannot fork, so this converges;
//! 3. the graceful signal goes to every member, then SIGCONT (a stopped
//!    process acts on it only once continued); during the grace a walk
//!    every tick adopts children born meanwhile, while their parents still
//!    live and their parent link still names them;
//! 4. what is still alive is frozen and closed again, SIGKILLed by pidfd,
//!    and one last walk catches anything the dying members left.
//!
//! Every loop is bounded (walks, members, waits): a fork storm ends the call
//! with `capped`, never spins forever.

use std::collections::HashSet;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal as NixSignal;

use super::kill::{self, pidfd};
use super::procfs;
use super::tree::to_nix;
use crate::platform::{ForeignOutcome, ForeignRefusal};
use crate::signals::Signal;

/// Members held at once (each costs one fd; the limit was raised at init).
const MAX_MEMBERS: usize = 4096;
/// Walks per freeze: each walk after the first only runs because the one
/// before adopted someone, and a stopped process cannot fork, so a real tree
/// closes in depth+1 walks; this bound only stops a pathological case.
const MAX_WALKS: usize = 64;
/// How long newly stopped members may take to actually stop (a busy machine
/// schedules them late; a process in uninterruptible sleep stops only when
/// it leaves it). The walk that follows runs either way.
const STOP_WAIT: Duration = Duration::from_millis(500);
/// Grace tick: how often members born during the grace are looked for.
const TICK: Duration = Duration::from_millis(25);
/// How long SIGKILLed members may take to vanish before the answer says
/// `quiet: false`; the same bound as the ladder's (ladder.rs).
const STUBBORN_LIMIT: Duration = Duration::from_secs(10);

/// Pids that are never signalled, whatever a walk finds: the sidecar, its
/// group, its ancestors (the host and up), its watchdog.
struct Guard {
    me: u32,
    pgrp: u32,
    ancestors: Vec<u32>,
    watchdog: Option<u32>,
}

impl Guard {
    fn now(watchdog: Option<u32>) -> Guard {
        let me = std::process::id();
        let mut ancestors = Vec::new();
        let mut cur = me;
        // Read at request time: ancestors change when a parent exits.
        for _ in 0..4096 {
            match procfs::read(cur) {
                Some(p) if p.ppid > 0 => {
                    ancestors.push(p.ppid);
                    cur = p.ppid;
                }
                _ => break,
            }
        }
        Guard { me, pgrp: nix::unistd::getpgrp().as_raw() as u32, ancestors, watchdog }
    }

    fn refusal(&self, pid: u32) -> Option<String> {
        if pid < 2 {
            Some(format!("pid {pid} names no single process (0), or init (1)"))
        } else if pid == self.me {
            Some(format!("pid {pid} is the sidecar itself"))
        } else if pid == self.pgrp {
            Some(format!("pid {pid} is the sidecar's own process group"))
        } else if self.ancestors.contains(&pid) {
            Some(format!("pid {pid} is an ancestor of the sidecar (its host or above)"))
        } else if Some(pid) == self.watchdog {
            Some(format!("pid {pid} is the sidecar's watchdog"))
        } else {
            None
        }
    }
}

struct Member {
    pid: u32,
    fd: OwnedFd,
    /// Known to have exited (its pidfd polled readable).
    exited: bool,
}

impl Member {
    fn live(&mut self) -> bool {
        if !self.exited && pidfd::exited(&self.fd, 0) {
            self.exited = true;
        }
        !self.exited
    }
}

/// A foreign root, pinned by `target`; `terminate` does the rest.
pub enum ForeignTarget {
    /// No such process (or only a zombie): nothing to do.
    Gone,
    Pinned(Box<Run>),
}

pub struct Run {
    guard: Guard,
    members: Vec<Member>,
    capped: bool,
}

/// Validates `pid` and pins it. Runs on the server loop, so it only reads a
/// handful of `/proc` entries.
pub fn target(pid: u32, watchdog: Option<u32>) -> Result<ForeignTarget, ForeignRefusal> {
    let guard = Guard::now(watchdog);
    if let Some(why) = guard.refusal(pid) {
        return Err(ForeignRefusal::Protected(why));
    }
    let root = match pin(pid, None) {
        Pin::Member(m) => m,
        Pin::Gone => return Ok(ForeignTarget::Gone),
        Pin::Unsupported => {
            return Err(ForeignRefusal::Unsupported("this kernel has no pidfd (Linux 5.3+ needed)".into()));
        }
    };
    // Pinned first, checked second: the checks below describe the process
    // we hold. One that descends from the sidecar (a root, a member, or an
    // orphan re-parented to it as subreaper) is ours: `cancel` ends it.
    let mut cur = pid;
    for _ in 0..4096 {
        match procfs::read(cur) {
            Some(p) if p.ppid == guard.me => return Err(ForeignRefusal::Supervised { root: cur }),
            Some(p) if p.ppid > 1 => cur = p.ppid,
            _ => break,
        }
    }
    Ok(ForeignTarget::Pinned(Box::new(Run { guard, members: vec![root], capped: false })))
}

enum Pin {
    Member(Member),
    Gone,
    Unsupported,
}

/// Opens a pidfd for `pid`, then re-verifies through `/proc` that it is a
/// live process (not a zombie) whose parent is `parent` when one is given.
/// The fd is opened before the read and checked after it: if the pinned
/// process still exists then, its pid was never free in between, so the
/// read described it and not a newcomer that recycled the number.
fn pin(pid: u32, parent: Option<u32>) -> Pin {
    let fd = match pidfd::open(pid as i32) {
        pidfd::Pinned::Fd(fd) => fd,
        pidfd::Pinned::Gone => return Pin::Gone,
        pidfd::Pinned::Unsupported => return Pin::Unsupported,
    };
    let Some(info) = procfs::read(pid) else { return Pin::Gone };
    if info.zombie || parent.is_some_and(|pp| pp != info.ppid) || !pidfd::exists(&fd) {
        return Pin::Gone;
    }
    Pin::Member(Member { pid, fd, exited: false })
}

/// Field 3 of `/proc/<pid>/stat` (R, S, D, T, t, Z, X ...); None if gone.
fn state(pid: u32) -> Option<char> {
    procfs::read(pid).map(|p| p.state)
}

impl ForeignTarget {
    /// Ends the tree; blocking (run it off the server loop). `hurry` set
    /// (the sidecar is shutting down) cuts the grace short.
    pub fn terminate(self, signal: Signal, grace: Duration, hurry: Arc<AtomicBool>) -> ForeignOutcome {
        match self {
            ForeignTarget::Gone => ForeignOutcome { quiet: true, ..Default::default() },
            ForeignTarget::Pinned(run) => run.terminate(signal, grace, &hurry),
        }
    }
}

impl Run {
    fn terminate(mut self, signal: Signal, grace: Duration, hurry: &AtomicBool) -> ForeignOutcome {
        let mut graceful = false;
        self.freeze();
        if let Some(sig) = to_nix(signal).filter(|s| *s != NixSignal::SIGKILL) {
            // Everyone gets the signal while still stopped, then everyone is
            // continued: no member runs before all have it pending.
            for m in self.members.iter_mut().filter(|m| !m.exited) {
                graceful |= kill::signal_pinned(&m.fd, m.pid, sig);
            }
            if !matches!(sig, NixSignal::SIGSTOP | NixSignal::SIGTSTP) {
                self.signal_live(NixSignal::SIGCONT);
            }
            self.wait_grace(grace, hurry);
        }
        let mut killed_pids = Vec::new();
        if self.any_live() {
            self.signal_live(NixSignal::SIGSTOP);
            self.freeze();
            killed_pids = self.live_pids();
            self.signal_live(NixSignal::SIGKILL);
            // Last walk: a member cannot fork once stopped and then killed,
            // but one that had not stopped yet (uninterruptible sleep) may
            // have; whatever is found is killed too.
            let before = self.members.len();
            self.walk();
            for m in &mut self.members[before..] {
                if kill::signal_pinned(&m.fd, m.pid, NixSignal::SIGKILL) {
                    killed_pids.push(m.pid);
                }
            }
        }
        let quiet = self.wait_all_exited(STUBBORN_LIMIT);
        ForeignOutcome {
            pids: self.members.iter().map(|m| m.pid).collect(),
            killed_pids,
            graceful,
            quiet,
            capped: self.capped,
        }
    }

    fn any_live(&mut self) -> bool {
        self.members.iter_mut().any(Member::live)
    }

    fn live_pids(&mut self) -> Vec<u32> {
        self.members.iter_mut().filter_map(|m| m.live().then_some(m.pid)).collect()
    }

    fn signal_live(&mut self, sig: NixSignal) {
        for m in self.members.iter_mut().filter(|m| !m.exited) {
            kill::signal_pinned(&m.fd, m.pid, sig);
        }
    }

    /// Stops every live member, then walks and stops newcomers until a walk
    /// finds none: afterwards no member can add a process to the tree.
    fn freeze(&mut self) {
        let mut from = 0;
        for _ in 0..MAX_WALKS {
            for m in self.members[from..].iter_mut().filter(|m| !m.exited) {
                kill::signal_pinned(&m.fd, m.pid, NixSignal::SIGSTOP);
            }
            self.wait_stopped(from);
            from = self.members.len();
            if self.walk() == 0 {
                return;
            }
        }
        tracing::warn!("terminate: the tree still grew after {MAX_WALKS} walks; killing what was found");
        self.capped = true;
    }

    /// Waits (bounded) until the members from index `from` on are stopped
    /// or gone: SIGSTOP is delivered asynchronously, and only a process that
    /// is really stopped is sure not to fork while we walk.
    fn wait_stopped(&mut self, from: usize) {
        let deadline = Instant::now() + STOP_WAIT;
        loop {
            let pending = self.members[from..]
                .iter_mut()
                .filter_map(|m| m.live().then_some(m.pid))
                .filter(|&pid| !matches!(state(pid), None | Some('T' | 't' | 'Z' | 'X')))
                .count();
            if pending == 0 || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// One pass over `/proc`: pins every live child of a live member that is
    /// not a member yet. Returns how many were adopted. A parent link counts
    /// only while the parent is still alive after the child was pinned (the
    /// parent's pid cannot have been reused then).
    fn walk(&mut self) -> usize {
        let live: HashSet<u32> = self.live_pids().into_iter().collect();
        let known: HashSet<u32> = self.members.iter().map(|m| m.pid).collect();
        let mut adopted = 0;
        for p in procfs::all() {
            if p.zombie || !live.contains(&p.ppid) || known.contains(&p.pid) {
                continue;
            }
            if self.members.len() >= MAX_MEMBERS {
                tracing::warn!("terminate: more than {MAX_MEMBERS} members; killing what was found");
                self.capped = true;
                break;
            }
            if let Some(why) = self.guard.refusal(p.pid) {
                tracing::error!("terminate: walk reached a protected process, left alone: {why}");
                continue;
            }
            let Pin::Member(m) = pin(p.pid, Some(p.ppid)) else { continue };
            let parent_alive = self.members.iter().any(|x| x.pid == p.ppid && !pidfd::exited(&x.fd, 0));
            if parent_alive {
                self.members.push(m);
                adopted += 1;
            }
        }
        adopted
    }

    /// The grace: until every member found has exited, the grace is over, or
    /// the sidecar shuts down. Each tick also adopts members born meanwhile
    /// (a SIGTERM handler that forks), so they are held before their parent
    /// can exit and orphan them out of reach of the parent links.
    fn wait_grace(&mut self, grace: Duration, hurry: &AtomicBool) {
        let deadline = Instant::now() + grace;
        loop {
            self.walk();
            let now = Instant::now();
            if !self.any_live() || now >= deadline || hurry.load(Ordering::Relaxed) {
                return;
            }
            let tick = TICK.min(deadline - now);
            if let Some(m) = self.members.iter().find(|m| !m.exited) {
                // Sleeps on one member's exit: wakes early when it goes.
                pidfd::exited(&m.fd, tick.as_millis().max(1) as i32);
            }
        }
    }

    fn wait_all_exited(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if !self.any_live() {
                return true;
            }
            if Instant::now() >= deadline {
                tracing::warn!("terminate: members {:?} survived SIGKILL for {limit:?}", self.live_pids());
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_refuses_the_sidecar_its_group_and_its_ancestors() {
        let g = Guard::now(Some(424242));
        for pid in [0, 1, std::process::id(), g.pgrp, std::os::unix::process::parent_id(), 424242] {
            assert!(g.refusal(pid).is_some(), "{pid}");
        }
        assert!(matches!(target(std::os::unix::process::parent_id(), None), Err(ForeignRefusal::Protected(_))));
        assert!(matches!(target(1, None), Err(ForeignRefusal::Protected(_))));
    }

    #[test]
    fn a_pid_that_does_not_exist_is_gone() {
        // Above PID_MAX_LIMIT (4194304): no Linux process can have it.
        assert!(matches!(target(i32::MAX as u32 - 1, None), Ok(ForeignTarget::Gone)));
    }

    #[test]
    fn own_child_is_supervised() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let r = target(child.id(), None);
        let _ = child.kill();
        let _ = child.wait();
        assert!(matches!(r, Err(ForeignRefusal::Supervised { root }) if root == child.id()), "{:?}", r.err());
    }
}
