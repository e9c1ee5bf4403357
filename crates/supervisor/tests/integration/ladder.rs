//! The cancel ladder: a first signal, a grace period, then SIGKILL for
//! whatever is still alive, stopped processes included.

use std::time::{Duration, Instant};

use crate::common::procfs::stat;
use crate::common::harness::*;

#[test]
fn ignore_term_tree_is_sigkilled_after_the_grace() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("ignore-term"));
    let argv = fixture_argv(report.path(), &["ignore-term", "--children", "2"]);
    sc.spawn("stubborn", &argv, json!({"ladder": {"grace_ms": 300}}));
    let procs = report.wait_procs(3);
    sc.cancel("stubborn");
    let exit = sc.wait_exit("stubborn");
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    assert_eq!(exit["signal"], "SIGKILL", "SIGTERM is ignored, so SIGKILL must end the root: {exit}");
    assert!(exit["code"].is_null(), "exit: {exit}");
    // All three ignored SIGTERM, so all three were alive at the SIGKILL.
    let killed = pids(&exit["killed_pids"]);
    for p in &procs {
        assert!(killed.contains(&p.pid), "killed_pids {killed:?} lacks {p:?}; exit: {exit}");
    }
    assert_all_gone(&report, GONE);
}

#[test]
fn stopped_member_does_not_stall_the_cancel() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("stopped"));
    sc.spawn("stopped", &fixture_argv(report.path(), &["stopped-member"]), json!({}));
    let child = report.wait_role("child");
    // Wait until it really is stopped: a stopped process does not act on
    // SIGTERM, which is what this test is about.
    let deadline = Instant::now() + HANG;
    while stat(child.pid).map(|s| s.state) != Some('T') {
        assert!(Instant::now() < deadline, "child {} never stopped", child.pid);
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    sc.cancel("stopped");
    let exit = sc.wait_exit("stopped");
    // Hang guard only: the default ladder is 500 ms.
    assert!(started.elapsed() < Duration::from_secs(10), "cancel took {:?}", started.elapsed());
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    assert_all_gone(&report, GONE);
}

/// Every node's first reported signal is SIGINT and every node got one.
fn assert_sigint_first_everywhere(report: &Report, procs: &[report::Proc]) {
    let lines = report.lines();
    for p in procs {
        let got = report::signals_in(&lines, p.pid);
        assert_eq!(
            got.first().map(String::as_str),
            Some("SIGINT"),
            "pid {} ({}) should first see SIGINT, saw {got:?}",
            p.pid,
            p.role
        );
    }
}

#[test]
fn ladder_signal_sigint_reaches_every_trap_node_first() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("trap"));
    let argv = fixture_argv(report.path(), &["trap", "--depth", "1", "--width", "2"]);
    sc.spawn("trap", &argv, json!({"ladder": {"signal": "SIGINT", "grace_ms": 1000}}));
    let procs = report.wait_procs(3);
    sc.cancel("trap");
    let exit = sc.wait_exit("trap");
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    // The trap nodes survive SIGINT, so the ladder had to end with SIGKILL.
    assert_eq!(exit["signal"], "SIGKILL", "exit: {exit}");
    assert_sigint_first_everywhere(&report, &procs);
    assert_all_gone(&report, GONE);
}

#[test]
fn cancel_signal_overrides_the_ladder_signal() {
    let dir = TestDir::new();
    let mut sc = Sidecar::start(&dir);
    let report = Report::new(dir.report("trap"));
    let argv = fixture_argv(report.path(), &["trap", "--depth", "1", "--width", "2", "--exit-on-signal"]);
    sc.spawn("trap", &argv, json!({}));
    let procs = report.wait_procs(3);
    sc.request(json!({"op": "cancel", "id": "trap", "signal": "SIGINT", "grace_ms": 5000}));
    let exit = sc.wait_exit("trap");
    assert_eq!(exit["reason"], "cancelled", "exit: {exit}");
    // Each node exits 0 on its first signal: that proves SIGINT came first
    // and no SIGKILL was needed within the long grace.
    assert_eq!(exit["code"], 0, "the root should exit 0 from its SIGINT handler: {exit}");
    assert_eq!(exit["killed_pids"], json!([]), "nothing needed SIGKILL: {exit}");
    assert_sigint_first_everywhere(&report, &procs);
    assert_all_gone(&report, GONE);
}
