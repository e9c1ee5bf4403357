//! One child's process tree on Unix: the root (leader of its own session and
//! group, or a member of the host's group when not detached), its cgroup
//! when there is one, and how to signal, kill, count and finally reap it.

use std::collections::HashMap;

use nix::sys::signal::Signal as NixSignal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use super::cgroup::CgroupChild;
use super::exit_watch::{self, ExitWatch};
use super::reaper::RootSet;
use super::{kill, procfs};
use crate::ladder::Tree;
use crate::platform::ExitStatus;
use crate::signals::Signal;

pub struct ProcessTree {
    pid: u32,
    pgid: u32,
    /// The root leads its group. When it does not (it joined the host's
    /// group), the group is never signalled and does not define membership:
    /// the host and its other children are in it.
    own_group: bool,
    cgroup: Option<CgroupChild>,
    exit: ExitWatch,
    status: Option<ExitStatus>,
    /// Fallback without a cgroup: every descendant ever seen, with its start
    /// time, so one that re-parented to us is still recognised as ours.
    known: HashMap<u32, u64>,
    /// `PAWWORK_SUPERVISOR_TREE=<marker>`, when there is no cgroup.
    marker: Option<Vec<u8>>,
    roots: RootSet,
}

impl ProcessTree {
    /// `pid` must already be in `roots` (`RootSet::spawn_locked`); `pgid` is
    /// the group the root is in.
    pub(super) fn new(pid: u32, pgid: u32, cgroup: Option<CgroupChild>, marker: Option<&str>, roots: RootSet) -> ProcessTree {
        let marker = marker.map(|m| format!("{}={m}", procfs::MARKER_VAR).into_bytes());
        let own_group = pgid == pid;
        ProcessTree { pid, pgid, own_group, cgroup, exit: ExitWatch::new(pid), status: None, known: HashMap::new(), marker, roots }
    }

    pub fn pgid(&self) -> u32 {
        self.pgid
    }

    /// Resolves when the root has exited; it stays unreaped (a zombie).
    pub async fn wait_root_exit(&mut self) {
        self.exit.wait(self.pid).await
    }

    pub fn root_exited(&self) -> bool {
        self.status.is_some() || exit_watch::has_exited(self.pid)
    }

    /// Live members other than the root.
    pub fn descendants(&mut self) -> Vec<u32> {
        let root = self.pid;
        self.members().into_iter().filter(|&p| p != root).collect()
    }

    /// How the root ended, read without reaping it (`waitid` with WNOWAIT):
    /// under `leftovers: "keep"` the `exit` is sent while the kept tree may
    /// still be signalled, so the zombie must keep the group id reserved.
    /// Call only after the root exited.
    pub fn exit_status(&mut self) -> ExitStatus {
        if let Some(s) = &self.status {
            return s.clone();
        }
        let pid = self.pid;
        loop {
            // SAFETY: a zeroed siginfo_t is a valid out-parameter; waitid
            // only writes into it, and WNOWAIT leaves the root waitable.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
            if r == -1 {
                if nix::errno::Errno::last() == nix::errno::Errno::EINTR {
                    continue;
                }
                // Unreachable unless something else reaped our root: reap()
                // then reports the same failure, loudly.
                return self.reap();
            }
            // SAFETY: waitid succeeded for a child that exited, so the
            // status field of the SIGCHLD siginfo is set.
            let status = unsafe { info.si_status() };
            return if info.si_code == libc::CLD_EXITED {
                ExitStatus::Code(status)
            } else {
                match NixSignal::try_from(status) {
                    Ok(sig) => ExitStatus::Signal(sig.as_str().to_owned()),
                    Err(_) => ExitStatus::Signal(format!("SIG{status}")),
                }
            };
        }
    }

    /// Reaps the root, exactly once, and returns how it ended. Call only
    /// after the root exited and the group needs no more signals: once the
    /// zombie is gone its pid and group id may be recycled.
    pub fn reap(&mut self) -> ExitStatus {
        if let Some(s) = &self.status {
            return s.clone();
        }
        let pid = self.pid;
        let status = self.roots.clone().reap_locked(pid, || loop {
            match waitpid(Pid::from_raw(pid as i32), None) {
                Ok(WaitStatus::Exited(_, code)) => break ExitStatus::Code(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => break ExitStatus::Signal(sig.as_str().to_owned()),
                Ok(_) => continue,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    // Only reachable if something else reaped our child,
                    // which the reaper's design rules out; say so loudly.
                    tracing::error!("reaping root {pid} failed: {e}");
                    break ExitStatus::Signal("UNKNOWN".into());
                }
            }
        });
        self.status = Some(status.clone());
        status
    }

