//! Reaping orphans that re-parented to the sidecar (it is a child
//! subreaper on Linux). Roots are never reaped here: each root is reaped by
//! its own tree, once, after its group is no longer signalled. So this never
//! calls `waitpid(-1)`, which would steal a root's exit status; it reaps
//! specific zombie pids that are not roots.

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
    pub fn insert(&self, pid: u32) {
        self.0.lock().unwrap().insert(pid);
    }
    pub fn remove(&self, pid: u32) {
        self.0.lock().unwrap().remove(&pid);
    }
    fn contains(&self, pid: u32) -> bool {
        self.0.lock().unwrap().contains(&pid)
    }
}

const SCAN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// Starts the reaper task. Signals coalesce, so every SIGCHLD re-checks all
/// children; a slow periodic pass catches anything a lost wake-up missed.
pub fn start(roots: RootSet) {
    let mut sigchld = match signal(SignalKind::child()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot watch SIGCHLD, orphans will be reaped by polling only: {e}");
            return start_polling(roots);
        }
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = sigchld.recv() => {}
                _ = tick.tick() => {}
            }
            reap_orphans(&roots);
            // A scan reads all of /proc, and every root's exit raises
            // SIGCHLD: at most one scan per interval keeps spawn-heavy loads
            // cheap (measured: ~139 opens per spawn without it). An adopted
            // orphan may stay a zombie that long; it is dead, and nothing
            // counts a zombie as alive.
            tokio::time::sleep(SCAN_INTERVAL).await;
        }
    });
}

fn start_polling(roots: RootSet) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tick.tick().await;
            reap_orphans(&roots);
        }
    });
}

/// Reaps every zombie child of ours that is not a root. Returns how many.
pub fn reap_orphans(roots: &RootSet) -> usize {
    let me = std::process::id();
    let mut reaped = 0;
    for p in procfs::all() {
        if p.ppid == me && p.zombie && !roots.contains(p.pid) {
            if let Ok(pid) = i32::try_from(p.pid) {
                if waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)).is_ok() {
                    reaped += 1;
                }
            }
        }
    }
    reaped
}
