//! Leak checks: is every process a fixture reported really gone?
//!
//! A pid alone proves nothing (pid_max is small, pids get reused), so a
//! process counts as alive only while `/proc/<pid>/stat` shows the same start
//! time (field 22) the fixture reported, in a state other than zombie/dead.
//! Survivors are killed one by one, by positive pid, after re-checking the
//! start time: never a group, never pid <= 1, never ourselves.

use std::path::Path;
use std::time::{Duration, Instant};

use super::report::{Proc, Report};
use crate::common::procfs::stat;

pub fn alive(pid: i32, start: &str) -> bool {
    stat(pid).is_some_and(|s| s.start == start && s.state != 'Z' && s.state != 'X')
}

pub fn survivors_now(report: &Report) -> Vec<Proc> {
    report.procs().into_iter().filter(|p| alive(p.pid, &p.start)).collect()
}

/// Polls until no reported process is alive or `grace` has passed; returns
/// the ones still alive then.
pub fn wait_gone(report: &Report, grace: Duration) -> Vec<Proc> {
    let deadline = Instant::now() + grace;
    loop {
        let left = survivors_now(report);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGKILL one reported process if, and only if, it is still that process.
pub fn kill_safely(p: &Proc) -> bool {
    let me = std::process::id() as i32;
    if p.pid <= 1 || p.pid == me {
        return false;
    }
    if !alive(p.pid, &p.start) {
        return false;
    }
    // SAFETY: plain kill(2) on one positive pid, validated just above.
    unsafe { libc::kill(p.pid, libc::SIGKILL) == 0 }
}

/// Kills every survivor of `report` (by file path); returns them.
pub fn kill_survivors(path: &Path) -> Vec<Proc> {
    let report = Report::new(path);
    let left = survivors_now(&report);
    for p in &left {
        kill_safely(p);
    }
    left
}

/// Every process the report names is gone within `grace`; otherwise kill the
/// survivors and fail naming them. Fails too when the report names no
/// process at all: then the check would prove nothing.
pub fn assert_all_gone(report: &Report, grace: Duration) {
    let procs = report.procs();
    assert!(
        !procs.is_empty(),
        "leak check is vacuous: {} names no process",
        report.path().display()
    );
    let left = wait_gone(report, grace);
    if !left.is_empty() {
        let described: Vec<String> = left
            .iter()
            .map(|p| {
                let state = stat(p.pid).map_or('?', |s| s.state);
                format!("pid {} ({}, state {state})", p.pid, p.role)
            })
            .collect();
        for p in &left {
            kill_safely(p);
        }
        panic!(
            "leaked processes still alive {grace:?} after the tree should be gone: {}",
            described.join(", ")
        );
    }
}

/// Pids in the cgroup v2 tree at `dir` (empty when the tree is gone).
pub fn cgroup_members(dir: &Path) -> Vec<i32> {
    let mut out: Vec<i32> = std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
            out.extend(cgroup_members(&e.path()));
        }
    }
    out
}

/// After a sidecar has exited: nothing is left in its cgroup tree (if it
/// had one), and its watchdog (pid, start time) is gone. Returns a
/// description of what was left (then killed: the cgroup through its own
/// `cgroup.kill`, the watchdog by pid after re-checking its start time), or
/// None.
pub fn sidecar_leftovers(cgroup: Option<&str>, watchdog: &(i32, String), grace: Duration) -> Option<String> {
    let deadline = Instant::now() + grace;
    let (dog, dog_start) = watchdog;
    loop {
        let members = cgroup.map(|c| cgroup_members(Path::new(c))).unwrap_or_default();
        let dog_alive = alive(*dog, dog_start);
        if members.is_empty() && !dog_alive {
            return None;
        }
        if Instant::now() > deadline {
            if let Some(c) = cgroup {
                let _ = std::fs::write(Path::new(c).join("cgroup.kill"), "1");
            }
            let me = std::process::id() as i32;
            if *dog > 1 && *dog != me && alive(*dog, dog_start) {
                // SAFETY: kill(2) on one positive pid, re-validated above.
                unsafe { libc::kill(*dog, libc::SIGKILL) };
            }
            let dog = if dog_alive { format!(", its watchdog {dog} still running") } else { String::new() };
            return Some(format!("processes {members:?} in {}{dog}", cgroup.unwrap_or("no cgroup")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
