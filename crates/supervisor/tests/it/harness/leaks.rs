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

/// (state, start time) from `/proc/<pid>/stat`, or None if there is no such
/// process. The fields after the last ')' start at field 3, so field 22 is
/// index 19 there; the name in parentheses may itself contain ") ".
pub fn stat_of(pid: i32) -> Option<(char, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.to_string();
    Some((state, start))
}

pub fn alive(pid: i32, start: &str) -> bool {
    match stat_of(pid) {
        Some((state, now)) => now == start && state != 'Z' && state != 'X',
        None => false,
    }
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
                let state = stat_of(p.pid).map(|s| s.0).unwrap_or('?');
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