    /// Live (non-zombie) members, root included while it runs.
    fn members(&mut self) -> Vec<u32> {
        if let Some(cg) = &self.cgroup {
            return cg.pids();
        }
        let table = procfs::all();
        let me = std::process::id();
        let parent: HashMap<u32, u32> = table.iter().map(|p| (p.pid, p.ppid)).collect();
        let mut members = Vec::new();
        for p in &table {
            if p.zombie {
                continue;
            }
            let ours = (self.own_group && p.pgid == self.pgid)
                || self.known.get(&p.pid) == Some(&p.start)
                || descends_from(p.pid, self.pid, me, &parent)
                || self.marker.as_deref().is_some_and(|m| procfs::environ_is(p.pid, m));
            if ours {
                self.known.insert(p.pid, p.start);
                members.push(p.pid);
            }
        }
        members
    }

    fn is_member(&self, pid: u32) -> bool {
        match &self.cgroup {
            Some(cg) => cg.contains(pid),
            None => procfs::read(pid).is_some_and(|p| !p.zombie && self.known.get(&pid) == Some(&p.start)),
        }
    }

    fn deliver(&mut self, sig: NixSignal) -> Vec<u32> {
        let members = self.members();
        // The group first: one atomic call reaches every member that stayed
        // in it, including ones forked a moment ago. Safe while the root is
        // unreaped, which `reap()` guarantees by running last.
        if self.own_group && self.status.is_none() {
            kill::signal_group(self.pgid, sig);
        }
        // Then members that left the group (setsid/setpgid), one by one; all
        // of them when the group is the host's.
        for &pid in &members {
            let in_group = self.own_group && procfs::read(pid).is_some_and(|p| p.pgid == self.pgid);
            if !in_group {
                kill::signal_pid(pid, sig, |p| self.is_member(p));
            }
        }
        members
    }
}

/// Walks parent links from `pid` up; true if `root` is an ancestor. Stops at
/// the sidecar: orphans re-parented to it are only ours if already known.
fn descends_from(mut pid: u32, root: u32, sidecar: u32, parent: &HashMap<u32, u32>) -> bool {
    for _ in 0..4096 {
        if pid == root {
            return true;
        }
        match parent.get(&pid) {
            Some(&pp) if pp > 1 && pp != sidecar => pid = pp,
            _ => return false,
        }
    }
    false
}

pub fn to_nix(sig: Signal) -> Option<NixSignal> {
    Some(match sig {
        Signal::Hup => NixSignal::SIGHUP,
        Signal::Int => NixSignal::SIGINT,
        Signal::Quit => NixSignal::SIGQUIT,
        Signal::Kill => NixSignal::SIGKILL,
        Signal::Usr1 => NixSignal::SIGUSR1,
        Signal::Usr2 => NixSignal::SIGUSR2,
        Signal::Term => NixSignal::SIGTERM,
        Signal::Cont => NixSignal::SIGCONT,
        Signal::Stop => NixSignal::SIGSTOP,
        Signal::Tstp => NixSignal::SIGTSTP,
        Signal::Winch => NixSignal::SIGWINCH,
        Signal::Alrm => NixSignal::SIGALRM,
        Signal::Abrt => NixSignal::SIGABRT,
        Signal::Break => return None,
    })
}

impl Tree for ProcessTree {
    fn signal(&mut self, sig: Signal) -> Vec<u32> {
        let Some(nsig) = to_nix(sig) else { return Vec::new() };
        let pids = self.deliver(nsig);
        // A stopped process cannot act on SIGTERM until continued.
        if !matches!(sig, Signal::Kill | Signal::Cont | Signal::Stop | Signal::Tstp) {
            self.deliver(NixSignal::SIGCONT);
        }
        pids
    }

    fn kill(&mut self) -> Vec<u32> {
        let members = self.members();
        if let Some(cg) = &self.cgroup {
            if let Err(e) = cg.kill() {
                tracing::warn!("cgroup.kill failed, killing member by member: {e}");
            }
        }
        self.deliver(NixSignal::SIGKILL);
        members
    }

    fn root_exited(&mut self) -> bool {
        ProcessTree::root_exited(self)
    }

    fn is_empty(&mut self) -> bool {
        if !self.root_exited() {
            return false;
        }
        match &self.cgroup {
            Some(cg) => !cg.populated(),
            None => self.members().is_empty(),
        }
    }
}

impl Drop for ProcessTree {
    /// A tree is never dropped with members alive or its root unreaped; this
    /// is the safety net for paths that bail out early.
    fn drop(&mut self) {
        if self.status.is_none() {
            if !self.is_empty() {
                Tree::kill(self);
            }
            self.reap();
        }
    }
}
