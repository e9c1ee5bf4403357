//! Escape-proof containment (Linux): what holds when the sidecar itself
//! dies, and that orphans adopted by the subreaper never pile up as zombies.

use std::time::{Duration, Instant};

use crate::common::procfs::children_of;
use crate::common::harness::*;

fn zombie_children_of(pid: i32) -> Vec<i32> {
    children_of(pid).into_iter().filter(|(_, state)| *state == 'Z').map(|(p, _)| p).collect()
}

/// The product's promise (README, "Guarantees": "sidecar SIGKILLed: nothing
/// survives 1 s"), so it is not loosened for a busy machine: within one
/// second of the sidecar's SIGKILL, measured from the kill itself, no
/// process of any tree survives: a deep tree, an orphaned grandchild, a
/// `setsid` daemon and a SIGTERM-ignoring pair.
const ONE_SECOND: Duration = Duration::from_secs(1);

#[test]
fn sidecar_sigkill_leaves_no_process_of_any_tree_after_one_second() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let reports = start_tree_kinds(&mut sc, &dir);
    let killed_at = Instant::now();
    sc.kill_sidecar();
    for report in &reports {
        let left = ONE_SECOND.saturating_sub(killed_at.elapsed());
        assert_all_gone(report, left);
    }
}

/// Each `orphan` tree leaves a grandchild that re-parents to the sidecar
/// (it is the subreaper); cancelling kills it there, and the reaper must
/// reap it without ever touching a root's status.
#[test]
fn orphans_adopted_by_the_sidecar_are_reaped_not_left_as_zombies() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let rounds = 60;
    for batch in 0..rounds / 10 {
        let mut reports = Vec::new();
        for i in 0..10 {
            let id = format!("o{batch}-{i}");
            let report = Report::new(dir.report(&id));
            sc.spawn(&id, &fixture_argv(report.path(), &["orphan"]), json!({}));
            reports.push((id, report));
        }
        for (id, report) in &reports {
            report.wait_until("middle-exited", |lines| lines.iter().any(|l| l["what"] == "middle-exited"));
            sc.cancel(id);
        }
        for (id, report) in &reports {
            let exit = sc.wait_exit(id);
            assert_eq!(exit["reason"], "cancelled", "{id}: {exit}");
            assert_all_gone(report, GONE);
        }
    }
    // The reaper runs on SIGCHLD and once a second: allow it a few turns.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut zombies = zombie_children_of(sc.pid());
    while !zombies.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        zombies = zombie_children_of(sc.pid());
    }
    assert!(zombies.is_empty(), "zombie children of the sidecar after {rounds} orphan trees: {zombies:?}");
}
