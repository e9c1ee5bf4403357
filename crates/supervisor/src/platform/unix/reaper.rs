//! Reaping orphans that re-parented to the sidecar (it is a child
//! subreaper on Linux). Roots are never reaped here: each root is reaped by
//! its own tree, once, after its group is no longer signalled. So this never
//! calls `waitpid(-1)`, which would steal a root's exit status; it reaps
//! specific zombie pids that are not roots.
//!
//! The scan reads all of `/proc`, so it runs on a blocking thread, off the
//! event loop (on the loop it added milliseconds to whatever spawn or relay
//! was waiting: the benchmark's p99). One lock makes that safe: a spawn
//! holds it from fork until its root is registered, a root's reaping holds
//! it from `waitpid` until it is unregistered, and the scanner checks and
//! reaps each candidate under it, so it can never take a root's status.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use nix::sys::wait::{waitpid, WaitPidFlag};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};

use super::procfs;

/// The pids of live (unreaped) roots, shared with every `ProcessTree`.
#[derive(Clone, Default)]
pub struct RootSet(Arc<Mutex<HashSet<u32>>>);

impl RootSet {
    /// Runs `fork` (which starts a root and returns its pid) with the set
    /// locked, and registers the root before anyone can look. The child
    /// never touches the lock (it only makes syscalls before exec).
    pub fn spawn_locked<T>(&self, fork: impl FnOnce() -> Result<(u32, T), super::SpawnError>) -> Result<(u32, T), super::SpawnError> {
        let mut roots = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (pid, started) = fork()?;
        roots.insert(pid);
        Ok((pid, started))
    }

    /// Reaps a root with `reap` and unregisters it in one step.
    pub fn reap_locked<T>(&self, pid: u32, reap: impl FnOnce() -> T) -> T {
        let mut roots = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let out = reap();
        roots.remove(&pid);
        out
    }
}

const SCAN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// Starts the reaper task. Signals coalesce, so every SIGCHLD re-checks all
/// children; a slow periodic pass catches anything a lost wake-up missed.
pub fn start(roots: RootSet) {
    let sigchld = match signal(SignalKind::child()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!("cannot watch SIGCHLD, orphans will be reaped by polling only: {e}");
            None
        }
    };
    tokio::spawn(reap_loop(roots, sigchld));
}

/// Each wake-up first peeks at one zombie child without reaping it
/// (`waitid(P_ALL, WNOWAIT)`): none means nothing to do; an orphan is reaped
/// at once, and the peek repeats; a root at the head hides whatever is
/// behind it, so after `BLOCKED_LIMIT` such wake-ups in a row the full
/// `/proc` scan runs, on a blocking thread. Scans are thus rare: each one
/// reads every process on the machine, and running one every 200 ms was the
/// benchmark's p99 round trip (CPU contention on 2 cores).
async fn reap_loop(roots: RootSet, mut sigchld: Option<tokio::signal::unix::Signal>) {
    const BLOCKED_LIMIT: u32 = 5;
    let mut tick = tokio::time::interval(SCAN_INTERVAL);
    let mut blocked = 0;
    loop {
        match sigchld.as_mut() {
            Some(s) => tokio::select! {
                _ = s.recv() => {}
                _ = tick.tick() => {}
            },
            None => {
                tick.tick().await;
            }
        }
        match reap_visible(&roots) {
            Head::Clear => blocked = 0,
            Head::Root => {
                blocked += 1;
                if blocked >= BLOCKED_LIMIT {
                    blocked = 0;
                    let r = roots.clone();
                    let _ = tokio::task::spawn_blocking(move || reap_orphans(&r)).await;
                }
            }
        }
    }
}

enum Head {
    /// No zombie child is left to see.
    Clear,
    /// A root's zombie (reaped by its own tree) is the first one visible.
    Root,
}

/// Reaps zombie orphans as long as the first visible zombie child is one.
fn reap_visible(roots: &RootSet) -> Head {
    loop {
        // SAFETY: waitid writes into the zeroed siginfo we own.
        let pid = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let r = libc::waitid(libc::P_ALL, 0, &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT);
            if r != 0 {
                return Head::Clear; // ECHILD: no children at all
            }
            info.si_pid()
        };
        if pid <= 0 {
            return Head::Clear;
        }
        let guard = roots.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.contains(&(pid as u32)) {
            return Head::Root;
        }
        if waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)).is_err() {
            return Head::Clear;
        }
    }
}

/// Reaps every zombie child of ours that is not a root. Returns how many.
pub fn reap_orphans(roots: &RootSet) -> usize {
    let me = std::process::id();
    let mut reaped = 0;
    for p in procfs::all() {
        if p.ppid != me || !p.zombie {
            continue;
        }
        let Ok(pid) = i32::try_from(p.pid) else { continue };
        let roots = roots.0.lock().unwrap_or_else(|p| p.into_inner());
        if !roots.contains(&p.pid) && waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)).is_ok() {
            reaped += 1;
        }
    }
    reaped
}
