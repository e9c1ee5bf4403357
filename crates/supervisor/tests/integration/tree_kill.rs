//! `cancel` ends the whole tree, wherever its processes went: deep chains,
//! wide trees, orphans re-parented away, setsid daemons, and processes
//! started while the cancel runs. Each test waits until the fixture reported
//! every process it is about to kill, so the leak check covers all of them.

use crate::common::harness::*;

/// Cancels `id`, checks the exit is a cancel by signal, then that every
/// reported pid is gone.
fn cancel_and_expect_all_gone(sc: &mut Sidecar, id: &str, report: &Report) -> Value {
    sc.cancel(id);
    let exit = sc.wait_exit(id);
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    assert!(exit["signal"].is_string(), "a cancelled sleeper dies by a signal: {exit}");
    assert!(exit["code"].is_null(), "exit: {exit}");
    assert_all_gone(report, GONE);
    exit
}

#[test]
fn cancel_kills_a_chain_three_levels_deep() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("tree"));
    let argv = fixture_argv(report.path(), &["tree", "--depth", "3", "--width", "1"]);
    sc.spawn("deep", &argv, json!({}));
    report.wait_procs(4);
    cancel_and_expect_all_gone(&mut sc, "deep", &report);
}

#[test]
fn cancel_kills_a_wide_tree_of_thirteen() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("tree"));
    let argv = fixture_argv(report.path(), &["tree", "--depth", "2", "--width", "3"]);
    sc.spawn("wide", &argv, json!({}));
    report.wait_procs(1 + 3 + 9);
    cancel_and_expect_all_gone(&mut sc, "wide", &report);
}

#[test]
fn cancel_kills_orphaned_grandchild() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("orphan"));
    sc.spawn("orphan", &fixture_argv(report.path(), &["orphan"]), json!({}));
    // Only after the middle is gone is the grandchild an orphan.
    report.wait_until("event middle-exited", |lines| {
        lines.iter().any(|l| l["kind"] == "event" && l["what"] == "middle-exited")
    });
    let grandchild = report.wait_role("grandchild");
    assert!(leaks::alive(grandchild.pid, &grandchild.start), "the orphan died before the cancel");
    cancel_and_expect_all_gone(&mut sc, "orphan", &report);
}

#[test]
fn cancel_kills_setsid_daemon_that_left_the_process_group() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("daemon"));
    sc.spawn("daemon", &fixture_argv(report.path(), &["daemon"]), json!({}));
    let daemon = report.wait_role("daemon");
    assert!(leaks::alive(daemon.pid, &daemon.start), "the daemon died before the cancel");
    cancel_and_expect_all_gone(&mut sc, "daemon", &report);
}

#[test]
fn cancel_kills_grandchild_spawned_during_the_cancel() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("spawn-on-term"));
    sc.spawn("grow", &fixture_argv(report.path(), &["spawn-on-term"]), json!({}));
    let root = report.wait_role("root");
    // A long grace so the root surely starts its grandchild before SIGKILL;
    // the grandchild ignores SIGTERM, so only the sidecar's sweep ends it.
    sc.request(json!({"op": "cancel", "id": "grow", "grace_ms": 1500}));
    let exit = sc.wait_exit("grow");
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    let lines = report.lines();
    assert_eq!(
        report::signals_in(&lines, root.pid).first().map(String::as_str),
        Some("SIGTERM"),
        "the root never got the ladder's SIGTERM; report: {lines:?}"
    );
    assert!(
        report::procs_in(&lines).iter().any(|p| p.role == "grandchild"),
        "the root did not start its grandchild during the cancel; report: {lines:?}"
    );
    assert_all_gone(&report, GONE);
}

#[test]
fn cancel_kills_a_fork_storm_in_progress() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("storm"));
    sc.spawn("storm", &fixture_argv(report.path(), &["fork-storm", "--ms", "5000"]), json!({}));
    // Cancel mid-storm, while children are being born and dying.
    report.wait_until("20 storm children", |lines| {
        report::procs_in(lines).iter().filter(|p| p.role == "storm").count() >= 20
    });
    cancel_and_expect_all_gone(&mut sc, "storm", &report);
}

#[test]
fn timeout_kills_the_whole_tree() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("tree"));
    let argv = fixture_argv(report.path(), &["tree", "--depth", "2", "--width", "2"]);
    sc.spawn("tree", &argv, json!({"timeout_ms": 3000}));
    report.wait_procs(7);
    let exit = sc.wait_exit("tree");
    assert_eq!(exit["reason"], "timed_out", "exit: {exit}");
    assert!(exit["signal"].is_string(), "exit: {exit}");
    assert_all_gone(&report, GONE);
}
